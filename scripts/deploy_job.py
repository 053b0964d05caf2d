"""Deploy (or tear down) the DuffBeer pipeline as CloudFormation: `scripts/deploy_job.py --help`.

1. the bootstrap stack `<stack>-bootstrap` (the artifacts bucket), through a change set;
2. the code (job script, job.zip, Lambda zips) and the template, uploaded under
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

from deploy.config import DEFAULT_CONFIG, ConfigError, load_config
from deploy.deployer_policy import deployer_policy
from deploy.deployment import Deployer, stack_names
from deploy.stack import DeployError, Outcome
from deploy.teardown import EXIT_RETAINED, teardown


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
