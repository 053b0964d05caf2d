"""Fault injection for the storage layer: a :class:`Storage` that fails its N-th call.

Every public method of ``Storage`` is one storage call (table_format/storage.py). Two ways
to fail, so both sides of a call are covered:

- ``raise``: the N-th call raises ``OSError`` *before* it acts (an S3 throttle, a network
  error); the job's failure handling runs.
- ``crash``: the N-th call acts, then the process "dies": :class:`SimulatedCrash` is a
  ``BaseException``, so no ``except Exception`` handler, cleanup or report runs after it.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession

from table_format.layout import DATA_DIR, MANIFEST_DIR, MANIFEST_NAME
from table_format.storage import Storage

STORAGE_CALLS = tuple(
    name
    for name, member in inspect.getmembers(Storage, inspect.isfunction)
    if not name.startswith("_")
)
# Batches whose items are storage calls of their own here (``FaultyStorage.replace_texts``).
BATCHES = ("replace_texts",)


# Calls that change storage: a crash right after one of them is a state of its own.
EFFECT_CALLS = ("write_frame", "write_text", "create_exclusive", "delete", "delete_files")


class SimulatedCrash(BaseException):
    """The process died at this point: nothing after it runs."""


@dataclass(frozen=True)
class WrittenFrame:
    """One ``write_frame`` call of a run: the table it wrote, the committed version of every
    table at that moment (:func:`committed_tables`) and the folder it wrote."""

    table: str
    tables: tuple[tuple[str, str], ...]
    folder: str


# A data file's commit folder, in the file URIs a manifest lists.
_COMMIT_FOLDER = re.compile(rf"/{DATA_DIR}/[^/]+/")


def committed_tables(output: str) -> tuple[tuple[str, str], ...]:
    """Every manifest under a job output folder, by path, with the folder's own path written
    as ``<output>`` and each file's commit folder as ``<commit>``: the committed version of
    every table, comparable between copies and between runs that committed the same files.

    The commit folder can go because a data file's own name is unique to the write that
    made it (Spark names a file after its write job's random UUID) and data files are never
    changed: two manifests that name the same file names name the same rows, whichever
    run's folder holds them (a replay copies a folder with its file names)."""
    root = Path(output)
    return tuple(
        (str(path.relative_to(root)), _COMMIT_FOLDER.sub(f"/{DATA_DIR}/<commit>/", text))
        for path in sorted(root.glob(f"*/{MANIFEST_DIR}/**/{MANIFEST_NAME}"))
        for text in [path.read_text(encoding="utf-8").replace(output, "<output>")]
    )


class FaultyStorage(Storage):
    """A storage that fails its ``fail_at``-th call (``mode``), and logs every call.

    ``replay``: written frames of reference runs (their ``frames``), whose Parquet folders a
    ``write_frame`` call copies instead of running its Spark job, when that is sure to write
    the same rows. The K-th ``write_frame`` of this run copies the K-th frame of a reference
    if it is for the same table and every table's committed version is the one that
    reference saw; otherwise it writes for real. Only for runs with the reference's input,
    clock and options, and every table under one output folder: a frame is then a pure
    function of the committed tables (transforms are pure; data files are immutable and
    manifests only ever change to name new ones, so equal now means equal at every read
    before). The call is still a storage call that fails like any other. ``replayed``
    counts the copies (docs/testing.md).

    ``after_each(n, name)`` runs right after the n-th call took effect (crash states)."""

    def __init__(
        self,
        spark: SparkSession,
        fail_at: int | None = None,
        mode: str = "raise",
        replay: Sequence[Sequence[WrittenFrame]] = (),
        after_each: Callable[[int, str], None] | None = None,
    ):
        super().__init__(spark)
        self.fail_at, self.mode = fail_at, mode
        self.replay, self.after_each = replay, after_each
        self.calls: list[str] = []
        self.log: list[tuple[str, tuple[Any, ...]]] = []  # (call, its arguments)
        self.frames: list[WrittenFrame] = []
        self.replayed = 0

    def frames_written(self) -> list[str]:
        """The target folder of every ``write_frame`` call so far, in order."""
        return [frame.folder for frame in self.frames]

    def write_frame(self, frame: DataFrame, uri: str, columns: Sequence[str]) -> None:
        table_root = uri.rsplit(f"/{DATA_DIR}/", 1)[0]
        output = os.path.dirname(_local(table_root))
        written = WrittenFrame(os.path.basename(table_root), committed_tables(output), uri)
        source = self._replayable(len(self.frames), written)
        self.frames.append(written)
        if source is None:
            self._call("write_frame", super().write_frame, frame, uri, columns)
            return
        self._call("write_frame", self._copy_folder, frame, uri, columns, source=source)

    def _replayable(self, k: int, written: WrittenFrame) -> str | None:
        for reference in self.replay:
            if k < len(reference) and (reference[k].table, reference[k].tables) == (
                written.table,
                written.tables,
            ):
                return reference[k].folder
        return None

    def _copy_folder(
        self, frame: DataFrame, uri: str, columns: Sequence[str], *, source: str
    ) -> None:
        """What ``Storage.write_frame`` of this frame writes, copied from where it was written."""
        shutil.copytree(_local(source), _local(uri))
        self.replayed += 1

    def _call(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls.append(name)
        self.log.append((name, args))
        failing = len(self.calls) == self.fail_at
        if failing and self.mode == "raise":
            raise OSError(f"injected failure at storage call {self.fail_at} ({name})")
        result = method(*args, **kwargs)
        if failing:
            raise SimulatedCrash(f"killed after storage call {self.fail_at} ({name})")
        if self.after_each is not None:
            self.after_each(len(self.calls), name)
        return result

    def replace_texts(self, changes: Any) -> None:
        """The batch is a call (failing it fails every item), then each item is one: a
        failure can fall between any two of them. Storage runs the items in parallel, in any
        order; here they run in the order given, so the sweep fails the batch after each
        of its items in turn (a commit's apply is redone whole, whichever items took effect)."""
        self._call("replace_texts", lambda: None)
        for uri, text in changes:
            if text is None:
                self.delete(uri)
            else:
                self.write_text(uri, text)


def _wrap(name: str) -> Callable[..., Any]:
    original = getattr(Storage, name)

    def wrapper(self: FaultyStorage, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, original.__get__(self), *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


def folder_rows(uri: str) -> list[tuple[str, str]]:
    """Every row of the Parquet files below a ``write_frame`` folder, with its partition."""
    root = Path(_local(uri))
    return sorted(
        (str(file.parent.relative_to(root)), repr(sorted(row.items())))
        for file in root.rglob("*.parquet")
        for row in pq.read_table(file).to_pylist()
    )


def replay_problems(reference: Sequence[WrittenFrame], again: FaultyStorage) -> list[str]:
    """How a run made again for real from a reference's state, with its input and clock,
    differs from the reference's frames (none: the reference may be replayed)."""
    if again.replayed:
        return ["the run to compare replayed frames instead of writing them"]
    mine, theirs = [f.table for f in again.frames], [f.table for f in reference]
    if mine != theirs:
        return [f"tables written: {mine} != {theirs}"]
    return [
        f"frame {k} ({mine.table}): state or rows differ"
        for k, (mine, theirs) in enumerate(zip(again.frames, reference, strict=True))
        if mine.tables != theirs.tables or folder_rows(mine.folder) != folder_rows(theirs.folder)
    ]


def _local(uri: str) -> str:
    """A local path of a ``file:`` URI as Storage qualifies them (not percent-encoded)."""
    return urllib.parse.urlparse(uri).path if uri.startswith("file:") else uri


# write_frame is wrapped above (it may replay); every other call here.
for _name in STORAGE_CALLS:
    if _name not in (*BATCHES, "write_frame"):
        setattr(FaultyStorage, _name, _wrap(_name))
