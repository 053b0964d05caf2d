"""AWS Glue 5.1 entry point: order CSVs -> validated, upserted, partitioned Parquet.

On Glue it runs under ``GlueContext``/``Job``; locally (``spark-submit`` or tests) it
falls back to a plain SparkSession. Nothing runs at import time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession

from transforms.jsonlog import configure_logging
from transforms.pipeline import Run, RunSettings
from transforms.report import build_report

log = logging.getLogger("process_orders")

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.=-]{1,128}$")
REQUIRED_ARGS = ("input_path", "output_path")
OPTIONAL_ARGS = ("rejected_path", "run_id", "JOB_NAME")


class JobArgumentError(ValueError):
    """The job was started with unusable arguments."""


@dataclass(frozen=True)
class JobOptions:
    input_path: str
    output_path: str
    rejected_path: str
    run_id: str
    job_name: str | None

    @classmethod
    def from_argv(cls, argv: Sequence[str], now: dt.datetime) -> JobOptions:
        """Glue-style ``--name value`` arguments; optional ones only when present."""
        present = [name for name in OPTIONAL_ARGS if f"--{name}" in argv]
        try:
            args = getResolvedOptions(list(argv), [*REQUIRED_ARGS, *present])
        except Exception as err:  # GlueArgumentError, raised for missing arguments
            raise JobArgumentError(f"bad job arguments: {err}") from err
        output_path = args["output_path"].rstrip("/")
        run_id = args.get("run_id") or f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
        if not RUN_ID_PATTERN.match(run_id):
            raise JobArgumentError(f"--run_id must match {RUN_ID_PATTERN.pattern}: {run_id!r}")
        return cls(
            input_path=args["input_path"],
            output_path=output_path,
            rejected_path=(args.get("rejected_path") or f"{output_path}/rejected_orders").rstrip(
                "/"
            ),
            run_id=run_id,
            job_name=args.get("JOB_NAME"),
        )


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


SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
}


def write_report(run: Run, report: dict[str, Any]) -> str:
    path = f"{run.output}/_runs/{run.settings.run_id}.json"
    run.storage.write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return path


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the job; returns the run report, or exits non-zero with a one-line reason."""
    configure_logging()
    argv = list(sys.argv if argv is None else argv)
    started_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        options = JobOptions.from_argv(argv, started_at)
    except JobArgumentError as err:
        log.error("run rejected", extra={"error": str(err)})
        raise SystemExit(str(err)) from err
    spark, job = start_session(options, argv)
    settings = RunSettings(
        options.run_id,
        options.input_path,
        options.output_path,
        options.rejected_path,
        started_at.replace(tzinfo=None),
    )
    run = Run(spark, settings)
    log.info("run started", extra={"run_id": options.run_id, "input_path": options.input_path})
    report_args: dict[str, Any] = {
        "run_id": options.run_id,
        "started_at": started_at,
        "input_path": options.input_path,
        "output_path": options.output_path,
    }
    try:
        outcome = run.execute()
    except Exception as err:
        reason = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        run.discard_staging()
        report = build_report(
            **report_args,
            ended_at=dt.datetime.now(dt.UTC),
            status="failed",
            entries=[],
            partitions_written={},
            error=reason,
        )
        write_report(run, report)
        log.error("run failed", extra={"run_id": options.run_id, "error": reason})
        raise SystemExit(f"run {options.run_id} failed: {reason}") from err
    report = build_report(
        **report_args,
        ended_at=dt.datetime.now(dt.UTC),
        status="succeeded",
        entries=outcome.entries,
        partitions_written=outcome.partitions_written,
    )
    path = write_report(run, report)
    log.info("run finished", extra={"run_id": options.run_id, "report": path, **report["totals"]})
    if job is not None:
        job.commit()
    return report


if __name__ == "__main__":
    main()
