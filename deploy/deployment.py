"""One deployment: the bootstrap stack, the code, the main stack and the Athena views, in
that order (scripts/deploy_job.py is its command line; docs/aws.md "Deploying")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from deploy.artifacts import build_artifacts, upload
from deploy.config import DeployConfig, parameter_values
from deploy.local_twin import create_unsupported, for_moto
from deploy.names import BUCKET_PARAMETERS, DATABASE_PARAMETER, Names
from deploy.package import sha256_hex
from deploy.stack import Outcome, deploy_stack, stack_status
from deploy.template import BOOTSTRAP_PATH, TEMPLATE_PATH
from deploy.views import apply_views, view_statements


def stack_names(config: DeployConfig, account: str) -> Names:
    return Names(
        config.stack,
        config.region,
        account,
        config.bucket_names(account),
        config.database_name(),
        config.upload_prefix,
    )


def parameters(config: DeployConfig, names: Names, keys: dict[str, str]) -> dict[str, str]:
    """Every template parameter, as CloudFormation takes them (strings): the names derived
    from the stack, the code's keys, and every setting of the config that is a parameter."""
    return {
        **{param: names.bucket(purpose) for purpose, param in BUCKET_PARAMETERS.items()},
        DATABASE_PARAMETER: names.database,
        **keys,
        **parameter_values(config),
    }


class Deployer:
    def __init__(self, config: DeployConfig, session: boto3.Session, dry_run: bool) -> None:
        self.config, self.session, self.dry_run = config, session, dry_run
        self.local = bool(config.endpoint_url)
        self.lines: list[str] = []
        self.outcomes: list[Outcome] = []

    def client(self, service: str) -> Any:
        return self.session.client(
            service, region_name=self.config.region, endpoint_url=self.config.endpoint_url or None
        )

    def template(self, path: Path) -> dict[str, Any]:
        template = json.loads(path.read_text(encoding="utf-8"))
        if not self.local:
            return template
        reduced, skipped = for_moto(template)
        if skipped:
            self.lines.append(f"local twin: not in moto's CloudFormation: {', '.join(skipped)}")
        return reduced

    def run(self) -> None:
        cfn, s3 = self.client("cloudformation"), self.client("s3")
        names = stack_names(self.config, self.client("sts").get_caller_identity()["Account"])
        bootstrap = json.dumps(self.template(BOOTSTRAP_PATH), separators=(",", ":"))
        params = {"ArtifactsBucketName": names.bucket("artifacts")}
        boot_name = f"{self.config.stack}-bootstrap"
        self.outcomes.append(
            deploy_stack(cfn, boot_name, params, template_body=bootstrap, dry_run=self.dry_run)
        )
        artifacts = build_artifacts(self.config)
        main = self.template(TEMPLATE_PATH)
        body = json.dumps(main, separators=(",", ":")).encode()
        template_key = f"templates/template-{sha256_hex(body)[:16]}.json"
        bucket = names.bucket("artifacts")
        if stack_status(cfn, boot_name) is None:  # dry run of a first deploy
            planned = [
                {"action": "Add", "logical_id": k, "type": v["Type"], "replacement": ""}
                for k, v in main["Resources"].items()
            ]
            self.outcomes.append(Outcome(self.config.stack, "planned", planned))
            return
        if not self.dry_run:
            for key in upload(s3, bucket, artifacts):
                self.lines.append(f"uploaded s3://{bucket}/{key}")
        # The template is content-addressed too; a dry run may upload it (CloudFormation
        # reads templates over 51,200 bytes only from S3), never anything it would run.
        s3.put_object(Bucket=bucket, Key=template_key, Body=body, ServerSideEncryption="AES256")
        url = f"https://{bucket}.s3.{self.config.region}.amazonaws.com/{template_key}"
        values = parameters(self.config, names, {a.parameter: a.key for a in artifacts})
        self.outcomes.append(
            deploy_stack(cfn, self.config.stack, values, template_url=url, dry_run=self.dry_run)
        )
        if self.local and not self.dry_run:
            full = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
            created = create_unsupported(
                self.session, self.config.endpoint_url, self.config.region, full,
                resolved_values(self.config, names, values, cfn),
            )  # fmt: skip
            self.lines += [f"local twin: created through the API: {c}" for c in created]
        ddl = self.config.path(self.config.ddl_path)
        views = view_statements(ddl, names.processed_root, names.database)
        for view, action in apply_views(
            s3, self.client("athena"), bucket, names.workgroup, views, self.dry_run
        ):
            self.lines.append(f"athena view {view}: {action}")


def resolved_values(
    config: DeployConfig, names: Names, values: dict[str, str], cfn: Any
) -> dict[str, Any]:
    """Parameter values (numbers typed), pseudo parameters and the stack's roles, for the
    local twin's API calls."""
    from deploy.template import PARAMETERS

    typed: dict[str, Any] = {
        k: (int(float(v)) if PARAMETERS[k]["Type"] == "Number" else v) for k, v in values.items()
    }
    typed.update(
        {
            "AWS::AccountId": names.account,
            "AWS::Region": names.region,
            "AWS::StackName": names.stack,
            "AWS::Partition": "aws",
        }
    )
    for res in cfn.describe_stack_resources(StackName=config.stack)["StackResources"]:
        if "LogicalResourceId" not in res:
            continue  # moto lists a resource whose Condition is false as an empty entry
        typed[res["LogicalResourceId"]] = res.get("PhysicalResourceId", "")
        physical, kind = res.get("PhysicalResourceId", ""), res["ResourceType"]
        if kind == "AWS::IAM::Role":
            typed[f"{res['LogicalResourceId']}.Arn"] = (
                f"arn:aws:iam::{names.account}:role/{physical}"
            )
        elif kind == "AWS::Lambda::Function":
            typed[f"{res['LogicalResourceId']}.Arn"] = names.function_arn(physical)
        elif kind == "AWS::SQS::Queue":
            typed[f"{res['LogicalResourceId']}.Arn"] = names.queue_arn(physical.rsplit("/", 1)[-1])
    return typed
