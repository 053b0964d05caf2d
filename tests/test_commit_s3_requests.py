"""A commit's cost does not grow with the data: count its S3 requests against the moto
server (docs/tables.md, "Cost of a commit"). No data object is read, copied or moved."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import boto3
import pytest

from bench.commit_s3 import commit_id, measure, planned_writes
from bench.s3storage import S3Storage
from bench.shapes import SHAPES
from table_format.commit import TableStore, TableWrite
from transforms.tables import ORDERS

BUCKET = "commit-cost"
ROOT = f"s3://{BUCKET}/orders"
DAYS = [dt.date(2026, 11, d) for d in range(1, 29)]


@pytest.fixture(scope="module")
def s3(moto_endpoint: str) -> Any:
    client = boto3.client("s3", endpoint_url=moto_endpoint)
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return client


def commit_requests(s3: Any, commit_id: str, partitions: int, file_bytes: int) -> Counter[str]:
    """Write one data file into each of ``partitions`` partitions, then count the requests
    of prepare + commit + apply, by operation."""
    values = [(day, "online") for day in DAYS[:partitions]]
    for day, channel in values:
        key = f"orders/_data/{commit_id}/order_date={day}/channel={channel}/part-0.parquet"
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * file_bytes)
    seen: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        seen[event_name.split(".")[-1]] += 1

    s3.meta.events.register("before-call.s3", count)
    try:
        store = TableStore(S3Storage(s3), f"s3://{BUCKET}")  # type: ignore[arg-type]
        record = store.prepare(commit_id, commit_id, [TableWrite(ORDERS, ROOT, tuple(values))])
        store.commit(record)
        store.apply(record)
    finally:
        s3.meta.events.unregister("before-call.s3", count)
    return seen


def test_commit_requests_grow_with_partitions_not_with_bytes(s3: Any) -> None:
    small = commit_requests(s3, "small.1", partitions=4, file_bytes=10)
    big = commit_requests(s3, "big.1", partitions=4, file_bytes=4 * 1024 * 1024)
    assert small == big
    wider = commit_requests(s3, "wider.1", partitions=12, file_bytes=10)
    per_partition = {op: (wider[op] - small[op]) / 8 for op in wider}
    # Per partition: one GET of the old manifest, one PUT of the new one.
    assert per_partition == {"GetObject": 1.0, "PutObject": 1.0, "ListObjectsV2": 0.0}
    # Fixed per table and commit: one listing of the new files; the record and its marker.
    assert small - Counter({"GetObject": 4, "PutObject": 4}) == Counter(
        {"ListObjectsV2": 1, "PutObject": 2}
    )
    assert "CopyObject" not in wider and "DeleteObject" not in wider


def test_a_commit_points_manifests_at_the_new_files(s3: Any) -> None:
    commit_requests(s3, "check.1", partitions=2, file_bytes=10)
    body = s3.get_object(
        Bucket=BUCKET, Key=f"orders/_manifest/order_date={DAYS[0]}/channel=online/manifest"
    )
    listed = body["Body"].read().decode().split()
    assert listed == [f"{ROOT}/_data/check.1/order_date={DAYS[0]}/channel=online/part-0.parquet"]


def sweep_requests(s3: Any, prefix: str, files: int) -> Counter[str]:
    """Commit ``files`` data files in one partition, then count the requests of a sweep that
    finds that commit's folder still live (its files are current)."""
    base = f"s3://{BUCKET}/{prefix}"
    partition = f"order_date={DAYS[0]}/channel=online"
    for n in range(files):
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/orders/_data/c1/{partition}/part-{n}.parquet")
    store = TableStore(S3Storage(s3), base)  # type: ignore[arg-type]
    write = TableWrite(ORDERS, f"{base}/orders", ((DAYS[0], "online"),))
    record = store.prepare("c1", "c1", [write])
    store.commit(record)
    store.apply(record)
    seen: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        seen[event_name.split(".")[-1]] += 1

    s3.meta.events.register("before-call.s3", count)
    try:
        store.sweep([f"{base}/orders"], dt.timedelta(0), keep="c2")
    finally:
        s3.meta.events.unregister("before-call.s3", count)
    assert store.current_files(f"{base}/orders", [partition])[partition], "c1 must stay live"
    return seen


def test_a_sweep_does_not_list_every_file_a_live_commit_holds(s3: Any) -> None:
    """docs/performance.md, "The settings the job runs with": a live commit folder costs one
    listing page, found at its first data file, however many files it holds (one S3 page
    lists 1,000)."""
    assert sweep_requests(s3, "few", files=1) == sweep_requests(s3, "many", files=1_001)


def test_the_commit_bench_plans_the_year_shapes_2620_partitions() -> None:
    """bench/commit_s3.py commits what a full load of the year shape commits (bench/results.md)."""
    days = [dt.date(2025, 3, 2) + dt.timedelta(days=d) for d in range(SHAPES["year"].days)]
    writes = planned_writes("s3://b", days)
    assert {w.table.name: len(w.partitions) for w in writes} == {
        "orders": 365 * 4,
        "sales_by_client": 365,
        "sales_by_product_channel": 365,
        "order_status_daily": 365,
        "rejected_orders": 1,
        "orders_key_index": 64,
    }
    assert sum(len(w.partitions) for w in writes) == 2_620


def test_the_commit_bench_counts_one_get_and_one_put_per_partition(s3: Any) -> None:
    days = [dt.date(2026, 2, 27), dt.date(2026, 2, 28)]
    timings = measure(s3, days, latency=0.0, repeats=1, bucket=BUCKET)
    partitions = 2 * 4 + 3 * 2 + 64 + 1
    for timing in timings:
        assert timing.partitions == partitions
        # One listing of the new files per table; the record and its .applied marker.
        assert timing.requests == {
            "GetObject": partitions,
            "ListObjectsV2": len(planned_writes("s3://b", days)),
            "PutObject": partitions + 2,
        }
    second = s3.get_object(
        Bucket=BUCKET,
        Key="repeat-0/orders/_manifest/order_date=2026-02-28/channel=online/manifest",
    )["Body"].read()
    assert second.decode().split() == [
        f"s3://{BUCKET}/repeat-0/orders/_data/{commit_id(0, 1)}/order_date=2026-02-28/"
        f"channel=online/part-00000-{commit_id(0, 1)}.snappy.parquet"
    ]
