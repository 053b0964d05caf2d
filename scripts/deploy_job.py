"""Deploy (or tear down) the DuffBeer pipeline as CloudFormation: `scripts/deploy_job.py --help`.

1. the bootstrap stack `<stack>-bootstrap` (the artifacts bucket), through a change set;
2. the code (job script, transforms.zip, Lambda zips) and the template, uploaded under
   content-hashed keys;
3. the stack `<stack>` from deploy/template.json, through a change set: `--dry-run` prints
   it and executes nothing; a failed execution is rolled back by CloudFormation;
4. the Athena views of athena/ddl.sql (only when changed).
`--teardown` deletes both stacks (`--force` first empties the data buckets).
Point `--endpoint-url` at a moto server for the local twin (docs/aws.md says what it lacks).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.artifacts import build_artifacts, upload
from deploy.config import DEFAULT_CONFIG, ConfigError, DeployConfig, load_config
from deploy.deployer import deployer_policy
from deploy.local_twin import create_unsupported, for_moto
from deploy.names import BUCKET_PARAMETERS, DATABASE_PARAMETER, Names
from deploy.package import sha256_hex
from deploy.stack import DeployError, Outcome, deploy_stack, stack_status
from deploy.teardown import EXIT_RETAINED, teardown
from deploy.template import BOOTSTRAP_PATH, TEMPLATE_PATH
from deploy.views import apply_views, view_statements


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="TOML config file")
    parser.add_argument("--stack", help="stack name (resource name prefix)")
    parser.add_argument("--region")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:5000 (moto server)")
    parser.add_argument("--input-bucket")
    parser.add_argument("--processed-bucket")
    parser.add_argument("--worker-type")
    parser.add_argument("--number-of-workers", type=int)
    parser.add_argument("--bytes-scanned-cutoff", type=int, help="Athena per-query cutoff")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="any config key"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the change sets only")
    parser.add_argument("--teardown", action="store_true", help="delete both stacks")
    parser.add_argument("--force", action="store_true", help="teardown: empty the data buckets")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument(
        "--print-deployer-policy",
        metavar="ACCOUNT_ID",
        help="print the IAM policy this script needs in ACCOUNT_ID, then exit",
    )
    return parser.parse_args(argv)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    named: tuple[str, ...] = ("stack", "region", "endpoint_url", "input_bucket")
    named += ("processed_bucket", "worker_type", "number_of_workers", "bytes_scanned_cutoff")
    out: dict[str, Any] = {k: getattr(args, k) for k in named}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


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
    """Every template parameter, as CloudFormation takes them (strings)."""
    values: dict[str, Any] = {
        **{param: names.bucket(purpose) for purpose, param in BUCKET_PARAMETERS.items()},
        DATABASE_PARAMETER: names.database,
        **keys,
        "UploadPrefix": config.upload_prefix,
        "ApiHandler": config.api_handler,
        "GlueVersion": config.glue_version,
        "WorkerType": config.worker_type,
        "NumberOfWorkers": config.number_of_workers,
        "JobTimeoutMinutes": config.job_timeout_minutes,
        "JobMaxRetries": config.job_max_retries,
        "BatchWindowSeconds": config.batch_window_seconds,
        "BatchMaxFiles": config.batch_max_files,
        "MaxFileBytes": config.max_file_bytes,
        "FirstOrderDate": config.first_order_date,
        "BytesScannedCutoff": config.bytes_scanned_cutoff,
        "AthenaResultsExpireDays": config.athena_results_expire_days,
        "ApiStage": config.api_stage,
        "ApiRateLimit": config.api_rate_limit,
        "ApiBurstLimit": config.api_burst_limit,
        "ApiQuotaPerDay": config.api_quota_per_day,
        "AlertEmail": config.alert_email,
        "RejectedRowsAlarmPercent": config.rejected_rows_alarm_percent,
        "ApiAccessLogs": "true" if config.api_access_logs else "false",
        "ApiReservedConcurrency": config.api_reserved_concurrency,
        "LogRetentionDays": config.log_retention_days,
    }
    return {k: _text(v) for k, v in values.items()}


def _text(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


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


def report(outcomes: list[Outcome], lines: list[str], as_json: bool, dry_run: bool) -> None:
    if as_json:
        print(json.dumps({"stacks": [o.__dict__ for o in outcomes], "notes": lines}, indent=2))
        return
    for line in lines:
        print(line)
    for o in outcomes:
        label = {"none": "no changes", "planned": "change set (dry run, not executed)"}
        print(f"stack {o.stack}: {label.get(o.action, o.action)}")
        for c in o.changes:
            extra = (
                f"  (replacement: {c['replacement']})"
                if c["replacement"] in {"True", "Conditional"}
                else ""
            )
            print(f"  {c['action']:<8} {c['type']:<36} {c['logical_id']}{extra}")


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    args = parse_args(argv)
    try:
        config = load_config(args.config, overrides(args))
        if args.print_deployer_policy:
            names = stack_names(config, args.print_deployer_policy)
            print(json.dumps(deployer_policy(names), indent=2))
            return 0
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    session = session or boto3.Session(region_name=config.region)
    deployer = Deployer(config, session, args.dry_run)
    try:
        if args.teardown:
            account = deployer.client("sts").get_caller_identity()["Account"]
            return teardown(deployer, stack_names(config, account), args.force)
        deployer.run()
    except (FileNotFoundError, ValueError, BotoCoreError, ClientError, DeployError) as exc:
        report(deployer.outcomes, deployer.lines, args.json, args.dry_run)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report(deployer.outcomes, deployer.lines, args.json, args.dry_run)
    return 0


__all__ = ["EXIT_RETAINED", "main"]

if __name__ == "__main__":
    sys.exit(main())
