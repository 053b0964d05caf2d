"""API configuration: from the environment (Lambda, ``make serve``) or passed in (tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from athena.catalog import DATABASE, DEFAULT_WINDOW_DAYS

BACKENDS = ("local", "athena")
# The longest date range a request may ask for (``to`` minus ``from``, in days): a query plans
# (days x channels) partitions on Athena, so a range is capped well below the projection's size.
MAX_WINDOW_DAYS = 366


class ConfigError(ValueError):
    """The API is configured in a way it cannot run with; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    backend: str = "local"
    output_path: str = "output"
    runs_path: str | None = None
    athena_workgroup: str | None = None
    athena_database: str = DATABASE
    athena_output_location: str | None = None
    aws_endpoint_url: str | None = None
    # API Gateway gives up after 29 s: answer 504 well before that.
    query_timeout_seconds: float = 25.0
    poll_initial_seconds: float = 0.1
    poll_max_seconds: float = 1.0
    # A request without ``from``/``to`` gets this many days (athena.catalog.default_window).
    default_window_days: int = DEFAULT_WINDOW_DAYS
    max_window_days: int = MAX_WINDOW_DAYS

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"DUFFBEER_API_BACKEND must be one of {', '.join(BACKENDS)}")
        if self.backend == "athena" and not self.athena_workgroup:
            raise ConfigError("DUFFBEER_ATHENA_WORKGROUP is required with the athena backend")
        if not 0 < self.query_timeout_seconds < 29:
            raise ConfigError("DUFFBEER_QUERY_TIMEOUT_SECONDS must be between 0 and 29")
        if self.max_window_days < 1:
            raise ConfigError("DUFFBEER_API_MAX_WINDOW_DAYS must be at least 1")
        if not 1 <= self.default_window_days <= self.max_window_days:
            raise ConfigError(
                "DUFFBEER_API_DEFAULT_WINDOW_DAYS must be between 1 and "
                f"DUFFBEER_API_MAX_WINDOW_DAYS ({self.max_window_days})"
            )

    @property
    def resolved_runs_path(self) -> str:
        """Where run reports live: explicit, else ``<output_path>/_runs``."""
        return self.runs_path or f"{self.output_path.rstrip('/')}/_runs"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            timeout = float(env.get("DUFFBEER_QUERY_TIMEOUT_SECONDS", "25"))
        except ValueError as err:
            raise ConfigError("DUFFBEER_QUERY_TIMEOUT_SECONDS must be a number") from err
        return cls(
            backend=env.get("DUFFBEER_API_BACKEND", "local"),
            output_path=env.get("DUFFBEER_OUTPUT_PATH", "output"),
            runs_path=env.get("DUFFBEER_RUNS_PATH") or None,
            athena_workgroup=env.get("DUFFBEER_ATHENA_WORKGROUP") or None,
            athena_database=env.get("DUFFBEER_ATHENA_DATABASE", DATABASE),
            athena_output_location=env.get("DUFFBEER_ATHENA_OUTPUT_LOCATION") or None,
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            query_timeout_seconds=timeout,
            default_window_days=_days(env, "DUFFBEER_API_DEFAULT_WINDOW_DAYS", DEFAULT_WINDOW_DAYS),
            max_window_days=_days(env, "DUFFBEER_API_MAX_WINDOW_DAYS", MAX_WINDOW_DAYS),
        )


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of days from ``env[name]`` (unset or empty: ``default``)."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit():
        raise ConfigError(f"{name} must be a whole number of days, got {text!r}")
    return int(text)
