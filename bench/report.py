"""Pure helpers of the benchmark: summarise repeated runs, check the targets, render Markdown.

No I/O and no timing here, so they are unit-tested on hand-made numbers.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024
ENGINES = ("duckdb", "naive_spark", "job_full", "job_incremental", "job_multiline")
ENGINE_LABELS = {
    "duckdb": "DuckDB floor",
    "naive_spark": "naive Spark",
    "job_full": "job, full load",
    "job_incremental": "job, incremental 1%+1%",
    "job_multiline": "job, full load, multi-line notes",
}


@dataclass(frozen=True)
class EngineResult:
    """Repeated runs of one engine on one size; stats from the last run's output."""

    engine: str
    rows: int  # input rows (the update file's rows for the incremental load)
    seconds: tuple[float, ...]
    peak_tree_bytes: tuple[int, ...]
    peak_process_bytes: tuple[int, ...]
    parquet_files: int
    parquet_bytes: int
    partitions: int
    max_files_per_partition: int
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_seconds if self.median_seconds else 0.0

    @property
    def peak_tree(self) -> int:
        return max(self.peak_tree_bytes)

    @property
    def peak_process(self) -> int:
        return max(self.peak_process_bytes)


@dataclass(frozen=True)
class SizeResult:
    rows: int
    csv_bytes: int
    engines: dict[str, EngineResult]

    def ratio_to_floor(self, engine: str) -> float:
        return ratio(self.engines[engine].median_seconds, self.engines["duckdb"].median_seconds)

    @property
    def compression(self) -> float:
        """CSV bytes per byte of the job's ``orders`` Parquet."""
        return ratio(self.csv_bytes, self.engines["job_full"].parquet_bytes)


def to_json(results: Sequence[SizeResult]) -> list[dict[str, object]]:
    """Raw measurements, so the Markdown can be re-rendered without re-running."""
    return [
        {
            "rows": r.rows,
            "csv_bytes": r.csv_bytes,
            "engines": {name: dataclasses.asdict(e) for name, e in r.engines.items()},
        }
        for r in results
    ]


def from_json(data: Sequence[dict[str, Any]]) -> list[SizeResult]:
    results = []
    for size in data:
        engines = {}
        for name, e in size["engines"].items():
            fields: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in e.items()
            }
            engines[name] = EngineResult(**fields)
        results.append(SizeResult(size["rows"], size["csv_bytes"], engines))
    return results


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def check_targets(small: SizeResult | None, big: SizeResult, memory_limit: int) -> list[Target]:
    """The issue's targets, evaluated on ``big`` (2M rows) and the 10x step from ``small``."""
    full, incr = big.engines["job_full"], big.engines["job_incremental"]
    targets = [
        Target(
            "full load vs DuckDB floor",
            "≤ 4x",
            f"{big.ratio_to_floor('job_full'):.1f}x",
            big.ratio_to_floor("job_full") <= 4.0,
        ),
        Target(
            "incremental vs full load",
            "≤ 30%",
            f"{100 * ratio(incr.median_seconds, full.median_seconds):.0f}%",
            ratio(incr.median_seconds, full.median_seconds) <= 0.30,
        ),
        _rewrite_target(incr),
        Target(
            "driver peak memory (JVM RSS)",
            f"≤ {memory_limit / 1024**3:.0f} GB",
            f"{full.peak_process / MB:.0f} MB (tree {full.peak_tree / MB:.0f} MB)",
            full.peak_process <= memory_limit,
        ),
        Target(
            "Parquet files per partition per run",
            "1",
            f"max {full.max_files_per_partition} (orders), "
            f"{full.extra.get('max_files_all_tables', '?')} (all tables)",
            full.max_files_per_partition == 1 and full.extra.get("max_files_all_tables") == 1,
        ),
        Target(
            "CSV bytes / orders Parquet bytes",
            "≥ 2.5x",
            f"{big.compression:.1f}x",
            big.compression >= 2.5,
        ),
    ]
    if small is not None:
        growth = ratio(full.median_seconds, small.engines["job_full"].median_seconds)
        factor = ratio(big.rows, small.rows)
        targets.insert(
            2,
            Target(
                f"time for {factor:.0f}x the rows (full load)",
                f"≤ {factor:.0f}x",
                f"{growth:.1f}x",
                growth <= factor,
            ),
        )
    return targets


def _rewrite_target(incr: EngineResult) -> Target:
    rewritten, total = incr.extra.get("partitions_rewritten"), incr.extra.get("partitions_total")
    reported = incr.extra.get("partitions_reported")
    met = isinstance(rewritten, int) and isinstance(total, int) and rewritten < total
    met = met and rewritten == reported
    return Target(
        "incremental rewrites only touched partitions",
        "touched only",
        f"{rewritten} of {total} orders partitions (run report: {reported})",
        met,
    )


def engine_row(size: SizeResult, result: EngineResult) -> str:
    spread = f"{min(result.seconds):.1f}-{max(result.seconds):.1f}"
    floor = (
        "" if result.engine == "job_incremental" else f"{size.ratio_to_floor(result.engine):.1f}x"
    )
    return (
        f"| {ENGINE_LABELS[result.engine]} | {result.median_seconds:.1f} ({spread}) "
        f"| {result.rows_per_second:,.0f} | {floor} | {result.peak_tree / MB:,.0f} "
        f"| {result.peak_process / MB:,.0f} | {result.parquet_files} | {result.partitions} "
        f"| {result.max_files_per_partition} | {result.parquet_bytes / MB:.1f} |"
    )


HEADER = (
    "| engine | wall s, median (min-max) | rows/s | x DuckDB | peak tree RSS MB "
    "| peak process RSS MB | Parquet files | partitions | max files/partition | Parquet MB |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def render_size(size: SizeResult) -> str:
    lines = [
        f"### {size.rows:,} rows ({size.csv_bytes / MB:.0f} MB of CSV)",
        "",
        HEADER,
        *[engine_row(size, size.engines[e]) for e in ENGINES if e in size.engines],
        "",
    ]
    incr = size.engines.get("job_incremental")
    if incr is not None:
        lines.append(
            f"Incremental: {incr.rows:,} rows in the update file; "
            f"{incr.extra.get('partitions_rewritten')} of {incr.extra.get('partitions_total')} "
            f"`orders` partitions rewritten, {incr.extra.get('files_unchanged')} Parquet files "
            "left byte-for-byte untouched."
        )
        lines.append("")
    multiline = size.engines.get("job_multiline")
    if multiline is not None:
        full = size.engines["job_full"].median_seconds
        lines.append(
            f"Multi-line notes: the same rows with quoted line breaks in the notes of the files "
            f"that have a notes column (2 of 4), read record by record: "
            f"{multiline.median_seconds:.1f} s vs {full:.1f} s "
            f"({ratio(multiline.median_seconds, full) - 1:+.0%})."
        )
        lines.append("")
    return "\n".join(lines)


def render_targets(targets: Sequence[Target]) -> str:
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]
    for t in targets:
        lines.append(f"| {t.name} | {t.goal} | {t.measured} | {'yes' if t.met else '**no**'} |")
    return "\n".join(lines)


def summary_lines(sizes: Sequence[SizeResult]) -> list[str]:
    """Short console summary: one line per size and engine."""
    out = []
    for size in sizes:
        for engine in ENGINES:
            if engine not in size.engines:
                continue
            r = size.engines[engine]
            floor = "" if engine == "job_incremental" else f" {size.ratio_to_floor(engine):4.1f}x"
            out.append(
                f"{size.rows:>10,} {ENGINE_LABELS[engine]:<24} {r.median_seconds:7.1f}s"
                f"{floor} {r.rows_per_second:>10,.0f} rows/s {r.peak_tree / MB:6,.0f} MB "
                f"{r.parquet_files:4d} files"
            )
    return out


# Glue sizing on paper. G.1X = 1 DPU = 4 vCPU / 16 GB, G.2X = 2 DPU = 8 vCPU / 32 GB; one
# worker hosts the driver, the others one executor each; billed per second, 1 minute minimum.
GLUE_WORKERS = {"G.1X": (4, 1), "G.2X": (8, 2)}  # vCPUs, DPUs per worker
GLUE_TARGET_SECONDS = 10 * 60


@dataclass(frozen=True)
class Throughput:
    """Linear model of the job's full load: fixed seconds + bytes / (rate per core x cores)."""

    mb_per_core_second: float
    fixed_seconds: float


def throughput(small: SizeResult, big: SizeResult, cores: int) -> Throughput:
    """Marginal throughput between two sizes (start-up cancels out) and the fixed part."""
    d_mb = (big.csv_bytes - small.csv_bytes) / MB
    d_s = big.engines["job_full"].median_seconds - small.engines["job_full"].median_seconds
    if d_mb <= 0 or d_s <= 0:  # no usable slope: whole-run average of the bigger size
        return Throughput(big.csv_bytes / MB / big.engines["job_full"].median_seconds / cores, 0)
    rate = d_mb / d_s / cores
    fixed = small.engines["job_full"].median_seconds - small.csv_bytes / MB / (rate * cores)
    return Throughput(rate, max(0.0, fixed))


def glue_plan(gb: float, worker: str, model: Throughput) -> tuple[int, float, float]:
    """(workers, minutes, DPU-hours): fewest workers finishing within the target time."""
    vcpus, dpus = GLUE_WORKERS[worker]
    workers = 2
    while True:
        cores = (workers - 1) * vcpus
        seconds = model.fixed_seconds + gb * 1024 / (model.mb_per_core_second * cores)
        if seconds <= GLUE_TARGET_SECONDS or workers >= 200:
            break
        workers += 1
    billed = max(seconds, 60.0)
    return workers, seconds / 60, workers * dpus * billed / 3600


def render_sizing(model: Throughput, daily_gb: Sequence[float] = (1, 10, 100)) -> str:
    lines = [
        f"Measured full-load throughput: {model.mb_per_core_second:.2f} MB of CSV per core-second "
        f"(marginal, 200k -> 2M rows), plus {model.fixed_seconds:.0f} s fixed per run.",
        "",
        "| CSV per day | worker | workers | minutes | DPU-hours |",
        "|---:|---|---:|---:|---:|",
    ]
    for gb in daily_gb:
        for worker in GLUE_WORKERS:
            n, minutes, dpu_hours = glue_plan(gb, worker, model)
            lines.append(f"| {gb:g} GB | {worker} | {n} | {minutes:.1f} | {dpu_hours:.2f} |")
    return "\n".join(lines)


RUNTIME_ENGINES = ("job_full", "job_incremental", "naive_spark", "duckdb")


def render_runtimes(by_runtime: Mapping[str, Sequence[SizeResult]]) -> str:
    """One row per size and Glue runtime (its toolchain: Spark, Python): wall-time medians
    of the Spark engines and DuckDB, and the job's driver peak."""
    labels = " | ".join(f"{ENGINE_LABELS[e]} s" for e in RUNTIME_ENGINES)
    lines = [
        f"| rows | Glue runtime | {labels} | job driver peak MB |",
        "|---:|---|" + "---:|" * (len(RUNTIME_ENGINES) + 1),
    ]
    sizes = sorted({r.rows for results in by_runtime.values() for r in results})
    for rows in sizes:
        for runtime, results in by_runtime.items():
            size = next((r for r in results if r.rows == rows), None)
            if size is None:
                continue
            cells = " | ".join(
                f"{size.engines[e].median_seconds:.1f}" if e in size.engines else ""
                for e in RUNTIME_ENGINES
            )
            peak = size.engines["job_full"].peak_process / MB
            lines.append(f"| {rows:,} | {runtime} | {cells} | {peak:,.0f} |")
    return "\n".join(lines)
