"""Pure checks the upload trigger runs before any Spark starts.

The header rules come from `transforms.contract` (the same lists the Glue job
enforces), so a file the trigger accepts is a file the job can read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from transforms.contract import (
    CSV_EXTENSION,
    DELIMITERS,
    REQUIRED_COLUMNS,
    normalise_header,
)

# Whole-file reasons: the contract's names where the job has one, plus the trigger's own.
NOT_CSV = "not_csv"
EMPTY_FILE = "empty_file"
UNREADABLE_HEADER = "unreadable_header"
MISSING_COLUMNS = "missing_columns"
FILE_TOO_LARGE = "file_too_large"
TRIGGER_REASONS = (NOT_CSV, EMPTY_FILE, FILE_TOO_LARGE, UNREADABLE_HEADER, MISSING_COLUMNS)

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Rejection:
    """Why a file is refused: a reason code and a human-readable detail."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Header:
    """An accepted header: its delimiter and normalised column names."""

    delimiter: str
    columns: tuple[str, ...]


def check_object(key: str, size: int, max_bytes: int) -> Rejection | None:
    """Checks that need only the key and the size (no GET)."""
    if not key.lower().endswith(CSV_EXTENSION):
        return Rejection(NOT_CSV, f"extension is not {CSV_EXTENSION}: {key!r}")
    if size <= 0:
        return Rejection(EMPTY_FILE, "the object is 0 bytes")
    if size > max_bytes:
        return Rejection(FILE_TOO_LARGE, f"{size} bytes exceeds the maximum of {max_bytes}")
    return None


def _first_line(head: bytes, complete: bool) -> bytes | Rejection:
    """The first non-blank line of the file start; blank lines are ignored like the job does."""
    body = head.removeprefix(UTF8_BOM)
    lines = body.split(b"\n")
    # The last piece is only a whole line if the ranged GET reached the end of the file.
    whole, tail = lines[:-1], lines[-1]
    for line in [*whole, tail] if complete else whole:
        if line.strip(b" \t\r"):
            return line.rstrip(b"\r")
    if complete:
        return Rejection(EMPTY_FILE, "the file holds only blank lines")
    return Rejection(UNREADABLE_HEADER, f"no complete header line in the first {len(head)} bytes")


def _missing(columns: list[str]) -> list[str]:
    present = {normalise_header(c) for c in columns}
    return [c for c in REQUIRED_COLUMNS if c not in present]


def parse_header(head: bytes, complete: bool) -> Header | Rejection:
    """Decode the header line (UTF-8, optional BOM) and check the required columns.

    `head` is the start of the file from a ranged GET; `complete` says whether it
    is the whole file. The delimiter is whichever of the contract's delimiters
    yields every required column.
    """
    line = _first_line(head, complete)
    if isinstance(line, Rejection):
        return line
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(UNREADABLE_HEADER, f"header is not valid UTF-8 ({exc.reason})")
    best: tuple[str, list[str]] | None = None
    for delimiter in DELIMITERS:
        fields = next(csv.reader([text], delimiter=delimiter), [])
        missing = _missing(fields)
        if not missing:
            return Header(delimiter, tuple(normalise_header(f) for f in fields))
        if best is None or len(missing) < len(best[1]):
            best = (delimiter, missing)
    assert best is not None
    return Rejection(MISSING_COLUMNS, f"missing required columns: {', '.join(best[1])}")
