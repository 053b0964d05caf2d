"""Batches of small-file calls (a commit's manifests): run several at a time in Storage, one
call each in the fault storage, so the sweeps fail between any two of them."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from table_format.storage import SMALL_FILES_AT_ONCE, Storage, in_parallel
from tests.faults import FaultyStorage


def uri(path: Path) -> str:
    """A local path as the job names it (Hadoop's ``file:/…``, not percent-encoded)."""
    return f"file:{path}"


def test_replace_texts_writes_and_deletes_every_file(spark: SparkSession, tmp_path: Path) -> None:
    storage = Storage(spark)
    gone = tmp_path / "gone" / "manifest"
    gone.parent.mkdir()
    gone.write_text("old")
    targets = [tmp_path / f"p={i}" / "manifest" for i in range(40)]
    changes: list[tuple[str, str | None]] = [(uri(t), f"file-{i}\n") for i, t in enumerate(targets)]
    storage.replace_texts([*changes, (uri(gone), None)])
    assert [t.read_text() for t in targets] == [f"file-{i}\n" for i in range(40)]
    assert not gone.exists()
    assert storage.read_texts([uri(t) for t in targets[:3]] + [uri(gone)]) == [
        "file-0\n",
        "file-1\n",
        "file-2\n",
        None,
    ]


def test_in_parallel_keeps_item_order_and_runs_calls_side_by_side() -> None:
    inside, most = [0], [0]
    lock = threading.Lock()
    release = threading.Barrier(2, timeout=10)

    def call(n: int) -> int:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        if n < 2:
            release.wait()  # the first two can only pass together
        with lock:
            inside[0] -= 1
        return n * n

    assert in_parallel(call, list(range(20))) == [n * n for n in range(20)]
    assert 2 <= most[0] <= SMALL_FILES_AT_ONCE


def test_in_parallel_raises_the_error_once_no_call_is_running() -> None:
    running = [0]
    lock = threading.Lock()

    def call(n: int) -> int:
        with lock:
            running[0] += 1
        try:
            if n == 3:
                raise OSError("boom")
            return n
        finally:
            with lock:
                running[0] -= 1

    with pytest.raises(OSError, match="boom"):
        in_parallel(call, list(range(40)))
    assert running[0] == 0  # calls not yet started were cancelled, started ones ended


def test_the_fault_storage_fails_a_batch_between_any_two_of_its_items(
    spark: SparkSession, tmp_path: Path
) -> None:
    targets = [tmp_path / f"m{i}" for i in range(4)]
    changes: list[tuple[str, str | None]] = [(uri(t), "new") for t in targets]
    for fail_at in range(1, 6):  # the batch itself, then each item
        for t in targets:
            t.unlink(missing_ok=True)
        faulty = FaultyStorage(spark, fail_at=fail_at)
        with pytest.raises(OSError, match=f"storage call {fail_at}"):
            faulty.replace_texts(changes)
        assert faulty.calls == ["replace_texts", *["write_text"] * (fail_at - 1)]
        assert [t.exists() for t in targets] == [i < fail_at - 2 for i in range(4)]


def test_a_local_listing_names_what_hadoop_lists(spark: SparkSession, tmp_path: Path) -> None:
    """``list_paths`` reads local folders with os.walk: the same paths, in the same form and
    order, as Hadoop's local file system lists (which hides its ``.crc`` checksum files)."""
    storage = Storage(spark)
    folder = tmp_path / "data dir" / "c1"
    frame = spark.createDataFrame([("a b", 1), ("ü%#", 2)], "key string, n int")
    storage.write_frame(frame, uri(folder), ["key"])
    (folder / "key=a b" / ".tmp-x").write_text("hidden but listed")
    assert any(p.name.endswith(".crc") for p in folder.rglob("*"))
    hadoop = sorted(str(s.getPath().toString()) for s in storage._statuses(uri(folder)))
    assert storage.list_paths(uri(folder)) == hadoop
    assert len(hadoop) >= 4 and not any(p.endswith(".crc") for p in hadoop)
    assert storage.list_paths(uri(tmp_path / "missing")) == []
