"""The pipeline's Step Functions state machine (Amazon States Language), as data.

One execution per batch of uploads (lambdas/batcher.py starts it):

    ValidateFiles (Map: one iteration per file -> steps Lambda "validate"; bad files are
    quarantined with their sidecar) -> StageBatch (steps Lambda "stage": valid files move
    under batches/<batch_id>/, the batch record _batches/<batch_id>.json says "running")
    -> AnyValid? -> ProcessBatch (glue:startJobRun.sync, retried with backoff while the
    job is at MaxConcurrentRuns) -> RecordSuccess -> Processed
    any failure -> RecordFailure -> Alert (SNS: the batch, its files, the error)
    -> CountAlert (steps Lambda "alerted": counts BatchesAlerted) -> Failed

The Alert state is the only alert of a failed batch. An execution that fails without
passing CountAlert (an error no Catch can take, such as States.DataLimitExceeded, or an
Alert that could not publish) is alerted by the alarm on ExecutionsFailed minus
BatchesAlerted (deploy/template_app.py ``alerts``).

``${...}`` names are the state machine's DefinitionSubstitutions (see FLOW_SUBSTITUTIONS).
"""

from __future__ import annotations

from typing import Any

STEPS = "${StepsFunctionArn}"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
GLUE_SYNC = "arn:aws:states:::glue:startJobRun.sync"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
CONCURRENT_RUNS = "Glue.ConcurrentRunsExceededException"
# Waits 60 s, 2 min, 4 min, then 10 min (the cap) per attempt: ~2.5 hours in all.
CONCURRENCY_RETRY = {
    "ErrorEquals": [CONCURRENT_RUNS],
    "IntervalSeconds": 60,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 600,
    "MaxAttempts": 18,
    "JitterStrategy": "FULL",
}
# What AWS recommends for every lambda:invoke task.
LAMBDA_RETRY = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 4,
    "BackoffRate": 2.0,
}
# The error of an execution that failed through Alert.
BATCH_FAILED = "BatchFailed"
TO_ALERT = {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Alert"}
# The one alert of a failed batch (nothing else publishes for it): retried, SNS being remote.
ALERT_RETRY = {
    "ErrorEquals": ["States.ALL"],
    "IntervalSeconds": 5,
    "MaxAttempts": 5,
    "BackoffRate": 2.0,
}


def _step(name: str, payload: dict[str, Any], **state: Any) -> dict[str, Any]:
    """A lambda:invoke task of the steps function; its result is the Lambda's return value."""
    return {
        "Type": "Task",
        "Comment": f"steps Lambda: {name}",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": STEPS, "Payload": {"step": name, **payload}},
        "Retry": [LAMBDA_RETRY],
        **state,
    }


def definition() -> dict[str, Any]:
    validate = _step(
        "validate",
        {"bucket.$": "$.bucket", "file.$": "$.file"},
        OutputPath="$.Payload",
        End=True,
    )
    return {
        "Comment": "DuffBeer: validate a batch of uploads, run the Glue job once, alert on failure",
        "StartAt": "ValidateFiles",
        "States": {
            "ValidateFiles": {
                "Type": "Map",
                "Comment": "One iteration per uploaded file: its path is in the history",
                "ItemsPath": "$.files",
                "ItemSelector": {"bucket.$": "$.bucket", "file.$": "$$.Map.Item.Value"},
                "MaxConcurrency": 10,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "ValidateFile",
                    "States": {"ValidateFile": validate},
                },
                "ResultPath": "$.validated",
                "Catch": [TO_ALERT],
                "Next": "StageBatch",
            },
            "StageBatch": _step(
                "stage",
                {"batch_id.$": "$.batch_id", "bucket.$": "$.bucket", "files.$": "$.validated"},
                OutputPath="$.Payload",
                Catch=[TO_ALERT],
                Next="AnyValid",
            ),
            "AnyValid": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.valid", "NumericGreaterThan": 0, "Next": "ProcessBatch"}
                ],
                "Default": "NothingToProcess",
            },
            "NothingToProcess": {"Type": "Succeed", "Comment": "every file was quarantined"},
            "ProcessBatch": {
                "Type": "Task",
                "Comment": "One Glue run for the whole batch; its report lists every file",
                "Resource": GLUE_SYNC,
                "Parameters": {
                    "JobName": "${JobName}",
                    "Arguments": {"--input_path.$": "$.input_path", "--run_id.$": "$.batch_id"},
                },
                "ResultSelector": {"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"},
                "ResultPath": "$.glue",
                "Retry": [CONCURRENCY_RETRY],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "ResultPath": "$.error",
                        "Next": "RecordFailure",
                    }
                ],
                "Next": "RecordSuccess",
            },
            "RecordSuccess": _step(
                "record",
                {
                    "batch_id.$": "$.batch_id",
                    "bucket.$": "$.bucket",
                    "state": "succeeded",
                    "glue.$": "$.glue",
                },
                ResultPath=None,
                Catch=[TO_ALERT],
                Next="Processed",
            ),
            "Processed": {"Type": "Succeed"},
            "RecordFailure": _step(
                "record",
                {
                    "batch_id.$": "$.batch_id",
                    "bucket.$": "$.bucket",
                    "state": "failed",
                    "error.$": "$.error",
                },
                ResultPath=None,
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Alert"}],
                Next="Alert",
            ),
            "Alert": {
                "Type": "Task",
                "Comment": "SNS alert: the batch, its files and the reason",
                "Resource": SNS_PUBLISH,
                "Parameters": {
                    "TopicArn": "${TopicArn}",
                    "Subject": "DuffBeer: a batch of order files failed",
                    "Message.$": "States.JsonToString($)",
                },
                "Retry": [ALERT_RETRY],
                "ResultPath": None,
                "Next": "CountAlert",
            },
            # Counted only once the alert is out; if counting fails the batch is alerted a
            # second time by the alarm, never not at all.
            "CountAlert": _step(
                "alerted",
                {"batch_id.$": "$.batch_id", "bucket.$": "$.bucket"},
                ResultPath=None,
                Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Failed"}],
                Next="Failed",
            ),
            "Failed": {
                "Type": "Fail",
                "Error": BATCH_FAILED,
                "Cause": "see the Alert state's input",
            },
        },
    }


FLOW_SUBSTITUTIONS = ("StepsFunctionArn", "JobName", "TopicArn")


def state_names(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every state, nested ones (Map/Parallel) included, by name."""
    out: dict[str, dict[str, Any]] = {}
    for name, state in states.items():
        out[name] = state
        for branch in [
            state.get("ItemProcessor") or state.get("Iterator"),
            *state.get("Branches", []),
        ]:
            if branch:
                out.update(state_names(branch["States"]))
    return out


def check_structure(states: dict[str, Any], start: str) -> list[str]:
    """Static checks of one state scope: start exists, every Next/Default/Catch target is a
    state of the same scope, every state is reachable, every non-terminal state has a next."""
    problems = [] if start in states else [f"StartAt {start!r} is not a state"]
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])]
        edges[name] = [t for t in targets if t]
        terminal = state["Type"] in {"Succeed", "Fail", "Choice"} or state.get("End")
        if not terminal and not state.get("Next"):
            problems.append(f"{name}: neither Next nor End")
        problems += [f"{name}: unknown target {t!r}" for t in edges[name] if t not in states]
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            problems += check_structure(processor["States"], processor["StartAt"])
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo += edges[name]
    problems += [f"{name}: unreachable" for name in states if name not in seen]
    return problems
