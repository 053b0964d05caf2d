"""Deploy a CloudFormation stack through a change set: create it, show it, execute it (or,
in a dry run, delete it), wait, and report. A failed execution is rolled back by
CloudFormation itself; the failure reasons are read from the stack's events."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, WaiterError

NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
WAIT = {"Delay": 5, "MaxAttempts": 360}  # up to 30 minutes


class DeployError(RuntimeError):
    """The stack could not be deployed (it was rolled back) or deleted."""


@dataclass
class Outcome:
    stack: str
    action: str  # create, update, none, planned, delete, absent
    changes: list[dict[str, str]] = field(default_factory=list)


def stack_status(cfn: Any, name: str) -> str | None:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _changes(cfn: Any, name: str, change_set: str) -> list[dict[str, str]]:
    out, token = [], None
    while True:
        kw = {"ChangeSetName": change_set, "StackName": name}
        page = cfn.describe_change_set(**kw, **({"NextToken": token} if token else {}))
        for change in page.get("Changes", []):
            rc = change.get("ResourceChange", {})
            out.append(
                {
                    "action": str(rc.get("Action", "")),
                    "logical_id": str(rc.get("LogicalResourceId", "")),
                    "type": str(rc.get("ResourceType", "")),
                    "replacement": str(rc.get("Replacement", "")),
                }
            )
        token = page.get("NextToken")
        if not token:
            return out


def _failure_reasons(cfn: Any, name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=name).get("StackEvents", [])
    return [
        f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
        for e in events
        if str(e.get("ResourceStatus", "")).endswith("FAILED")
    ][:10]


def _template_source(template_body: str | None, template_url: str | None) -> dict[str, str]:
    return {"TemplateURL": template_url} if template_url else {"TemplateBody": template_body or ""}


def deploy_stack(
    cfn: Any,
    name: str,
    parameters: dict[str, str],
    *,
    template_body: str | None = None,
    template_url: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    status = stack_status(cfn, name)
    if status in {"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"}:
        # A first deploy that failed (or was only reviewed) leaves an empty shell.
        if dry_run:
            status = None
        else:
            delete_stack(cfn, name)
            status = None
    kind = "UPDATE" if status else "CREATE"
    change_set = f"deploy-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
    try:
        cfn.create_change_set(
            StackName=name,
            ChangeSetName=change_set,
            ChangeSetType=kind,
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())
            ],
            Capabilities=CAPABILITIES,
            Description="scripts/deploy_job.py",
            **_template_source(template_body, template_url),
        )
    except ClientError as exc:  # some endpoints refuse an empty change set outright
        if any(text in str(exc) for text in NO_CHANGES):
            return Outcome(name, "none")
        raise
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
        )
    except WaiterError:
        described = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
        reason = str(described.get("StatusReason", ""))
        cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        if any(text in reason for text in NO_CHANGES):
            return Outcome(name, "none")
        raise DeployError(f"{name}: change set failed: {reason}") from None
    changes = _changes(cfn, name, change_set)
    if dry_run:
        cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
        if kind == "CREATE":
            cfn.delete_stack(StackName=name)  # the empty REVIEW_IN_PROGRESS shell
        return Outcome(name, "planned", changes)
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=WAIT)
    except WaiterError as exc:
        reasons = "; ".join(_failure_reasons(cfn, name)) or str(exc)
        raise DeployError(f"{name}: {kind.lower()} failed and was rolled back: {reasons}") from exc
    return Outcome(name, kind.lower(), changes)


def delete_stack(cfn: Any, name: str) -> Outcome:
    if stack_status(cfn, name) is None:
        return Outcome(name, "absent")
    cfn.delete_stack(StackName=name)
    try:
        cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=WAIT)
    except WaiterError as exc:
        reasons = "; ".join(_failure_reasons(cfn, name)) or str(exc)
        raise DeployError(f"{name}: delete failed: {reasons}") from exc
    return Outcome(name, "delete")
