"""A small interpreter of the Amazon States Language subset deploy/flow.py uses, for tests.

moto stores state machines and executions but runs a definition only with its parser
enabled, and then executes Lambda tasks in Docker (not available here). This runs the
*deployed* definition instead: Lambda tasks call the handler in-process, the Glue and SNS
integrations call moto. Every state entered is recorded, like the execution history.
Supported: Task (lambda:invoke, glue:startJobRun.sync, sns:publish), Map (inline),
Choice (NumericGreaterThan), Succeed, Fail; Parameters/ItemSelector with `.$` paths and
States.JsonToString, ResultSelector, ResultPath, OutputPath, Retry, Catch.

It also measures what AWS limits and moto does not: the UTF-8 size of every state's input
and output (``sizes``; at most 256 KiB each) and the number of history events the run
would write (``events``; at most 25,000), counted as AWS's history records them: an
execution's start and end, a task's entered/scheduled/started/succeeded/exited (3 more per
retry), a Map's entered/started/succeeded/exited and each iteration's started/succeeded,
and entered/exited for the other states.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

SERVICE_PREFIXES = {"glue": "Glue", "sns": "SNS", "lambda": "Lambda"}


class TaskError(Exception):
    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


def path_get(path: str, data: Any, context: dict[str, Any]) -> Any:
    root, rest = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    for part in [p for p in rest.split(".") if p]:
        root = root[part]
    return root


def evaluate(template: Any, data: Any, context: dict[str, Any]) -> Any:
    if isinstance(template, list):
        return [evaluate(v, data, context) for v in template]
    if not isinstance(template, dict):
        return template
    out = {}
    for key, value in template.items():
        if key.endswith(".$"):
            if value.startswith("States.JsonToString("):
                out[key[:-2]] = json.dumps(path_get(value[20:-1], data, context))
            else:
                out[key[:-2]] = path_get(value, data, context)
        else:
            out[key] = evaluate(value, data, context)
    return out


def put_result(data: Any, path: str | None, result: Any) -> Any:
    if path is None:
        return data
    if path == "$":
        return result
    out = copy.deepcopy(data)
    out[path[2:]] = result
    return out


def _matches(rule: dict[str, Any], error: str) -> bool:
    return error in rule["ErrorEquals"] or "States.ALL" in rule["ErrorEquals"]


@dataclass
class LocalFlow:
    definition: dict[str, Any]
    invoke: Callable[[dict[str, Any]], Any]  # the steps Lambda's handler
    glue: Any
    sns: Any
    history: list[tuple[str, Any]] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)
    sizes: list[tuple[str, str, int]] = field(default_factory=list)  # (state, in/out, bytes)
    events: int = 0

    @classmethod
    def from_template(
        cls, props: dict[str, Any], substitutions: dict[str, str], **kw: Any
    ) -> LocalFlow:
        text = json.dumps(props["Definition"])
        for name, value in substitutions.items():
            text = text.replace("${" + name + "}", value)
        return cls(json.loads(text), **kw)

    def run(self, data: Any) -> tuple[str, Any]:
        self.events += 2  # ExecutionStarted, ExecutionSucceeded / ExecutionFailed
        return self._run(self.definition, data, {})

    def _measure(self, name: str, side: str, data: Any) -> None:
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
        self.sizes.append((name, side, size))

    def _run(self, scope: dict[str, Any], data: Any, context: dict[str, Any]) -> tuple[str, Any]:
        name = scope["StartAt"]
        while True:
            state = scope["States"][name]
            self.history.append((name, copy.deepcopy(data)))
            self._measure(name, "input", data)
            kind = state["Type"]
            self.events += {"Task": 5, "Map": 4}.get(kind, 2)
            if kind == "Succeed":
                return "SUCCEEDED", data
            if kind == "Fail":
                return "FAILED", {"Error": state.get("Error"), "Cause": data}
            if kind == "Choice":
                name = next(
                    (c["Next"] for c in state["Choices"]
                     if path_get(c["Variable"], data, context) > c["NumericGreaterThan"]),
                    state["Default"],
                )  # fmt: skip
                continue
            try:
                result = self._attempt(state, data, context)
            except TaskError as exc:
                catch = next((c for c in state.get("Catch", []) if _matches(c, exc.error)), None)
                if catch is None:
                    return "FAILED", {"Error": exc.error, "Cause": exc.cause}
                data = put_result(
                    data, catch.get("ResultPath", "$"), {"Error": exc.error, "Cause": exc.cause}
                )
                self._measure(name, "output", data)
                name = catch["Next"]
                continue
            if "ResultSelector" in state:
                result = evaluate(state["ResultSelector"], result, context)
            data = put_result(data, state.get("ResultPath", "$"), result)
            if "OutputPath" in state:
                data = path_get(state["OutputPath"], data, context)
            self._measure(name, "output", data)
            if state.get("End"):
                return "SUCCEEDED", data
            name = state["Next"]

    def _attempt(self, state: dict[str, Any], data: Any, context: dict[str, Any]) -> Any:
        attempts: dict[int, int] = {}
        while True:
            try:
                return self._execute(state, data, context)
            except TaskError as exc:
                rules = state.get("Retry", [])
                i = next((i for i, r in enumerate(rules) if _matches(r, exc.error)), None)
                if i is None or attempts.get(i, 0) >= rules[i].get("MaxAttempts", 3):
                    raise
                attempts[i] = attempts.get(i, 0) + 1
                self.retries.append(exc.error)  # no sleeping in tests
                self.events += 3  # TaskFailed, then TaskScheduled and TaskStarted again

    def _execute(self, state: dict[str, Any], data: Any, context: dict[str, Any]) -> Any:
        if state["Type"] == "Map":
            outputs = []
            for item in path_get(state["ItemsPath"], data, context):
                ctx = {**context, "Map": {"Item": {"Value": item}}}
                item_input = evaluate(state["ItemSelector"], data, ctx)
                self.events += 2  # MapIterationStarted, MapIterationSucceeded
                status, out = self._run(state["ItemProcessor"], item_input, ctx)
                if status != "SUCCEEDED":
                    raise TaskError(str(out["Error"]), str(out["Cause"]))
                outputs.append(out)
            return outputs
        params = evaluate(state.get("Parameters", {}), data, context)
        resource = state["Resource"]
        try:
            if resource.endswith(":lambda:invoke"):
                try:
                    return {"Payload": self.invoke(params["Payload"])}
                except Exception as exc:
                    raise TaskError(type(exc).__name__, str(exc)) from exc
            if resource.endswith(":glue:startJobRun.sync"):
                run_id = self.glue.start_job_run(**params)["JobRunId"]
                run = self.glue.get_job_run(JobName=params["JobName"], RunId=run_id)["JobRun"]
                if run["JobRunState"] in {"FAILED", "ERROR", "TIMEOUT", "STOPPED"}:
                    raise TaskError("States.TaskFailed", json.dumps(run, default=str))
                return run
            if resource.endswith(":sns:publish"):
                return self.sns.publish(**params)
        except ClientError as exc:
            # As Step Functions names a service integration's error: the service, then the
            # API's exception name (Glue.ConcurrentRunsExceededException, SNS.NotFoundException).
            service = SERVICE_PREFIXES[resource.split(":::")[1].split(":")[0]]
            name = type(exc).__name__
            code = name if name != "ClientError" else exc.response["Error"]["Code"]
            raise TaskError(f"{service}.{code}", str(exc)) from exc
        raise NotImplementedError(resource)
