"""Deployment configuration: one TOML file plus command-line overrides.

Every field is typed; an unknown key or a value of the wrong type is an error,
so a typo in the config never silently deploys a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "deploy" / "config.toml"
MIN_ATHENA_CUTOFF = 10 * 1024 * 1024


class ConfigError(ValueError):
    """The config file or an override is invalid."""


@dataclass(frozen=True)
class DeployConfig:
    stack: str = "duffbeer"
    region: str = "eu-west-1"
    endpoint_url: str = ""
    input_bucket: str = "duffbeer-input-orders"
    processed_bucket: str = "duffbeer-processed-orders"
    artifacts_bucket: str = ""
    athena_results_bucket: str = ""
    athena_results_expire_days: int = 30
    database: str = "duffbeer"
    worker_type: str = "G.1X"
    number_of_workers: int = 2
    job_timeout_minutes: int = 60
    job_max_retries: int = 1
    max_concurrent_runs: int = 1
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
    log_retention_days: int = 30
    repo_root: Path = field(default=REPO_ROOT)

    def __post_init__(self) -> None:
        if not self.artifacts_bucket:
            object.__setattr__(self, "artifacts_bucket", f"{self.stack}-pipeline-artifacts")
        if not self.athena_results_bucket:
            object.__setattr__(self, "athena_results_bucket", f"{self.stack}-athena-results")
        if self.bytes_scanned_cutoff < MIN_ATHENA_CUTOFF:
            raise ConfigError(
                f"bytes_scanned_cutoff must be >= {MIN_ATHENA_CUTOFF} (Athena minimum)"
            )
        if self.max_concurrent_runs < 1 or self.number_of_workers < 2:
            raise ConfigError("max_concurrent_runs must be >= 1 and number_of_workers >= 2")

    def path(self, relative: str) -> Path:
        """A config path, relative to the repository root unless absolute."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else self.repo_root / candidate

    @property
    def buckets(self) -> tuple[str, ...]:
        return (
            self.input_bucket,
            self.processed_bucket,
            self.artifacts_bucket,
            self.athena_results_bucket,
        )


def _coerce(name: str, kind: Any, value: Any) -> Any:
    """Check/convert one value against the field's declared type."""
    kinds = {"str": str, "int": int, "float": float, "Path": Path}
    target = kinds.get(kind if isinstance(kind, str) else kind.__name__)
    if target is None:
        raise ConfigError(f"unsupported field type for {name}")
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
