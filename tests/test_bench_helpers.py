"""The benchmark's pure helpers: /proc parsing, output stats, shapes, targets per shape, the
commit's cost per partition, the big run, Glue sizing, rendering, event logs.

No timing is asserted: the numbers are hand-made, the files tiny.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from bench.event_profile import parse, render
from bench.history import HistoryResult, days_for, ratio_verdict
from bench.history import render as render_history
from bench.measure import output_stats, parse_status, run_measured
from bench.render import all_targets, render_results
from bench.report import (
    EngineResult,
    SizeResult,
    Throughput,
    big_run_ratio,
    big_run_targets,
    check_targets,
    commit_growth_target,
    commit_ms_per_partition,
    from_json,
    glue_plan,
    render_runtimes,
    render_size,
    sizing_pair,
    split_targets,
    throughput,
    to_json,
)
from bench.shapes import SHAPES

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


def _size(
    rows: int,
    full: float,
    incr: float,
    floor: float,
    shape: str = "narrow",
    commit_ms: tuple[float, float] = (2.0, 3.0),
) -> SizeResult:
    """Every engine on one shape; the commit of the full load (56 partitions) and of the
    incremental one (14) took ``commit_ms`` per partition, in each of two repeats."""
    return SizeResult(
        rows=rows,
        csv_bytes=140 * MB,
        shape=shape,
        engines={
            "duckdb": _engine("duckdb", floor, rows),
            "naive_spark": _engine("naive_spark", 13 * floor, rows),
            "job_full": _engine(
                "job_full",
                full,
                rows,
                max_files_all_tables=1,
                commit_partitions=[56, 56],
                commit_seconds=[56 * commit_ms[0] / 1000] * 2,
            ),
            "job_incremental": _engine(
                "job_incremental",
                incr,
                rows // 50,
                partitions_rewritten=12,
                partitions_total=56,
                partitions_reported=12,
                files_unchanged=44,
                commit_partitions=[14, 14],
                commit_seconds=[14 * commit_ms[1] / 1000] * 2,
            ),
        },
    )


def _big(rows: int, full: float, shape: str = "wide", peak: int = 800 * MB) -> SizeResult:
    """The big run: the job's full load only, once."""
    engine = dataclasses.replace(
        _engine("job_full", full, rows, max_files_all_tables=1),
        seconds=(full,),
        peak_process_bytes=(peak,),
    )
    return SizeResult(rows, 1400 * MB, {"job_full": engine}, shape)


CONTEXT: dict[str, object] = {
    "command": "bench/run.py",
    "date": "2026-11-28T09:00:00+00:00",
    "machine": "2 x test CPU",
    "load_before": "1.00 1.00 1.00",
    "load_after": "2.00 2.00 2.00",
    "seed": 42,
    "repeats": 3,
    "driver_memory": "1g",
}


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


def test_shapes_pass_their_dates_and_pools_to_the_generator() -> None:
    assert SHAPES["narrow"].generate_args() == [
        "--days",
        "14",
        "--clients",
        "400",
        "--products",
        "50",
    ]
    year = SHAPES["year"]
    assert year.generate_args()[:4] == ["--days", "365", "--start-date", "2025-03-02"]
    assert year.pool_args() == ["--clients", "50000", "--products", "200"]
    assert SHAPES["wide"].description.startswith("90 days x 4 channels (360 `orders` partitions)")
    assert SHAPES["year"].description.startswith("365 days x 4 channels (1,460 `orders`")
    clean = SHAPES["clean"]
    assert clean.generate_args()[6:] == ["--files", "1", "--formats", "iso", "--bad-fraction", "0"]
    assert clean.update_args()[-2:] == ["--bad-fraction", "0"]
    assert clean.description.endswith("50 products; 1 iso file, no bad rows")
    assert "--bad-fraction" not in SHAPES["narrow"].update_args()


def test_the_performance_page_describes_each_shape_as_defined() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "performance.md").read_text()
    for shape in SHAPES.values():
        start = f", from {shape.start_date}" if shape.start_date else ""
        table = "`orders` " if shape.name == "narrow" else ""
        times = "\N{MULTIPLICATION SIGN}"
        assert (
            f"| `{shape.name}` | {shape.days} days {times} 4 = {shape.days * 4:,} {table}partitions"
            f"{start} | {shape.clients:,} | {shape.products:,} |"
        ) in page


def test_targets_of_a_shape_are_met_when_every_figure_is_within_its_goal() -> None:
    targets = check_targets(_size(2_000_000, 100.0, 29.0, 10.5, shape="wide"), 2 * GB)
    assert [t.met for t in targets] == [True] * 8
    assert {t.scope for t in targets} == {"wide"}
    measured = {t.name: t.measured for t in targets}
    assert measured["full load vs naive Spark"] == "0.73x (100.0 s vs 136.5 s)"
    assert measured["full load vs DuckDB floor"] == "9.5x"
    assert measured["incremental vs full load"] == "29%"
    assert (
        measured["commit ms per committed partition (full / incremental)"]
        == "2.0 ms x 56 / 3.0 ms x 14"
    )


def test_targets_of_a_shape_report_the_gap_when_missed() -> None:
    size = _size(2_000_000, 140.0, 50.0, 10.0, shape="year")
    del size.engines["job_incremental"].extra["commit_seconds"]
    missed = {t.name: t.measured for t in check_targets(size, 2 * GB) if not t.met}
    assert missed == {
        "full load vs naive Spark": "1.08x (140.0 s vs 130.0 s)",
        "full load vs DuckDB floor": "14.0x",
        "incremental vs full load": "36%",
        "commit ms per committed partition (full / incremental)": "2.0 ms x 56 / not reported",
    }


def test_commit_ms_per_partition_is_the_median_over_the_repeats() -> None:
    engine = _engine("job_full", 10.0, commit_partitions=[100, 50, 200], commit_seconds=[1, 2, 1])
    assert commit_ms_per_partition(engine) == pytest.approx(10.0)  # of 10, 40 and 5 ms
    assert commit_ms_per_partition(_engine("job_full", 10.0)) is None


def test_commit_growth_compares_the_biggest_partitions_with_the_smallest() -> None:
    narrow = _size(2_000_000, 80.0, 20.0, 5.0, "narrow", commit_ms=(3.0, 3.0))
    year = _size(200_000, 80.0, 20.0, 5.0, "year", commit_ms=(2.0, 2.0))
    target = commit_growth_target([year, narrow])
    assert target is not None and target.met
    assert target.measured.startswith("1.5x: narrow, 2,000,000 rows (35,714 rows/partition)")
    steep = _size(2_000_000, 80.0, 20.0, 5.0, "narrow", commit_ms=(4.5, 3.0))
    grown = commit_growth_target([year, steep])
    assert grown is not None and not grown.met and grown.measured.startswith("2.2x")
    assert commit_growth_target([narrow]) is None


def test_big_run_is_judged_against_its_shape_and_linear_time() -> None:
    wide = _size(2_000_000, 100.0, 20.0, 10.0, shape="wide")
    assert big_run_ratio(_big(20_000_000, 950.0), wide) == pytest.approx(9.5)
    fine = big_run_targets(_big(20_000_000, 950.0), wide, 2 * GB)
    assert [t.met for t in fine] == [True, True, True]
    assert fine[0].goal == "≤ 10x" and fine[0].scope == "wide, 20,000,000 rows"
    slow = big_run_targets(_big(20_000_000, 1100.0, peak=3 * GB), wide, 2 * GB)
    assert [(t.measured, t.met) for t in slow[:2]] == [
        ("11.0x (1100.0 s vs 100.0 s)", False),
        ("3072 MB (tree 1200 MB)", False),
    ]


def test_every_target_sits_next_to_the_other_shapes_and_the_big_run_follows() -> None:
    shapes = [_size(2_000_000, 80.0, 20.0, 8.0, s) for s in ("narrow", "wide", "year")]
    targets = all_targets(shapes, _big(20_000_000, 700.0))
    assert [t.scope for t in targets[:4]] == ["narrow", "wide", "year", "narrow"]
    assert [t.scope for t in targets[24:27]] == ["wide, 20,000,000 rows"] * 3
    assert targets[-1].name == "commit ms per partition, biggest vs smallest partitions"


def test_results_render_targets_gaps_with_cause_once_and_every_engine() -> None:
    results = [
        _size(2_000_000, 60.0, 9.0, 5.0, "narrow"),
        _size(2_000_000, 120.0, 30.0, 10.0, "wide"),
    ]
    text = render_results(results, CONTEXT, big=_big(20_000_000, 1000.0))
    assert "## Targets at 2,000,000 rows per shape, and the big run (wide, 20,000,000 rows)" in text
    assert "| narrow | full load vs DuckDB floor | ≤ 10x (long-run goal 4x) | 12.0x | **no** |" in (
        text
    )
    assert (
        "| wide | full load vs DuckDB floor | ≤ 10x (long-run goal 4x) | 12.0x | **no** |" in text
    )
    assert text.count("Spark's fixed cost") == 1  # one cause for both shapes
    assert "- full load vs DuckDB floor: narrow 12.0x; wide 12.0x, against ≤ 10x (" in text
    assert "- incremental vs full load: wide 25%" not in text  # 25% is within 30%
    assert "| job, full load | 60.0 (59.5-65.0) | 33,333 | 12.0x |" in text
    assert "12 of 56 `orders` partitions rewritten, 44 Parquet files" in text
    assert "### wide: 90 days x 4 channels (360 `orders` partitions), 50,000 clients" in text
    assert "### Big run: wide: 90 days" in text
    assert "8.3x the median full load of wide, 2,000,000 rows, for 10x the rows." in text
    assert "### year" not in text  # only the shapes measured
    assert "Commit (run report, median): full load 2.0 ms per partition over 56" in text
    assert "(wide shape, marginal from 2,000,000 to 20,000,000 rows)" in text
    assert "2 x test CPU" in text and "1.00 1.00 1.00" in text
    assert "Glue runtimes side by side" not in text  # no runtime results: no section


def test_results_compare_the_glue_runtimes_row_by_row_per_shape_and_size() -> None:
    old_format = to_json([_size(200_000, 3.0, 3.0, 1.0), _size(2_000_000, 60.0, 9.0, 10.0)])
    for saved in old_format:
        del saved["shape"]
    runtimes = {
        "5.1 (Spark 3.5.6, Python 3.11)": [
            _size(2_000_000, 50.0, 8.0, 10.0, "narrow"),
            _size(2_000_000, 70.0, 9.0, 10.0, "wide"),
        ],
        "6.0 (Spark 4.1.1, Python 3.13)": from_json(old_format),
    }
    lines = render_runtimes(runtimes).splitlines()
    assert lines[0].startswith("| shape | rows | Glue runtime | job, full load s | job, incr")
    assert lines[2:] == [
        "| narrow | 200,000 | 6.0 (Spark 4.1.1, Python 3.13) | 3.0 | 3.0 | 13.0 | 1.0 | 800 |",
        "| narrow | 2,000,000 | 5.1 (Spark 3.5.6, Python 3.11) | 50.0 | 8.0 | 130.0 | 10.0 | 800 |",
        "| narrow | 2,000,000 | 6.0 (Spark 4.1.1, Python 3.13) | 60.0 | 9.0 | 130.0 | 10.0 | 800 |",
        "| wide | 2,000,000 | 5.1 (Spark 3.5.6, Python 3.11) | 70.0 | 9.0 | 130.0 | 10.0 | 800 |",
    ]
    text = render_results(runtimes["5.1 (Spark 3.5.6, Python 3.11)"], CONTEXT, runtimes)
    assert "## Glue runtimes side by side" in text and lines[-1] in text


def test_old_results_without_a_shape_are_the_narrow_shape_and_still_render() -> None:
    small = dataclasses.replace(_size(200_000, 3.0, 3.0, 1.0), csv_bytes=14 * MB)
    saved = to_json([small, _size(2_000_000, 60.0, 9.0, 10.0)])
    for size in saved:
        del size["shape"]
    results = from_json(json.loads(json.dumps(saved)))
    assert [(r.shape, r.rows) for r in results] == [("narrow", 200_000), ("narrow", 2_000_000)]
    text = render_results(results, CONTEXT)
    assert "## Targets at 2,000,000 rows per shape\n" in text  # the largest size is judged
    assert "| narrow | full load vs DuckDB floor | ≤ 10x (long-run goal 4x) | 6.0x | yes |" in text
    assert "(narrow shape, marginal from 200,000 to 2,000,000 rows)" in text


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
    results = [_size(2_000_000, 3.0, 3.0, 1.0, "year"), _big(20_000_000, 60.0)]
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


def test_sizing_comes_from_the_wide_shape_and_the_big_run() -> None:
    narrow = _size(2_000_000, 60.0, 9.0, 5.0, "narrow")
    wide = _size(2_000_000, 100.0, 20.0, 10.0, "wide")
    big = _big(20_000_000, 730.0)
    assert sizing_pair([narrow, wide], big) == (wide, big)
    model = throughput(*sizing_pair([narrow, wide], big), cores=2)
    assert model.mb_per_core_second == pytest.approx((1400 - 140) / 630 / 2)
    assert model.fixed_seconds == pytest.approx(100.0 - 140 / 2.0)
    # No big run: the wide run's whole-run average, its start-up counted as work.
    assert sizing_pair([narrow, wide], None) == (None, wide)
    alone = throughput(None, wide, cores=2)
    assert (alone.mb_per_core_second, alone.fixed_seconds) == (pytest.approx(0.7), 0)
    assert "whole-run average" in alone.basis
    # No wide shape measured: the first shape's own sizes.
    small = _size(200_000, 20.0, 3.0, 1.0, "narrow")
    assert sizing_pair([small, narrow], None) == (small, narrow)


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


def test_the_small_files_run_is_judged_by_whether_its_partitions_split() -> None:
    size = _size(2_000_000, full=40.0, incr=10.0, floor=4.0)
    split = dataclasses.replace(
        _engine("job_split", 44.0, target_file_mb="0.1", max_files_all_tables=8),
        parquet_files=400,
        max_files_per_partition=8,
    )
    size.engines["job_split"] = split
    text = render_size(size)
    assert "| job, full load, small files | 44.0" in text
    assert "400 `orders` files over 56 partitions, at most 8 in one (8 over all tables)" in text
    name = "orders files per partition with --target_file_mb 0.1"
    assert [(t.name, t.met, t.scope) for t in split_targets(size)] == [(name, True, "narrow")]
    size.engines["job_split"] = dataclasses.replace(split, max_files_per_partition=1)
    assert [t.met for t in split_targets(size)] == [False]
    # Only the shape with the small-files run has the target; the others' lists stay aligned.
    wide = _size(2_000_000, full=40.0, incr=10.0, floor=4.0, shape="wide")
    assert split_targets(wide) == []
    assert [t.name for t in all_targets([size, wide], None)].count(name) == 1
