"""File-system access through Hadoop's FileSystem API: one code path for local files,
HDFS and S3 (EMRFS on Glue). Driver-side metadata only; data goes through Spark.

Every method is one "storage call": the commit protocol (table_format/commit.py) is proven
by failing each call in turn (tests/test_commit_faults.py), so keep I/O inside methods.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from table_format.layout import local_path
from table_format.session import applied

MB = 1024 * 1024
# The Parquet file size a write aims at: Athena reads files of about 128 MB best (smaller
# ones cost a request and an open each; https://docs.aws.amazon.com/athena/latest/ug/performance-tuning-data-optimization-techniques.html).
TARGET_FILE_BYTES = 128 * MB
# Shuffled bytes per byte of the snappy Parquet they become, for sizing a write's pieces
# (adaptive execution measures shuffled bytes): 3.1 measured on orders rows, 34.1 MB
# shuffled for 10.9 MB of Parquet (1M generated lines).
SHUFFLE_BYTES_PER_FILE_BYTE = 3

# Hadoop's glob characters (``FileSystem.globStatus``), and its escape character. Spark
# globs every path it is given to read, so a file named ``orders [final].csv`` must be
# passed escaped (``spark_paths``) or Spark looks for ``orders f.csv`` and the like.
_GLOB_CHARACTERS = re.compile(r"([\\{}\[\]*?])")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FileInfo:
    """A file as the file system names it. ``path`` is the name as uploaded (decoded: a
    space is a space, ``%`` is ``%``), the form every storage call and the tables' own
    ``source_file`` use. ``uri`` is its percent-encoded URI, the string Spark's
    ``input_file_name()`` returns (``job/read.py`` maps one to the other)."""

    path: str
    size: int
    modified_at: dt.datetime = dt.datetime(1970, 1, 1)  # UTC, naive; S3 LastModified on AWS
    uri: str = ""

    @property
    def spark_name(self) -> str:
        return self.uri or self.path


def spark_paths(paths: Sequence[str]) -> list[str]:
    """Paths for ``spark.read``: glob characters escaped, so each names exactly one file."""
    return [_GLOB_CHARACTERS.sub(r"\\\1", path) for path in paths]


class Storage:
    def __init__(self, spark: SparkSession, file_bytes: int = TARGET_FILE_BYTES) -> None:
        self._jvm: Any = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        self.file_bytes = file_bytes  # the Parquet file size a write aims at

    def _path(self, uri: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def _fs(self, path: Any) -> Any:
        return path.getFileSystem(self._conf)

    def qualify(self, uri: str) -> str:
        """Absolute URI (``file:/…``, ``s3://…``) for a possibly relative path."""
        path = self._path(uri)
        return str(self._fs(path).makeQualified(path).toString()).rstrip("/")

    def exists(self, uri: str) -> bool:
        path = self._path(uri)
        return bool(self._fs(path).exists(path))

    def list_files(self, uri: str) -> list[FileInfo]:
        """The file itself, or every file below a folder, in path order; none if missing."""
        found: list[FileInfo] = []
        for status in self._statuses(uri):
            modified = dt.datetime.fromtimestamp(status.getModificationTime() / 1000, dt.UTC)
            found.append(
                FileInfo(
                    str(status.getPath().toString()),
                    int(status.getLen()),
                    modified.replace(tzinfo=None),
                    str(status.getPath().toUri().toString()),
                )
            )
        return sorted(found, key=lambda f: f.path)

    def list_paths(self, uri: str) -> list[str]:
        """The paths of every file below a folder, in path order; none if missing. A commit's
        listing: only the names, so a few round trips per file through Py4J instead of
        ``list_files``' eight, and none for local files (read with ``os.walk``, as Hadoop's
        local file system lists them: its checksum files ``.<name>.crc`` left out)."""
        if uri.startswith("file:"):
            return sorted(f"file:{path}" for path in _local_files(local_path(uri)))
        return sorted(str(status.getPath().toString()) for status in self._statuses(uri))

    def has_file(self, uri: str, accept: Callable[[str], bool]) -> bool:
        """Whether any file below a folder has a URI ``accept`` takes; stops at the first, so
        a check costs one listing page, not a listing of every file."""
        return any(accept(str(s.getPath().toString())) for s in self._statuses(uri))

    def _statuses(self, uri: str) -> Iterator[Any]:
        """Hadoop ``FileStatus`` of every file below ``uri``, lazily (a listing page at a time)."""
        path = self._path(uri)
        fs = self._fs(path)
        if not fs.exists(path):
            return
        files = fs.listFiles(path, True)
        while files.hasNext():
            yield files.next()

    def list_names(self, uri: str) -> list[str]:
        """Names of the entries directly below a folder (files and folders); none if missing."""
        path = self._path(uri)
        fs = self._fs(path)
        if not fs.exists(path):
            return []
        return sorted(str(status.getPath().getName()) for status in fs.listStatus(path))

    def head(self, uri: str, size: int) -> bytes:
        path = self._path(uri)
        stream = self._fs(path).open(path)
        try:
            return bytes(stream.readNBytes(size))
        finally:
            stream.close()

    def read_text(self, uri: str) -> str | None:
        """A small file's text; None if it does not exist."""
        return self._read(uri)

    def read_texts(self, uris: Sequence[str]) -> list[str | None]:
        """Many small files' texts (None where missing): one storage call for the batch,
        its reads ``SMALL_FILES_AT_ONCE`` at a time."""
        return in_parallel(self._read, uris)

    def _read(self, uri: str) -> str | None:
        if uri.startswith("file:"):
            try:
                with open(local_path(uri), encoding="utf-8") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None
        path = self._path(uri)
        fs = self._fs(path)
        if not fs.exists(path):
            return None
        stream = fs.open(path)
        try:
            return bytes(stream.readAllBytes()).decode("utf-8")
        finally:
            stream.close()

    def write_text(self, uri: str, text: str) -> None:
        """Replace a small file in one atomic step: readers see the old or the new text.

        Local files: a temporary file in the same folder, fsynced, then ``os.replace``.
        S3: one PUT, which S3 makes visible whole (strongly consistent since 2020).
        """
        if uri.startswith("file:"):
            _replace_local(local_path(uri), text)
            return
        path = self._path(uri)
        stream = self._fs(path).create(path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def create_exclusive(self, uri: str, text: str) -> bool:
        """Write a small file only if none exists there, atomically: True if this call
        created it. Two callers racing for one name: exactly one gets True.

        Local files: a complete temporary file hard-linked to the name (``link`` fails if
        the name exists). S3: ``PutObject`` with ``If-None-Match: *`` (S3 conditional
        writes; Hadoop's S3 clients cannot ask for it, so boto3). Elsewhere (HDFS):
        Hadoop's ``create`` without overwrite, which HDFS makes exclusive.
        """
        if uri.startswith("file:"):
            return _create_local(local_path(uri), text)
        if uri.split(":", 1)[0] in S3_SCHEMES:
            return _create_s3(uri, text)
        path = self._path(uri)
        try:
            stream = self._fs(path).create(path, False)
        except Exception as err:
            if "FileAlreadyExistsException" in str(err):
                return False
            raise
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
        return True

    def write_frame(self, frame: DataFrame, uri: str, columns: Sequence[str]) -> None:
        """Snappy Parquet partitioned by ``columns``, into a folder no reader looks at until a
        commit names its files.

        Rows are rebalanced by partition (Spark's ``REBALANCE`` hint) before the write: a
        partition's rows go to one task and one file, unless the task's rows are more than
        about ``file_bytes`` of Parquet. Then adaptive execution splits them into pieces of
        about that size, written in parallel, so a big partition becomes about
        ⌈bytes / file_bytes⌉ files (at most one per task of the stage before the write).
        """
        spark = frame.sparkSession
        # Spark 3.5's DataFrame.hint takes no columns for REBALANCE, and a hint's columns
        # cannot be bound parameters: the SQL names them, checked as plain identifiers.
        bad = [c for c in columns if not _IDENTIFIER.match(c)]
        if bad:
            raise ValueError(f"partition columns must be plain identifiers: {bad}")
        hint = ", ".join(f"`{column}`" for column in columns)
        query = f"SELECT /*+ REBALANCE({hint}) */ * FROM {{frame}}"  # noqa: S608 - see above
        rebalanced = spark.sql(query, frame=frame)
        with applied(spark, write_settings(spark, self.file_bytes)):
            (
                rebalanced.write.mode("errorifexists")
                .option("compression", "snappy")
                .partitionBy(*columns)
                .parquet(uri)
            )

    def replace_texts(self, changes: Sequence[tuple[str, str | None]]) -> None:
        """Many small files replaced (``write_text``) or deleted (text None), each in one
        atomic step, ``SMALL_FILES_AT_ONCE`` at a time: one storage call for the batch. If it
        fails part-way, any of them may have taken effect (a commit's apply is redone whole
        from its record, so the order does not matter)."""

        def change(item: tuple[str, str | None]) -> None:
            uri, text = item
            if text is None:
                self.delete(uri)
            else:
                self.write_text(uri, text)

        in_parallel(change, changes)

    def delete(self, uri: str) -> None:
        """Delete a file or a folder with everything below it; nothing if missing."""
        path = self._path(uri)
        self._fs(path).delete(path, True)

    def delete_files(self, uris: Sequence[str]) -> None:
        """Delete many files (missing ones are fine): one storage call for the batch."""
        for uri in uris:
            path = self._path(uri)
            self._fs(path).delete(path, False)


def write_settings(spark: SparkSession, file_bytes: int) -> dict[str, str]:
    """Adaptive execution's sizes for one write: pieces of ``file_bytes`` of Parquet. The size
    is also what AQE merges the write query's other shuffles up to, so those keep at least
    their planned number of tasks (the run's sizing, job/tuning.py)."""
    planned = spark.conf.get("spark.sql.shuffle.partitions") or "1"
    return {
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": str(
            file_bytes * SHUFFLE_BYTES_PER_FILE_BYTE
        ),
        "spark.sql.adaptive.coalescePartitions.minPartitionNum": planned,
    }


S3_SCHEMES = ("s3", "s3a", "s3n")
# Small files (manifests) read or written at once: each is a few driver round trips through
# Py4J, and a request on S3, so a commit of thousands of partitions waits on latency, not on
# work. 32 at once hide a 30 ms round trip (bench/commit-s3.md) and, at ~20 ms each, make
# ~1,600 requests a second, under S3's 3,500 PUT and 5,500 GET per second per partitioned
# prefix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
SMALL_FILES_AT_ONCE = 32


def _local_files(folder: str) -> Iterator[str]:
    """Every file below ``folder`` (or the file itself), Hadoop's checksum files left out."""
    if os.path.isfile(folder):
        yield folder
        return
    for parent, _, names in os.walk(folder):
        for name in names:
            if not (name.startswith(".") and name.endswith(".crc")):
                yield os.path.join(parent, name)


def in_parallel(call: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """``call`` on every item, ``SMALL_FILES_AT_ONCE`` at a time; results in item order. On
    an error, the calls not yet started are not run, and the error is raised once the
    started ones have ended."""
    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(SMALL_FILES_AT_ONCE, len(items))) as pool:
        return list(pool.map(call, items))


def _temporary_copy(target: str, text: str) -> str:
    """A complete, fsynced file holding ``text`` beside ``target``, under a hidden name."""
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _create_local(target: str, text: str) -> bool:
    temporary = _temporary_copy(target, text)
    try:
        os.link(temporary, target)
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    return True


def _create_s3(uri: str, text: str) -> bool:
    import boto3  # on Glue and in the venv; only this call needs it
    from botocore.exceptions import ClientError

    bucket, _, key = uri.split("://", 1)[1].partition("/")
    try:
        boto3.client("s3").put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), IfNoneMatch="*"
        )
    except ClientError as err:
        # 412: the object exists; 409: a concurrent conditional write to it won.
        if err.response.get("Error", {}).get("Code") in (
            "PreconditionFailed",
            "ConditionalRequestConflict",
        ):
            return False
        raise
    return True


def _replace_local(target: str, text: str) -> None:
    temporary = _temporary_copy(target, text)
    try:
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
