"""Bad rows for the generator: one per reject reason of the input contract
(``contract.orders.ROW_REASONS``); a new reason needs nothing here, its contract
example is used.

Each bad row is a real line spoiled in one field, so the job's reject report can be
checked reason by reason. A row spoiled by ``invalid_encoding`` necessarily fails a
later rule too (the garbled field no longer validates); every other bad row fails only
its own rule, which makes it the row's ``reject_reason``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from contract.orders import DUPLICATE_KEY, ID_COLUMNS, REQUIRED_COLUMNS, ROW_REASONS, Reason
from synthetic.lines import ES, FileFormat, Line, line_values

# Lone surrogates encode (errors="surrogateescape") to the raw bytes 0xF1, 0xE9, 0xFF, 0xC3:
# Latin-1 "ñ", "é", a never-valid byte, and a UTF-8 lead byte without its continuation.
_RAW_BYTES = ("\udcf1", "\udce9", "\udcff", "\udcc3")
_ENCODING_FIELDS = ("client_id", "product_id", "channel", "status")
_BAD_IDS = (" 2", "!", "/", "ñ", "#")
_BAD_CHANNELS = ("fax", "web", "telefono", "marketplace")
_BAD_STATUSES = ("lost", "enviado", "refunded", "on hold")
_BAD_QUANTITIES = {"iso": ("0", "-3", "2.5", "abc", "1000001"), ES: ("0", "-3", "2,5", "dos")}
_BAD_PRICES = {
    "iso": ("-1.00", "12.345", "abc", "10000000.00", "€12.50"),
    ES: ("-1,00", "12,345", "abc", "10.000.000,00", "12,50 €"),
}
_BAD_DATES = {
    "iso": ("2026-02-30", "1999-12-31", "2999-01-01", "2026/03/05", "yesterday", "05-03-2026"),
    ES: ("30/02/2026", "31/12/1999", "01/01/2999", "32/01/2026", "2026/03/05"),
}

Spoiler = Callable[[dict[str, str], FileFormat, random.Random], None]


def _encoding(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    field = rng.choice(_ENCODING_FIELDS)
    cut = rng.randint(1, len(v[field].strip()))
    v[field] = v[field][:cut] + rng.choice(_RAW_BYTES) + v[field][cut:]


def _missing(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v[rng.choice(REQUIRED_COLUMNS)] = rng.choice(("", "  "))


def _bad_id(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    field = rng.choice(ID_COLUMNS)
    if rng.random() < 0.2:
        v[field] = v[field].strip() + "X" * 64  # longer than 64 characters
    else:
        cut = rng.randint(1, len(v[field].strip()) - 1)
        v[field] = v[field][:cut] + rng.choice(_BAD_IDS) + v[field][cut:]


def _channel(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v["channel"] = rng.choice(_BAD_CHANNELS)


def _status(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v["status"] = rng.choice(_BAD_STATUSES)


def _quantity(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v["quantity"] = rng.choice(_BAD_QUANTITIES[fmt.kind])


def _price(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v["unit_price"] = rng.choice(_BAD_PRICES[fmt.kind])


def _date(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
    v["order_date"] = rng.choice(_BAD_DATES[fmt.kind])


_SPOILERS: dict[str, Spoiler] = {
    "invalid_encoding": _encoding,
    "missing_required_field": _missing,
    "invalid_id": _bad_id,
    "unknown_channel": _channel,
    "unknown_status": _status,
    "invalid_quantity": _quantity,
    "invalid_unit_price": _price,
    "invalid_date": _date,
}


def _from_example(reason: Reason) -> Spoiler:
    """A reason with no spoiler of its own here: its contract example, as written."""
    if reason.example is None:
        raise RuntimeError(f"contract reason {reason.code!r} has no example to generate from")
    column, value = reason.example

    def _spoil(v: dict[str, str], fmt: FileFormat, rng: random.Random) -> None:
        v[column] = value

    return _spoil


# Every per-row reason of the contract: the richer spoilers above, else the contract example.
SPOILERS: dict[str, Spoiler] = {
    r.code: _SPOILERS.get(r.code) or _from_example(r)
    for r in ROW_REASONS
    if r.code != DUPLICATE_KEY
}


def bad_values(
    reason: str, line: Line, earlier: Line | None, fmt: FileFormat, rng: random.Random
) -> dict[str, str]:
    """The values of a row rejected for ``reason``.

    ``line`` is a fresh line the row replaces; for ``duplicate_key`` the row instead
    re-sends ``earlier`` (a valid line already written to the same file) with a new quantity.
    """
    if reason == DUPLICATE_KEY:
        if earlier is None:
            raise ValueError("duplicate_key needs a valid line earlier in the same file")
        quantity = 1 + earlier.quantity % 48
        return line_values(earlier._replace(quantity=quantity), fmt, rng)
    values = line_values(line, fmt, rng)
    SPOILERS[reason](values, fmt, rng)
    return values
