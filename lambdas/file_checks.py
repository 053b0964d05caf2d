"""Pure checks the upload validation runs before any Spark starts.

The header check is the Glue job's own (`contract.header`, built on the lists in
`contract.orders`), so a file the validation accepts is a file the job can read; the
whole-file reason codes are the contract's (`contract.orders.FILE_REASONS`).
"""

from __future__ import annotations

from dataclasses import dataclass

from contract.header import inspect_header
from contract.orders import CSV_EXTENSION, EMPTY_FILE, FILE_TOO_LARGE, NOT_CSV


@dataclass(frozen=True)
class Rejection:
    """Why a file is refused: a reason code and a human-readable detail."""

    reason: str
    detail: str


def check_object(key: str, size: int, max_bytes: int) -> Rejection | None:
    """Checks that need only the key and the size (no GET)."""
    if not key.lower().endswith(CSV_EXTENSION):
        return Rejection(NOT_CSV, f"extension is not {CSV_EXTENSION}: {key!r}")
    if size <= 0:
        return Rejection(EMPTY_FILE, "the object is 0 bytes")
    if size > max_bytes:
        return Rejection(FILE_TOO_LARGE, f"{size} bytes exceeds the maximum of {max_bytes}")
    return None


def check_header(head: bytes, complete: bool) -> Rejection | None:
    """The job's own header check (`contract.header`) on the ranged GET's bytes, so the
    validation accepts exactly the files the job loads."""
    result = inspect_header(head, complete)
    return None if result.ok else Rejection(str(result.reason), result.detail)
