"""The commit protocol: how a run's new files become the tables' current version.

1. **Write**: Spark writes each table's replacement partitions under
   ``<table>/_data/<commit_id>/`` (new, immutable files; no reader looks there).
2. **Commit**: one atomic write of ``_commits/<commit_id>.json`` naming, per touched
   partition, its new files and the files they replace. This is the commit point: before
   it the run changed nothing a reader or a later run sees; after it the run is durable.
3. **Apply**: each touched partition's ``manifest`` is replaced in one atomic write (or
   deleted when the run emptied the partition), then ``<commit_id>.applied`` is written.
   A reader sees each partition entirely old or entirely new. Applying is idempotent, so
   a run that finds a commit without ``.applied`` (a crash mid-apply) completes it first.
4. **Sweep**: files a commit replaced are deleted once the commit is older than the
   retention window (readers that listed the old manifest may still be reading them);
   folders of runs that never committed are deleted after the same window.

No data object is ever copied or moved, and nothing a manifest names is deleted: the cost
of a commit is one write per touched partition plus two, whatever the data size.

The rules this relies on, each with the test that proves it (docs/tables.md):

- **Who may write when.** Only the holder of the output's writer lease
  (``table_format/lease.py``) runs any of these steps, recovery included; it renews the lease
  (the fence) right before step 2, so a run whose lease was taken over never commits.
  tests/test_concurrent_faults.py, tests/test_lease.py.
- **Recovery comes before prepare.** ``recover`` completes every recorded, unapplied commit
  before a run reads a manifest, so ``prepare`` never computes ``replaced`` from a manifest a
  pending commit is about to change. tests/test_commit_faults.py
  (``test_a_failure_while_a_commit_is_applied_then_the_same_input_again_loses_nothing``).
- **Append mode** (``TableWrite.appended``: the key index) assumes that the partition's
  current files stay valid beside the new ones, that readers take the newest entry per key,
  and that nobody else changes that manifest between prepare and apply (the lease).
  tests/test_key_index.py (``test_runs_append_to_the_index_and_replace_nothing``).
- **Retention must outlast the longest reader.** A replaced file is deleted once its commit
  is older than ``--retention_hours``; a query or request that listed the old manifest must
  have finished by then (Athena's default query timeout is 30 minutes; the default retention
  24 hours). tests/test_consistent_reads.py reads during commits; the sweep's own test is
  tests/test_commit_s3_requests.py
  (``test_a_sweep_does_not_list_every_file_a_live_commit_holds``).
- **Nothing is lost at any instant.** A failure at any storage call leaves the old state or a
  recorded commit the next run completes. tests/test_commit_faults.py,
  tests/test_commit_kill.py.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from table_format.layout import (
    DATA_DIR,
    MANIFEST_DIR,
    MANIFEST_NAME,
    PartitionValues,
    commits_dir,
    data_dir,
    is_data_file,
    manifest_path,
    manifest_root,
    parse_manifest,
    partition_dir,
    render_manifest,
)
from table_format.spec import TableSpec
from table_format.storage import Storage

log = logging.getLogger(__name__)

RECORD, APPLIED, SWEPT = ".json", ".applied", ".swept"
DEFAULT_RETENTION = dt.timedelta(hours=24)


def new_commit_id(run_id: str) -> str:
    """Unique per attempt: a retried run (same run id) never writes into a committed folder."""
    return f"{run_id}.{secrets.token_hex(4)}"


@dataclass(frozen=True)
class TableWrite:
    """One table's part of a run: every partition it replaces (some may end up empty), or
    adds files to (``appended``: their current files stay)."""

    table: TableSpec
    root: str
    partitions: tuple[PartitionValues, ...]
    appended: tuple[PartitionValues, ...] = ()

    def relative_paths(self) -> list[str]:
        return sorted({partition_dir(self.table.partitions, v) for v in self.partitions})

    def appended_paths(self) -> set[str]:
        return {partition_dir(self.table.partitions, v) for v in self.appended}


@dataclass
class CommitRecord:
    commit_id: str
    run_id: str
    committed_at: str  # ISO UTC
    # table name -> {"root": str, "partitions": {path: {"files": [...], "replaced": [...]}}}
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CommitRecord:
        return cls(**json.loads(text))

    def partitions_written(self) -> dict[str, int]:
        """Per table, how many partitions now hold this commit's files."""
        return {
            name: sum(1 for p in entry["partitions"].values() if p["files"])
            for name, entry in self.tables.items()
        }

    def partitions(self) -> int:
        """Partitions the commit points at new files or empties, over all tables."""
        return sum(len(entry["partitions"]) for entry in self.tables.values())

    def replaced_files(self) -> list[str]:
        return sorted(
            {
                f
                for e in self.tables.values()
                for p in e["partitions"].values()
                for f in p["replaced"]
            }
        )


class TableStore:
    """The current version of every table below one processed root, and its commit log."""

    def __init__(self, storage: Storage, output_root: str) -> None:
        self.storage = storage
        self.log_dir = commits_dir(output_root)

    # -- reading the current version -------------------------------------------------

    def current_files(self, root: str, relatives: Sequence[str]) -> dict[str, list[str]]:
        """Each partition's current files (none for a partition without a manifest)."""
        texts = self.storage.read_texts([manifest_path(root, r) for r in relatives])
        return {
            relative: [] if text is None else parse_manifest(text)
            for relative, text in zip(relatives, texts, strict=True)
        }

    def partitions(self, root: str, prefix: str = "") -> list[str]:
        """Relative paths of the partitions that have a manifest (below ``prefix``, if given)."""
        base = manifest_root(root) + (f"/{prefix}" if prefix else "")
        found = []
        for path in self.storage.list_paths(base):
            relative = path.split(f"/{MANIFEST_DIR}/", 1)[1]
            if relative.endswith(f"/{MANIFEST_NAME}"):
                found.append(relative[: -len(MANIFEST_NAME) - 1])
        return sorted(found)

    # -- writing: prepare, commit, apply ----------------------------------------------

    def prepare(self, commit_id: str, run_id: str, writes: Sequence[TableWrite]) -> CommitRecord:
        """The record of a run whose files are all written: new and replaced files per partition."""
        record = CommitRecord(commit_id, run_id, _now().isoformat())
        for write in writes:
            marker = f"/{DATA_DIR}/{commit_id}/"
            new_files: dict[str, list[str]] = defaultdict(list)
            for path in self.storage.list_paths(data_dir(write.root, commit_id)):
                relative = path.split(marker, 1)[1]  # whatever form the scheme takes
                if is_data_file(relative):
                    new_files[relative.rsplit("/", 1)[0]].append(path)
            expected = write.relative_paths()
            stray = sorted(set(new_files) - set(expected))
            if stray:
                raise RuntimeError(f"{write.table.name}: files written outside the plan: {stray}")
            current = self.current_files(write.root, expected)
            appended = write.appended_paths()
            partitions = {}
            for relative in expected:
                files = sorted(new_files.get(relative, []))
                if relative in appended:
                    partitions[relative] = {"files": current[relative] + files, "replaced": []}
                else:
                    partitions[relative] = {"files": files, "replaced": current[relative]}
            record.tables[write.table.name] = {"root": write.root, "partitions": partitions}
        return record

    def commit(self, record: CommitRecord) -> None:
        """The commit point: one atomic write."""
        self.storage.write_text(f"{self.log_dir}/{record.commit_id}{RECORD}", record.to_json())

    def apply(self, record: CommitRecord) -> None:
        """Point every touched partition at its new files (a partition left empty loses
        its manifest), all manifests in one batch; idempotent."""
        self.storage.replace_texts(
            [
                (
                    manifest_path(entry["root"], relative),
                    render_manifest(partition["files"]) if partition["files"] else None,
                )
                for entry in record.tables.values()
                for relative, partition in sorted(entry["partitions"].items())
            ]
        )
        self.storage.write_text(f"{self.log_dir}/{record.commit_id}{APPLIED}", "")

    def is_committed(self, commit_id: str) -> bool:
        return self.storage.exists(f"{self.log_dir}/{commit_id}{RECORD}")

    def read_record(self, commit_id: str) -> CommitRecord:
        text = self.storage.read_text(f"{self.log_dir}/{commit_id}{RECORD}")
        if text is None:
            raise FileNotFoundError(f"no commit record {commit_id}")
        return CommitRecord.from_json(text)

    def recover(self) -> list[str]:
        """Complete every commit a crash left unapplied, oldest first. Returns their ids."""
        names = self.storage.list_names(self.log_dir)
        pending = _ids(names, RECORD) - _ids(names, APPLIED)
        records = sorted(
            (self.read_record(cid) for cid in pending), key=lambda r: (r.committed_at, r.commit_id)
        )
        for record in records:
            log.warning("completing an unapplied commit", extra={"commit_id": record.commit_id})
            self.apply(record)
        return [r.commit_id for r in records]

    # -- sweeping what no reader needs any more ---------------------------------------

    def sweep(self, roots: Iterable[str], retention: dt.timedelta, keep: str) -> int:
        """Delete replaced files of commits older than ``retention``, folders of runs that
        never committed (older than ``retention``), and records whose files are all gone.
        ``keep`` is the running commit. Returns the number of files deleted."""
        cutoff = _now() - retention
        names = self.storage.list_names(self.log_dir)
        committed, applied = _ids(names, RECORD), _ids(names, APPLIED)
        swept = _ids(names, SWEPT)
        deleted = 0
        for cid in sorted((committed & applied) - swept):
            record = self.read_record(cid)
            if dt.datetime.fromisoformat(record.committed_at) > cutoff:
                continue
            replaced = record.replaced_files()
            self.storage.delete_files(replaced)
            deleted += len(replaced)
            self.storage.write_text(f"{self.log_dir}/{cid}{SWEPT}", "")
            swept.add(cid)
        roots = sorted(set(roots))
        folders = {root: self.storage.list_names(f"{root}/{DATA_DIR}") for root in roots}
        live: set[str] = set()
        for root, cids in folders.items():
            for cid in cids:
                if cid == keep:
                    continue
                if cid in committed:
                    # Live while one data file is left: found at the first, so a run does
                    # not list every file the history still holds (docs/performance.md).
                    if self.storage.has_file(data_dir(root, cid), _is_data_file_of(cid)):
                        live.add(cid)
                    else:
                        self.storage.delete(data_dir(root, cid))
                    continue
                files = self.storage.list_files(data_dir(root, cid))
                if not files or max(f.modified_at for f in files) <= cutoff:
                    self.storage.delete(data_dir(root, cid))
                    deleted += len(files)
        # The record goes first: an ``.applied`` marker without its record is inert, while a
        # record without its marker would be applied again by ``recover``.
        for cid in sorted((swept & committed) - live - {keep}):
            self.storage.delete(f"{self.log_dir}/{cid}{RECORD}")
            committed.discard(cid)
        markers = [
            f"{self.log_dir}/{cid}{suffix}"
            for suffix, ids in ((APPLIED, applied), (SWEPT, swept))
            for cid in sorted(ids - committed)
        ]
        if markers:
            self.storage.delete_files(markers)
        return deleted


def _is_data_file_of(commit_id: str) -> Callable[[str], bool]:
    def _accept(uri: str) -> bool:
        return is_data_file(uri.rsplit(f"/{commit_id}/", 1)[-1])

    return _accept


def _ids(names: Iterable[str], suffix: str) -> set[str]:
    return {n[: -len(suffix)] for n in names if n.endswith(suffix) and not n.startswith(".")}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
