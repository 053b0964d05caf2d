"""moto's state manager: make Glue job runs advance only when described."""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def set_job_run_progression(endpoint: str, progression: dict[str, Any] | None) -> None:
    """`{"progression": "manual", "times": n}` keeps a run going for n describes; None
    restores moto's default."""
    path = "set-transition" if progression else "unset-transition"
    body: dict[str, Any] = {"model_name": "glue::job_run"}
    if progression:
        body["transition"] = progression
    request = urllib.request.Request(
        f"{endpoint}/moto-api/state-manager/{path}",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        assert response.status in (200, 201)
