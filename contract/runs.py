"""The run report: where it is (``<processed root>/_runs/<run_id>.json``, one per run) and
its shape, declared once. The job builds it (job/report.py); ``make run``'s summary, the API's
``/runs/latest`` (api/models.py derives its schema from these types) and the steps Lambda's
rejected-rows metric read it."""

from typing import Final, NotRequired, TypedDict

RUNS_DIR: Final[str] = "_runs"


class FileEntry(TypedDict):
    """One input file of a run: its verdict and where its rows went."""

    path: str
    status: str  # FILE_OK, FILE_REJECTED or FILE_SKIPPED (contract.orders)
    reason: str | None
    rows_read: int
    rows_valid: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    detail: NotRequired[str]


class RunTotals(TypedDict):
    files: int
    files_ok: int
    files_rejected: int
    files_skipped: int
    rows_read: int
    rows_valid: int
    rows_rejected: int


class RunCommit(TypedDict):
    """How many partitions the run's commit touched, and what it took (prepare to apply)."""

    partitions: int
    seconds: float


class RunReport(TypedDict):
    """The job's run report, exactly as written to ``_runs/<run_id>.json``."""

    run_id: str
    status: str
    error: str | None
    commit_id: NotRequired[str | None]
    started_at: str
    ended_at: str
    input_path: str
    output_path: str
    totals: RunTotals
    rejected_by_reason: dict[str, int]
    partitions_written: dict[str, int]
    commit: NotRequired[RunCommit | None]  # absent in reports written before it was added
    files: list[FileEntry]
