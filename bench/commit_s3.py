"""A commit on S3 under request latency: a full load of the year shape commits 2,620
partitions (365 days x 4 channels of orders, 365 of each of the three marts, the key
index's 64 buckets, one day of rejects). Target: ≤ 15 s with 30 ms added to every request.

The commit protocol (table_format/commit.py) runs over boto3 against a moto server on
127.0.0.1 (bench/s3storage.py), with ``--latency-ms`` slept before every request is sent
(botocore's ``before-send`` event): a simulated round trip, since moto answers in about a
millisecond and S3 in tens. Two commits are timed, as the job times them (prepare, commit,
apply): the full load, where no partition has a manifest yet, and a second run that
replaces every manifest. Their request counts by operation are reported beside the time.

    .venv/bin/python -m bench.commit_s3 [--latency-ms 30] [--days 365] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import load_average, machine_description  # noqa: E402
from bench.render import provenance_lines  # noqa: E402
from bench.s3storage import S3Storage  # noqa: E402
from bench.shapes import SHAPES  # noqa: E402
from contract.orders import CHANNELS  # noqa: E402
from table_format.commit import TableStore, TableWrite  # noqa: E402
from table_format.layout import PartitionValues  # noqa: E402
from table_format.storage import SMALL_FILES_AT_ONCE, in_parallel  # noqa: E402
from transforms.core import KEY_BUCKETS  # noqa: E402
from transforms.tables import ALL_TABLES, Table  # noqa: E402

BUCKET = "duffbeer-bench-commit"
REGION = "eu-west-1"
TARGET_SECONDS = 15.0
LATENCY_MS = 30
RUN_DATE = dt.date(2026, 3, 1)


def partition_values(table: Table, days: Sequence[dt.date]) -> list[PartitionValues]:
    """Every partition a full load of ``days`` writes to ``table``: each order date (and
    channel), every key-index bucket, the run's one ingest date."""
    choices: dict[str, Sequence[object]] = {
        "order_date": days,
        "channel": CHANNELS,
        "key_bucket": range(KEY_BUCKETS),
        "ingest_date": (RUN_DATE,),
    }
    return list(itertools.product(*(choices[column] for column in table.partitions)))


def planned_writes(root: str, days: Sequence[dt.date]) -> list[TableWrite]:
    """A full load's writes below the processed ``root``, every table."""
    return [TableWrite(t, f"{root}/{t.name}", tuple(partition_values(t, days))) for t in ALL_TABLES]


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def put_data_files(client: Any, writes: Sequence[TableWrite], commit_id: str) -> None:
    """One small object per partition, where Spark would have written the run's Parquet."""
    objects = [
        _split(f"{w.root}/_data/{commit_id}/{relative}/part-00000-{commit_id}.snappy.parquet")
        for w in writes
        for relative in w.relative_paths()
    ]
    in_parallel(lambda o: client.put_object(Bucket=o[0], Key=o[1], Body=b"PAR1"), objects)


@contextmanager
def added_latency(client: Any, seconds: float) -> Iterator[Counter[str]]:
    """Sleep ``seconds`` before each request the client sends (retries too); count the
    requests by operation meanwhile."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def count(event_name: str, **_: Any) -> None:
        with lock:
            seen[event_name.rsplit(".", 1)[-1]] += 1

    def wait(**_: Any) -> None:
        time.sleep(seconds)

    client.meta.events.register("before-call.s3", count)
    client.meta.events.register("before-send.s3", wait)
    try:
        yield seen
    finally:
        client.meta.events.unregister("before-send.s3", wait)
        client.meta.events.unregister("before-call.s3", count)


@dataclass(frozen=True)
class CommitTiming:
    name: str  # "full load" or "second run"
    partitions: int
    seconds: tuple[float, ...]  # one per repeat
    requests: dict[str, int]  # S3 requests of the last repeat, by operation

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def time_commit(
    client: Any, root: str, writes: Sequence[TableWrite], commit_id: str, latency: float
) -> tuple[float, Counter[str]]:
    """Prepare, commit and apply one run whose files are in place, as ``Run.execute`` does."""
    store = TableStore(S3Storage(client), root)  # type: ignore[arg-type]
    with added_latency(client, latency) as seen:
        started = time.monotonic()
        record = store.prepare(commit_id, commit_id, writes)
        store.commit(record)
        store.apply(record)
        seconds = time.monotonic() - started
    if record.partitions() != sum(len(w.partitions) for w in writes):
        raise RuntimeError("the commit record does not name every planned partition")
    return seconds, seen


RUNS = ("full load", "second run")


def commit_id(repeat: int, run: int) -> str:
    return f"bench-{repeat}-{run}.{repeat:04x}{run:04x}"


def measure(
    client: Any, days: Sequence[dt.date], latency: float, repeats: int, bucket: str = BUCKET
) -> list[CommitTiming]:
    """Each repeat below a fresh root: a full load (no manifests yet), then a second run
    that replaces every manifest."""
    seconds: dict[str, list[float]] = {name: [] for name in RUNS}
    requests: dict[str, Counter[str]] = {}
    partitions = 0
    for rep in range(repeats):
        root = f"s3://{bucket}/repeat-{rep}"
        writes = planned_writes(root, days)
        partitions = sum(len(w.partitions) for w in writes)
        for n, name in enumerate(RUNS):
            cid = commit_id(rep, n)
            put_data_files(client, writes, cid)
            took, seen = time_commit(client, root, writes, cid, latency)
            seconds[name].append(took)
            requests[name] = seen
    return [
        CommitTiming(name, partitions, tuple(seconds[name]), dict(sorted(requests[name].items())))
        for name in RUNS
    ]


def verdict(timing: CommitTiming) -> str:
    met = "met" if timing.median <= TARGET_SECONDS else "**not met**"
    return f"≤ {TARGET_SECONDS:g} s: {met}"


def render(timings: Sequence[CommitTiming], context: dict[str, Any]) -> str:
    lines = [
        "# A commit on S3 under request latency",
        "",
        *provenance_lines(context),
        f"- {context['latency_ms']} ms slept before every S3 request (simulated latency), "
        f"{context['parallel']} small-file requests at once (`SMALL_FILES_AT_ONCE`), "
        f"median of {context['repeats']} repeats; moto server on 127.0.0.1",
        "",
        "| commit | partitions | seconds, median (min-max) | S3 requests | target |",
        "|---|---:|---:|---|---|",
    ]
    for t in timings:
        asked = ", ".join(f"{op} {n:,}" for op, n in t.requests.items())
        spread = f"{t.median:.1f} ({min(t.seconds):.1f}-{max(t.seconds):.1f})"
        lines.append(f"| {t.name} | {t.partitions:,} | {spread} | {asked} | {verdict(t)} |")
    lines += [
        "",
        "The full load finds no manifest (each GetObject is a miss); the second run reads "
        "and replaces every one. Per partition the protocol makes one GetObject of the old "
        "manifest and one PutObject of the new; the listing of the run's new files is one "
        "ListObjectsV2 per 1,000 keys. How it is measured: bench/commit_s3.py; what it "
        "means: docs/performance.md.",
        "",
    ]
    return "\n".join(lines)


@contextmanager
def moto_client() -> Iterator[Any]:
    """A boto3 S3 client of a moto server on 127.0.0.1 with one bucket. The server runs in
    its own process (scripts/local_moto.py), so its request handling does not share this
    process's interpreter lock with the commit's threads."""
    import boto3
    from botocore.config import Config

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ.pop("AWS_PROFILE", None)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter, a project module
        [sys.executable, "-m", "scripts.local_moto", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        client = boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name=REGION,
            config=Config(max_pool_connections=SMALL_FILES_AT_ONCE),
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the moto server did not listen on 127.0.0.1:{port} in {timeout:g} s")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--latency-ms", type=float, default=LATENCY_MS)
    p.add_argument("--days", type=int, default=SHAPES["year"].days)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--results", type=Path, default=REPO / "bench" / "commit-s3.md")
    args = p.parse_args(argv)
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    load_before = load_average()
    days = [RUN_DATE - dt.timedelta(days=d) for d in range(args.days)]
    with moto_client() as client:
        timings = measure(client, days, args.latency_ms / 1000, args.repeats)
    context = {
        "command": f"bench/commit_s3.py --latency-ms {args.latency_ms:g} --days {args.days} "
        f"--repeats {args.repeats}",
        "date": started.isoformat(),
        "machine": machine_description(),
        "load_before": load_before,
        "load_after": load_average(),
        "latency_ms": f"{args.latency_ms:g}",
        "parallel": SMALL_FILES_AT_ONCE,
        "repeats": args.repeats,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(render(timings, context), encoding="utf-8")
    args.results.with_suffix(".json").write_text(
        json.dumps([{**asdict(t), "median": t.median} for t in timings], indent=1) + "\n",
        encoding="utf-8",
    )
    for t in timings:
        print(
            f"commit on S3, {t.name}: {t.median:.1f} s, {t.partitions:,} partitions ({verdict(t)})"
        )


if __name__ == "__main__":
    main()
