"""One writer at a time per output (table_format/lease.py; docs/tables.md, "Concurrent
runs"): the lease is taken atomically, a second run waits or fails with a message, a run
whose lease was taken over cannot commit, a killed holder blocks others only until its
lease expires, and two real concurrent runs end as if they had run one after the other."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.s3.models import S3Backend
from pyspark.sql import SparkSession

from table_format.lease import LEASE_DIR, LeaseBusyError, LeaseLostError, WriterLease
from table_format.storage import Storage
from tests.conftest import REGION
from tests.output import table_rows


def lease(storage: Storage, root: str, owner: str, **kwargs: Any) -> WriterLease:
    kwargs.setdefault("wait", dt.timedelta(0))
    return WriterLease(storage, root, owner, f"run-{owner}", poll_seconds=0.05, **kwargs)


@pytest.fixture
def storage(spark: SparkSession) -> Storage:
    return Storage(spark)


def race(create: Any, count: int = 8) -> list[bool]:
    """``count`` threads call ``create`` at the same moment."""
    start = threading.Barrier(count)

    def one(_: int) -> bool:
        start.wait()
        return bool(create())

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_exactly_one_of_many_racing_local_creates_wins(storage: Storage, tmp_path: Path) -> None:
    target = f"file:{tmp_path}/lease/000000000001.json"
    results = race(lambda: storage.create_exclusive(target, '{"owner": "x"}'))
    assert results.count(True) == 1
    assert (tmp_path / "lease" / "000000000001.json").read_text() == '{"owner": "x"}'
    assert not [p for p in (tmp_path / "lease").iterdir() if p.name.startswith(".tmp-")]


def test_exactly_one_of_many_racing_s3_creates_wins(storage: Storage, moto_endpoint: str) -> None:
    """S3 ``PutObject`` with ``If-None-Match: *`` against the moto server over HTTP."""
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    bucket = f"lease-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for generation in range(1, 11):  # ten races: moto's own check-then-store loses some
        key = f"out/_lease/{generation:012d}.json"
        results = race(lambda key=key: storage.create_exclusive(f"s3://{bucket}/{key}", "first"))
        assert results.count(True) == 1, (generation, results)
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"first"


def test_the_moto_twin_lets_exactly_one_of_racing_slow_conditional_writes_win(
    storage: Storage, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto checks ``If-None-Match`` and then stores the object, so racing writes can all pass
    the check; S3 lets exactly one win. With moto's store slowed down, every racer passes the
    check before the first stores (8 of 8 win, measured), unless scripts/local_moto.py's lock,
    which the test above relies on, holds a conditional write's check and store together."""
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    bucket = f"lease-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    store = S3Backend.put_object

    def slow_store(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.05)
        return store(self, *args, **kwargs)

    monkeypatch.setattr(S3Backend, "put_object", slow_store)
    target = f"s3://{bucket}/out/_lease/000000000001.json"
    assert race(lambda: storage.create_exclusive(target, "first")).count(True) == 1


def test_a_second_run_waits_then_fails_naming_the_holder(storage: Storage, tmp_path: Path) -> None:
    root = f"file:{tmp_path}"
    first = lease(storage, root, "a")
    first.acquire()
    second = lease(storage, root, "b", wait=dt.timedelta(seconds=0.3))
    started = time.monotonic()
    with pytest.raises(LeaseBusyError, match="another run \\(run-a\\) holds the writer lease"):
        second.acquire()
    assert time.monotonic() - started >= 0.3
    first.release()
    assert second.acquire().owner == "b"


def test_a_waiting_run_takes_the_lease_as_soon_as_it_is_released(
    storage: Storage, tmp_path: Path
) -> None:
    root = f"file:{tmp_path}"
    first = lease(storage, root, "a")
    first.acquire()
    threading.Timer(0.5, first.release).start()
    taken = lease(storage, root, "b", wait=dt.timedelta(seconds=30)).acquire()
    assert taken.owner == "b"


def test_an_expired_lease_is_taken_over(storage: Storage, tmp_path: Path) -> None:
    root = f"file:{tmp_path}"
    lease(storage, root, "a", period=dt.timedelta(0)).acquire()
    assert lease(storage, root, "b").acquire().owner == "b"


def test_a_run_whose_lease_was_taken_over_cannot_commit(storage: Storage, tmp_path: Path) -> None:
    """The fence: renewing creates the next generation, which the taker already holds."""
    root = f"file:{tmp_path}"
    slow = lease(storage, root, "a", period=dt.timedelta(0))
    slow.acquire()
    lease(storage, root, "b").acquire()
    with pytest.raises(LeaseLostError, match="taken over by run run-b"):
        slow.renew()


def test_renewing_a_lease_nobody_took_keeps_it(storage: Storage, tmp_path: Path) -> None:
    root = f"file:{tmp_path}"
    holder = lease(storage, root, "a")
    first = holder.acquire()
    renewed = holder.renew()
    assert renewed.generation == first.generation + 1
    with pytest.raises(LeaseBusyError):
        lease(storage, root, "b").acquire()


def test_racing_runs_each_get_the_lease_once_and_never_together(
    storage: Storage, tmp_path: Path
) -> None:
    root = f"file:{tmp_path}"
    holding: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    guard = threading.Lock()

    def one(owner: str) -> None:
        held = lease(storage, root, owner, wait=dt.timedelta(seconds=60))
        held.acquire()
        with guard:
            holding.append(owner)
            if len(holding) > 1:
                overlaps.append(tuple(holding))
        time.sleep(0.05)
        held.renew()
        with guard:
            holding.remove(owner)
        held.release()

    results = race(lambda: one(uuid.uuid4().hex[:6]) or True, count=6)
    assert results == [True] * 6
    assert overlaps == []


def test_old_generations_are_forgotten(storage: Storage, tmp_path: Path) -> None:
    root = f"file:{tmp_path}"
    for n in range(20):
        held = lease(storage, root, f"r{n}")
        held.acquire()
        held.release()
    names = sorted(p.name for p in (tmp_path / LEASE_DIR).iterdir())
    assert len([n for n in names if n.endswith(".json")]) <= 9
    assert names[-1] == "000000000020.released"


def write_orders(folder: Path, first: int, count: int, day: str, uploaded: float) -> Path:
    """``count`` new order lines spread over 4 partitions (2 dates x 2 channels)."""
    import os

    folder.mkdir(parents=True)
    lines = [
        f"N{n},C{n % 7},P{n % 5},{'online' if n % 2 else 'store'},1,2.00,pending,2026-11-2{n % 2}"
        for n in range(first, first + count)
    ]
    path = folder / f"{day}.csv"
    header = "order_id,client_id,product_id,channel,quantity,unit_price,status,order_date\n"
    path.write_text(header + "\n".join(lines) + "\n")
    os.utime(path, (uploaded, uploaded))
    return folder


@pytest.mark.slow
def test_two_concurrent_spark_submits_into_one_output_lose_no_line(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The failure this lease exists for: two runs started at the same moment, each adding
    400 lines to the same 4 partitions. Without the lease both exited 0 and one run's 400
    lines were missing. Now one waits for the other, and all 1,200 lines are there."""
    from glue_jobs.process_orders import main
    from tests.test_commit_kill import spark_submit

    output = tmp_path / "out"
    base = dt.datetime(2026, 11, 22, 8, 0).timestamp()
    first = write_orders(tmp_path / "in0", 0, 400, "d0", base)
    main(["job", "--input_path", str(first), "--output_path", str(output), "--run_id", "first"])
    batches = [write_orders(tmp_path / f"in{k}", 400 * k, 400, f"d{k}", base + k) for k in (1, 2)]
    runs = [spark_submit(batch, output, f"concurrent-{k}") for k, batch in enumerate(batches, 1)]
    assert [run.wait(timeout=900) for run in runs] == [0, 0]
    ids = [r[0] for r in table_rows(spark, output, "orders")]
    assert len(ids) == 1200 and len(set(ids)) == 1200


@pytest.mark.slow
def test_a_killed_holder_blocks_the_next_run_only_until_its_lease_expires(
    spark: SparkSession, tmp_path: Path
) -> None:
    """SIGKILL a real spark-submit right after it took the lease: it never releases it.
    The next run waits for the lease to expire, then takes it over and loads its input."""
    from glue_jobs.process_orders import main
    from tests.test_commit_kill import kill_when, spark_submit

    output = tmp_path / "out"
    batch = write_orders(tmp_path / "in", 0, 40, "d0", dt.datetime(2026, 11, 22).timestamp())
    lease_file = output / LEASE_DIR / "000000000001.json"
    process = spark_submit(batch, output, "killed", "--lease_seconds", "20")
    assert kill_when(process, lease_file.exists), "the job ended before it took the lease"
    killed_at = time.monotonic()
    argv = ["job", "--input_path", str(batch), "--output_path", str(output)]
    report = main([*argv, "--run_id", "next", "--lease_wait_seconds", "300"])
    waited = time.monotonic() - killed_at
    assert report["status"] == "succeeded"
    assert 5 < waited < 300  # blocked, but not for ever: until the 20 s lease expired
    assert len(table_rows(spark, output, "orders")) == 40
