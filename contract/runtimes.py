"""The AWS Glue versions the job is built and tested for (docs/glue_runtimes.md): read by the
deploy config and template, the benchmark and the runtime tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass


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
