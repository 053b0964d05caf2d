"""The input contract and output vocabulary, in one place.

Pure Python (no PySpark) so the upload validation, the Athena DDL check and the API
validate against exactly the lists the Glue job enforces.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

CHANNELS: Final[tuple[str, ...]] = ("online", "store", "distributor", "phone")
STATUSES: Final[tuple[str, ...]] = (
    "pending",
    "confirmed",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
)
# Lines in these statuses are not net sales (they still count in order_status_daily).
NON_SALE_STATUSES: Final[tuple[str, ...]] = ("cancelled", "returned")

REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "order_id",
    "client_id",
    "product_id",
    "channel",
    "quantity",
    "unit_price",
    "status",
    "order_date",
)
ID_COLUMNS: Final[tuple[str, ...]] = ("order_id", "client_id", "product_id")
ORDER_KEY: Final[tuple[str, ...]] = ("order_id", "product_id")

ID_PATTERN: Final[str] = r"^[A-Za-z0-9_-]{1,64}$"
ID_REGEX: Final[re.Pattern[str]] = re.compile(ID_PATTERN)

DELIMITERS: Final[tuple[str, ...]] = (",", ";")
CSV_EXTENSION: Final[str] = ".csv"
# A header line longer than this is not an order file.
HEADER_MAX_BYTES: Final[int] = 64 * 1024

MIN_QUANTITY: Final[int] = 1
MAX_QUANTITY: Final[int] = 1_000_000
MAX_UNIT_PRICE: Final[str] = "9999999.99"
# The earliest order date a deployment may accept, and a local run's first order date. A
# deployment sets its own (config `first_order_date`, the job's `--first_order_date`): the
# same date starts Athena's partition projection, so every accepted order is visible there.
MIN_ORDER_DATE: Final[str] = "2000-01-01"
FIRST_ORDER_DATE: Final[dt.date] = dt.date.fromisoformat(MIN_ORDER_DATE)
# Orders may be dated up to this many days after the run date (time zones, early posting).
MAX_DAYS_AHEAD: Final[int] = 1


def _names(columns: tuple[str, ...], conjunction: str) -> str:
    """`a`, `b` or `c`"""
    quoted = [f"`{c}`" for c in columns]
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


@dataclass(frozen=True)
class Reason:
    """One reject reason: its code, when it applies (the docs' wording) and, for row reasons,
    an example: (column, value) that makes an otherwise valid row, of either file format, fail
    this rule first. The data generator spoils rows with it; a test checks it against the rules.
    """

    code: str
    when: str
    example: tuple[str, str] | None = None


DUPLICATE_KEY: Final[str] = "duplicate_key"

# Row rules in precedence order: a row failing several gets the first as reject_reason.
# All but DUPLICATE_KEY are per-row rules (transforms/rules.py, one per code); DUPLICATE_KEY
# depends on other rows of the file and is applied by staging to otherwise-valid rows only,
# so it must stay last.
ROW_REASONS: Final[tuple[Reason, ...]] = (
    Reason(
        "invalid_encoding",
        "a required field holds bytes that are not valid UTF-8 (Spark decodes them to U+FFFD, "
        "which is what is detected; a literal U+FFFD in the data is treated the same)",
        ("status", "deliver\ufffded"),
    ),
    Reason(
        "missing_required_field",
        "a required field is empty (or missing because the line has too few fields)",
        ("product_id", ""),
    ),
    Reason(
        "invalid_id",
        f"{_names(ID_COLUMNS, 'or')} does not match `{ID_PATTERN}`",
        ("order_id", "ORD 1"),
    ),
    Reason(
        "unknown_channel",
        f"lower-cased channel not in `{', '.join(CHANNELS)}`",
        ("channel", "fax"),
    ),
    Reason(
        "unknown_status",
        f"lower-cased status not in `{', '.join(STATUSES)}`",
        ("status", "lost"),
    ),
    Reason(
        "invalid_quantity",
        f"not a whole number (digits only) from {MIN_QUANTITY:,} to {MAX_QUANTITY:,}",
        ("quantity", "0"),
    ),
    Reason(
        "invalid_unit_price",
        "not a number ≥ 0 with at most 2 decimals (in the file's locale, see above), "
        f"or above {float(MAX_UNIT_PRICE):,.2f}",
        ("unit_price", "abc"),
    ),
    Reason(
        "invalid_date",
        "not `yyyy-MM-dd`, `dd/MM/yyyy` or an ISO-8601 timestamp "
        "(`yyyy-MM-ddTHH:mm[:ss[.fff]][Z\\|±hh[:mm]]`, its date part is used as written, no "
        "time-zone shift), not a real calendar date, or outside "
        f"first order date … run date + {MAX_DAYS_AHEAD} day (the first order date is the "
        f"job's `--first_order_date`, default {MIN_ORDER_DATE}, on AWS the deployment's "
        "`first_order_date`, where Athena's partition projection starts; the run date is the "
        "UTC date the run started)",
        ("order_date", "1999-12-31"),
    ),
    Reason(
        DUPLICATE_KEY,
        f"an otherwise valid row whose key `({', '.join(ORDER_KEY)})` already appeared on an "
        "earlier otherwise-valid line of the same file; the first is kept. An earlier "
        "*invalid* line with the same key does not make a later valid one a duplicate: the "
        "valid one loads.",
    ),
)
REJECT_REASONS: Final[tuple[str, ...]] = tuple(r.code for r in ROW_REASONS)
# The per-row rules, in precedence order (everything but the cross-row DUPLICATE_KEY).
ROW_RULE_REASONS: Final[tuple[str, ...]] = tuple(c for c in REJECT_REASONS if c != DUPLICATE_KEY)

# Reasons the reader itself gives a record (job/records.py); they come before every
# row rule, so they are numbered 0 in the docs.
UNTERMINATED_QUOTE: Final[str] = "unterminated_quote"
READ_REASONS: Final[tuple[Reason, ...]] = (
    Reason(
        UNTERMINATED_QUOTE,
        "the record holds a quote that never closes (see above); given by the reader, ahead "
        "of every rule below",
    ),
)

# Whole-file outcomes in the run report.
FILE_OK: Final[str] = "ok"
FILE_REJECTED: Final[str] = "rejected"
FILE_SKIPPED: Final[str] = "skipped"

# Whole-file reasons. The job and the upload validation give the same ones (both use
# contract/header.py); FILE_TOO_LARGE is the validation's alone.
MISSING_COLUMNS: Final[str] = "missing_columns"
EMPTY_FILE: Final[str] = "empty_file"
UNREADABLE_HEADER: Final[str] = "unreadable_header"
NOT_CSV: Final[str] = "not_csv"
FILE_TOO_LARGE: Final[str] = "file_too_large"
COMPRESSED_FILE: Final[str] = "compressed_file"
WRONG_ENCODING: Final[str] = "wrong_encoding"
UNREADABLE_FILE: Final[str] = "unreadable_file"
FILE_REASONS: Final[tuple[Reason, ...]] = (
    Reason(MISSING_COLUMNS, "a required column is absent (the detail lists which)"),
    Reason(EMPTY_FILE, "no header line at all (the validation: the object is 0 bytes)"),
    Reason(
        UNREADABLE_HEADER,
        f"the header is not valid UTF-8, or there is no line break in the first "
        f"{HEADER_MAX_BYTES // 1024} KiB",
    ),
    Reason(
        NOT_CSV,
        f"the name does not end in `{CSV_EXTENSION}` (any case): the job lists the file as "
        "`skipped`, the validation quarantines it",
    ),
    Reason(FILE_TOO_LARGE, "the upload validation only: the object exceeds its `MAX_FILE_BYTES`"),
    Reason(
        COMPRESSED_FILE,
        "the body is gzip, zip, bzip2, xz or zstd data under a `.csv` name: upload it uncompressed",
    ),
    Reason(
        WRONG_ENCODING,
        "the file is UTF-16 or UTF-32 (a byte-order mark or NUL bytes in its header), as "
        "some spreadsheet exports are: save it as CSV UTF-8",
    ),
    Reason(
        UNREADABLE_FILE,
        "the job could not open or read the file (it vanished after the listing, access "
        "denied, a read error part-way): the detail holds the storage error; the run's "
        "other files still load",
    ),
)


def normalise_header(name: str) -> str:
    """Header names match after trimming, lower-casing and dropping a UTF-8 BOM."""
    return name.replace("\ufeff", "").strip().lower()


def is_valid_id(value: str) -> bool:
    """The whole value (``match`` would let ``$`` stop before a trailing newline)."""
    return bool(ID_REGEX.fullmatch(value))


# The Step Functions flow stages each upload as batches/<batch_id>/<upload time>/<key>. A
# copy's S3 LastModified is its copy time, so the upload time travels in the path, and the
# job orders file versions by it (newest upload wins, docs/data_contract.md).
STAGED_PREFIX: Final[str] = "batches/"
_STAGED_TIME = re.compile(r"(?:^|/)batches/[^/]+/(\d{8})T(\d{6})(\d{3})?Z/")


def upload_time_segment(event_time: str) -> str:
    """An S3 event's ``eventTime`` (``2026-11-21T09:00:00.123Z``) as a path segment
    (``20261121T090000123Z``); ``unknown`` when there is none."""
    digits = re.sub(r"[^0-9TZ]", "", event_time)
    return digits if re.fullmatch(r"\d{8}T\d{6}(\d{3})?Z", digits) else "unknown"


def staged_upload_time(path: str) -> dt.datetime | None:
    """The upload time (naive UTC) a staged file's path carries; None for any other path."""
    match = _STAGED_TIME.search(path)
    if match is None:
        return None
    day, clock, millis = match.groups()
    try:
        parsed = dt.datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return parsed + dt.timedelta(milliseconds=int(millis or 0))
