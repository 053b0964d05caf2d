"""The run report: per-file counts from one aggregation, totals and reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from contract.runs import FileEntry, RunCommit, RunReport
from job.read import InputFile
from job.report import RunOutcome, build_report, file_entries

FILES = [
    InputFile("file:///in/a.csv", "ok", delimiter=","),
    InputFile(
        "file:///in/b.csv", "rejected", "missing_columns", "missing required columns: status"
    ),
    InputFile("file:///in/c.csv", "ok", delimiter=";"),
    InputFile("file:///in/d.txt", "skipped", "not_csv"),
]
COUNTS = [
    ("file:///in/a.csv", None, 7),
    ("file:///in/a.csv", "invalid_date", 2),
    ("file:///in/a.csv", "duplicate_key", 1),
    ("file:///in/c.csv", "invalid_date", 3),
]


def test_file_entries_split_rows_by_reason_and_keep_every_file() -> None:
    entries = file_entries(FILES, COUNTS)
    assert [(e["rows_read"], e["rows_valid"], e["rows_rejected"]) for e in entries] == [
        (10, 7, 3),
        (0, 0, 0),
        (3, 0, 3),
        (0, 0, 0),
    ]
    assert entries[0]["rejected_by_reason"] == {"duplicate_key": 1, "invalid_date": 2}
    assert entries[1]["detail"] == "missing required columns: status"
    assert entries[3]["rejected_by_reason"] == {}


def test_report_totals_add_up_files_and_reasons() -> None:
    at = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    report = build_report(
        run_id="r1",
        started_at=at,
        ended_at=at,
        input_path="in",
        output_path="out",
        outcome=outcome(file_entries(FILES, COUNTS)),
    )
    assert report["totals"] == {
        "files": 4,
        "files_ok": 2,
        "files_rejected": 1,
        "files_skipped": 1,
        "rows_read": 13,
        "rows_valid": 7,
        "rows_rejected": 6,
    }
    assert report["rejected_by_reason"] == {"duplicate_key": 1, "invalid_date": 5}
    assert report["error"] is None and report["partitions_written"] == {"orders": 2}


def test_file_entry_is_exactly_the_documented_shape() -> None:
    """The whole entry, key by key: the report is an API (GET /runs/latest, dashboards)."""
    assert file_entries(FILES[:2], COUNTS) == [
        {
            "path": "file:///in/a.csv",
            "status": "ok",
            "reason": None,
            "rows_read": 10,
            "rows_valid": 7,
            "rows_rejected": 3,
            "rejected_by_reason": {"duplicate_key": 1, "invalid_date": 2},
        },
        {
            "path": "file:///in/b.csv",
            "status": "rejected",
            "reason": "missing_columns",
            "rows_read": 0,
            "rows_valid": 0,
            "rows_rejected": 0,
            "rejected_by_reason": {},
            "detail": "missing required columns: status",
        },
    ]


def outcome(entries: list[FileEntry]) -> RunOutcome:
    commit: RunCommit = {"partitions": 5, "seconds": 0.25}
    return RunOutcome(entries, {"orders": 2}, "r1.c0ffee00", [], commit)


def test_a_committed_run_reports_its_commit_and_a_failed_one_none() -> None:
    def report(done: RunOutcome | None) -> RunReport:
        at = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
        return build_report(
            run_id="r1", started_at=at, ended_at=at, input_path="in", output_path="out",
            outcome=done, error=None if done else "boom",
        )  # fmt: skip

    committed = report(outcome([]))
    assert (committed["status"], committed["commit_id"]) == ("succeeded", "r1.c0ffee00")
    assert committed["commit"] == {"partitions": 5, "seconds": 0.25}
    failed = report(None)
    assert (failed["status"], failed["error"], failed["commit"]) == ("failed", "boom", None)
    assert (failed["files"], failed["partitions_written"], failed["commit_id"]) == ([], {}, None)


def test_report_is_exactly_the_documented_shape() -> None:
    started = dt.datetime(2026, 11, 28, 6, 0, tzinfo=dt.UTC)
    ended = dt.datetime(2026, 11, 28, 6, 5, tzinfo=dt.UTC)
    entries = file_entries(FILES[2:], COUNTS)
    report = build_report(
        run_id="r2",
        started_at=started,
        ended_at=ended,
        input_path="s3://in/",
        output_path="s3://out",
        outcome=outcome(entries),
    )
    assert report == {
        "run_id": "r2",
        "commit_id": "r1.c0ffee00",
        "status": "succeeded",
        "error": None,
        "started_at": "2026-11-28T06:00:00+00:00",
        "ended_at": "2026-11-28T06:05:00+00:00",
        "input_path": "s3://in/",
        "output_path": "s3://out",
        "totals": {
            "files": 2,
            "files_ok": 1,
            "files_rejected": 0,
            "files_skipped": 1,
            "rows_read": 3,
            "rows_valid": 0,
            "rows_rejected": 3,
        },
        "rejected_by_reason": {"invalid_date": 3},
        "partitions_written": {"orders": 2},
        "commit": {"partitions": 5, "seconds": 0.25},
        "files": entries,
    }
    assert set(report) == set(RunReport.__annotations__)  # every key the shape declares


def test_reasons_are_listed_in_name_order_and_counts_without_a_file_are_ignored() -> None:
    counts = [
        ("file:///in/a.csv", "invalid_id", 1),
        ("file:///in/a.csv", "duplicate_key", 4),
        ("file:///in/zz.csv", "invalid_id", 9),  # not a file of this run
    ]
    (entry,) = file_entries(FILES[:1], counts)
    assert list(entry["rejected_by_reason"]) == ["duplicate_key", "invalid_id"]
    assert (entry["rows_read"], entry["rows_valid"]) == (5, 0)


def test_make_runs_summary_and_the_api_call_the_same_run_the_latest(tmp_path: Path) -> None:
    """The "latest" run is the newest start time for both `scripts/run_summary.py` and
    `/runs/latest`, whatever order the report files were written or touched in."""
    import json
    import os

    from api.run_reports import latest_run
    from scripts.run_summary import latest_report

    runs = tmp_path / "_runs"
    runs.mkdir()
    starts = {"r-new": "2026-12-02T10:00:00+00:00", "r-old": "2026-12-01T10:00:00+00:00"}
    for mtime, (run_id, started) in enumerate(starts.items()):
        path = runs / f"{run_id}.json"
        path.write_text(json.dumps({"run_id": run_id, "started_at": started}), encoding="utf-8")
        os.utime(path, (1_000_000 + mtime, 1_000_000 + mtime))  # r-old written last
    (runs / "broken.json").write_text("{", encoding="utf-8")
    assert latest_report(tmp_path)["run_id"] == "r-new"
    assert latest_run(str(runs))["run_id"] == "r-new"
