"""Side-by-side benchmark: the job (full + incremental) vs a naive Spark script vs DuckDB.

For each size: generate (or reuse, cached under bench/data/ by size and seed) the order
files and a 1% update + 1% new file, then time each engine as a whole process, median of
``--repeats``, with peak memory of its process tree, output file counts and bytes.
Writes bench/results.md and bench/results.png and prints a summary.

    .venv/bin/python -m bench.run --sizes 200000 2000000 [--repeats 3] [--event-log DIR]
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
    EngineResult,
    SizeResult,
    from_json,
    summary_lines,
    to_json,
)
from deploy.config import (  # noqa: E402
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


@dataclass(frozen=True)
class Dataset:
    rows: int
    full: Path
    update: Path
    update_rows: int
    csv_bytes: int


def dataset(data_root: Path, rows: int, seed: int) -> Dataset:
    """The generated files for ``rows`` and ``seed``, generating them on first use only."""
    root = data_root / f"orders-{rows}-seed{seed}"
    full, update = root / "full", root / "update"
    done_full, done_update = root / "full.json", root / "update.json"
    if not done_full.exists():
        shutil.rmtree(full, ignore_errors=True)
        summary = generate_orders.main(
            ["--rows", str(rows), "--seed", str(seed), "--out", str(full)]
        )
        done_full.write_text(json.dumps(summary) + "\n")
    if not done_update.exists():
        shutil.rmtree(update, ignore_errors=True)
        argv = ["--update-of", str(full), "--seed", str(seed), "--out", str(update)]
        done_update.write_text(json.dumps(generate_orders.main(argv)) + "\n")
    update_rows = int(json.loads(done_update.read_text())["rows"])
    return Dataset(rows, full, update, update_rows, csv_bytes(full))


def multiline_dataset(data_root: Path, rows: int, seed: int) -> Path:
    """The same full set, but the notes of the files that have them hold quoted line breaks
    (``--multiline-notes``): those files are read record by record, unsplit."""
    root = data_root / f"orders-{rows}-seed{seed}-multiline"
    full, done = root / "full", root / "full.json"
    if not done.exists():
        shutil.rmtree(full, ignore_errors=True)
        argv = ["--rows", str(rows), "--seed", str(seed), "--out", str(full), "--multiline-notes"]
        done.write_text(json.dumps(generate_orders.main(argv)) + "\n")
    return full


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

    def job(self, input_dir: Path, out: Path, run_id: str, log: Path) -> Measurement:
        event_log = self.args.event_log / run_id if self.args.event_log else None
        script = str(REPO / "glue_jobs" / "process_orders.py")
        cmd = [*spark_submit(event_log, self.args.driver_memory), script]
        cmd += ["--input_path", str(input_dir), "--output_path", str(out), "--run_id", run_id]
        return self.measure(cmd, log)

    def run_size(self, data: Dataset, multiline: Path | None = None) -> SizeResult:
        """Every engine on ``data``; with ``multiline``, also the job's full load of that set."""
        runs: dict[str, list[Measurement]] = {e: [] for e in ("duckdb", "naive_spark", "job_full")}
        runs["job_incremental"] = []
        if multiline is not None:
            runs["job_multiline"] = []
        work = self.work / str(data.rows)
        extra: dict[str, object] = {}
        for rep in range(self.args.repeats):
            print(f"  {data.rows:,} rows, repeat {rep + 1}/{self.args.repeats}", flush=True)
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
            extra["max_files_all_tables"] = max(
                output_stats(out / t).max_files_per_partition for t in JOB_TABLES
            )
            log = work / f"incr-{rep}.log"
            runs["job_incremental"].append(self.job(data.update, out, f"incr-{rep}", log))
            extra["incremental"] = rewrite_stats(before, file_signatures(out / "orders"), out, rep)
            if multiline is not None:
                out = work / "job_multiline"
                shutil.rmtree(out, ignore_errors=True)
                log = work / f"multiline-{rep}.log"
                runs["job_multiline"].append(self.job(multiline, out, f"multiline-{rep}", log))
        return self.collect(data, runs, extra)

    def collect(
        self, data: Dataset, runs: dict[str, list[Measurement]], extra: dict[str, object]
    ) -> SizeResult:
        work = self.work / str(data.rows)
        roots = {
            "duckdb": work / "duckdb",
            "naive_spark": work / "naive_spark",
            "job_full": work / "job" / "orders",
            "job_incremental": work / "job" / "orders",
            "job_multiline": work / "job_multiline" / "orders",
        }
        engines = {}
        for engine, measurements in runs.items():
            stats = output_stats(roots[engine])
            engine_extra: dict[str, object] = {}
            if engine == "job_full":
                engine_extra = {"max_files_all_tables": extra["max_files_all_tables"]}
            if engine == "job_incremental":
                engine_extra = dict(extra["incremental"])  # type: ignore[call-overload]
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
                extra=engine_extra,
            )
        return SizeResult(data.rows, data.csv_bytes, engines)


def rewrite_stats(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]], out: Path, rep: int
) -> dict[str, object]:
    """Which ``orders`` partitions the incremental run rewrote, from the files themselves."""
    changed = {p for p in set(before) ^ set(after)} | {
        p for p in set(before) & set(after) if before[p] != after[p]
    }
    report = json.loads((out / "_runs" / f"incr-{rep}.json").read_text())
    return {
        "partitions_rewritten": len({str(Path(p).parent) for p in changed}),
        "partitions_total": len({str(Path(p).parent) for p in after}),
        "partitions_reported": report["partitions_written"].get("orders"),
        "files_unchanged": sum(1 for p in after if before.get(p) == after[p]),
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[200_000, 2_000_000])
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


def publish(
    args: argparse.Namespace, results: list[SizeResult], context: dict[str, object]
) -> None:
    raw = args.results.with_suffix(".json")
    raw.write_text(json.dumps({"context": context, "results": to_json(results)}, indent=1) + "\n")
    runtimes = runtime_results()
    write_results(args.results, results, context, runtimes)
    default = results_path(DEFAULT_GLUE_VERSION)
    if args.results != default and default.with_suffix(".json").is_file():
        # The default runtime's page shows the comparison too (its own numbers unchanged).
        saved = json.loads(default.with_suffix(".json").read_text())
        write_results(default, from_json(saved["results"]), saved["context"], runtimes)
    chart_note = write_chart(args.chart, results)
    print("\n".join(summary_lines(results)))
    print(f"results: {args.results} (raw: {raw}); chart: {chart_note}")


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.render_only:
        saved = json.loads(args.results.with_suffix(".json").read_text())
        publish(args, from_json(saved["results"]), saved["context"])
        return
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_before = load_average()
    bench = Bench(args)
    results: list[SizeResult] = []
    for rows in sorted(args.sizes):
        data = dataset(args.data, rows, args.seed)
        print(f"{rows:,} rows: {data.csv_bytes / 1024**2:.0f} MB of CSV in {data.full}", flush=True)
        # The cost of records spanning lines is timed once, at the smallest size.
        multiline = multiline_dataset(args.data, rows, args.seed) if not results else None
        results.append(bench.run_size(data, multiline))
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
    publish(args, results, context)


if __name__ == "__main__":
    main()
