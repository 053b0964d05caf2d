"""AWS Glue (5.1 or 6.0) entry point: order CSVs -> validated, upserted, partitioned Parquet.

On Glue it runs under ``GlueContext``/``Job``; locally (``spark-submit`` or tests) it
falls back to a plain SparkSession. Nothing runs at import time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

from contract.jsonlog import configure_logging
from contract.runs import RUNS_DIR, RunReport
from job.errors import one_line
from job.options import JobArgumentError, JobOptions
from job.pipeline import Run
from job.report import RunOutcome, build_report
from table_format.storage import Storage

log = logging.getLogger("process_orders")

SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # The row rules compile to one ~12 KB method; the JVM never JIT-compiles methods over
    # 8,000 bytes, so at Spark's default limit (64 KB) it ran interpreted. At 8,000 Spark
    # splits such stages into smaller methods instead: ~30% less CPU for the rules
    # (docs/performance.md). The same on Glue and locally; the split sizes and shuffle
    # width depend on the run and are set per run by job/tuning.py.
    "spark.sql.codegen.hugeMethodLimit": "8000",
}


def _is_glue(spark: SparkSession) -> bool:
    from py4j.java_gateway import JavaClass

    jvm: Any = spark.sparkContext._jvm
    return isinstance(jvm.com.amazonaws.services.glue.GlueContext, JavaClass)


def start_session(options: JobOptions, argv: Sequence[str]) -> tuple[SparkSession, Any]:
    """SparkSession plus a Glue ``Job`` (or None when running outside Glue)."""
    spark = SparkSession.builder.appName(
        options.job_name or "duffbeer-process-orders"
    ).getOrCreate()
    for key, value in SESSION_SETTINGS.items():
        spark.conf.set(key, value)
    if not _is_glue(spark):
        return spark, None
    from awsglue.context import GlueContext
    from awsglue.job import Job

    job = Job(GlueContext(spark.sparkContext))
    job.init(options.job_name or "process_orders", getResolvedOptions(list(argv), []))
    return spark, job


def report_for(
    options: JobOptions, outcome: RunOutcome | None, error: str | None = None
) -> RunReport:
    return build_report(
        run_id=options.run_id,
        started_at=options.started_at.replace(tzinfo=dt.UTC),
        ended_at=dt.datetime.now(dt.UTC),
        input_path=options.input_path,
        output_path=options.output_path,
        outcome=outcome,
        error=error,
    )


def write_report(run: Run, report: RunReport) -> str:
    path = f"{run.output}/{RUNS_DIR}/{run.options.run_id}.json"
    run.storage.write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


def fail(options: JobOptions, run: Run | None, err: Exception) -> SystemExit:
    """Finish or undo what the run left (never committed data), report it, and exit."""
    reason = one_line(err)
    try:
        if run is not None:
            run.abandon()
            write_report(run, report_for(options, None, reason))
    except Exception as cleanup_err:
        log.error("cleanup after failure failed", extra={"error": one_line(cleanup_err)})
    log.error("run failed", extra={"run_id": options.run_id, "error": reason})
    return SystemExit(f"run {options.run_id} failed: {reason}")


def main(
    argv: Sequence[str] | None = None,
    storage: Storage | None = None,
    now: dt.datetime | None = None,
) -> RunReport:
    """Run the job; returns the run report, or exits non-zero with a one-line reason.

    ``storage`` replaces the Hadoop file-system access and ``now`` the clock that sets the
    run date (tests: fault injection, and runs that must share one run date)."""
    configure_logging()
    argv = list(sys.argv if argv is None else argv)
    try:
        options = JobOptions.from_argv(argv, now or dt.datetime.now(dt.UTC))
    except JobArgumentError as err:
        log.error("run rejected", extra={"error": str(err)})
        raise SystemExit(str(err)) from err
    spark, job = start_session(options, argv)
    log.info("run started", extra={"run_id": options.run_id, "input_path": options.input_path})
    run = None
    try:
        run = Run(spark, options, storage)
        outcome = run.execute()
    except Exception as err:
        raise fail(options, run, err) from err
    report = report_for(options, outcome)
    try:
        path = write_report(run, report)
    except Exception as err:  # the data is committed; only the report is missing
        log.error(
            "run report not written", extra={"run_id": options.run_id, "error": one_line(err)}
        )
        raise SystemExit(
            f"run {options.run_id} committed, but its report was not written: {one_line(err)}"
        ) from err
    log.info("run finished", extra={"run_id": options.run_id, "report": path, **report["totals"]})
    if job is not None:
        job.commit()
    return report


if __name__ == "__main__":
    main()
