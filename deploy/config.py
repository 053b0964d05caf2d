"""Deployment configuration: one TOML file plus command-line overrides.

Every field is typed; an unknown key or a value of the wrong type is an error,
so a typo in the config never silently deploys a default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from transforms.contract import FIRST_ORDER_DATE

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "deploy" / "config.toml"
MIN_ATHENA_CUTOFF = 10 * 1024 * 1024
MAX_BATCH_WINDOW = 300  # Lambda's MaximumBatchingWindowInSeconds
MAX_BATCH_FILES = 10_000  # Lambda's BatchSize for a standard SQS queue
MAX_COPY_BYTES = 5 * 1024**3  # CopyObject's single-request limit
RESERVED = ("quarantine/", "batches/", "_batches/")
# The Glue job's ExecutionProperty.MaxConcurrentRuns, fixed: every run of one output
# upserts the same tables, and the job's lease lock lets one writer commit at a time, so a
# second concurrent run would only wait on the lock, burning DPUs (docs/tables.md
# "Concurrent runs"). A batch that finds the job busy waits in Step Functions instead.
MAX_CONCURRENT_RUNS = 1
# The worker types of a Glue Spark batch job (https://docs.aws.amazon.com/glue/latest/dg/
# worker-types.html): G.025X is left out, AWS documents it for streaming jobs only.
WORKER_TYPES = ("G.1X", "G.2X", "G.4X", "G.8X")


@dataclass(frozen=True)
class GlueRuntime:
    spark: str
    python: str


# The AWS Glue versions the job is built and tested for (docs/glue_runtimes.md). The
# Makefile's GLUE_PYTHON_<version>, constraints/glue<version>.txt and pyproject.toml's
# Python-version markers follow this table; tests/test_glue_runtimes.py holds them equal.
GLUE_RUNTIMES: dict[str, GlueRuntime] = {
    "5.1": GlueRuntime(spark="3.5.6", python="3.11"),
    "6.0": GlueRuntime(spark="4.1.1", python="3.13"),
}
DEFAULT_GLUE_VERSION = "5.1"


def runtime_suffix(version: str) -> str:
    """What names a runtime's local files (the Makefile's `.venv-glue6.0`,
    bench/results-glue6.0.md): `-glue<version>`, nothing for the default runtime."""
    return "" if version == DEFAULT_GLUE_VERSION else f"-glue{version}"


def running_glue_version() -> str:
    """The Glue version whose Python runs this interpreter."""
    python = "{}.{}".format(*sys.version_info[:2])
    return next(v for v, r in GLUE_RUNTIMES.items() if r.python == python)


STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# A Glue database Athena can name unquoted: lowercase letters, digits and underscores.
DATABASE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,254}$")


class ConfigError(ValueError):
    """The config file or an override is invalid."""


@dataclass(frozen=True)
class DeployConfig:
    stack: str = "duffbeer"
    region: str = "eu-west-1"
    endpoint_url: str = ""
    input_bucket: str = ""
    processed_bucket: str = ""
    artifacts_bucket: str = ""
    athena_results_bucket: str = ""
    athena_results_expire_days: int = 30
    upload_prefix: str = "incoming/"
    database: str = ""
    glue_version: str = DEFAULT_GLUE_VERSION
    worker_type: str = "G.1X"
    number_of_workers: int = 2
    job_timeout_minutes: int = 60
    job_max_retries: int = 0
    max_concurrent_runs: int = MAX_CONCURRENT_RUNS  # readable; no other value is accepted
    batch_window_seconds: int = 60
    batch_max_files: int = 1000
    first_order_date: str = "2025-01-01"
    bytes_scanned_cutoff: int = 1_000_000_000
    max_file_bytes: int = 1024**3
    ddl_path: str = "athena/ddl.sql"
    openapi_path: str = "api/openapi.json"
    job_script: str = "glue_jobs/process_orders.py"
    api_handler: str = "api.lambda_handler.handler"
    api_stage: str = "v1"
    api_rate_limit: float = 20.0
    api_burst_limit: int = 40
    api_quota_per_day: int = 100_000
    api_dependencies_dir: str = ""
    alert_email: str = ""
    rejected_rows_alarm_percent: float = 5.0
    api_access_logs: bool = False
    api_reserved_concurrency: int = 0
    log_retention_days: int = 30
    repo_root: Path = field(default=REPO_ROOT)

    def __post_init__(self) -> None:
        if not STACK_NAME.match(self.stack):
            raise ConfigError(f"stack must match {STACK_NAME.pattern}: {self.stack!r}")
        if self.glue_version not in GLUE_RUNTIMES:
            raise ConfigError(
                f"glue_version must be one of {', '.join(GLUE_RUNTIMES)}: {self.glue_version!r}"
            )
        if not 1 <= self.batch_window_seconds <= MAX_BATCH_WINDOW:
            raise ConfigError(
                f"batch_window_seconds must be 1..{MAX_BATCH_WINDOW} (Lambda's limit)"
            )
        if not 1 <= self.batch_max_files <= MAX_BATCH_FILES:
            raise ConfigError(f"batch_max_files must be 1..{MAX_BATCH_FILES}")
        if not 0 < self.max_file_bytes <= MAX_COPY_BYTES:
            raise ConfigError(
                "max_file_bytes must be 1..5 GiB (batches stage files with CopyObject)"
            )
        if not self.upload_prefix.endswith("/") or self.upload_prefix.startswith(RESERVED):
            raise ConfigError(f"upload_prefix must end with / and not start with {RESERVED}")
        try:
            first = dt.date.fromisoformat(self.first_order_date)
        except ValueError as exc:
            raise ConfigError(f"first_order_date: {exc}") from exc
        if first < FIRST_ORDER_DATE:
            raise ConfigError(
                f"first_order_date must be on or after {FIRST_ORDER_DATE} (the contract's "
                f"earliest order date): {self.first_order_date!r}"
            )
        if self.bytes_scanned_cutoff < MIN_ATHENA_CUTOFF:
            raise ConfigError(
                f"bytes_scanned_cutoff must be >= {MIN_ATHENA_CUTOFF} (Athena minimum)"
            )
        if self.max_concurrent_runs != MAX_CONCURRENT_RUNS:
            raise ConfigError(
                f"max_concurrent_runs must be {MAX_CONCURRENT_RUNS}, got "
                f"{self.max_concurrent_runs}: every run of one output upserts the same tables "
                "and the job's lock makes a second run wait, so more concurrent Glue runs "
                'only burn DPUs waiting (docs/tables.md "Concurrent runs")'
            )
        if self.worker_type not in WORKER_TYPES:
            raise ConfigError(
                f"worker_type must be one of {', '.join(WORKER_TYPES)} (a Spark batch job's; "
                f"G.025X is for streaming jobs only): {self.worker_type!r}"
            )
        if self.number_of_workers < 2:
            raise ConfigError("number_of_workers must be >= 2")
        if not 0 <= self.rejected_rows_alarm_percent <= 100:
            raise ConfigError("rejected_rows_alarm_percent must be 0..100")
        if not 0 <= self.api_reserved_concurrency <= 1000:
            raise ConfigError("api_reserved_concurrency must be 0..1000 (0 = no reservation)")

    def path(self, relative: str) -> Path:
        """A config path, relative to the repository root unless absolute."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else self.repo_root / candidate

    def bucket_names(self, account: str) -> dict[str, str]:
        """purpose -> bucket name: the configured one, else unique per stack/account/region."""
        chosen = {
            "input": self.input_bucket,
            "processed": self.processed_bucket,
            "artifacts": self.artifacts_bucket,
            "athena-results": self.athena_results_bucket,
        }
        names = {
            purpose: name or f"{self.stack}-{purpose}-{account}-{self.region}"
            for purpose, name in chosen.items()
        }
        for purpose, name in names.items():
            if not BUCKET_NAME.match(name):
                raise ConfigError(
                    f"{purpose} bucket name {name!r} is not a valid S3 bucket name (3-63 "
                    "characters: a-z, 0-9, '-', '.'); set it, or use a shorter stack name"
                )
        return names

    def database_name(self) -> str:
        """The Glue database: the configured one, else the stack name with '-' as '_'
        (a stack named "duffbeer" gets "duffbeer", one named "duffbeer-test" "duffbeer_test")."""
        name = self.database or self.stack.replace("-", "_")
        if not DATABASE_NAME.match(name):
            raise ConfigError(
                f"database name {name!r} is not a valid Glue/Athena database name "
                f"({DATABASE_NAME.pattern})"
            )
        return name


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Check/convert one value against the field's declared type."""
    kinds = {"str": str, "int": int, "float": float, "bool": bool, "Path": Path}
    target = kinds.get(kind if isinstance(kind, str) else kind.__name__)
    if target is None:
        raise ConfigError(f"unsupported field type for {name}")
    if target is bool:
        # TOML's true/false, or "true"/"false" from --set.
        text = {"true": True, "false": False}.get(value.lower()) if isinstance(value, str) else None
        if isinstance(value, bool) or text is not None:
            return value if isinstance(value, bool) else text
        raise ConfigError(f"{name}: expected true or false, got {value!r}")
    if isinstance(value, str) and target is not str:
        try:
            return target(value.replace("_", "")) if target is int else target(value)
        except ValueError as exc:
            raise ConfigError(f"{name}: expected {target.__name__}, got {value!r}") from exc
    if target is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, target) or isinstance(value, bool):
        raise ConfigError(f"{name}: expected {target.__name__}, got {value!r}")
    return value


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> DeployConfig:
    """Read `[deploy]` from the TOML file, apply overrides (flags win), validate."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values.update(tomllib.loads(path.read_text()).get("deploy", {}))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = {f.name: f.type for f in fields(DeployConfig)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)}")
    typed = {k: _coerce(k, known[k], v) for k, v in values.items()}
    return DeployConfig(**typed)


def replace(config: DeployConfig, **changes: Any) -> DeployConfig:
    return dataclasses.replace(config, **changes)
