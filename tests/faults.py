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
from collections.abc import Callable
from typing import Any

from pyspark.sql import SparkSession

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
    def __init__(self, spark: SparkSession, fail_at: int | None = None, mode: str = "raise"):
        super().__init__(spark)
        self.fail_at, self.mode = fail_at, mode
        self.calls: list[str] = []
        self.log: list[tuple[str, tuple[Any, ...]]] = []  # (call, its arguments)

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


for _name in STORAGE_CALLS:
    if _name not in BATCHES:
        setattr(FaultyStorage, _name, _wrap(_name))
