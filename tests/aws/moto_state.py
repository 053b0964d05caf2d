"""moto's state: make Glue job runs advance only when described; read what the stack's code
published to moto's CloudWatch."""

from __future__ import annotations

import datetime as dt
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


def metric_points(cloudwatch: Any, name: str, stat: str = "Sum") -> list[float]:
    """The hour's ``stat`` of one of the stack's own metrics (namespace DuffBeer/Trigger, the
    Lambdas' default) as moto's CloudWatch holds it."""
    now = dt.datetime.now(dt.UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace="DuffBeer/Trigger", MetricName=name,
        StartTime=now - dt.timedelta(hours=1), EndTime=now + dt.timedelta(hours=1),
        Period=3600, Statistics=[stat],
    )["Datapoints"]  # fmt: skip
    return [point[stat] for point in stats]
