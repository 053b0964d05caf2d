"""After a deploy, prove the stack end to end in one command (`make smoke`, docs/aws.md):
upload the sample, wait for its Glue run, call the three endpoints (deploy/smoke.py)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from deploy.config import DEFAULT_CONFIG, load_config
from deploy.smoke import SmokeError, Target, smoke

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _getter(api_key: str) -> Any:
    def get(url: str) -> tuple[int, Any]:
        request = urllib.request.Request(url, headers={"x-api-key": api_key})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    return get


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/smoke_test.py", description=__doc__)
    parser.add_argument("--config", default=str(DEFAULT_CONFIG))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the run")
    args = parser.parse_args(argv)
    config = load_config(Path(args.config))
    session = boto3.Session(region_name=config.region)
    cfn, apigw = session.client("cloudformation"), session.client("apigateway")
    try:
        (stack,) = cfn.describe_stacks(StackName=config.stack)["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        key = apigw.get_api_key(apiKey=outputs["ApiKeyId"], includeValue=True)["value"]
        target = Target(outputs["InputBucket"], outputs["UploadPrefix"], outputs["ApiUrl"])
        run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for line in smoke(session.client("s3"), _getter(key), target, SAMPLE, run, args.timeout):
            print(line)
    except SmokeError as failed:
        print(f"smoke test failed: {failed}", file=sys.stderr)
        return 1
    except Exception as err:
        print(f"smoke test failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
