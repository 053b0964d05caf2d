"""Pure helpers of the benchmark: summarise repeated runs, check the targets, render Markdown.

No I/O and no timing here, so they are unit-tested on hand-made numbers.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.shapes import DEFAULT_SHAPE, SHAPES, SIZING_SHAPE

MB = 1024 * 1024
ENGINES = ("duckdb", "naive_spark", "job_full", "job_incremental", "job_multiline", "job_split")
ENGINE_LABELS = {
    "duckdb": "DuckDB floor",
    "naive_spark": "naive Spark",
    "job_full": "job, full load",
    "job_incremental": "job, incremental 1%+1%",
    "job_multiline": "job, full load, multi-line notes",
    "job_split": "job, full load, small files",
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
    """Every engine's runs on one data shape at one number of rows."""

    rows: int
    csv_bytes: int
    engines: dict[str, EngineResult]
    shape: str = DEFAULT_SHAPE

    @property
    def label(self) -> str:
        return f"{self.shape}, {self.rows:,} rows"

    def ratio_to_floor(self, engine: str) -> float:
        return ratio(self.engines[engine].median_seconds, self.engines["duckdb"].median_seconds)

    def floor_cell(self, engine: str) -> str:
        """The ratio to the DuckDB floor as a table cell: empty for the incremental load (its
        input is the update file) and for a run without a floor (the big run)."""
        if engine == "job_incremental" or "duckdb" not in self.engines:
            return ""
        return f"{self.ratio_to_floor(engine):.1f}x"

    @property
    def compression(self) -> float:
        """CSV bytes per byte of the job's ``orders`` Parquet."""
        return ratio(self.csv_bytes, self.engines["job_full"].parquet_bytes)


def to_json(results: Sequence[SizeResult]) -> list[dict[str, object]]:
    """Raw measurements, so the Markdown can be re-rendered without re-running."""
    return [
        {
            "shape": r.shape,
            "rows": r.rows,
            "csv_bytes": r.csv_bytes,
            "engines": {name: dataclasses.asdict(e) for name, e in r.engines.items()},
        }
        for r in results
    ]


def from_json(data: Sequence[dict[str, Any]]) -> list[SizeResult]:
    """Results saved by ``to_json``; one saved before shapes existed measured the narrow one."""
    results = []
    for size in data:
        engines = {}
        for name, e in size["engines"].items():
            fields: dict[str, Any] = {
                k: tuple(v) if isinstance(v, list) else v for k, v in e.items()
            }
            engines[name] = EngineResult(**fields)
        shape = size.get("shape", DEFAULT_SHAPE)
        results.append(SizeResult(size["rows"], size["csv_bytes"], engines, shape))
    return results


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool
    scope: str = ""  # what was measured: a shape, the big run, or every shape


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("inf")


def commit_ms_per_partition(result: EngineResult) -> float | None:
    """Median over the repeats of the commit's milliseconds per committed partition (the run
    report's ``commit``); None when the runs did not report a commit."""
    partitions, seconds = result.extra.get("commit_partitions"), result.extra.get("commit_seconds")
    if not isinstance(partitions, list) or not isinstance(seconds, list):
        return None
    per_partition = [1000 * s / p for s, p in zip(seconds, partitions, strict=True) if p]
    return statistics.median(per_partition) if per_partition else None


def committed_partitions(result: EngineResult) -> int | None:
    partitions = result.extra.get("commit_partitions")
    return partitions[-1] if isinstance(partitions, list) and partitions else None


def _commit_cell(result: EngineResult) -> str:
    ms = commit_ms_per_partition(result)
    return "not reported" if ms is None else f"{ms:.1f} ms x {committed_partitions(result)}"


def check_targets(size: SizeResult, memory_limit: int) -> list[Target]:
    """The issue's targets for one shape (the same list, in the same order, for every shape)."""
    full, incr = size.engines["job_full"], size.engines["job_incremental"]
    naive = size.engines["naive_spark"]
    to_naive = ratio(full.median_seconds, naive.median_seconds)
    to_full = ratio(incr.median_seconds, full.median_seconds)
    targets = [
        Target(
            "full load vs naive Spark",
            "≤ 1x",
            f"{to_naive:.2f}x ({full.median_seconds:.1f} s vs {naive.median_seconds:.1f} s)",
            to_naive <= 1.0,
        ),
        Target(
            "full load vs DuckDB floor",
            "≤ 10x (long-run goal 4x)",
            f"{size.ratio_to_floor('job_full'):.1f}x",
            size.ratio_to_floor("job_full") <= 10.0,
        ),
        Target("incremental vs full load", "≤ 30%", f"{100 * to_full:.0f}%", to_full <= 0.30),
        _rewrite_target(incr),
        Target(
            "commit ms per committed partition (full / incremental)",
            "reported",
            f"{_commit_cell(full)} / {_commit_cell(incr)}",
            commit_ms_per_partition(full) is not None and commit_ms_per_partition(incr) is not None,
        ),
        _memory_target(full, memory_limit),
        _files_target(full),
        Target(
            "CSV bytes / orders Parquet bytes",
            "≥ 2.5x",
            f"{size.compression:.1f}x",
            size.compression >= 2.5,
        ),
    ]
    return [dataclasses.replace(t, scope=size.shape) for t in targets]


def big_run_ratio(big: SizeResult, base: SizeResult) -> float:
    """The big run's full-load wall time over the same shape's full-load median."""
    return ratio(big.engines["job_full"].median_seconds, base.engines["job_full"].median_seconds)


def big_run_targets(big: SizeResult, base: SizeResult, memory_limit: int) -> list[Target]:
    """The big run (one full load of ``base``'s shape at many more rows): time at most linear
    in the rows, the same driver memory limit, one file per partition."""
    factor = ratio(big.rows, base.rows)
    growth = big_run_ratio(big, base)
    full = big.engines["job_full"]
    targets = [
        Target(
            f"full load time vs {base.rows:,} rows",
            f"≤ {factor:g}x",
            f"{growth:.1f}x ({full.median_seconds:.1f} s vs "
            f"{base.engines['job_full'].median_seconds:.1f} s)",
            growth <= factor,
        ),
        _memory_target(full, memory_limit),
        _files_target(full),
    ]
    return [dataclasses.replace(t, scope=big.label) for t in targets]


# The commit's cost per partition may vary with noise and with how its fixed part spreads over
# few or many partitions, but not with the partitions' size (26x between narrow and year).
COMMIT_GROWTH_LIMIT = 2.0


def commit_growth_target(runs: Sequence[SizeResult]) -> Target | None:
    """Commit ms per partition of the full load with the biggest partitions (input rows per
    committed partition) against the one with the smallest; None below two reporting runs."""
    points = []
    for run in runs:
        full = run.engines["job_full"]
        ms, partitions = commit_ms_per_partition(full), committed_partitions(full)
        if ms is not None and partitions:
            points.append((run.rows / partitions, ms, run.label))
    if len(points) < 2:
        return None
    biggest, smallest = max(points), min(points)
    growth = ratio(biggest[1], smallest[1])
    return Target(
        "commit ms per partition, biggest vs smallest partitions",
        f"≤ {COMMIT_GROWTH_LIMIT:g}x",
        f"{growth:.1f}x: {biggest[2]} ({biggest[0]:,.0f} rows/partition) {biggest[1]:.1f} ms, "
        f"{smallest[2]} ({smallest[0]:,.0f} rows/partition) {smallest[1]:.1f} ms",
        growth <= COMMIT_GROWTH_LIMIT,
        scope="every full load",
    )


def _memory_target(full: EngineResult, memory_limit: int) -> Target:
    return Target(
        "driver peak memory (JVM RSS)",
        f"≤ {memory_limit / 1024**3:.0f} GB",
        f"{full.peak_process / MB:.0f} MB (tree {full.peak_tree / MB:.0f} MB)",
        full.peak_process <= memory_limit,
    )


def _files_target(full: EngineResult) -> Target:
    return Target(
        "Parquet files per partition per run",
        "1",
        f"max {full.max_files_per_partition} (orders), "
        f"{full.extra.get('max_files_all_tables', '?')} (all tables)",
        full.max_files_per_partition == 1 and full.extra.get("max_files_all_tables") == 1,
    )


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
    return (
        f"| {ENGINE_LABELS[result.engine]} | {result.median_seconds:.1f} ({spread}) "
        f"| {result.rows_per_second:,.0f} | {size.floor_cell(result.engine)} "
        f"| {result.peak_tree / MB:,.0f} "
        f"| {result.peak_process / MB:,.0f} | {result.parquet_files} | {result.partitions} "
        f"| {result.max_files_per_partition} | {result.parquet_bytes / MB:.1f} |"
    )


HEADER = (
    "| engine | wall s, median (min-max) | rows/s | x DuckDB | peak tree RSS MB "
    "| peak process RSS MB | Parquet files | partitions | max files/partition | Parquet MB |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def shape_description(name: str) -> str:
    shape = SHAPES.get(name)
    return name if shape is None else f"{name}: {shape.description}"


def render_size(size: SizeResult) -> str:
    lines = [
        f"### {shape_description(size.shape)}; {size.rows:,} rows "
        f"({size.csv_bytes / MB:.0f} MB of CSV)",
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
    lines += _commit_lines(size)
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
    split = size.engines.get("job_split")
    if split is not None:
        whole = size.engines["job_full"]
        lines.append(
            f"Small files: the same full load aiming at files of "
            f"{split.extra.get('target_file_mb')} MB instead of 128 MB (`--target_file_mb`), "
            f"so that partitions split: {split.parquet_files} `orders` files over "
            f"{split.partitions} partitions, at most {split.max_files_per_partition} in one "
            f"({split.extra.get('max_files_all_tables')} over all tables), against "
            f"{whole.parquet_files} over {whole.partitions}; {split.median_seconds:.1f} s vs "
            f"{whole.median_seconds:.1f} s."
        )
        lines.append("")
    return "\n".join(lines)


def split_targets(size: SizeResult) -> list[Target]:
    """With the file size lowered below a partition's size, partitions are split (the shape
    that has the small-files run, so not in every shape's list)."""
    split = size.engines.get("job_split")
    if split is None:
        return []
    return [
        Target(
            f"orders files per partition with --target_file_mb {split.extra.get('target_file_mb')}",
            "> 1",
            f"max {split.max_files_per_partition}, {split.parquet_files} files over "
            f"{split.partitions} partitions",
            split.max_files_per_partition > 1,
            scope=size.shape,
        )
    ]


def _commit_lines(size: SizeResult) -> list[str]:
    loads = [
        (label, size.engines[e])
        for e, label in (("job_full", "full load"), ("job_incremental", "incremental"))
        if e in size.engines and commit_ms_per_partition(size.engines[e]) is not None
    ]
    if not loads:
        return []
    parts = [
        f"{label} {commit_ms_per_partition(e):.1f} ms per partition "
        f"over {committed_partitions(e)} partitions"
        for label, e in loads
    ]
    return [f"Commit (run report, median): {'; '.join(parts)}.", ""]


def render_big(big: SizeResult, base: SizeResult | None) -> str:
    """The big run: the job's full load once, with its ratio to the same shape's median."""
    lines = [
        f"### Big run: {shape_description(big.shape)}; {big.rows:,} rows "
        f"({big.csv_bytes / MB:,.0f} MB of CSV), the job's full load once",
        "",
        HEADER,
        engine_row(big, big.engines["job_full"]),
        "",
    ]
    if base is not None:
        lines += [
            f"{big_run_ratio(big, base):.1f}x the median full load of {base.label}, for "
            f"{ratio(big.rows, base.rows):g}x the rows.",
            "",
        ]
    return "\n".join([*lines, *_commit_lines(big)])


def render_targets(targets: Sequence[Target]) -> str:
    lines = ["| shape | target | goal | measured | met |", "|---|---|---|---|---|"]
    for t in targets:
        met = "yes" if t.met else "**no**"
        lines.append(f"| {t.scope} | {t.name} | {t.goal} | {t.measured} | {met} |")
    return "\n".join(lines)


def summary_lines(sizes: Sequence[SizeResult]) -> list[str]:
    """Short console summary: one line per shape, size and engine."""
    out = []
    for size in sizes:
        for engine in ENGINES:
            if engine not in size.engines:
                continue
            r = size.engines[engine]
            floor = size.floor_cell(engine)
            out.append(
                f"{size.shape:<7}{size.rows:>11,} {ENGINE_LABELS[engine]:<33} "
                f"{r.median_seconds:7.1f}s {floor:>6} {r.rows_per_second:>10,.0f} rows/s "
                f"{r.peak_tree / MB:6,.0f} MB {r.parquet_files:4d} files"
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
    basis: str = ""  # which runs it comes from, for the page


def throughput(small: SizeResult | None, big: SizeResult, cores: int) -> Throughput:
    """Marginal throughput between two sizes of one shape (start-up cancels out) and the fixed
    part; without a usable pair, the bigger run's whole-run average, fixed part 0 (start-up
    counted as per-byte work, so a sizing from it errs towards more workers)."""
    big_s = big.engines["job_full"].median_seconds
    average = Throughput(
        big.csv_bytes / MB / big_s / cores,
        0,
        f"{big.label}: whole-run average, start-up counted as work on the bytes, so the "
        "estimate errs towards more workers",
    )
    if small is None:
        return average
    d_mb = (big.csv_bytes - small.csv_bytes) / MB
    d_s = big_s - small.engines["job_full"].median_seconds
    if d_mb <= 0 or d_s <= 0:
        return average
    rate = d_mb / d_s / cores
    fixed = small.engines["job_full"].median_seconds - small.csv_bytes / MB / (rate * cores)
    basis = f"{big.shape} shape, marginal from {small.rows:,} to {big.rows:,} rows"
    return Throughput(rate, max(0.0, fixed), basis)


def sizing_pair(
    results: Sequence[SizeResult], big: SizeResult | None
) -> tuple[SizeResult | None, SizeResult]:
    """The runs the Glue sizing comes from: the two largest row counts of the sizing shape
    (the big run included), else of the first shape measured; (None, run) with only one."""
    shapes = {r.shape for r in results}
    shape = SIZING_SHAPE if SIZING_SHAPE in shapes else results[0].shape
    runs = [r for r in [*results, *([big] if big else [])] if r.shape == shape]
    by_rows = sorted({r.rows: r for r in runs}.values(), key=lambda r: r.rows)
    return (by_rows[-2] if len(by_rows) > 1 else None), by_rows[-1]


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
        f"({model.basis}), plus {model.fixed_seconds:.0f} s fixed per run.",
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
    """One row per shape, size and Glue runtime (its toolchain: Spark, Python): wall-time
    medians of the Spark engines and DuckDB, and the job's driver peak."""
    labels = " | ".join(f"{ENGINE_LABELS[e]} s" for e in RUNTIME_ENGINES)
    lines = [
        f"| shape | rows | Glue runtime | {labels} | job driver peak MB |",
        "|---|---:|---|" + "---:|" * (len(RUNTIME_ENGINES) + 1),
    ]
    order = list(SHAPES)
    runs = {(r.shape, r.rows) for results in by_runtime.values() for r in results}
    for shape, rows in sorted(runs, key=lambda k: (_shape_rank(k[0], order), k[0], k[1])):
        for runtime, results in by_runtime.items():
            size = next((r for r in results if (r.shape, r.rows) == (shape, rows)), None)
            if size is None:
                continue
            cells = " | ".join(
                f"{size.engines[e].median_seconds:.1f}" if e in size.engines else ""
                for e in RUNTIME_ENGINES
            )
            peak = size.engines["job_full"].peak_process / MB
            lines.append(f"| {shape} | {rows:,} | {runtime} | {cells} | {peak:,.0f} |")
    return "\n".join(lines)


def _shape_rank(shape: str, order: Sequence[str]) -> int:
    return order.index(shape) if shape in order else len(order)
