"""Opaque ``next_token`` values: url-safe base64 of a small JSON object.

A token carries a fingerprint of the query it pages through, so a token from one
request cannot be replayed against another (different client or dates): that,
like any token that does not decode to the expected shape, is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from api.errors import ApiError

MAX_TOKEN_LENGTH = 2048


def fingerprint(query_name: str, values: dict[str, Any]) -> str:
    """A short stable digest of the query and its non-paging parameter values."""
    canonical = json.dumps([query_name, sorted((k, str(v)) for k, v in values.items())])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> ApiError:
    return ApiError(400, "invalid_next_token", "next_token is not a token this API issued")


def decode(token: str, expected: dict[str, type]) -> dict[str, Any]:
    """The token's fields, each checked against ``expected`` (name -> type); 400 otherwise."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise _invalid()
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise _invalid() from err
    if not isinstance(payload, dict) or set(payload) != set(expected):
        raise _invalid()
    for name, kind in expected.items():
        value = payload[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _invalid()
    return payload
