"""Incremental cost against the size of the history (issue 10, outcome 5).

The same incremental run — one update file of ``--update-lines`` re-sent lines (new status,
a few moved to another day or channel) plus as many new lines, on the last days of the
history — is timed on histories of different sizes. The histories have the same daily
volume (2M lines over 14 days, 20M over 140 days), so the update touches the same number of
partitions holding the same number of lines; only the history behind them grows. The run
must cost what its input costs: the 20M/2M ratio of the medians has a target of ≤ 1.5.

Each history is loaded once by the job (a full load, timed and reported too); every
repeat then runs the update on a hard-linked copy of it (data files are immutable and
manifests are replaced by rename, so the copy is never written through), alternating the
histories so that load from other processes falls on both alike.

    .venv/bin/python -m bench.history --histories 2000000 20000000 [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import load_average, machine_description  # noqa: E402
from bench.measure import Measurement, csv_bytes  # noqa: E402
from bench.render import provenance_lines  # noqa: E402
from bench.run import Bench  # noqa: E402
from synthetic import generate as generate_orders  # noqa: E402

LINES_PER_DAY = 2_000_000 // 14  # the benchmark's 2M set: 14 days x 4 channels
UPDATE_LINES = 20_000  # re-sent lines, and as many new ones: 1% + 1% of a 2M history
TARGET_RATIO = 1.5
MB = 1024 * 1024
# Driver heap for these runs: a 20M-line full load (the history) needs more than bench.run's 1g.
DRIVER_MEMORY = "2g"


@dataclass(frozen=True)
class HistoryResult:
    """One history size: its full load and the repeated incremental runs on it."""

    history_rows: int
    days: int
    csv_bytes: int
    update_rows: int
    load_seconds: float
    load_peak_process_bytes: int
    incremental_seconds: tuple[float, ...]
    incremental_peak_process_bytes: tuple[int, ...]
    index_partitions_read: int  # orders_key_index buckets holding the history's keys
    partitions_written: dict[str, int]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.incremental_seconds)


def days_for(history_rows: int) -> int:
    """Days of history at the benchmark's daily volume."""
    return max(1, round(history_rows / LINES_PER_DAY))


def ratio_verdict(small: HistoryResult, big: HistoryResult) -> tuple[float, bool]:
    """(big/small median incremental seconds, met) for the ≤ 1.5x target."""
    ratio = big.median_seconds / small.median_seconds
    return ratio, ratio <= TARGET_RATIO


def render(results: Sequence[HistoryResult], context: dict[str, object]) -> str:
    """bench/history.md: a table per history size and the ratio's verdict."""
    lines = [
        "# Incremental cost against the size of the history",
        "",
        *provenance_lines(context),
        f"- Seed {context['seed']}, median of {context['repeats']} incremental runs per history, "
        f"alternating the histories; job driver heap `--driver-memory {context['driver_memory']}`",
        f"- Same daily volume in every history ({LINES_PER_DAY:,} lines a day, 4 channels); "
        f"the update file re-sends {UPDATE_LINES:,} lines of the last 3 days (5% of them moved "
        f"to another day or channel) and adds {UPDATE_LINES:,} new ones, 1% bad rows on top.",
        "",
        "| history lines | days | CSV MB | full load s | update lines | incremental s, median "
        "(min-max) | driver peak MB | orders partitions written | index buckets |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        secs = r.incremental_seconds
        lines.append(
            f"| {r.history_rows:,} | {r.days} | {r.csv_bytes / MB:,.0f} | {r.load_seconds:.1f} "
            f"| {r.update_rows:,} | {r.median_seconds:.1f} ({min(secs):.1f}-{max(secs):.1f}) "
            f"| {max(r.incremental_peak_process_bytes) / MB:,.0f} "
            f"| {r.partitions_written.get('orders', 0)} "
            f"| {r.partitions_written.get('orders_key_index', 0)} of {r.index_partitions_read} |"
        )
    if len(results) >= 2:
        small, big = results[0], results[-1]
        ratio, met = ratio_verdict(small, big)
        lines += [
            "",
            f"**Target: incremental run on {big.history_rows:,} lines of history ≤ "
            f"{TARGET_RATIO}x the same run on {small.history_rows:,}: measured {ratio:.2f}x — "
            f"{'met' if met else 'NOT met'}.**",
        ]
    lines += [
        "",
        "What grows with the history: the key index buckets the update's keys fall in (all "
        "64 for a 40k-line update, each holding 1/64 of the history's keys) — read and joined "
        "to find lines that change partition — and nothing else: orders partitions and marts "
        "are read only for the touched days.",
        "",
    ]
    return "\n".join(lines)


class HistoryBench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.bench = Bench(args)

    def dataset(self, history_rows: int) -> tuple[Path, Path, int, int]:
        """(history folder, update folder, update rows, days), generated on first use."""
        seed, days = self.args.seed, days_for(history_rows)
        root = self.args.data / f"history-{history_rows}-seed{seed}"
        full, update = root / "full", root / "update"
        done_full, done_update = root / "full.json", root / "update.json"
        if not done_full.exists():
            shutil.rmtree(full, ignore_errors=True)
            files = max(4, history_rows // 500_000)
            argv = ["--rows", str(history_rows), "--days", str(days), "--files", str(files)]
            summary = generate_orders.main([*argv, "--seed", str(seed), "--out", str(full)])
            done_full.write_text(json.dumps(summary) + "\n")
        if not done_update.exists():
            shutil.rmtree(update, ignore_errors=True)
            fraction = str(UPDATE_LINES / history_rows)
            argv = ["--update-of", str(full), "--seed", str(seed), "--out", str(update)]
            argv += ["--update-fraction", fraction, "--new-fraction", fraction]
            done_update.write_text(json.dumps(generate_orders.main(argv)) + "\n")
        update_rows = int(json.loads(done_update.read_text())["rows"])
        return full, update, update_rows, days

    def load(self, history_rows: int, full: Path) -> tuple[Path, Measurement]:
        base = self.args.work / f"history-{history_rows}" / "base"
        shutil.rmtree(base, ignore_errors=True)
        log = base.parent / "load.log"
        print(f"  loading {history_rows:,} lines of history", flush=True)
        return base, self.bench.job(full, base, "history-load", log)

    def incremental(self, history_rows: int, base: Path, update: Path, rep: int) -> Measurement:
        run = self.args.work / f"history-{history_rows}" / "run"
        shutil.rmtree(run, ignore_errors=True)
        # Hard links: the job never writes into an existing file (new files, then renames).
        subprocess.run(["cp", "-al", str(base), str(run)], check=True)  # noqa: S603,S607
        log = run.parent / f"incr-{rep}.log"
        print(f"  {history_rows:,} lines of history: update {rep + 1}", flush=True)
        return self.bench.job(update, run, f"history-incr-{rep}", log)


def report_of(output: Path, run_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((output / "_runs" / f"{run_id}.json").read_text())
    return data


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--histories", type=int, nargs="+", default=[2_000_000, 20_000_000])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data", type=Path, default=REPO / "bench" / "data")
    p.add_argument("--work", type=Path, default=REPO / "bench" / "work")
    p.add_argument("--results", type=Path, default=REPO / "bench" / "history.md")
    p.add_argument("--driver-memory", default=DRIVER_MEMORY, help="job's spark-submit driver heap")
    args = p.parse_args(argv)
    args.event_log = None
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_before = load_average()
    bench = HistoryBench(args)
    sizes = sorted(args.histories)
    prepared = {}
    for rows in sizes:
        full, update, update_rows, days = bench.dataset(rows)
        base, loaded = bench.load(rows, full)
        prepared[rows] = (full, update, update_rows, days, base, loaded)
    runs: dict[int, list[Measurement]] = {rows: [] for rows in sizes}
    for rep in range(args.repeats):
        for rows in sizes:
            _, update, _, _, base, _ = prepared[rows]
            runs[rows].append(bench.incremental(rows, base, update, rep))
    results = []
    for rows in sizes:
        full, update, update_rows, days, base, loaded = prepared[rows]
        run = args.work / f"history-{rows}" / "run"
        report = report_of(run, f"history-incr-{args.repeats - 1}")
        load_report = report_of(base, "history-load")
        written = report["partitions_written"]
        loaded_partitions = load_report["partitions_written"]
        results.append(
            HistoryResult(
                history_rows=rows,
                days=days,
                csv_bytes=csv_bytes(full),
                update_rows=update_rows,
                load_seconds=loaded.seconds,
                load_peak_process_bytes=loaded.peak_process_bytes,
                incremental_seconds=tuple(m.seconds for m in runs[rows]),
                incremental_peak_process_bytes=tuple(m.peak_process_bytes for m in runs[rows]),
                index_partitions_read=int(loaded_partitions.get("orders_key_index", 0)),  # type: ignore[attr-defined]
                partitions_written=dict(written),  # type: ignore[call-overload]
            )
        )
    context: dict[str, object] = {
        "date": started.isoformat(),
        "machine": machine_description(),
        "load_before": load_before,
        "load_after": load_average(),
        "command": " ".join(["bench/history.py", *(argv if argv is not None else sys.argv[1:])]),
        "seed": args.seed,
        "repeats": args.repeats,
        "driver_memory": args.driver_memory,
    }
    raw = args.results.with_suffix(".json")
    raw.write_text(
        json.dumps({"context": context, "results": [asdict(r) for r in results]}, indent=1) + "\n"
    )
    args.results.write_text(render(results, context))
    for r in results:
        print(f"{r.history_rows:,} lines of history: incremental {r.median_seconds:.1f} s")
    if len(results) >= 2:
        ratio, met = ratio_verdict(results[0], results[-1])
        print(f"ratio {ratio:.2f}x (target ≤ {TARGET_RATIO}x): {'met' if met else 'NOT met'}")
    print(f"results: {args.results} (raw: {raw})")


if __name__ == "__main__":
    main()
