"""Generate realistic synthetic DuffBeer order CSVs, or an update file for an existing set.

Full mode writes ``--files`` CSVs (``orders_0000.csv`` ...) holding ``--rows`` data rows
in total. Update mode (``--update-of``) writes ONE file, ``orders_update.csv``, that
re-sends some existing lines with a new status (a few moved to another date or
channel) and adds new lines. The same arguments always give the same bytes.
Prints a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from contract.orders import CSV_EXTENSION, MAX_DAYS_AHEAD, MIN_ORDER_DATE, REJECT_REASONS
from synthetic.files import RowWriter, plan_bad_rows, write_generated_file
from synthetic.lines import (
    DEFAULT_CLIENTS,
    DEFAULT_PRODUCTS,
    FORMATS,
    MAX_CLIENTS,
    MAX_PRODUCTS,
    MIN_PRODUCTS,
    LineFactory,
    build_pools,
    file_format_for,
)
from synthetic.update import UpdateOptions, write_update_file

DEFAULT_START = "2026-03-02"  # fixed, so output does not depend on the day it is generated
UPDATE_FILE = "orders_update.csv"


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5, got {text}")
    return value


def _bounded(least: int, most: int | None = None) -> Callable[[str], int]:
    """An argparse type: an int from ``least`` to ``most`` (no upper bound if None)."""

    def parse(text: str) -> int:
        value = int(text)
        if most is None and value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {text}")
        if most is not None and not least <= value <= most:
            raise argparse.ArgumentTypeError(f"must be {least}..{most}, got {text}")
        return value

    return parse


_positive = _bounded(1)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m synthetic.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    p.add_argument("--rows", type=_positive, help="data rows in total, bad rows included")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--files", type=_positive, default=4, help="number of files (default 4)")
    p.add_argument("--days", type=_positive, default=14, help="order dates span (default 14)")
    p.add_argument("--start-date", default=DEFAULT_START, help=f"first date ({DEFAULT_START})")
    p.add_argument(
        "--clients",
        type=_bounded(1, MAX_CLIENTS),
        default=DEFAULT_CLIENTS,
        help=f"distinct clients, a few big accounts and a long tail (default {DEFAULT_CLIENTS}); "
        "an update file's new lines need the full set's value",
    )
    p.add_argument(
        "--products",
        type=_bounded(MIN_PRODUCTS, MAX_PRODUCTS),
        default=DEFAULT_PRODUCTS,
        help=f"distinct products (default {DEFAULT_PRODUCTS}); an update file's new lines need "
        "the full set's value",
    )
    p.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help="file formats in turn: iso (',' ISO dates, LF) and es (';' decimal comma, "
        "dd/MM/yyyy, CRLF, BOM); default iso,es",
    )
    p.add_argument(
        "--bad-fraction",
        type=_fraction,
        default=0.01,
        help="share of rejected rows, at least one per reject reason when > 0 (default 0.01)",
    )
    p.add_argument(
        "--multiline-notes",
        action="store_true",
        help="the files with a notes column get notes with quoted line breaks (LF, CRLF), "
        "as spreadsheets export multi-line cells (RFC 4180); the job reads them record by record",
    )
    u = p.add_argument_group(
        "update mode",
        "--update-of writes one file for an incremental load (--rows/--files/--days unused);\n"
        "its bad rows (--bad-fraction) come on top of the good lines",
    )
    u.add_argument("--update-of", type=Path, help="existing generated CSV file or folder")
    u.add_argument(
        "--update-fraction",
        type=_fraction,
        default=0.01,
        help="share of existing valid lines re-sent with a new status (default 0.01)",
    )
    u.add_argument(
        "--new-fraction",
        type=_fraction,
        default=0.01,
        help="new lines to add, as a share of existing valid lines (default 0.01)",
    )
    u.add_argument(
        "--move-fraction",
        type=_fraction,
        default=0.05,
        help="share of re-sent lines that also change order_date or channel (default 0.05)",
    )
    u.add_argument(
        "--update-window-days",
        type=_positive,
        default=3,
        help="updates and new lines fall on the last N days of the set, widened if "
        "they hold too few lines (default 3)",
    )
    u.add_argument(
        "--update-format", choices=FORMATS, default=FORMATS[0], help="file format (default iso)"
    )
    return p


def _dates(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[dt.date, ...]:
    """The order dates, refused unless the contract accepts all of them today."""
    try:
        start = dt.date.fromisoformat(args.start_date)
    except ValueError:
        parser.error(f"--start-date must be YYYY-MM-DD, got {args.start_date!r}")
    end = start + dt.timedelta(days=args.days - 1)
    latest = dt.date.today() + dt.timedelta(days=MAX_DAYS_AHEAD)
    if start < dt.date.fromisoformat(MIN_ORDER_DATE) or end > latest:
        parser.error(f"dates {start}..{end} fall outside the valid {MIN_ORDER_DATE}..{latest}")
    return tuple(start + dt.timedelta(days=i) for i in range(args.days))


def _formats(text: str, parser: argparse.ArgumentParser) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    if not kinds or not set(kinds) <= set(FORMATS):
        parser.error(f"--formats takes a comma list of {', '.join(FORMATS)}; got {text!r}")
    return kinds


def _check_out(out: Path, names: set[str], parser: argparse.ArgumentParser) -> None:
    """Refuse to mix a new set with stale CSVs the job would also read."""
    if out.exists() and not out.is_dir():
        parser.error(f"--out {out} exists and is not a folder")
    csvs = (p.name for p in out.glob("*") if p.suffix.lower() == CSV_EXTENSION)
    stale = sorted(name for name in csvs if name not in names)
    if stale:
        parser.error(f"--out {out} already holds other CSV files ({', '.join(stale[:3])}...)")


def generate_full(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, Any]:
    if args.rows is None:
        parser.error("--rows is required (unless --update-of is given)")
    if args.files > args.rows:
        parser.error(f"--files ({args.files}) cannot exceed --rows ({args.rows})")
    days, kinds = _dates(args, parser), _formats(args.formats, parser)
    names = [f"orders_{i:04d}.csv" for i in range(args.files)]
    _check_out(args.out, set(names), parser)
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    factory = LineFactory(rng, build_pools(args.seed, args.clients, args.products), days)
    base, extra = divmod(args.rows, args.files)
    rows_per_file = [base + (i < extra) for i in range(args.files)]
    plans = plan_bad_rows(rows_per_file, args.bad_fraction, rng)
    bad: Counter[str] = Counter()
    total_bytes, seq = 0, 1
    for i, (name, n_rows, plan) in enumerate(zip(names, rows_per_file, plans, strict=True)):
        fmt = file_format_for(i, rng, kinds, args.multiline_notes)
        with RowWriter(args.out / name, fmt) as writer:
            file_bad, seq = write_generated_file(writer, fmt, n_rows, plan, factory, seq)
        bad += file_bad
        total_bytes += writer.bytes
    return {
        "mode": "full",
        "files": args.files,
        "rows": args.rows,
        "bad_rows": sum(bad.values()),
        "bad_by_reason": {r: bad[r] for r in REJECT_REASONS if bad[r]},
        "bytes": total_bytes,
        "dates": [days[0].isoformat(), days[-1].isoformat()],
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the CLI; returns the summary it prints (so tests and the benchmark can use it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.update_of is None:
        summary = generate_full(args, parser)
    else:
        if not args.update_of.exists():
            parser.error(f"--update-of {args.update_of} does not exist")
        args.out.mkdir(parents=True, exist_ok=True)
        options = UpdateOptions(
            source=args.update_of,
            target=args.out / UPDATE_FILE,
            seed=args.seed,
            update_fraction=args.update_fraction,
            new_fraction=args.new_fraction,
            move_fraction=args.move_fraction,
            window_days=args.update_window_days,
            kind=args.update_format,
            bad_fraction=args.bad_fraction,
            clients=args.clients,
            products=args.products,
        )
        summary = write_update_file(options)
    summary = {"out": str(args.out), **summary}
    summary["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(summary, sort_keys=False))
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
