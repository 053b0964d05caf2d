"""The run report: what happened to every file and row of a run (``_runs/<run_id>.json``).

Built from the file verdicts and one aggregated count per (file, reason), so
``rows_read == rows_valid + rows_rejected`` holds for each file by construction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from contract.orders import FILE_OK, FILE_REJECTED, FILE_SKIPPED
from contract.runs import FileEntry, RunCommit, RunReport, RunTotals
from job.read import InputFile

# (source_file, reject_reason or None, row count), as the job's one aggregation returns it.
ReasonCount = tuple[str, str | None, int]


def file_entry(file: InputFile, counts: Mapping[str | None, int]) -> FileEntry:
    rejected_by_reason = {r: counts[r] for r in sorted(r for r in counts if r is not None)}
    rows_rejected = sum(rejected_by_reason.values())
    rows_valid = counts.get(None, 0)
    entry: FileEntry = {
        "path": file.path,
        "status": file.status,
        "reason": file.reason,
        "rows_read": rows_valid + rows_rejected,
        "rows_valid": rows_valid,
        "rows_rejected": rows_rejected,
        "rejected_by_reason": rejected_by_reason,
    }
    if file.detail:
        entry["detail"] = file.detail
    return entry


def file_entries(files: Iterable[InputFile], counts: Iterable[ReasonCount]) -> list[FileEntry]:
    per_file: dict[str, dict[str | None, int]] = {}
    for source_file, reason, n in counts:
        per_file.setdefault(source_file, {})[reason] = n
    return [file_entry(f, per_file.get(f.path, {})) for f in files]


def totals(entries: list[FileEntry]) -> RunTotals:
    statuses = Counter(e["status"] for e in entries)
    return {
        "files": len(entries),
        "files_ok": statuses[FILE_OK],
        "files_rejected": statuses[FILE_REJECTED],
        "files_skipped": statuses[FILE_SKIPPED],
        "rows_read": sum(e["rows_read"] for e in entries),
        "rows_valid": sum(e["rows_valid"] for e in entries),
        "rows_rejected": sum(e["rows_rejected"] for e in entries),
    }


def rejected_by_reason(entries: list[FileEntry]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for entry in entries:
        total.update(entry["rejected_by_reason"])
    return dict(sorted(total.items()))


@dataclass(frozen=True)
class RunOutcome:
    """What a committed run did: its files' verdicts and what its commit wrote."""

    entries: list[FileEntry]
    partitions_written: dict[str, int]
    commit_id: str
    recovered: list[str]
    commit: RunCommit  # partitions and seconds of prepare + commit + apply


def build_report(
    *,
    run_id: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    input_path: str,
    output_path: str,
    outcome: RunOutcome | None,
    error: str | None = None,
) -> RunReport:
    """The run's report; ``outcome`` None for a run that failed (with its ``error``)."""
    entries = [] if outcome is None else outcome.entries
    return {
        "run_id": run_id,
        "status": "failed" if outcome is None else "succeeded",
        "error": error,
        "commit_id": None if outcome is None else outcome.commit_id,
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat(),
        "input_path": input_path,
        "output_path": output_path,
        "totals": totals(entries),
        "rejected_by_reason": rejected_by_reason(entries),
        "partitions_written": {} if outcome is None else dict(outcome.partitions_written),
        "commit": None if outcome is None else outcome.commit,
        "files": entries,
    }
