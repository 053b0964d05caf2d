"""The run report: per-file counts from one aggregation, totals and reasons."""

from __future__ import annotations

import datetime as dt

from transforms.read import InputFile
from transforms.report import build_report, file_entries

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
        status="succeeded",
        input_path="in",
        output_path="out",
        entries=file_entries(FILES, COUNTS),
        partitions_written={"orders": 2},
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
