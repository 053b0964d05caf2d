"""The job's options: Glue-style ``--name value`` arguments parsed once into one typed object."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from awsglue.utils import getResolvedOptions

from contract.orders import FIRST_ORDER_DATE, MAX_DAYS_AHEAD, MIN_ORDER_DATE
from table_format.commit import DEFAULT_RETENTION
from table_format.lease import DEFAULT_LEASE, DEFAULT_WAIT
from table_format.storage import MB, TARGET_FILE_BYTES

# No "=": a run id names a folder inside Hive-style partition paths (key=value segments).
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
REQUIRED_ARGS = ("input_path", "output_path")
OPTIONAL_ARGS = (
    "rejected_path",
    "run_id",
    "retention_hours",
    "lease_seconds",
    "lease_wait_seconds",
    "first_order_date",
    "target_file_mb",
    "JOB_NAME",
)


class JobArgumentError(ValueError):
    """The job was started with unusable arguments."""


@dataclass(frozen=True)
class JobOptions:
    input_path: str
    output_path: str
    rejected_path: str
    run_id: str
    job_name: str | None
    started_at: dt.datetime  # UTC, naive; its date is the run date for date checks
    retention: dt.timedelta = DEFAULT_RETENTION  # how long replaced files stay readable
    lease: dt.timedelta = DEFAULT_LEASE  # the writer lease's period (table_format/lease.py)
    lease_wait: dt.timedelta = DEFAULT_WAIT  # how long to wait for another run's lease
    # Orders dated before it are rejected (invalid_date): on AWS the deployment's
    # first_order_date, where Athena's partition projection starts.
    first_order_date: dt.date = FIRST_ORDER_DATE
    # The Parquet file size a write aims at: a partition with more rows gets several files.
    target_file_bytes: int = TARGET_FILE_BYTES

    @property
    def run_date(self) -> dt.date:
        return self.started_at.date()

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
        started_at = now.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
        return cls(
            input_path=args["input_path"],
            output_path=output_path,
            rejected_path=(args.get("rejected_path") or f"{output_path}/rejected_orders").rstrip(
                "/"
            ),
            run_id=run_id,
            job_name=args.get("JOB_NAME"),
            started_at=started_at,
            retention=_retention(args.get("retention_hours")),
            lease=_seconds("lease_seconds", args.get("lease_seconds"), DEFAULT_LEASE),
            lease_wait=_seconds("lease_wait_seconds", args.get("lease_wait_seconds"), DEFAULT_WAIT),
            first_order_date=_first_order_date(args.get("first_order_date"), started_at.date()),
            target_file_bytes=_target_file_bytes(args.get("target_file_mb")),
        )


def _seconds(name: str, text: str | None, default: dt.timedelta) -> dt.timedelta:
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 7 * 24 * 3600:
        raise JobArgumentError(f"--{name} must be a number of seconds from 0 to 604800: {text!r}")
    return dt.timedelta(seconds=seconds)


def _first_order_date(text: str | None, run_date: dt.date) -> dt.date:
    """``--first_order_date``: an ISO date from MIN_ORDER_DATE up to the last accepted one."""
    if text is None:
        return FIRST_ORDER_DATE
    latest = run_date + dt.timedelta(days=MAX_DAYS_AHEAD)
    try:
        first = dt.date.fromisoformat(text)
    except ValueError:
        first = None
    if first is None or not FIRST_ORDER_DATE <= first <= latest:
        raise JobArgumentError(
            f"--first_order_date must be a yyyy-MM-dd date from {MIN_ORDER_DATE} to {latest}: "
            f"{text!r}"
        )
    return first


def _retention(text: str | None) -> dt.timedelta:
    if text is None:
        return DEFAULT_RETENTION
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 365:
        raise JobArgumentError(f"--retention_hours must be a number of hours from 0: {text!r}")
    return dt.timedelta(hours=hours)


def _target_file_bytes(text: str | None) -> int:
    """``--target_file_mb``: a number of megabytes (MiB) from 0.01 to 4096; lower than the
    default only to see partitions split on small data (the bench does)."""
    if text is None:
        return TARGET_FILE_BYTES
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not 0.01 <= mb <= 4096:
        raise JobArgumentError(f"--target_file_mb must be a number from 0.01 to 4096: {text!r}")
    return int(mb * MB)
