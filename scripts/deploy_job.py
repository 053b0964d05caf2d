"""Deploy (or tear down) the whole DuffBeer pipeline: `python scripts/deploy_job.py --help`.

Idempotent: every resource is reported as create / update / unchanged (or delete /
absent / retained on teardown). `--dry-run` prints that plan without mutating
anything. Point `--endpoint-url` at a moto server for a local dry run.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deploy.config import DEFAULT_CONFIG, ConfigError, load_config
from deploy.context import Change, Context
from deploy.names import Names
from deploy.policies import deployer_policy
from deploy.stack import deploy, incomplete, summary, teardown

EXIT_RETAINED = 3


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
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config key (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument("--teardown", action="store_true", help="delete the whole stack")
    parser.add_argument("--force", action="store_true", help="teardown: empty non-empty buckets")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--print-deployer-policy",
        metavar="ACCOUNT_ID",
        help="print the IAM policy this script needs in ACCOUNT_ID, then exit",
    )
    return parser.parse_args(argv)


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    named = (
        "stack",
        "region",
        "endpoint_url",
        "input_bucket",
        "processed_bucket",
        "worker_type",
        "number_of_workers",
        "bytes_scanned_cutoff",
    )
    out: dict[str, Any] = {k: getattr(args, k) for k in named}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value
    return out


def print_plan(changes: list[Change], as_json: bool, dry_run: bool) -> None:
    if as_json:
        print(json.dumps([c.__dict__ for c in changes], indent=2))
        return
    for c in changes:
        detail = f"  ({c.detail})" if c.detail else ""
        print(f"{c.action:<10} {c.kind:<26} {c.name}{detail}")
    print(("plan: " if dry_run else "done: ") + summary(changes))


def main(argv: list[str] | None = None, session: boto3.Session | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        config = load_config(args.config, overrides(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.print_deployer_policy:
        print(json.dumps(deployer_policy(Names(config, args.print_deployer_policy)), indent=2))
        return 0
    ctx = Context(
        config,
        session or boto3.Session(region_name=config.region),
        dry_run=args.dry_run,
        force=args.force,
    )
    try:
        changes = teardown(ctx) if args.teardown else deploy(ctx)
    except (FileNotFoundError, ValueError, BotoCoreError, ClientError) as exc:
        print_plan(ctx.changes, args.json, args.dry_run)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_plan(changes, args.json, args.dry_run)
    if args.teardown and incomplete(changes):
        print("teardown incomplete: non-empty buckets kept; re-run with --force", file=sys.stderr)
        return EXIT_RETAINED
    return 0


if __name__ == "__main__":
    sys.exit(main())
