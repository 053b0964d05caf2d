"""Deployment configuration: one TOML file plus command-line overrides.

Every field is typed; an unknown key or a value of the wrong type is an error,
so a typo in the config never silently deploys a default.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

from contract.orders import FIRST_ORDER_DATE
from contract.runtimes import DEFAULT_GLUE_VERSION, GLUE_RUNTIMES

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


STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# A Glue database Athena can name unquoted: lowercase letters, digits and underscores.
DATABASE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,254}$")


class ConfigError(ValueError):
    """The config file or an override is invalid."""


# CloudWatch Logs' retention values (PutRetentionPolicy's retentionInDays).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)


def parameter(description: str, **spec: Any) -> dict[str, Any]:
    """A config field that is also a template parameter, named the field in CamelCase
    (``worker_type`` -> ``WorkerType``): its description and CloudFormation constraints
    (``MinValue``/``MaxValue``, ``AllowedValues``, ``AllowedPattern``). The template's
    parameter, its default, the deploy script's value and the config's range check all
    come from here (``template_parameters``, ``parameter_values``)."""
    return {"parameter": {"Description": description, **spec}}


def _setting(default: Any, description: str, **spec: Any) -> Any:
    return field(default=default, metadata=parameter(description, **spec))


@dataclass(frozen=True)
class DeployConfig:
    stack: str = "duffbeer"
    region: str = "eu-west-1"
    endpoint_url: str = ""
    input_bucket: str = ""
    processed_bucket: str = ""
    artifacts_bucket: str = ""
    athena_results_bucket: str = ""
    athena_results_expire_days: int = _setting(
        30, "Days Athena results are kept", MinValue=1, MaxValue=3650
    )
    upload_prefix: str = _setting(
        "incoming/", "Uploads go under this prefix", AllowedPattern="^[a-z0-9_-]+/$"
    )
    database: str = ""
    glue_version: str = _setting(
        DEFAULT_GLUE_VERSION,
        "AWS Glue version of the job (docs/glue_runtimes.md)",
        AllowedValues=list(GLUE_RUNTIMES),
    )
    worker_type: str = _setting("G.1X", "Glue worker type", AllowedValues=list(WORKER_TYPES))
    number_of_workers: int = _setting(2, "Glue workers", MinValue=2, MaxValue=299)
    job_timeout_minutes: int = _setting(60, "Glue job timeout", MinValue=1, MaxValue=2880)
    job_max_retries: int = _setting(0, "Glue retries of a failed run", MinValue=0, MaxValue=10)
    max_concurrent_runs: int = MAX_CONCURRENT_RUNS  # readable; no other value is accepted
    batch_window_seconds: int = _setting(
        60, "Seconds the batcher waits to gather uploads", MinValue=1, MaxValue=MAX_BATCH_WINDOW
    )
    batch_max_files: int = _setting(
        1000, "Most uploads per batch (one Glue run)", MinValue=1, MaxValue=MAX_BATCH_FILES
    )
    first_order_date: str = _setting(
        "2025-01-01",
        "First order date of the data: Athena's partition projection starts here",
        AllowedPattern="^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    )
    bytes_scanned_cutoff: int = _setting(
        1_000_000_000,
        "Athena per-query cutoff (bytes)",
        MinValue=MIN_ATHENA_CUTOFF,
        MaxValue=10**15,
    )
    max_file_bytes: int = _setting(
        1024**3, "Larger uploads are quarantined", MinValue=1, MaxValue=MAX_COPY_BYTES
    )
    ddl_path: str = "athena/ddl.sql"
    openapi_path: str = "api/openapi.json"
    job_script: str = "glue_jobs/process_orders.py"
    api_handler: str = _setting("api.lambda_handler.handler", "API Lambda handler")
    api_stage: str = _setting("v1", "API Gateway stage", AllowedPattern="^[A-Za-z0-9_]+$")
    api_rate_limit: float = _setting(
        20.0, "API requests per second (usage plan)", MinValue=1, MaxValue=10000
    )
    api_burst_limit: int = _setting(40, "API burst (usage plan)", MinValue=1, MaxValue=5000)
    api_quota_per_day: int = _setting(
        100_000, "API requests per day (usage plan)", MinValue=1, MaxValue=10**9
    )
    api_dependencies_dir: str = ""
    alert_email: str = _setting("", "Optional e-mail subscribed to the alerts")
    rejected_rows_alarm_percent: float = _setting(
        5.0,
        "Alarm when a run rejects more than this percentage of its rows",
        MinValue=0,
        MaxValue=100,
    )
    api_access_logs: bool = _setting(
        False, "Write API access logs (needs the account's API Gateway CloudWatch role)"
    )
    api_reserved_concurrency: int = _setting(
        0,
        "Concurrent executions reserved for the API function; 0 = none",
        MinValue=0,
        MaxValue=1000,
    )
    log_retention_days: int = _setting(
        30, "CloudWatch Logs retention", AllowedValues=list(RETENTION_DAYS)
    )
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
        for problem in parameter_problems(self):
            raise ConfigError(problem)

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


def parameter_name(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))


def parameter_fields() -> list[Field[Any]]:
    return [f for f in fields(DeployConfig) if "parameter" in f.metadata]


def template_text(value: Any) -> str:
    """A value as a CloudFormation parameter takes it (a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def template_parameters() -> dict[str, dict[str, Any]]:
    """The template parameters the config fills, with the config's defaults."""
    out = {}
    for f in parameter_fields():
        spec = dict(f.metadata["parameter"])
        number = f.type in ("int", "float")
        if f.type == "bool":
            spec["AllowedValues"] = ["true", "false"]
        default: Any = f.default if number else template_text(f.default)
        out[parameter_name(f.name)] = {
            "Type": "Number" if number else "String",
            **spec,
            "Default": default,
        }
    return out


def parameter_values(config: DeployConfig) -> dict[str, str]:
    """The config's values of those parameters, as CloudFormation takes them."""
    return {
        parameter_name(f.name): template_text(getattr(config, f.name)) for f in parameter_fields()
    }


def parameter_problems(config: DeployConfig) -> list[str]:
    """Values the template's own constraints would refuse, said before anything deploys."""
    problems = []
    for f in parameter_fields():
        spec, value = f.metadata["parameter"], getattr(config, f.name)
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        if low is not None and not low <= value <= high:
            problems.append(f"{f.name} must be {low}..{high}: {value!r}")
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in allowed:
            problems.append(f"{f.name} must be one of {', '.join(map(str, allowed))}: {value!r}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(pattern, str(value)):
            problems.append(f"{f.name} must match {pattern}: {value!r}")
    return problems


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
