"""The run report: what happened to every file and row of a run (``_runs/<run_id>.json``).

Built from the file verdicts and one aggregated count per (file, reason), so
``rows_read == rows_valid + rows_rejected`` holds for each file by construction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from contract.orders import FILE_OK, FILE_REJECTED, FILE_SKIPPED
from job.read import InputFile

# (source_file, reject_reason or None, row count), as the job's one aggregation returns it.
ReasonCount = tuple[str, str | None, int]


def file_entry(file: InputFile, counts: Mapping[str | None, int]) -> dict[str, Any]:
    rejected_by_reason = {r: counts[r] for r in sorted(r for r in counts if r is not None)}
    rows_rejected = sum(rejected_by_reason.values())
    rows_valid = counts.get(None, 0)
    entry: dict[str, Any] = {
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


def file_entries(files: Iterable[InputFile], counts: Iterable[ReasonCount]) -> list[dict[str, Any]]:
    per_file: dict[str, dict[str | None, int]] = {}
    for source_file, reason, n in counts:
        per_file.setdefault(source_file, {})[reason] = n
    return [file_entry(f, per_file.get(f.path, {})) for f in files]


def totals(entries: list[dict[str, Any]]) -> dict[str, int]:
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


def rejected_by_reason(entries: list[dict[str, Any]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for entry in entries:
        total.update(entry["rejected_by_reason"])
    return dict(sorted(total.items()))


def build_report(
    *,
    run_id: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    status: str,
    input_path: str,
    output_path: str,
    entries: list[dict[str, Any]],
    partitions_written: Mapping[str, int],
    error: str | None = None,
    commit_id: str | None = None,
    commit: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "status": status,
        "error": error,
        "commit_id": commit_id,
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat(),
        "input_path": input_path,
        "output_path": output_path,
        "totals": totals(entries),
        "rejected_by_reason": rejected_by_reason(entries),
        "partitions_written": dict(partitions_written),
        "commit": None if commit is None else dict(commit),
        "files": entries,
    }
