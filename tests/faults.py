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
import shutil
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession

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


class FaultyStorage(Storage):
    """``replay``: the folders a reference run's ``write_frame`` calls wrote, in call order.
    Given them, the K-th ``write_frame`` copies the K-th folder's files instead of running
    its Spark job. Only for a run that starts from the reference run's state with its input
    and clock: its frames are then the reference's, row for row (every transform is a pure
    function of the input and the tables), and the call is still a storage call that fails
    like any other. The sweeps use it so that a failure point costs its storage calls, not
    a Parquet write per table (docs/testing.md)."""

    def __init__(
        self,
        spark: SparkSession,
        fail_at: int | None = None,
        mode: str = "raise",
        replay: Sequence[str] | None = None,
    ):
        super().__init__(spark)
        self.fail_at, self.mode = fail_at, mode
        self.replay = replay
        self.calls: list[str] = []
        self.log: list[tuple[str, tuple[Any, ...]]] = []  # (call, its arguments)

    def frames_written(self) -> list[str]:
        """The target folder of every ``write_frame`` call so far, in order (a ``replay``)."""
        return [str(args[1]) for name, args in self.log if name == "write_frame"]

    def write_frame(self, frame: DataFrame, uri: str, columns: Sequence[str]) -> None:
        if self.replay is None:
            self._call("write_frame", super().write_frame, frame, uri, columns)
            return
        source = self.replay[len(self.frames_written())]
        self._call("write_frame", _copy_folder, frame, uri, columns, source=source)

    def _call(self, name: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls.append(name)
        self.log.append((name, args))
        failing = len(self.calls) == self.fail_at
        if failing and self.mode == "raise":
            raise OSError(f"injected failure at storage call {self.fail_at} ({name})")
        result = method(*args, **kwargs)
        if failing:
            raise SimulatedCrash(f"killed after storage call {self.fail_at} ({name})")
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


def _copy_folder(frame: DataFrame, uri: str, columns: Sequence[str], *, source: str) -> None:
    """What ``Storage.write_frame`` of this frame writes, copied from where it was written."""
    shutil.copytree(_local(source), _local(uri))


def _local(uri: str) -> str:
    """A local path of a ``file:`` URI as Storage qualifies them (not percent-encoded)."""
    return urllib.parse.urlparse(uri).path if uri.startswith("file:") else uri


# write_frame is wrapped above (it may replay); every other call here.
for _name in STORAGE_CALLS:
    if _name not in (*BATCHES, "write_frame"):
        setattr(FaultyStorage, _name, _wrap(_name))
