"""IAM roles: one per workload, each with a trust policy and one inline policy."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from deploy.context import ABSENT, DELETE, Context
from deploy.policies import ROLES, trust

INLINE_POLICY = "least-privilege"


def _current(iam: Any, role: str) -> dict[str, Any] | None:
    try:
        found = iam.get_role(RoleName=role)["Role"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise
    try:
        inline = iam.get_role_policy(RoleName=role, PolicyName=INLINE_POLICY)["PolicyDocument"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        inline = None
    return {"Trust": found["AssumeRolePolicyDocument"], "Inline": inline}


def ensure_roles(ctx: Context) -> None:
    iam = ctx.client("iam")
    for purpose, (service, build) in ROLES.items():
        role = ctx.names.role(purpose)
        desired = {"Trust": trust(service), "Inline": build(ctx.names)}

        def put(role: str = role, desired: dict[str, Any] = desired, create: bool = False) -> None:
            if create:
                iam.create_role(
                    RoleName=role,
                    AssumeRolePolicyDocument=json.dumps(desired["Trust"]),
                    Description=f"{ctx.config.stack}: {role}",
                    MaxSessionDuration=3600,
                )
            else:
                iam.update_assume_role_policy(
                    RoleName=role, PolicyDocument=json.dumps(desired["Trust"])
                )
            iam.put_role_policy(
                RoleName=role,
                PolicyName=INLINE_POLICY,
                PolicyDocument=json.dumps(desired["Inline"]),
            )

        ctx.converge(
            "iam:role",
            role,
            _current(iam, role),
            desired,
            create=partial(put, create=True),
            update=put,
        )


def teardown_roles(ctx: Context) -> None:
    iam = ctx.client("iam")
    for purpose in ROLES:
        role = ctx.names.role(purpose)
        exists = _current(iam, role) is not None
        ctx.record("iam:role", role, DELETE if exists else ABSENT)
        if not exists or ctx.dry_run:
            continue
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=name)
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
        iam.delete_role(RoleName=role)
