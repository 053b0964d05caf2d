"""Two writers, every interleaving (docs/tables.md, "Concurrent runs"): a second run B
is started between every two storage calls of a first run A on the same output.

Up to A's fence (the lease renewal before its commit point), A's lease is first made to
expire, as if A had stalled past its lease period: B takes the lease over and commits in
the middle of A. After the fence the lease is A's whole period, so B finds it held.
Whatever the point, the outcome is one of the serial ones, and nothing is lost (the points
from the fence to A's release are covered by one run of A, B started before every call):

- B committed before A took the lease, or after A released it: exactly the history of
  both batches;
- B took the lease over and committed: A failed with ``LeaseLostError`` having changed
  nothing, and the tables are exactly B's clean result (running A again is then an
  ordinary next run, tests/test_commit_faults.py); or, if A was still taking the lease,
  A saw B's newer generation, took the lease after B, and both batches are there;
- B found the lease held: B failed with a message naming A's lease and changed nothing,
  and the tables are exactly A's clean result.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Container, Sequence
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from table_format.lease import LEASE_DIR
from tests.conftest import built_once, sweep_parts
from tests.faults import FaultyStorage, WrittenFrame, replay_problems
from tests.output import copy_output
from tests.test_commit_faults import (
    BATCH_1,
    BATCH_2,
    T1,
    T2,
    run,
    snapshot,
    sweep,
    write_batch,
)

# B: a newer upload that updates one of A's lines and adds another day.
BATCH_3 = [
    "O6,C4,P2,store,3,4.00,shipped,2026-11-22",
    "O8,C5,P1,online,2,2.00,pending,2026-11-23",
]
T3 = T2 + 3600


class InterleavingStorage(FaultyStorage):
    """A's storage: right before each of its calls numbered in ``at`` acts,
    ``interleave(n)`` runs."""

    def __init__(
        self,
        spark: SparkSession,
        at: Container[int],
        interleave: Callable[[int], None],
        replay: Sequence[Sequence[WrittenFrame]] = (),
    ) -> None:
        super().__init__(spark, replay=replay)
        self.at, self.interleave = at, interleave

    def _call(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls.append(name)
        if len(self.calls) in self.at:
            self.interleave(len(self.calls))
        return method(*args, **kwargs)


def expire_newest_lease(output: Path) -> bool:
    """Make the newest lease generation expired, as if its holder had stalled; False when
    no lease is held (none taken, or released)."""
    folder = output / LEASE_DIR
    leases = sorted(folder.glob("*.json")) if folder.exists() else []
    if not leases or (folder / f"{leases[-1].stem}.released").exists():
        return False
    record = json.loads(leases[-1].read_text())
    record["expires_at"] = (dt.datetime(2000, 1, 1)).isoformat()
    leases[-1].write_text(json.dumps(record))
    return True


def resolved(output: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows; of the key index (an append log whose newest entry per key is
    the one that counts, transforms/core.py) only those newest entries."""
    tables = snapshot(output)
    newest: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for row in tables["orders_key_index"]:
        entry = dict(row)
        key = (entry["order_id"], entry["product_id"])
        version = (entry["source_modified_at"], entry["source_file"])
        if key not in newest or version > newest[key][0]:
            newest[key] = (version, row)
    tables["orders_key_index"] = sorted((row for _, row in newest.values()), key=repr)
    return tables


@pytest.fixture(scope="module")
def two_writers(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> dict:
    """The reference runs, built once for every worker process (``built_once``)."""
    return built_once(tmp_path_factory, "writers", lambda base: build_two_writers(spark, base))


def build_two_writers(spark: SparkSession, base: Path) -> dict:
    batch_1 = write_batch(base / "in1", "2026-11-20.csv", BATCH_1, T1)
    batch_2 = write_batch(base / "in2", "2026-11-21.csv", BATCH_2, T2)
    batch_3 = write_batch(base / "in3", "2026-11-22.csv", BATCH_3, T3)
    after_1 = base / "after_1"
    run(batch_1, after_1, "batch-1")
    only_a = copy_output(after_1, base / "only_a")
    counting = FaultyStorage(spark)
    run(batch_2, only_a, "a", counting)
    both = copy_output(only_a, base / "both")
    b_after_a = FaultyStorage(spark)
    run(batch_3, both, "b", b_after_a)
    only_b = copy_output(after_1, base / "only_b")
    b_first = FaultyStorage(spark)
    run(batch_3, only_b, "b", b_first)
    lease_creates = [
        n
        for n, (name, args) in enumerate(counting.log, 1)
        if name == "create_exclusive" and f"/{LEASE_DIR}/" in str(args[0])
    ]
    # Taking, renewing (the fence, right before the commit point), releasing.
    fence, release = lease_creates[1], lease_creates[2]
    # The frames a run may replay where its tables are the reference's (tests/faults.py):
    # A's from batch 1's tables; B's from batch 1's or from A's.
    return {
        "batch_2": batch_2,
        "batch_3": batch_3,
        "after_1": after_1,
        "start": {"a": after_1, "b_first": after_1, "b_after_a": only_a},
        "frames": {"a": counting.frames, "b_first": b_first.frames, "b_after_a": b_after_a.frames},
        "only_a": resolved(only_a),
        "only_b": resolved(only_b),
        "both": resolved(both),
        "calls": len(counting.calls),
        "fence": fence,
        "release": release,
    }


def run_b(spark: SparkSession, history: dict, output: Path, n: int) -> str:
    """B, not waiting for the lease: ``committed`` or its one-line failure."""
    frames = history["frames"]
    storage = FaultyStorage(spark, replay=[frames["b_first"], frames["b_after_a"]])
    try:
        run(history["batch_3"], output, f"b-{n}", storage, "--lease_wait_seconds", "0")
    except SystemExit as failed:
        return str(failed)
    return "committed"


@pytest.mark.parametrize("reference", ["a", "b_first", "b_after_a"])
def test_a_run_from_the_same_state_writes_the_frames_the_sweep_replays(
    spark: SparkSession, tmp_path: Path, two_writers: dict, reference: str
) -> None:
    """The interleaving sweep's runs copy a reference's Parquet output where their tables
    are the reference's: A's from batch 1's tables, B's from batch 1's or A's. Run each
    again for real from that state and compare (tests/faults.py, ``replay_problems``)."""
    history = two_writers
    batch = history["batch_2"] if reference == "a" else history["batch_3"]
    again = FaultyStorage(spark)
    run(batch, copy_output(history["start"][reference], tmp_path / "again"), "again", again)
    assert len(again.frames) >= 5
    assert replay_problems(history["frames"][reference], again) == []


@pytest.mark.heavy
@sweep_parts(2)
def test_every_interleaving_of_two_writers_ends_as_one_after_the_other(
    spark: SparkSession, tmp_path: Path, two_writers: dict, part: slice
) -> None:
    history = two_writers

    def check(n: int) -> str | None:
        output = copy_output(history["after_1"], tmp_path / f"at-{n}")
        b: dict[str, Any] = {}

        def start_b(_: int) -> None:
            if n <= history["fence"]:
                b["took_over"] = expire_newest_lease(output)
            b["outcome"] = run_b(spark, history, output, n)

        a_storage = InterleavingStorage(spark, {n}, start_b, [history["frames"]["a"]])
        try:
            run(history["batch_2"], output, f"a-{n}", a_storage, "--lease_wait_seconds", "0")
            a = "committed"
        except SystemExit as failed:
            a = str(failed)
        where = f"B at A's call {n}/{history['calls']} (fence {history['fence']})"
        if b.get("outcome") == "committed" and b.get("took_over") and a != "committed":
            if "LeaseLostError" not in a:
                return f"{where}: B took the lease over, A failed but not for it: {a}"
            wanted = "only_b"
        elif b.get("outcome") == "committed":
            # B first, or after A; or B took over while A was still taking the lease,
            # which A then saw and took again after B.
            if a != "committed":
                return f"{where}: A failed: {a}"
            wanted = "both"
        else:
            if "LeaseBusyError" not in str(b.get("outcome")):
                return f"{where}: B neither committed nor found the lease held: {b}"
            if a != "committed":
                return f"{where}: A failed: {a}"
            wanted = "only_a"
        state = resolved(output)
        shutil.rmtree(output)
        return None if state == history[wanted] else f"{where}: not the {wanted} state"

    # Every call up to the fence, and after the release, each with its own pair of runs;
    # the calls in between are the next test's, all in one run of A.
    calls = [*range(1, history["fence"] + 1), *range(history["release"] + 1, history["calls"] + 1)]
    assert sweep([("interleave", n) for n in calls][part], lambda _, n: check(n)) == []


@pytest.mark.heavy
def test_a_second_run_between_any_two_calls_after_the_fence_finds_the_lease_held(
    spark: SparkSession, tmp_path: Path, two_writers: dict
) -> None:
    """From the fence to the release the lease is A's, live: B, started before every one
    of those calls of a single run of A, fails each time and changes nothing."""
    history = two_writers
    output = copy_output(history["after_1"], tmp_path / "out")
    held = range(history["fence"] + 1, history["release"] + 1)
    outcomes: dict[int, str] = {}

    def start_b(n: int) -> None:
        outcomes[n] = run_b(spark, history, output, n)

    run(history["batch_2"], output, "a", InterleavingStorage(spark, held, start_b))
    assert sorted(outcomes) == list(held) and len(held) > 20
    refused = [n for n, outcome in outcomes.items() if "LeaseBusyError" in outcome]
    assert refused == list(held), {n: o for n, o in outcomes.items() if n not in refused}
    assert resolved(output) == history["only_a"]
