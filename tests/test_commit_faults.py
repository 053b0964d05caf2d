"""Nothing is lost at any instant: a failure at every storage call of a run, then the
next run, leaves exactly what a clean history leaves (docs/tables.md, "The guarantee").

A two-batch history: batch 1 is loaded cleanly; batch 2 (status updates, a line moving
to another day and channel, new lines, a reject) is run with its N-th storage call
failing, for every N: as an exception before the call acts (every call), and as a crash
right after a call that changes storage took effect (its state recorded from one run:
``crash_states``). Then the next run:

- another input (an empty upload folder) after every failure: the tables must be exactly
  batch 1's if the failure came before the commit record was written, and exactly the
  clean two-batch history if after: committed work is completed, uncommitted work undone;
- the same input again after every failure from the commit record on (where a pending
  commit and a re-run of its input meet): exactly the clean two-batch history.

Either way no file may be left that no manifest names (the next run's sweep, at
``--retention_hours 0``, removes every leftover).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession

from contract.runs import RUNS_DIR
from glue_jobs.process_orders import main
from table_format.layout import DATA_DIR, MANIFEST_DIR, MANIFEST_NAME, partition_of
from table_format.lease import LEASE_DIR
from tests.conftest import built_once, sweep_parts
from tests.faults import (
    EFFECT_CALLS,
    FaultyStorage,
    SimulatedCrash,
    WrittenFrame,
    committed_tables,
    replay_problems,
)
from tests.output import copy_output, partition_files, referenced_parquet, stored_parquet
from transforms.tables import TABLES

HEADER = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
BATCH_1 = [
    "O1,C1,P1,online,1,2.00,pending,2026-11-20",
    "O1,C1,P2,online,2,3.00,pending,2026-11-20",
    "O2,C2,P1,store,1,2.00,confirmed,2026-11-20",
    "O3,C1,P1,phone,4,1.50,shipped,2026-11-21",
    "O4,C3,P3,online,1,9.99,delivered,2026-11-21",
    "O5,C3,P1,fax,1,1.00,pending,2026-11-21",
]
BATCH_2 = [
    "O1,C1,P1,online,1,2.00,shipped,2026-11-20",
    "O2,C2,P1,phone,1,2.00,confirmed,2026-11-21",
    "O6,C4,P2,store,3,4.00,pending,2026-11-22",
    "O7,C4,P2,store,0,4.00,pending,2026-11-22",
]
T1 = dt.datetime(2026, 11, 20, 8, 0).timestamp()
T2 = dt.datetime(2026, 11, 21, 8, 0).timestamp()
# Every run of the history on one run date (the quarantine is partitioned by it), whatever
# the wall clock says: a suite that crosses midnight UTC must not change the expectations.
RUN_CLOCK = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def write_batch(folder: Path, name: str, lines: list[str], uploaded: float) -> Path:
    folder.mkdir(parents=True)
    path = folder / name
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    os.utime(path, (uploaded, uploaded))
    return folder


def run(
    input_path: Path, output: Path, run_id: str, storage: Any = None, *extra: str
) -> dict[str, Any]:
    argv = ["process_orders.py", "--input_path", str(input_path), "--output_path", str(output)]
    return main([*argv, "--run_id", run_id, *extra], storage=storage, now=RUN_CLOCK)


def snapshot(output: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's current rows, read with pyarrow from the files the manifests name;
    ``ingested_at`` left out (it is the time of the run that wrote a row)."""
    tables = {}
    for name, table in TABLES.items():
        rows = []
        for relative, files in partition_files(output / name).items():
            values = partition_of(relative, table.partitions)
            for file in files:
                for row in pq.read_table(file).to_pylist():
                    row.pop("ingested_at", None)
                    rows.append(tuple(sorted({**row, **values}.items(), key=lambda kv: kv[0])))
        tables[name] = sorted(rows, key=repr)
    return tables


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> dict:
    """The reference runs, built once for every worker process (``built_once``)."""
    return built_once(tmp_path_factory, "faults", lambda base: build_history(spark, base))


def build_history(spark: SparkSession, base: Path) -> dict:
    batch_1 = write_batch(base / "in1", "2026-11-20.csv", BATCH_1, T1)
    batch_2 = write_batch(base / "in2", "2026-11-21.csv", BATCH_2, T2)
    after_1 = base / "after_1"
    run(batch_1, after_1, "batch-1")
    clean = base / "clean"
    copy_output(after_1, clean)
    counting = FaultyStorage(spark)
    run(batch_2, clean, "batch-2", counting)
    commit_call, applied_call = (
        next(
            n
            for n, (name, args) in enumerate(counting.log, 1)
            if name == "write_text" and "/_commits/" in str(args[0]) and str(args[0]).endswith(end)
        )
        for end in (".json", ".applied")
    )
    # Batch 2 again on the two-batch tables: what a same-input next run writes (it finds
    # the tables so once it has finished the failed run's commit).
    rerun = FaultyStorage(spark)
    run(batch_2, copy_output(clean, base / "rerun"), "batch-2-rerun", rerun)
    calls = list(counting.calls)
    return {
        "batch_2": batch_2,
        "after_1": after_1,
        "clean": clean,
        "before": snapshot(after_1),
        "expected": snapshot(clean),
        "calls": calls,
        "frames": counting.frames,
        "rerun": rerun.frames,
        "crashes": crash_states(spark, base, batch_2, after_1, counting.frames, calls),
        "commit_call": commit_call,
        "applied_call": applied_call,
    }


CRASHING = "crashing"


def crash_states(
    spark: SparkSession,
    base: Path,
    batch_2: Path,
    after_1: Path,
    frames: Sequence[WrittenFrame],
    calls: list[str],
) -> dict[int, Path]:
    """A crash runs nothing after the call it follows (SimulatedCrash is no Exception), so
    the state a crash after call N leaves is the storage right after call N: one run of
    batch 2, as the failing runs make it, copies its output after every call that changes
    storage. ``test_a_crash_leaves_the_state_the_sweep_starts_from`` checks it."""
    output = copy_output(after_1, base / CRASHING)
    points = {n for mode, n in failure_points(calls) if mode == "crash"}
    states: dict[int, Path] = {}

    def keep(n: int, _: str) -> None:
        if n in points:
            states[n] = copy_output(output, base / "crashes" / f"crash-{n}")

    recording = FaultyStorage(spark, replay=[frames], after_each=keep)
    run(batch_2, output, CRASHING, recording, *FAILING_LEASE)
    assert recording.calls == calls and sorted(states) == sorted(points)
    return states


def test_the_clean_two_batch_run_is_the_expected_history(history: dict) -> None:
    """The reference itself is right: updates applied, the move done, the rejects kept."""
    orders = {(r["order_id"], r["product_id"]): r for r in map(dict, history["expected"]["orders"])}
    assert sorted(orders) == [
        ("O1", "P1"),
        ("O1", "P2"),
        ("O2", "P1"),
        ("O3", "P1"),
        ("O4", "P3"),
        ("O6", "P2"),
    ]
    assert orders[("O1", "P1")]["status"] == "shipped"
    assert (orders[("O2", "P1")]["order_date"], orders[("O2", "P1")]["channel"]) == (
        "2026-11-21",
        "phone",
    )
    rejected = sorted(dict(r)["order_id"] for r in history["expected"]["rejected_orders"])
    assert rejected == ["O5", "O7"]
    assert len(history["calls"]) > 20
    assert history["calls"][history["commit_call"] - 1] == "write_text"


@pytest.mark.parametrize(
    ("reference", "start"),
    [("frames", "after_1"), ("rerun", "clean"), ("rerun", "a pending commit")],
)
def test_a_run_from_the_same_state_writes_the_frames_the_sweep_replays(
    spark: SparkSession, tmp_path: Path, history: dict, reference: str, start: str
) -> None:
    """The sweep's runs copy a reference run's Parquet output where their tables are the
    reference's (tests/faults.py, ``replay``): the clean batch-2 run's (``frames``) for the
    failing runs, batch 2 again on the two-batch tables (``rerun``) for the same-input next
    runs. Sound only if a run from that state, input and clock writes those very rows: run
    it again for real. A pending commit (a crash right after the commit record) is what
    the same-input next runs meet: once recovery has applied it, the tables are the
    two-batch ones under another commit's folders, which the replay counts as the same."""
    state = history["crashes"][history["commit_call"]] if start == "a pending commit" else None
    again = FaultyStorage(spark)
    output = copy_output(state or history[start], tmp_path / "again")
    run(history["batch_2"], output, "again", again)
    assert len(again.frames) >= 5
    assert replay_problems(history[reference], again) == []


def test_a_replay_from_other_tables_writes_for_real(
    spark: SparkSession, tmp_path: Path, history: dict
) -> None:
    """A run whose tables are not the reference's writes its frames itself: batch 2 on the
    two-batch tables, given the frames of batch 2 on batch 1's."""
    storage = FaultyStorage(spark, replay=[history["frames"]])
    run(history["batch_2"], copy_output(history["clean"], tmp_path / "other"), "other", storage)
    assert storage.replayed == 0 and len(storage.frames) >= 5


def test_the_replay_guard_takes_the_same_files_in_another_commit_folder_for_the_same_table(
    tmp_path: Path,
) -> None:
    """``committed_tables`` leaves a file's commit folder out, not its name: the same file
    names under another run's commit are the same table, another file name is not."""

    def output(name: str, commit: str, file: str) -> str:
        root = tmp_path / name
        manifest = root / "orders" / MANIFEST_DIR / "order_date=2026-11-20" / MANIFEST_NAME
        manifest.parent.mkdir(parents=True)
        manifest.write_text(
            f"file:{root}/orders/{DATA_DIR}/{commit}/order_date=2026-11-20/{file}\n"
        )
        return str(root)

    part = "part-00000-0f1e2d3c-c000.snappy.parquet"
    same = output("a", "batch-2.0a1b2c3d", part)
    moved = output("b", "crashing.9f8e7d6c", part)
    other = output("c", "batch-2.0a1b2c3d", part.replace("0f1e2d3c", "4b5a6978"))
    assert committed_tables(same) == committed_tables(moved) != committed_tables(other)


def stored_tree(output: Path, run_id: str) -> dict[str, str]:
    """Every file below ``output`` and its content, with the run's id and commit id, the
    folder's path and the commit record's wall-clock time as placeholders; a lease record and
    the run report by name only (they hold wall-clock times; no run reads a report)."""
    commit = re.compile(rf"{re.escape(run_id)}\.[0-9a-f]{{8}}")
    committed_at = re.compile(r'"committed_at": "[^"]*"')

    def plain(text: str) -> str:
        text = commit.sub("<commit>", text.replace(str(output), "<output>"))
        text = committed_at.sub('"committed_at": "<time>"', text)
        return text.replace(f'"{run_id}"', '"<run>"')

    tree = {}
    for path in sorted(output.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            by_name = {LEASE_DIR, RUNS_DIR} & set(path.parts)
            text = "" if by_name else data.decode("utf-8", "backslashreplace")
            tree[plain(str(path.relative_to(output))).replace(run_id, "<run>")] = plain(text)
    return tree


def test_a_crash_leaves_the_state_the_sweep_starts_from(
    spark: SparkSession, tmp_path: Path, history: dict
) -> None:
    """The sweeps take a crash's state from one recorded run (``crash_states``): a run
    crashed for real after the first call that changes storage, the commit record, the
    last apply write and the last call leaves exactly those files."""
    crashes = sorted(history["crashes"])
    for n in {crashes[0], history["commit_call"], history["applied_call"], crashes[-1]}:
        output = copy_output(history["after_1"], tmp_path / f"crash-{n}")
        faulty = FaultyStorage(spark, fail_at=n, mode="crash", replay=[history["frames"]])
        with pytest.raises(SimulatedCrash):
            run(history["batch_2"], output, f"crash-{n}", faulty, *FAILING_LEASE)
        recorded = stored_tree(history["crashes"][n], CRASHING)
        assert stored_tree(output, f"crash-{n}") == recorded, f"crash after call {n}"


def test_the_sweep_parts_take_every_failure_point_exactly_once(history: dict) -> None:
    """Split into parts, the sweep still injects every point: the parts' slices partition
    the points (sweep_parts' ``part`` values, as the sweeps below receive them)."""
    points = failure_points(history["calls"])
    for count in (2, 4):
        parts = sweep_parts(count).args[1]
        taken = [point for part in parts for point in points[part]]
        assert sorted(taken) == sorted(points) and len(taken) == len(points)


def failure_points(calls: list[str]) -> list[tuple[str, int]]:
    """(mode, N) for every storage call: raise before it acts; crash after it took effect."""
    points = [("raise", n) for n in range(1, len(calls) + 1)]
    points += [("crash", n) for n, name in enumerate(calls, 1) if name in EFFECT_CALLS]
    return points


def committed(mode: str, n: int, commit_call: int) -> bool:
    """Did the run's commit record get written before the failure?"""
    return n > commit_call or (n == commit_call and mode == "crash")


FAILING_LEASE = ("--lease_seconds", "0")


def fail_then_run(
    spark: SparkSession,
    history: dict,
    output: Path,
    mode: str,
    n: int,
    next_input: Path,
    replay: Sequence[Sequence[WrittenFrame]] = (),
) -> None:
    """Fail at ``(mode, n)``, then run ``next_input`` (``replay``: its reference frames)."""
    if mode == "crash":
        copy_output(history["crashes"][n], output)  # what the crash left (crash_states)
    else:
        copy_output(history["after_1"], output)
        # Same state, input and clock as the clean batch-2 run: its frames, replayed.
        faulty = FaultyStorage(spark, fail_at=n, mode=mode, replay=[history["frames"]])
        with contextlib.suppress(SystemExit):  # the failure under test
            run(history["batch_2"], output, f"fail-{n}", faulty, *FAILING_LEASE)
    # A crash leaves the writer lease held until it expires: a lease of 0 s lets the next
    # run take it over at once (nothing else runs here; tests/test_lease.py covers waits).
    storage = FaultyStorage(spark, replay=replay)
    run(next_input, output, f"next-{n}", storage, "--retention_hours", "0")


# Failure points run side by side, each its own pair of runs on its own copy of the output,
# in the one SparkSession (its jobs are small: a run mostly waits on scheduling and driver
# round trips, so two at once use the 2 cores better). Only session settings are shared,
# and the runs set the same ones (job/tuning.py sizes them from the input).
SWEEP_THREADS = 2


def sweep(points: Sequence[tuple[str, int]], check: Callable[[str, int], str | None]) -> list[str]:
    """``check`` every failure point; the problems it reports, in point order."""
    with ThreadPoolExecutor(max_workers=SWEEP_THREADS) as pool:
        found = list(pool.map(lambda point: check(*point), points))
    return [problem for problem in found if problem is not None]


def state_after(
    spark: SparkSession,
    history: dict,
    base: Path,
    mode: str,
    n: int,
    next_input: Path,
    replay: Sequence[Sequence[WrittenFrame]] = (),
) -> tuple[dict[str, list[tuple[Any, ...]]], set[Path], set[Path]]:
    """Fail at ``(mode, n)``, run ``next_input``: the tables, and the stored and referenced
    Parquet files (the copy is removed)."""
    output = base / f"{mode}-{n}"
    fail_then_run(spark, history, output, mode, n, next_input, replay)
    state = snapshot(output), stored_parquet(output), referenced_parquet(output)
    shutil.rmtree(output)
    return state


@pytest.mark.heavy
@sweep_parts(4)
def test_a_failure_at_every_storage_call_then_another_run_loses_nothing(
    spark: SparkSession, tmp_path: Path, history: dict, part: slice
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    calls, commit_call = history["calls"], history["commit_call"]

    def check(mode: str, n: int) -> str | None:
        tables, stored, referenced = state_after(spark, history, tmp_path, mode, n, empty)
        where = f"{mode} at call {n}/{len(calls)} ({calls[n - 1]})"
        wanted = "expected" if committed(mode, n, commit_call) else "before"
        if tables != history[wanted]:
            return f"{where}: not the {wanted} state"
        if stored != referenced:
            return f"leftovers after {where}: {sorted(stored - referenced)}"
        return None

    assert sweep(failure_points(calls)[part], check) == []


@pytest.mark.heavy
@sweep_parts(2)
def test_a_failure_while_a_commit_is_applied_then_the_same_input_again_loses_nothing(
    spark: SparkSession, tmp_path: Path, history: dict, part: slice
) -> None:
    """Where a pending commit and a re-run of its own input meet: the commit record's write
    failing, and a crash after the record and after each manifest write of the apply step."""
    calls, commit_call = history["calls"], history["commit_call"]
    points = [("raise", commit_call)] + [
        ("crash", n)
        for mode, n in failure_points(calls)
        if mode == "crash" and commit_call <= n <= history["applied_call"]
    ]
    assert len(points) > 5
    # The next run finds the two-batch tables once it has applied the pending commit, or
    # batch 1's where the record's write failed: batch 2 on either is a reference run.
    references = [history["rerun"], history["frames"]]

    def check(mode: str, n: int) -> str | None:
        tables, stored, referenced = state_after(
            spark, history, tmp_path, mode, n, history["batch_2"], references
        )
        where = f"{mode} at call {n}/{len(calls)} ({calls[n - 1]})"
        if tables != history["expected"]:
            return f"{where}: not the expected state"
        if stored != referenced:
            return f"leftovers after {where}: {sorted(stored - referenced)}"
        return None

    assert sweep(points[part], check) == []
