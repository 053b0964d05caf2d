"""The writer lease: at most one run at a time changes the tables below a processed root.

Every run takes the lease before it touches anything (recovery included) and gives it back
at its end, so runs into one output happen one after another, whatever starts them: two
`make job`s, a backfill beside the scheduled run, two stacks on one bucket, a retried Glue
run overlapping a slow one. A run that finds the lease held waits (``--lease_wait_seconds``)
and then fails with a one-line message naming the holder. Rules (docs/tables.md,
"Concurrent runs"; each names its test in tests/test_lease.py):

- **Taken atomically.** The lease is a sequence of generation files
  ``_lease/<generation>.json``, each written with create-if-absent
  (``Storage.create_exclusive``: a hard link on a local disk, ``PutObject`` with
  ``If-None-Match: *`` on S3). Taking generation g+1 succeeds for exactly one run.
- **Expires.** A generation names its holder and an expiry (``--lease_seconds``); a
  released or expired generation may be taken over, so a killed holder blocks others at
  most until its expiry (``test_a_killed_holder_blocks_the_next_run_only_until_its_lease_expires``).
- **Fenced.** Right before its commit point a run renews the lease by creating the next
  generation itself. That succeeds only if nobody took the lease over in the meantime, so
  a run whose lease expired and was taken can never commit afterwards: it fails, having
  changed nothing (``test_a_run_whose_lease_was_taken_over_cannot_commit``). After the
  renewal the run has a whole lease period for its commit, apply, sweep and release.
- **Assumes** clocks that agree to well within the lease period (the expiry is compared
  with the taker's clock), and a lease period longer than a commit takes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from table_format.storage import Storage

log = logging.getLogger(__name__)

LEASE_DIR = "_lease"
RECORD, RELEASED = ".json", ".released"
DEFAULT_LEASE = dt.timedelta(hours=2)
DEFAULT_WAIT = dt.timedelta(minutes=10)
KEEP_GENERATIONS = 8  # older generation files are deleted by the next taker


class LeaseBusyError(RuntimeError):
    """Another run held the lease for longer than this run would wait."""


class LeaseLostError(RuntimeError):
    """This run's lease expired and another run took it over: it must not commit."""


@dataclass(frozen=True)
class Lease:
    generation: int
    owner: str  # the holder's commit id (unique per attempt)
    run_id: str
    expires_at: dt.datetime  # naive UTC
    released: bool = False

    def to_json(self) -> str:
        return json.dumps(
            {"owner": self.owner, "run_id": self.run_id, "expires_at": self.expires_at.isoformat()}
        )

    @classmethod
    def from_json(cls, generation: int, text: str, released: bool) -> Lease:
        data = json.loads(text)
        expires = dt.datetime.fromisoformat(data["expires_at"])
        return cls(generation, data["owner"], data["run_id"], expires, released)


class WriterLease:
    """The lease of one processed root, as one run holds it."""

    def __init__(
        self,
        storage: Storage,
        output_root: str,
        owner: str,
        run_id: str,
        period: dt.timedelta = DEFAULT_LEASE,
        wait: dt.timedelta = DEFAULT_WAIT,
        poll_seconds: float = 1.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.storage = storage
        self.folder = f"{output_root}/{LEASE_DIR}"
        self.owner, self.run_id = owner, run_id
        self.period, self.wait, self.poll_seconds = period, wait, poll_seconds
        self.clock = clock or _now
        self.held: Lease | None = None

    def _name(self, generation: int, suffix: str) -> str:
        return f"{self.folder}/{generation:012d}{suffix}"

    def _generations(self) -> tuple[list[int], set[int]]:
        names = self.storage.list_names(self.folder)
        numbers = sorted(int(n[: -len(RECORD)]) for n in names if _is(n, RECORD))
        return numbers, {int(n[: -len(RELEASED)]) for n in names if _is(n, RELEASED)}

    def current(self) -> Lease | None:
        """The newest generation, or None when the lease was never taken."""
        numbers, released = self._generations()
        if not numbers:
            return None
        text = self.storage.read_text(self._name(numbers[-1], RECORD))
        if text is None:  # deleted as old between the listing and the read: look again
            return self.current()
        return Lease.from_json(numbers[-1], text, numbers[-1] in released)

    def _create(self, generation: int) -> Lease | None:
        lease = Lease(generation, self.owner, self.run_id, self.clock() + self.period)
        if not self.storage.create_exclusive(self._name(generation, RECORD), lease.to_json()):
            return None
        return lease

    def acquire(self) -> Lease:
        """Take the lease, waiting while another run holds it; ``LeaseBusyError`` past the wait."""
        deadline = time.monotonic() + self.wait.total_seconds()
        announced = False
        while True:
            current = self.current()
            if current is None or current.released or current.expires_at <= self.clock():
                generation = 1 if current is None else current.generation + 1
                taken = self._create(generation)
                # A stale listing could recreate an old, deleted generation: only the
                # newest one counts.
                if taken is not None and self._generations()[0][-1] == generation:
                    self.held = taken
                    log.info("lease taken", extra={"generation": generation})
                    self._forget_old(generation)
                    return taken
                continue
            if time.monotonic() >= deadline:
                raise LeaseBusyError(
                    f"another run ({current.run_id}) holds the writer lease of {self.folder} "
                    f"until {current.expires_at:%Y-%m-%d %H:%M:%S} UTC; waited "
                    f"{self.wait.total_seconds():.0f} s (--lease_wait_seconds)"
                )
            if not announced:
                log.warning(
                    "waiting for the writer lease",
                    extra={"holder": current.run_id, "expires_at": current.expires_at.isoformat()},
                )
                announced = True
            time.sleep(self.poll_seconds)

    def renew(self) -> Lease:
        """The fence: the next generation, created by this run. It exists already only if
        another run took the lease over, and then this run must not commit."""
        if self.held is None:
            raise LeaseLostError("the writer lease was never taken")
        renewed = self._create(self.held.generation + 1)
        if renewed is None:
            lost, self.held = self.held, None
            taker = self.current()
            by = f" by run {taker.run_id}" if taker is not None else ""
            raise LeaseLostError(
                f"the writer lease expired at {lost.expires_at:%Y-%m-%d %H:%M:%S} UTC "
                f"and was taken over{by}; this run committed nothing (raise --lease_seconds)"
            )
        self.held = renewed
        return renewed

    def release(self) -> None:
        """Let the next run take over at once; a run killed before this blocks others
        until its lease expires."""
        if self.held is not None:
            self.storage.create_exclusive(self._name(self.held.generation, RELEASED), "")
            log.info("lease released", extra={"generation": self.held.generation})
            self.held = None

    def _forget_old(self, newest: int) -> None:
        numbers, released = self._generations()
        old = [g for g in sorted(set(numbers) | released) if g <= newest - KEEP_GENERATIONS]
        if old:
            self.storage.delete_files(
                [self._name(g, suffix) for g in old for suffix in (RECORD, RELEASED)]
            )


def _is(name: str, suffix: str) -> bool:
    return name.endswith(suffix) and name[: -len(suffix)].isdigit()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
