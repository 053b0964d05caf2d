"""Header sniffing: delimiter detection and required-column check on a file's first bytes.

Pure Python, shared by the Glue job (per input file) and the upload validation (on a
ranged GET), so both accept and reject exactly the same files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from contract.orders import (
    COMPRESSED_FILE,
    DELIMITERS,
    EMPTY_FILE,
    HEADER_MAX_BYTES,
    MISSING_COLUMNS,
    REQUIRED_COLUMNS,
    UNREADABLE_HEADER,
    WRONG_ENCODING,
    normalise_header,
)

BOM = b"\xef\xbb\xbf"
# The first bytes of compressed data (gzip, zip, bzip2, xz, zstd).
COMPRESSED_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}
WIDE_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32 (little-endian)",
    b"\x00\x00\xfe\xff": "UTF-32 (big-endian)",
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
}


@dataclass(frozen=True)
class HeaderCheck:
    """Outcome of reading a header: ``reason`` is None when the file can be loaded."""

    reason: str | None
    detail: str = ""
    delimiter: str | None = None
    columns: tuple[str, ...] = field(default=())  # raw header tokens, in file order

    @property
    def ok(self) -> bool:
        return self.reason is None


def required_positions(columns: tuple[str, ...]) -> dict[str, int]:
    """Required column -> its position in a header (first occurrence wins)."""
    index: dict[str, int] = {}
    for position, name in enumerate(columns):
        index.setdefault(normalise_header(name), position)
    return {name: index[name] for name in REQUIRED_COLUMNS}


def _first_line(head: bytes, complete: bool) -> bytes | None:
    """The first non-blank line, or None when the head holds no complete line."""
    lines = head.split(b"\n")
    for position, line in enumerate(lines):
        is_last = position == len(lines) - 1
        if is_last and not complete:
            return None
        if line.strip():
            return line.rstrip(b"\r")
    return b""


def _not_text(head: bytes) -> HeaderCheck | None:
    """Compressed or wide-character content, which no CSV reading can load."""
    for magic, kind in COMPRESSED_MAGIC.items():
        if head.startswith(magic):
            return HeaderCheck(COMPRESSED_FILE, f"the file holds {kind} data, not CSV text")
    for bom, kind in WIDE_BOMS.items():
        if head.startswith(bom):
            return HeaderCheck(WRONG_ENCODING, f"the file is {kind}; the job reads UTF-8")
    if b"\x00" in head.split(b"\n", 1)[0]:
        return HeaderCheck(WRONG_ENCODING, "NUL bytes in the header: UTF-16 or UTF-32 text")
    return None


def inspect_header(head: bytes, complete: bool) -> HeaderCheck:
    """Check a file's first bytes; ``complete`` says the head is the whole file."""
    not_text = _not_text(head)
    if not_text is not None:
        return not_text
    head = head.removeprefix(BOM)
    if not head.strip():
        return HeaderCheck(EMPTY_FILE, "the file has no header line")
    line = _first_line(head, complete)
    if line is None:
        return HeaderCheck(
            UNREADABLE_HEADER, f"no line break in the first {HEADER_MAX_BYTES} bytes"
        )
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as err:
        return HeaderCheck(UNREADABLE_HEADER, f"header is not valid UTF-8 ({err.reason})")
    best: tuple[int, str, tuple[str, ...], list[str]] | None = None
    for delimiter in DELIMITERS:
        columns = tuple(next(csv.reader([text], delimiter=delimiter)))
        present = {normalise_header(c) for c in columns}
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        if not missing:
            return HeaderCheck(None, delimiter=delimiter, columns=columns)
        score = len(REQUIRED_COLUMNS) - len(missing)
        if best is None or score > best[0]:
            best = (score, delimiter, columns, missing)
    assert best is not None
    return HeaderCheck(
        MISSING_COLUMNS,
        "missing required columns: " + ", ".join(best[3]),
        delimiter=best[1],
        columns=best[2],
    )
