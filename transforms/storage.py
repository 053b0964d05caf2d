"""File-system access through Hadoop's FileSystem API: one code path for local files,
HDFS and S3 (EMRFS on Glue). Driver-side metadata only; data goes through Spark."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession


@dataclass(frozen=True)
class FileInfo:
    path: str  # qualified URI, the same string Spark's input_file_name() returns
    size: int


class Storage:
    def __init__(self, spark: SparkSession) -> None:
        self._jvm: Any = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _path(self, uri: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(uri)

    def _fs(self, path: Any) -> Any:
        return path.getFileSystem(self._conf)

    def qualify(self, uri: str) -> str:
        """Absolute URI (``file:/…``, ``s3://…``) for a possibly relative path."""
        path = self._path(uri)
        return str(self._fs(path).makeQualified(path).toUri().toString()).rstrip("/")

    def exists(self, uri: str) -> bool:
        path = self._path(uri)
        return bool(self._fs(path).exists(path))

    def list_files(self, uri: str) -> list[FileInfo]:
        """The file itself, or every file below a folder, in path order."""
        path = self._path(uri)
        fs = self._fs(path)
        found: list[FileInfo] = []
        files = fs.listFiles(path, True)
        while files.hasNext():
            status = files.next()
            found.append(FileInfo(str(status.getPath().toUri().toString()), int(status.getLen())))
        return sorted(found, key=lambda f: f.path)

    def head(self, uri: str, size: int) -> bytes:
        path = self._path(uri)
        stream = self._fs(path).open(path)
        try:
            return bytes(stream.readNBytes(size))
        finally:
            stream.close()

    def write_text(self, uri: str, text: str) -> None:
        path = self._path(uri)
        stream = self._fs(path).create(path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def delete(self, uri: str) -> None:
        path = self._path(uri)
        self._fs(path).delete(path, True)

    def delete_if_empty(self, uri: str) -> None:
        """Remove a folder only when nothing is left in it (another run may be using it)."""
        path = self._path(uri)
        fs = self._fs(path)
        if fs.exists(path) and len(fs.listStatus(path)) == 0:
            fs.delete(path, False)

    def move(self, source: str, target: str) -> None:
        """Rename ``source`` to ``target``, creating the parent; fail loudly if refused."""
        src, dst = self._path(source), self._path(target)
        fs = self._fs(src)
        fs.mkdirs(dst.getParent())
        if not fs.rename(src, dst):
            raise OSError(f"could not move {source} to {target}")
