"""A local moto server for `make moto` / `make deploy ENDPOINT_URL=...` and the tests.

Binds 127.0.0.1 only. It patches two moto gaps:

- moto ignores bucket-policy Conditions, so the stack's TLS-only Deny
  (`aws:SecureTransport = false`) would deny every request. The patch evaluates
  bucket policies as S3 does for a request over HTTPS (the TLS-only Deny does not
  match); every other statement is still enforced by moto's own evaluator.
- moto checks `If-None-Match: *` on `PutObject` and then stores the object, so two
  racing conditional writes of one key can both succeed, where S3 lets exactly one
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
  The patch runs a conditional write's check and store under one lock.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer

TLS_CONDITION = {"Bool": {"aws:SecureTransport": "false"}}


def permission_over_tls(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    """Replacement for FakeBucket.get_permission (see module docstring)."""
    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = json.loads(self.policy)
    kept = [st for st in doc.get("Statement", []) if st.get("Condition") != TLS_CONDITION]
    if not kept:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**doc, "Statement": kept})).is_action_permitted(action, resource)


_CONDITIONAL_WRITES = threading.Lock()
_MOTO_PUT_OBJECT = S3Response.put_object


def atomic_conditional_put(self: S3Response) -> Any:
    """Replacement for S3Response.put_object (see module docstring): a write with
    ``If-None-Match`` checks and stores under one lock; any other write as moto does."""
    if self.headers.get("If-None-Match") is None:
        return _MOTO_PUT_OBJECT(self)
    with _CONDITIONAL_WRITES:
        return _MOTO_PUT_OBJECT(self)


def patch_moto() -> None:
    FakeBucket.get_permission = permission_over_tls  # type: ignore[method-assign]
    S3Response.put_object = atomic_conditional_put  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    print(f"moto server on http://127.0.0.1:{args.port} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
