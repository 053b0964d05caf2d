"""The input contract and output vocabulary, in one place.

Pure Python (no PySpark) so the upload trigger, the Athena DDL check and the API
validate against exactly the lists the Glue job enforces.
"""

from __future__ import annotations

import re
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

MIN_QUANTITY: Final[int] = 1
MAX_QUANTITY: Final[int] = 1_000_000
MAX_UNIT_PRICE: Final[str] = "9999999.99"
MIN_ORDER_DATE: Final[str] = "2000-01-01"
# Orders may be dated up to this many days after the run date (time zones, early posting).
MAX_DAYS_AHEAD: Final[int] = 1

# Row rules in precedence order: a row failing several gets the first as reject_reason.
REJECT_REASONS: Final[tuple[str, ...]] = (
    "invalid_encoding",
    "missing_required_field",
    "invalid_id",
    "unknown_channel",
    "unknown_status",
    "invalid_quantity",
    "invalid_unit_price",
    "invalid_date",
    "duplicate_key",
)

# Whole-file outcomes in the run report.
FILE_OK: Final[str] = "ok"
FILE_REJECTED: Final[str] = "rejected"
FILE_SKIPPED: Final[str] = "skipped"
FILE_REASONS: Final[tuple[str, ...]] = (
    "missing_columns",
    "empty_file",
    "unreadable_header",
    "not_csv",
)


def normalise_header(name: str) -> str:
    """Header names match after trimming, lower-casing and dropping a UTF-8 BOM."""
    return name.replace("\ufeff", "").strip().lower()


def is_valid_id(value: str) -> bool:
    """The whole value (``match`` would let ``$`` stop before a trailing newline)."""
    return bool(ID_REGEX.fullmatch(value))
