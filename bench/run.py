"""Benchmark: the job (full + incremental) vs naive Spark vs DuckDB per data shape, + a big run.

The shapes are bench/shapes.py's; the big run is one full load of the wide shape.

For each shape: generate (or reuse, cached under bench/data/ by shape, rows and seed) the
order files and a 1% update + 1% new file, then time each engine as a whole process,
median of ``--repeats``, with peak memory of its process tree, output file counts and bytes,
and the commit's cost per partition from the job's run reports; the narrow shape also times
the job on the same rows with multi-line notes. Then the job's full load of the wide shape
at ``--big-rows`` once (0 skips it). Writes bench/results.md and bench/results.png and
prints a summary.

    .venv/bin/python -m bench.run [--shapes narrow wide year] [--rows 2000000]
        [--big-rows 20000000] [--repeats 3] [--event-log DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import load_average, machine_description  # noqa: E402
from bench.measure import (  # noqa: E402
    Measurement,
    csv_bytes,
    file_signatures,
    output_stats,
    run_measured,
)
from bench.render import write_chart, write_results  # noqa: E402
from bench.report import (  # noqa: E402
    MB,
    EngineResult,
    SizeResult,
    from_json,
    summary_lines,
    to_json,
)
from bench.shapes import SHAPES, SIZING_SHAPE, Shape  # noqa: E402
from contract.runtimes import (  # noqa: E402
    DEFAULT_GLUE_VERSION,
    GLUE_RUNTIMES,
    running_glue_version,
    runtime_suffix,
)
from synthetic import generate as generate_orders  # noqa: E402

# The toolchain of the runtime running this (`make bench GLUE_VERSION=...`): its virtualenv.
VENV_BIN = Path(sys.executable).parent
GLUE_VERSION = running_glue_version()
JOB_TABLES = ("orders", "sales_by_client", "sales_by_product_channel", "order_status_daily")
# Driver JVM heap for local spark-submit (local mode: the driver is the only JVM).
DRIVER_MEMORY = "1g"
# The file size of the run that shows partitions split (the default aims at 128 MB, which no
# partition of the bench reaches): about a quarter of a narrow-shape orders partition at 2M.
SPLIT_TARGET_MB = "0.1"


@dataclass(frozen=True)
class Dataset:
    shape: str
    rows: int
    full: Path
    update: Path | None  # None when only the full load is timed (the big run)
    update_rows: int
    csv_bytes: int


def _generated(root: Path, name: str, argv: list[str]) -> dict[str, object]:
    """The generator's summary for ``root/name``, generating it on first use only."""
    out, done = root / name, root / f"{name}.json"
    if not done.exists():
        shutil.rmtree(out, ignore_errors=True)
        done.write_text(json.dumps(generate_orders.main([*argv, "--out", str(out)])) + "\n")
    summary: dict[str, object] = json.loads(done.read_text())
    return summary


def dataset(data_root: Path, shape: Shape, rows: int, seed: int, update: bool = True) -> Dataset:
    """The generated files of ``shape`` for ``rows`` and ``seed`` (and the update file, drawn
    from the same client and product pools), generated on first use only."""
    root = data_root / f"orders-{shape.name}-{rows}-seed{seed}"
    full = root / "full"
    _generated(root, "full", ["--rows", str(rows), "--seed", str(seed), *shape.generate_args()])
    if not update:
        return Dataset(shape.name, rows, full, None, 0, csv_bytes(full))
    argv = ["--update-of", str(full), "--seed", str(seed), *shape.update_args()]
    update_rows = int(str(_generated(root, "update", argv)["rows"]))
    return Dataset(shape.name, rows, full, root / "update", update_rows, csv_bytes(full))


def multiline_dataset(data_root: Path, shape: Shape, rows: int, seed: int) -> Path:
    """The same full set, but the notes of the files that have them hold quoted line breaks
    (``--multiline-notes``): those files are read record by record, unsplit."""
    root = data_root / f"orders-{shape.name}-{rows}-seed{seed}-multiline"
    argv = ["--rows", str(rows), "--seed", str(seed), *shape.generate_args(), "--multiline-notes"]
    _generated(root, "full", argv)
    return root / "full"


def spark_submit(event_log: Path | None, driver_memory: str | None) -> list[str]:
    command = [str(VENV_BIN / "spark-submit"), "--master", "local[2]"]
    if driver_memory:
        command += ["--driver-memory", driver_memory]
    command += ["--conf", "spark.ui.enabled=false"]
    if event_log is not None:
        event_log.mkdir(parents=True, exist_ok=True)
        command += ["--conf", "spark.eventLog.enabled=true"]
        command += ["--conf", f"spark.eventLog.dir=file:{event_log.resolve()}"]
    log4j = f"-Dlog4j2.configurationFile=file:{REPO / 'conf' / 'log4j2.properties'}"
    return [*command, "--driver-java-options", log4j]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    python = str(VENV_BIN / "python")
    env.update(PYSPARK_PYTHON=python, PYSPARK_DRIVER_PYTHON=python, SPARK_LOCAL_IP="127.0.0.1")
    return env


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = args.work
        self.env = environment()

    def measure(self, command: list[str], log: Path) -> Measurement:
        m = run_measured(command, log_path=log, env=self.env, cwd=REPO)
        if m.returncode != 0:
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise SystemExit(
                f"{command[:3]}... failed ({m.returncode}), see {log}:\n" + "\n".join(tail)
            )
        return m

    def duckdb(self, data: Dataset, out: Path, log: Path) -> Measurement:
        script = REPO / "bench" / "duckdb_floor.py"
        cmd = [
            str(VENV_BIN / "python"),
            str(script),
            "--input",
            str(data.full),
            "--output",
            str(out),
        ]
        return self.measure(cmd, log)

    def naive(self, data: Dataset, out: Path, log: Path) -> Measurement:
        script = str(REPO / "bench" / "naive_spark.py")
        cmd = [*spark_submit(None, None), script, "--input", str(data.full), "--output", str(out)]
        return self.measure(cmd, log)

    def job(self, input_dir: Path, out: Path, run_id: str, log: Path, *args: str) -> Measurement:
        event_log = self.args.event_log / run_id if self.args.event_log else None
        script = str(REPO / "glue_jobs" / "process_orders.py")
        cmd = [*spark_submit(event_log, self.args.driver_memory), script]
        cmd += ["--input_path", str(input_dir), "--output_path", str(out), "--run_id", run_id]
        return self.measure([*cmd, *args], log)

    def run_shape(
        self, data: Dataset, multiline: Path | None = None, split: bool = False
    ) -> SizeResult:
        """Every engine on ``data``; with ``multiline``, also the job's full load of that set;
        with ``split``, also its full load with files of ``SPLIT_TARGET_MB``."""
        assert data.update is not None, "a shape's runs need its update file"
        runs: dict[str, list[Measurement]] = {e: [] for e in ("duckdb", "naive_spark", "job_full")}
        runs["job_incremental"] = []
        if multiline is not None:
            runs["job_multiline"] = []
        if split:
            runs["job_split"] = []
        work = self.work / f"{data.shape}-{data.rows}"
        extra: dict[str, dict[str, object]] = {"job_full": {}, "job_incremental": {}}
        for rep in range(self.args.repeats):
            repeat = f"repeat {rep + 1}/{self.args.repeats}"
            print(f"  {data.shape}, {data.rows:,} rows, {repeat}", flush=True)
            for engine, runner in (("duckdb", self.duckdb), ("naive_spark", self.naive)):
                out = work / engine
                shutil.rmtree(out, ignore_errors=True)
                runs[engine].append(runner(data, out, work / f"{engine}-{rep}.log"))
            out = work / "job"
            shutil.rmtree(out, ignore_errors=True)
            runs["job_full"].append(
                self.job(data.full, out, f"full-{rep}", work / f"full-{rep}.log")
            )
            before = file_signatures(out / "orders")
            extra["job_full"]["max_files_all_tables"] = max_files_all_tables(out)
            add_commit(extra["job_full"], out, f"full-{rep}")
            log = work / f"incr-{rep}.log"
            runs["job_incremental"].append(self.job(data.update, out, f"incr-{rep}", log))
            extra["job_incremental"].update(
                rewrite_stats(before, file_signatures(out / "orders"), out, rep)
            )
            add_commit(extra["job_incremental"], out, f"incr-{rep}")
            if multiline is not None:
                out = work / "job_multiline"
                shutil.rmtree(out, ignore_errors=True)
                log = work / f"multiline-{rep}.log"
                runs["job_multiline"].append(self.job(multiline, out, f"multiline-{rep}", log))
            if split:
                out = work / "job_split"
                shutil.rmtree(out, ignore_errors=True)
                log = work / f"split-{rep}.log"
                target = ["--target_file_mb", SPLIT_TARGET_MB]
                runs["job_split"].append(self.job(data.full, out, f"split-{rep}", log, *target))
                extra["job_split"] = {
                    "target_file_mb": SPLIT_TARGET_MB,
                    "max_files_all_tables": max_files_all_tables(out),
                }
        return self.collect(data, work, runs, extra)

    def run_big(self, data: Dataset) -> SizeResult:
        """The job's full load of ``data`` once: wall time, driver peak, files per partition."""
        print(f"  big run: {data.shape}, {data.rows:,} rows, the job's full load once", flush=True)
        work = self.work / f"{data.shape}-{data.rows}"
        out = work / "job"
        shutil.rmtree(out, ignore_errors=True)
        runs = {"job_full": [self.job(data.full, out, "full-0", work / "full-0.log")]}
        extra: dict[str, object] = {"max_files_all_tables": max_files_all_tables(out)}
        add_commit(extra, out, "full-0")
        return self.collect(data, work, runs, {"job_full": extra})

    def collect(
        self,
        data: Dataset,
        work: Path,
        runs: dict[str, list[Measurement]],
        extra: dict[str, dict[str, object]],
    ) -> SizeResult:
        roots = {
            "duckdb": work / "duckdb",
            "naive_spark": work / "naive_spark",
            "job_full": work / "job" / "orders",
            "job_incremental": work / "job" / "orders",
            "job_multiline": work / "job_multiline" / "orders",
            "job_split": work / "job_split" / "orders",
        }
        engines = {}
        for engine, measurements in runs.items():
            stats = output_stats(roots[engine])
            engines[engine] = EngineResult(
                engine=engine,
                rows=data.update_rows if engine == "job_incremental" else data.rows,
                seconds=tuple(m.seconds for m in measurements),
                peak_tree_bytes=tuple(m.peak_tree_bytes for m in measurements),
                peak_process_bytes=tuple(m.peak_process_bytes for m in measurements),
                parquet_files=stats.parquet_files,
                parquet_bytes=stats.parquet_bytes,
                partitions=stats.partitions,
                max_files_per_partition=stats.max_files_per_partition,
                extra=extra.get(engine, {}),
            )
        return SizeResult(data.rows, data.csv_bytes, engines, data.shape)


def max_files_all_tables(out: Path) -> int:
    return max(output_stats(out / t).max_files_per_partition for t in JOB_TABLES)


def run_report(out: Path, run_id: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "_runs" / f"{run_id}.json").read_text())
    return report


def add_commit(extra: dict[str, object], out: Path, run_id: str) -> None:
    """Append the run report's commit (partitions, seconds) to the repeats' lists in ``extra``."""
    commit = run_report(out, run_id)["commit"]
    for key in ("partitions", "seconds"):
        values = extra.setdefault(f"commit_{key}", [])
        assert isinstance(values, list)
        values.append(commit[key])


def rewrite_stats(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], out: Path, rep: int
) -> dict[str, object]:
    """Which ``orders`` partitions the incremental run rewrote, from the files themselves."""
    changed = {p for p in set(before) ^ set(after)} | {
        p for p in set(before) & set(after) if before[p] != after[p]
    }
    report = run_report(out, f"incr-{rep}")
    return {
        "partitions_rewritten": len({str(Path(p).parent) for p in changed}),
        "partitions_total": len({str(Path(p).parent) for p in after}),
        "partitions_reported": report["partitions_written"].get("orders"),
        "files_unchanged": sum(1 for p in after if before.get(p) == after[p]),
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES), help="data shapes"
    )
    p.add_argument("--rows", type=int, default=2_000_000, help="rows of every shape")
    p.add_argument(
        "--big-rows",
        type=int,
        default=20_000_000,
        help=f"rows of the big run (the {SIZING_SHAPE} shape, the job's full load once; 0 skips)",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data", type=Path, default=REPO / "bench" / "data")
    p.add_argument("--work", type=Path, default=REPO / "bench" / "work")
    results = results_path(GLUE_VERSION)
    p.add_argument("--results", type=Path, default=results)
    p.add_argument("--chart", type=Path, default=results.with_suffix(".png"))
    p.add_argument("--driver-memory", default=DRIVER_MEMORY, help="job's spark-submit driver heap")
    p.add_argument("--event-log", type=Path, help="also write Spark event logs of the job here")
    p.add_argument(
        "--render-only",
        action="store_true",
        help="re-render results.md and the chart from the results .json of the last run",
    )
    return p


def results_path(version: str) -> Path:
    """bench/results.md for the default runtime, bench/results-glue<version>.md otherwise."""
    return REPO / "bench" / f"results{runtime_suffix(version)}.md"


def runtime_results() -> dict[str, list[SizeResult]]:
    """Each runtime's last results (its .json), labelled with its Spark and Python."""
    found = {}
    for version, runtime in GLUE_RUNTIMES.items():
        raw = results_path(version).with_suffix(".json")
        if raw.is_file():
            label = f"{version} (Spark {runtime.spark}, Python {runtime.python})"
            found[label] = from_json(json.loads(raw.read_text())["results"])
    return found


def load_results(raw: Path) -> tuple[list[SizeResult], SizeResult | None, dict[str, object]]:
    """(per-shape results, big run or None, context) saved in a results .json."""
    saved = json.loads(raw.read_text())
    big = from_json([saved["big"]])[0] if saved.get("big") else None
    return from_json(saved["results"]), big, saved["context"]


def publish(
    args: argparse.Namespace,
    results: list[SizeResult],
    big: SizeResult | None,
    context: dict[str, object],
) -> None:
    raw = args.results.with_suffix(".json")
    saved = {
        "context": context,
        "results": to_json(results),
        "big": to_json([big])[0] if big is not None else None,
    }
    raw.write_text(json.dumps(saved, indent=1) + "\n")
    runtimes = runtime_results()
    write_results(args.results, results, context, runtimes, big)
    default = results_path(DEFAULT_GLUE_VERSION)
    other_runtime = args.results == results_path(GLUE_VERSION) != default
    if other_runtime and default.with_suffix(".json").is_file():
        # The default runtime's page shows the comparison too (its own numbers unchanged);
        # a page written elsewhere (--results) leaves the committed pages alone.
        default_results, default_big, default_context = load_results(default.with_suffix(".json"))
        write_results(default, default_results, default_context, runtimes, default_big)
    chart_note = write_chart(args.chart, results)
    print("\n".join(summary_lines([*results, *([big] if big is not None else [])])))
    print(f"results: {args.results} (raw: {raw}); chart: {chart_note}")


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.render_only:
        publish(args, *load_results(args.results.with_suffix(".json")))
        return
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_before = load_average()
    bench = Bench(args)
    results: list[SizeResult] = []
    for name in args.shapes:
        shape = SHAPES[name]
        data = dataset(args.data, shape, args.rows, args.seed)
        size = f"{data.csv_bytes / MB:.0f} MB of CSV"
        print(f"{shape.name}, {args.rows:,} rows: {size} in {data.full}", flush=True)
        # The cost of records spanning lines, and partitions split into several files, are
        # timed once, on the narrow shape (the biggest partitions).
        multiline = (
            multiline_dataset(args.data, shape, args.rows, args.seed) if name == "narrow" else None
        )
        results.append(bench.run_shape(data, multiline, split=name == "narrow"))
    big = None
    if args.big_rows:
        data = dataset(args.data, SHAPES[SIZING_SHAPE], args.big_rows, args.seed, update=False)
        big = bench.run_big(data)
    context = {
        "date": started.isoformat(),
        "machine": machine_description(),
        "load_before": load_before,
        "load_after": load_average(),
        "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "seed": args.seed,
        "repeats": args.repeats,
        "driver_memory": args.driver_memory,
        "glue_version": GLUE_VERSION,
    }
    publish(args, results, big, context)


if __name__ == "__main__":
    main()
