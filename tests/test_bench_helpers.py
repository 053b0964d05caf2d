"""The benchmark's pure helpers: /proc parsing, output stats, targets, rendering, event logs.

No timing is asserted: the numbers are hand-made, the files tiny.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.event_profile import parse, render
from bench.history import HistoryResult, days_for, ratio_verdict
from bench.history import render as render_history
from bench.measure import output_stats, parse_status, run_measured
from bench.render import render_results
from bench.report import (
    EngineResult,
    SizeResult,
    Throughput,
    check_targets,
    from_json,
    glue_plan,
    render_runtimes,
    render_size,
    throughput,
    to_json,
)

MB = 1024 * 1024
GB = 1024 * MB


def _engine(name: str, seconds: float, rows: int = 2_000_000, **extra: object) -> EngineResult:
    return EngineResult(
        engine=name,
        rows=rows,
        seconds=(seconds - 0.5, seconds, seconds + 5),
        peak_tree_bytes=(900 * MB, 1200 * MB, 1000 * MB),
        peak_process_bytes=(700 * MB, 800 * MB, 750 * MB),
        parquet_files=56,
        parquet_bytes=40 * MB,
        partitions=56,
        max_files_per_partition=1,
        extra=dict(extra),
    )


def _size(rows: int, full: float, incr: float, floor: float) -> SizeResult:
    return SizeResult(
        rows=rows,
        csv_bytes=140 * MB,
        engines={
            "duckdb": _engine("duckdb", floor, rows),
            "naive_spark": _engine("naive_spark", 13 * floor, rows),
            "job_full": _engine("job_full", full, rows, max_files_all_tables=1),
            "job_incremental": _engine(
                "job_incremental",
                incr,
                rows // 50,
                partitions_rewritten=12,
                partitions_total=56,
                partitions_reported=12,
                files_unchanged=44,
            ),
        },
    )


def test_parse_status_reads_name_parent_and_rss_in_bytes() -> None:
    text = "Name:\tjava\nUmask:\t0022\nPPid:\t41\nVmRSS:\t  204800 kB\nThreads:\t40\n"
    assert parse_status(text) == ("java", 41, 204800 * 1024)


def test_parse_status_of_a_kernel_thread_has_no_rss() -> None:
    assert parse_status("Name:\tkworker/0:1\nPPid:\t2\n") == ("kworker/0:1", 2, 0)


def test_run_measured_sees_the_memory_of_a_child_process(tmp_path: Path) -> None:
    child = "x = bytearray(80 << 20); import time; time.sleep(0.6)"
    code = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    m = run_measured([sys.executable, "-c", code], log_path=tmp_path / "log")
    assert m.returncode == 0
    assert m.peak_process_bytes >= 80 * MB
    assert m.peak_tree_bytes > m.peak_process_bytes


def test_output_stats_counts_visible_parquet_per_partition(tmp_path: Path) -> None:
    for rel in ("d=1/c=a/x.parquet", "d=1/c=a/y.parquet", "d=2/c=b/x.parquet"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"1234")
    (tmp_path / "_staging" / "d=3").mkdir(parents=True)
    (tmp_path / "_staging" / "d=3" / "z.parquet").write_bytes(b"12345678")
    (tmp_path / "d=2" / "c=b" / "_SUCCESS").write_bytes(b"")
    stats = output_stats(tmp_path)
    assert (stats.parquet_files, stats.parquet_bytes) == (3, 12)
    assert (stats.partitions, stats.max_files_per_partition) == (2, 2)


def test_targets_met_when_every_figure_is_within_its_goal() -> None:
    small, big = _size(200_000, 12.0, 10.0, 2.0), _size(2_000_000, 40.0, 11.0, 10.5)
    targets = check_targets(small, big, 2 * GB)
    assert [t.met for t in targets] == [True] * 7
    assert targets[0].measured == "3.8x"
    assert targets[2].measured == "3.3x"


def test_targets_report_the_gap_when_missed() -> None:
    small, big = _size(200_000, 3.0, 3.0, 1.0), _size(2_000_000, 60.0, 25.0, 10.0)
    missed = {t.name: t.measured for t in check_targets(small, big, 2 * GB) if not t.met}
    assert missed == {
        "full load vs DuckDB floor": "6.0x",
        "incremental vs full load": "42%",
        "time for 10x the rows (full load)": "20.0x",
    }


def test_results_render_targets_gaps_with_cause_and_every_engine() -> None:
    context = {
        "command": "bench/run.py",
        "date": "2026-11-28T09:00:00+00:00",
        "machine": "2 x test CPU",
        "load_before": "1.00 1.00 1.00",
        "load_after": "2.00 2.00 2.00",
        "seed": 42,
        "repeats": 3,
        "driver_memory": "1g",
    }
    text = render_results(
        [_size(200_000, 3.0, 3.0, 1.0), _size(2_000_000, 60.0, 9.0, 10.0)], context
    )
    assert "| full load vs DuckDB floor | ≤ 4x | 6.0x | **no** |" in text
    assert "- full load vs DuckDB floor: 6.0x against ≤ 4x: Spark's fixed cost" in text
    assert "| job, full load | 60.0 (59.5-65.0) | 33,333 | 6.0x |" in text
    assert "12 of 56 `orders` partitions rewritten, 44 Parquet files" in text
    assert "2 x test CPU" in text and "1.00 1.00 1.00" in text
    assert "Glue runtimes side by side" not in text  # no runtime results: no section


def test_results_compare_the_glue_runtimes_row_by_row_per_size() -> None:
    runtimes = {
        "5.1 (Spark 3.5.6, Python 3.11)": [
            _size(200_000, 3.0, 3.0, 1.0),
            _size(2_000_000, 60.0, 9.0, 10.0),
        ],
        "6.0 (Spark 4.1.1, Python 3.13)": [_size(2_000_000, 50.0, 8.0, 10.0)],
    }
    lines = render_runtimes(runtimes).splitlines()
    assert lines[0].startswith("| rows | Glue runtime | job, full load s | job, incremental")
    assert lines[2:] == [
        "| 200,000 | 5.1 (Spark 3.5.6, Python 3.11) | 3.0 | 3.0 | 13.0 | 1.0 | 800 |",
        "| 2,000,000 | 5.1 (Spark 3.5.6, Python 3.11) | 60.0 | 9.0 | 130.0 | 10.0 | 800 |",
        "| 2,000,000 | 6.0 (Spark 4.1.1, Python 3.13) | 50.0 | 8.0 | 130.0 | 10.0 | 800 |",
    ]
    context = {k: "x" for k in ("command", "date", "machine", "load_before", "load_after")}
    context |= {"seed": 42, "repeats": 1, "driver_memory": "1g"}
    text = render_results(runtimes["5.1 (Spark 3.5.6, Python 3.11)"], context, runtimes)
    assert "## Glue runtimes side by side" in text and lines[-1] in text


def test_event_log_profile_sums_tasks_per_stage_and_gaps_between_jobs() -> None:
    lines = [
        {"Event": "SparkListenerApplicationStart", "Timestamp": 1000},
        {
            "Event": "SparkListenerJobStart",
            "Job ID": 0,
            "Submission Time": 5000,
            "Stage IDs": [0],
            "Properties": {"callSite.short": "collect at pipeline.py:88"},
        },
        {
            "Event": "SparkListenerTaskEnd",
            "Stage ID": 0,
            "Task Metrics": {"Executor Run Time": 1500, "Input Metrics": {"Bytes Read": 2 * MB}},
        },
        {
            "Event": "SparkListenerTaskEnd",
            "Stage ID": 0,
            "Task Metrics": {"Executor Run Time": 1700},
        },
        {
            "Event": "SparkListenerStageCompleted",
            "Stage Info": {
                "Stage ID": 0,
                "Stage Name": "collect",
                "Number of Tasks": 2,
                "Submission Time": 5000,
                "Completion Time": 7000,
            },
        },
        {"Event": "SparkListenerJobEnd", "Job ID": 0, "Completion Time": 7000},
        {
            "Event": "SparkListenerJobStart",
            "Job ID": 1,
            "Submission Time": 9000,
            "Stage IDs": [1, 2],
            "Properties": {},
        },
        {"Event": "SparkListenerJobEnd", "Job ID": 1, "Completion Time": 9500},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": 12000},
    ]
    profile = parse(json.dumps(line) for line in lines)
    assert profile.stages[0].task_run_ms == 3200
    assert profile.jobs[1].stage_ids == []  # stages that never ran (skipped) are left out
    text = render(profile)
    assert "application wall: 11.0 s" in text and "before first job: 4.0 s" in text
    assert "gap before  2.0 s" in text
    assert "jobs busy: 2.5 s; after last job: 2.5 s" in text


def test_results_survive_a_json_round_trip_for_re_rendering() -> None:
    results = [_size(200_000, 3.0, 3.0, 1.0), _size(2_000_000, 60.0, 9.0, 10.0)]
    assert from_json(json.loads(json.dumps(to_json(results)))) == results


def test_glue_plan_uses_the_fewest_workers_that_finish_in_ten_minutes() -> None:
    model = Throughput(mb_per_core_second=2.0, fixed_seconds=60.0)
    # 10 GB = 10240 MB; 540 s left -> 10240 / (2 x 540) = 9.5 cores -> 3 executors of 4.
    workers, minutes, dpu_hours = glue_plan(10, "G.1X", model)
    assert workers == 4
    assert minutes == pytest.approx((60 + 10240 / (2.0 * 12)) / 60)
    assert dpu_hours == pytest.approx(4 * minutes / 60)
    assert glue_plan(0.001, "G.2X", model)[0] == 2  # never below Glue's minimum of 2


def test_throughput_is_the_marginal_rate_between_two_sizes() -> None:
    small, big = _size(200_000, 20.0, 3.0, 1.0), _size(2_000_000, 56.0, 9.0, 10.0)
    small = SizeResult(small.rows, 14 * MB, small.engines)
    model = throughput(small, big, cores=2)
    assert model.mb_per_core_second == pytest.approx((140 - 14) / 36 / 2)
    assert model.fixed_seconds == pytest.approx(20.0 - 14 / (model.mb_per_core_second * 2))


def test_results_render_the_cost_of_multi_line_notes_next_to_the_full_load() -> None:
    small = _size(200_000, full=40.0, incr=20.0, floor=1.0)
    small.engines["job_multiline"] = _engine("job_multiline", 46.0, 200_000)
    text = render_size(small)
    assert "| job, full load, multi-line notes | 46.0" in text
    assert "46.0 s vs 40.0 s (+15%)" in text


def _history(rows: int, seconds: tuple[float, ...]) -> HistoryResult:
    return HistoryResult(
        history_rows=rows,
        days=rows // 142_857,
        csv_bytes=139 * MB,
        update_rows=39_996,
        load_seconds=80.0,
        load_peak_process_bytes=GB,
        incremental_seconds=seconds,
        incremental_peak_process_bytes=(GB, GB, GB),
        index_partitions_read=64,
        partitions_written={"orders": 12, "orders_key_index": 64},
    )


def test_history_ratio_is_of_the_medians_and_judged_against_one_and_a_half() -> None:
    assert (days_for(2_000_000), days_for(20_000_000)) == (14, 140)
    small = _history(2_000_000, (30.0, 36.0, 90.0))
    assert ratio_verdict(small, _history(20_000_000, (54.0, 60.0, 1.0))) == (1.5, True)
    over = _history(20_000_000, (55.0, 55.0, 55.0))
    assert ratio_verdict(small, over)[1] is False
    context = {
        "command": "bench/history.py",
        "date": "2026-12-01",
        "machine": "m",
        "load_before": "1",
        "load_after": "1",
        "seed": 42,
        "repeats": 3,
        "driver_memory": "2g",
    }
    page = render_history([small, over], context)
    assert "measured 1.53x — NOT met" in page
    assert (
        "| 2,000,000 | 14 | 139 | 80.0 | 39,996 | 36.0 (30.0-90.0) | 1,024 | 12 | 64 of 64 |"
        in page
    )
