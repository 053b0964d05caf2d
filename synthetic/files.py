"""Writing order CSV files fast: buffered, encoded once per chunk, exact bytes per seed."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from types import TracebackType

from contract.orders import REJECT_REASONS
from synthetic.lines import FileFormat, Line, LineFactory, line_values
from synthetic.rejects import bad_values

_CHUNK_ROWS = 20_000
_RECENT = 64  # duplicates re-send one of the last valid lines of the file


class RowWriter:
    """Appends rows to one CSV file; lone surrogates become the raw (invalid) bytes."""

    def __init__(self, path: Path, fmt: FileFormat) -> None:
        self.path = path
        self.template = fmt.template()
        self.rows = 0
        self.bytes = 0
        self._buf: list[str] = [fmt.header()]
        self._file = path.open("wb")

    def write(self, values: dict[str, str]) -> None:
        self._buf.append(self.template.format_map(values))
        self.rows += 1
        if len(self._buf) >= _CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self._buf).encode("utf-8", "surrogateescape")
        self._file.write(data)
        self.bytes += len(data)
        self._buf = []

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._flush()
        self._file.close()


def plan_bad_rows(
    rows_per_file: list[int], fraction: float, rng: random.Random
) -> list[dict[int, str]]:
    """Row index -> reject reason, per file.

    Any fraction > 0 yields at least one row per reason (if the files are big enough),
    reasons in turn so each is about equally common. Row 0 of a file is always valid,
    so a duplicate always has an earlier line to repeat.
    """
    plans: list[dict[int, str]] = [{} for _ in rows_per_file]
    capacity = [max(0, n - 1) for n in rows_per_file]
    if fraction <= 0 or sum(capacity) == 0:
        return plans
    wanted = max(len(REJECT_REASONS), round(sum(rows_per_file) * fraction))
    total = min(sum(capacity), wanted)
    counts = [total * c // sum(capacity) for c in capacity]
    for i in range(len(counts)):
        while sum(counts) < total and counts[i] < capacity[i]:
            counts[i] += 1
    reasons = [REJECT_REASONS[i % len(REJECT_REASONS)] for i in range(total)]
    start = 0
    for plan, n_rows, n_bad in zip(plans, rows_per_file, counts, strict=True):
        slots = rng.sample(range(1, n_rows), n_bad)
        plan.update(zip(slots, reasons[start : start + n_bad], strict=True))
        start += n_bad
    return plans


def write_generated_file(
    writer: RowWriter,
    fmt: FileFormat,
    n_rows: int,
    bad_plan: dict[int, str],
    factory: LineFactory,
    next_seq: int,
) -> tuple[Counter[str], int]:
    """Fill one file with whole orders (never split across files); returns bad counts, next seq."""
    rng = factory.rng
    bad: Counter[str] = Counter()
    pending: list[Line] = []
    recent: list[Line] = []
    for i in range(n_rows):
        if not pending:
            pending = factory.order(next_seq, max_lines=n_rows - i)
            pending.reverse()
            next_seq += 1
        line = pending.pop()
        reason = bad_plan.get(i)
        if reason is None:
            writer.write(line_values(line, fmt, rng))
            if len(recent) < _RECENT:
                recent.append(line)
            else:
                recent[i % _RECENT] = line
        else:
            earlier = recent[int(rng.random() * len(recent))] if recent else None
            writer.write(bad_values(reason, line, earlier, fmt, rng))
            bad[reason] += 1
    return bad, next_seq
