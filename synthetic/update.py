"""Update mode: one file that re-sends recent lines with a new status and adds new lines.

Status changes concentrate on the most recent days, as they do in the business (orders
get shipped, delivered, returned days after they are placed), so an incremental load
touches few partitions. Existing sets are read twice, streaming, so memory stays small:
pass 1 finds the valid lines and their dates, pass 2 fetches only the chosen ones.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.orders import CHANNELS, REJECT_REASONS, REQUIRED_COLUMNS, STATUSES
from synthetic.files import RowWriter
from synthetic.lines import (
    DEFAULT_CLIENTS,
    DEFAULT_PRODUCTS,
    FileFormat,
    Line,
    LineFactory,
    build_pools,
    line_values,
)
from synthetic.reader import latest_valid_date, list_inputs, order_seq, parse_line, read_rows
from synthetic.rejects import bad_values

# Where a re-sent line's status goes next; any status missing here moves to another one.
_NEXT_STATUS = {
    "pending": ("confirmed", "confirmed", "cancelled"),
    "confirmed": ("shipped", "shipped", "cancelled"),
    "shipped": ("delivered",),
    "delivered": ("returned",),
    "cancelled": ("confirmed",),
    "returned": ("delivered",),
}
if not {s for k, v in _NEXT_STATUS.items() for s in (k, *v)} <= set(STATUSES):
    raise RuntimeError("status transitions name values outside contract.orders")


@dataclass(frozen=True)
class UpdateOptions:
    source: Path
    target: Path
    seed: int
    update_fraction: float
    new_fraction: float
    move_fraction: float
    window_days: int
    kind: str
    bad_fraction: float
    clients: int = DEFAULT_CLIENTS
    products: int = DEFAULT_PRODUCTS


@dataclass
class Scan:
    """Pass 1: every valid line's position (file << 32 | row) and date ordinal."""

    files: list[Path]
    positions: array[int]
    ordinals: array[int]
    max_seq: int


def scan(files: list[Path], latest: dt.date) -> Scan:
    positions, ordinals, max_seq = array("Q"), array("I"), 0
    for f_idx, path in enumerate(files):
        seen: set[int] = set()  # key hashes: the job keeps the first line of a key per file
        for r_idx, (cols, row) in enumerate(read_rows(path)):
            line = parse_line(cols, row, latest)
            if line is not None and hash((line.order_id, line.product_id)) not in seen:
                seen.add(hash((line.order_id, line.product_id)))
                positions.append(f_idx << 32 | r_idx)
                ordinals.append(line.order_date.toordinal())
                max_seq = max(max_seq, order_seq(line.order_id))
    return Scan(files, positions, ordinals, max_seq)


def window_start(ordinals: array[int], window_days: int, needed: int) -> int:
    """First day of the last ``window_days`` days, widened until it holds ``needed`` lines."""
    per_day = Counter(ordinals)
    days = sorted(per_day, reverse=True)
    held = 0
    for i, day in enumerate(days):
        held += per_day[day]
        if i + 1 >= window_days and held >= needed:
            return day
    return days[-1]


def fetch(data: Scan, chosen: set[int], latest: dt.date) -> list[Line]:
    """Pass 2: the chosen lines, each in the version the job keeps (last file, first row)."""
    picked: dict[tuple[str, str], tuple[int, Line]] = {}
    for f_idx, path in enumerate(data.files):
        for r_idx, (cols, row) in enumerate(read_rows(path)):
            key = (row[cols.index["order_id"]].strip(), row[cols.index["product_id"]].strip())
            # Within a file the job keeps the first line of a key; a later file wins.
            if (f_idx << 32 | r_idx) in chosen or (key in picked and picked[key][0] < f_idx):
                line = parse_line(cols, row, latest)
                if line is not None and (key not in picked or picked[key][0] < f_idx):
                    picked[key] = (f_idx, line)
    return [line for _, line in picked.values()]


def changed(line: Line, move: bool, window: list[dt.date], rng: random.Random) -> Line:
    """A new status; a moved line also changes order_date (or channel) to a new partition."""
    options = _NEXT_STATUS.get(line.status) or tuple(s for s in STATUSES if s != line.status)
    line = line._replace(status=rng.choice(options))
    if not move:
        return line
    other_days = [d for d in window if d != line.order_date]
    if other_days and rng.random() < 0.5:
        return line._replace(order_date=rng.choice(other_days))
    return line._replace(channel=rng.choice([c for c in CHANNELS if c != line.channel]))


def _new_lines(opts: UpdateOptions, count: int, window: list[dt.date], seq: int) -> list[Line]:
    pools = build_pools(opts.seed, opts.clients, opts.products)
    factory = LineFactory(random.Random(f"new-{opts.seed}"), pools, tuple(window))
    lines: list[Line] = []
    while len(lines) < count:
        lines += factory.order(seq, max_lines=count - len(lines))
        seq += 1
    return lines


def write_update_file(opts: UpdateOptions) -> dict[str, Any]:
    latest = latest_valid_date()
    data = scan(list_inputs(opts.source, opts.target), latest)
    if not data.positions:
        raise SystemExit(f"error: no valid order lines found in {opts.source}")
    rng = random.Random(f"update-{opts.seed}")
    n_valid = len(data.positions)
    n_resend = min(n_valid, round(n_valid * opts.update_fraction))
    start = window_start(data.ordinals, opts.window_days, n_resend)
    candidates = [k for k, day in enumerate(data.ordinals) if day >= start]
    chosen = {data.positions[k] for k in rng.sample(candidates, n_resend)}
    resent = fetch(data, chosen, latest)
    window = [dt.date.fromordinal(d) for d in range(start, max(data.ordinals) + 1)]
    n_moves = min(len(resent), max(1, round(len(resent) * opts.move_fraction)))
    moves = set(rng.sample(range(len(resent)), n_moves)) if opts.move_fraction > 0 else set()
    updates = [changed(line, i in moves, window, rng) for i, line in enumerate(resent)]
    n_new = round(n_valid * opts.new_fraction)
    new = _new_lines(opts, n_new, window, data.max_seq + 1)
    fmt = FileFormat(kind=opts.kind, keys=REQUIRED_COLUMNS)
    with RowWriter(opts.target, fmt) as writer:
        bad = _write_lines(writer, fmt, updates + new, opts, data.max_seq + 1 + n_new, rng)
    return {
        "mode": "update",
        "files": 1,
        "rows": writer.rows,
        "resent": len(updates),
        "moved": len(moves),
        "new": len(new),
        "bad_rows": sum(bad.values()),
        "bad_by_reason": {r: bad[r] for r in REJECT_REASONS if bad[r]},
        "bytes": writer.bytes,
        "existing_valid_lines": n_valid,
        "window": [window[0].isoformat(), window[-1].isoformat()],
    }


def _write_lines(
    writer: RowWriter,
    fmt: FileFormat,
    good: list[Line],
    opts: UpdateOptions,
    bad_seq: int,
    rng: random.Random,
) -> Counter[str]:
    """Good lines in order, with bad rows (one per reason at least) slipped in after the first."""
    n_bad = 0
    if opts.bad_fraction > 0 and good:
        n_bad = max(len(REJECT_REASONS), round(len(good) * opts.bad_fraction))
    slots = rng.sample(range(1, len(good) + n_bad), n_bad)
    reasons = {slot: REJECT_REASONS[i % len(REJECT_REASONS)] for i, slot in enumerate(slots)}
    spoilable = _new_lines(opts, n_bad, [good[0].order_date] if good else [], bad_seq)
    bad: Counter[str] = Counter()
    lines = iter(good)
    written: list[Line] = []
    for i in range(len(good) + n_bad):
        reason = reasons.get(i)
        if reason is None:
            written.append(next(lines))
            writer.write(line_values(written[-1], fmt, rng))
        else:
            earlier = written[int(rng.random() * len(written))]
            writer.write(bad_values(reason, spoilable.pop(), earlier, fmt, rng))
            bad[reason] += 1
    return bad
