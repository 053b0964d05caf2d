"""Where a run reports: ``<processed root>/_runs/<run_id>.json``, one report per run, read by
``make run``'s summary, the API's ``/runs/latest`` and the steps Lambda's rejected-rows metric."""

from __future__ import annotations

from typing import Final

RUNS_DIR: Final[str] = "_runs"
