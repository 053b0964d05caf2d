"""The Glue job run once per test session on data/sample, shared by the API and dashboard tests.

Each area's conftest has its own session fixture (pytest cannot share a fixture between
sibling folders without the root conftest); they all call ``run_sample_job``, which runs
the job the first time and returns the same report after that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
RUN_ID = "api-tests-run"

_REPORTS: list[dict[str, Any]] = []


def run_sample_job(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The run report of the job over data/sample (run on the first call of the session).

    Needs the session's SparkSession to exist already (request the ``spark`` fixture).
    """
    if not _REPORTS:
        from glue_jobs import process_orders

        output = tmp_path_factory.mktemp("sample-job") / "processed"
        argv = ["process_orders.py", "--input_path", str(SAMPLE), "--output_path", str(output)]
        report = process_orders.main([*argv, "--run_id", RUN_ID])
        assert report["status"] == "succeeded", report
        _REPORTS.append(report)
    return _REPORTS[0]
