"""Reading an existing order set back, for update mode.

A light, pure-Python reading of the input contract: good enough to tell which lines the
job would accept (only those are worth re-sending), never a second validator to trust.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from contract.orders import (
    CHANNELS,
    CSV_EXTENSION,
    MAX_DAYS_AHEAD,
    MAX_QUANTITY,
    MAX_UNIT_PRICE,
    MIN_ORDER_DATE,
    REQUIRED_COLUMNS,
    STATUSES,
    is_valid_id,
    normalise_header,
)
from synthetic.lines import Line

_ISO_PRICE = re.compile(r"^([0-9]+)(?:\.([0-9]{1,2}))?$")
_ES_PRICE = re.compile(r"^([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,([0-9]{1,2}))?$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T.*)?$")
_DMY_DATE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
_SEQ = re.compile(r"^ORD-[0-9]{4}-([0-9]+)$")
_MAX_CENTS = round(float(MAX_UNIT_PRICE) * 100)
_CHANNELS, _STATUSES = frozenset(CHANNELS), frozenset(STATUSES)
_EARLIEST = dt.date.fromisoformat(MIN_ORDER_DATE)


def list_inputs(source: Path, exclude: Path) -> list[Path]:
    """The CSVs the job would read from ``source`` (path order), minus the file we write."""
    if source.is_file():
        files = [source]
    else:
        files = sorted(p for p in source.iterdir() if p.suffix.lower() == CSV_EXTENSION)
    return [p for p in files if p.resolve() != exclude.resolve()]


@dataclass(frozen=True)
class Columns:
    """Where each required column sits in one file, and its locale."""

    index: dict[str, int]
    spanish: bool


def read_rows(path: Path) -> Iterator[tuple[Columns, list[str]]]:
    """Data rows of one file with its column map; files missing a column yield nothing."""
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as f:
        header_line = f.readline()
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        names = [normalise_header(h) for h in header]
        if not set(REQUIRED_COLUMNS) <= set(names):
            return
        cols = Columns({c: names.index(c) for c in REQUIRED_COLUMNS}, delimiter == ";")
        width = max(cols.index.values()) + 1
        for row in csv.reader(f, delimiter=delimiter):
            if len(row) >= width:
                yield cols, row


def parse_line(cols: Columns, row: list[str], latest: dt.date) -> Line | None:
    """The row as a Line if the contract would accept it (duplicates aside), else None."""
    ix = cols.index
    order_id, client_id, product_id = (
        row[ix["order_id"]].strip(),
        row[ix["client_id"]].strip(),
        row[ix["product_id"]].strip(),
    )
    channel = row[ix["channel"]].strip().lower()
    status = row[ix["status"]].strip().lower()
    if not (is_valid_id(order_id) and is_valid_id(client_id) and is_valid_id(product_id)):
        return None
    if channel not in _CHANNELS or status not in _STATUSES:
        return None
    quantity = row[ix["quantity"]].strip()
    if not (quantity.isascii() and quantity.isdigit()) or not 1 <= int(quantity) <= MAX_QUANTITY:
        return None
    cents = parse_cents(row[ix["unit_price"]].strip(), cols.spanish)
    day = parse_date(row[ix["order_date"]].strip(), latest)
    if cents is None or day is None:
        return None
    return Line(order_id, client_id, product_id, channel, int(quantity), cents, status, day)


def parse_cents(text: str, spanish: bool) -> int | None:
    m = (_ES_PRICE if spanish else _ISO_PRICE).match(text)
    if m is None:
        return None
    whole = int(m.group(1).replace(".", "") if spanish else m.group(1))
    cents = whole * 100 + int((m.group(2) or "0").ljust(2, "0"))
    return cents if cents <= _MAX_CENTS else None


def parse_date(text: str, latest: dt.date) -> dt.date | None:
    m = _ISO_DATE.match(text)
    if m is not None:
        y, mo, d = m.group(1), m.group(2), m.group(3)
    else:
        m = _DMY_DATE.match(text)
        if m is None:
            return None
        d, mo, y = m.group(1), m.group(2), m.group(3)
    try:
        day = dt.date(int(y), int(mo), int(d))
    except ValueError:
        return None
    return day if _EARLIEST <= day <= latest else None


def latest_valid_date() -> dt.date:
    return dt.date.today() + dt.timedelta(days=MAX_DAYS_AHEAD)


def order_seq(order_id: str) -> int:
    """The running number of a generated order ID (0 for other IDs)."""
    m = _SEQ.match(order_id)
    return int(m.group(1)) if m else 0
