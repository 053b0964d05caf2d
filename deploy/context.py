"""Deployment context: clients, the plan being built, and the converge helper.

Every resource module follows one pattern: read the current state, compare it
with the desired state, record create / update / unchanged, and mutate only
when not in dry-run mode.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from deploy.config import DeployConfig
from deploy.names import Names

LOG = logging.getLogger("duffbeer.deploy")

CREATE, UPDATE, UNCHANGED, DELETE, ABSENT, RETAINED = (
    "create",
    "update",
    "unchanged",
    "delete",
    "absent",
    "retained",
)


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: str
    detail: str = ""


@dataclass
class Context:
    config: DeployConfig
    session: boto3.Session
    dry_run: bool = False
    force: bool = False
    changes: list[Change] = field(default_factory=list)
    _clients: dict[str, Any] = field(default_factory=dict)
    _names: Names | None = None

    def client(self, service: str) -> Any:
        """A cached client; `endpoint_url` (e.g. a moto server) applies to every service."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,
                region_name=self.config.region,
                endpoint_url=self.config.endpoint_url or None,
                config=Config(retries={"max_attempts": 5, "mode": "standard"}),
            )
        return self._clients[service]

    @property
    def names(self) -> Names:
        if self._names is None:
            account = self.client("sts").get_caller_identity()["Account"]
            self._names = Names(self.config, account)
        return self._names

    def record(self, kind: str, name: str, action: str, detail: str = "") -> str:
        self.changes.append(Change(kind, name, action, detail))
        LOG.info(json.dumps({"event": "plan", "kind": kind, "name": name, "action": action}))
        return action

    def converge(
        self,
        kind: str,
        name: str,
        current: Any,
        desired: Any,
        create: Callable[[], Any],
        update: Callable[[], Any] | None = None,
    ) -> str:
        """Record and (unless dry-run) apply the one action that makes current == desired."""
        if current is None:
            action, detail = CREATE, ""
        else:
            diff = differences(desired, current)
            action, detail = (UPDATE, ", ".join(diff)) if diff else (UNCHANGED, "")
        if action == UPDATE and update is None:
            raise RuntimeError(f"{kind} {name} differs ({detail}) but cannot be updated")
        self.record(kind, name, action, detail)
        if not self.dry_run:
            if action == CREATE:
                create()
            elif action == UPDATE and update is not None:
                update()
        return action


def _norm(value: Any) -> Any:
    """Normalise for comparison: policy JSON strings parse, scalars compare as strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _norm(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def differences(desired: Any, current: Any, path: str = "") -> list[str]:
    """Paths where `current` does not match `desired` (keys AWS adds are ignored)."""
    d, c = _norm(desired), _norm(current)
    if isinstance(d, dict) and isinstance(c, dict):
        out: list[str] = []
        for key, value in d.items():
            out += differences(value, c.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(d, list) and isinstance(c, list) and len(d) == len(c):
        return [
            p
            for i, (a, b) in enumerate(zip(d, c, strict=True))
            for p in differences(a, b, f"{path}[{i}]")
        ]
    return [] if d == c else [path or "value"]
