"""Small helpers to write CloudFormation templates as Python data."""

from __future__ import annotations

import re
from typing import Any

_VAR = re.compile(r"\$\{([^}!]*)\}")
PSEUDO = ("AWS::",)


def sub(value: Any, known: set[str]) -> Any:
    """Wrap every string holding a ``${Name}`` of the template (a parameter, a resource,
    ``Res.Attr`` or ``AWS::…``) in ``Fn::Sub``; any other ``${x}`` (Athena's projection
    placeholders, say) is escaped as ``${!x}`` so CloudFormation leaves it alone."""
    if isinstance(value, dict):
        return {k: sub(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [sub(v, known) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def fix(match: re.Match[str]) -> str:
        name = match.group(1)
        ours = name.startswith(PSEUDO) or name.split(".")[0] in known
        return match.group(0) if ours else "${!" + name + "}"

    escaped = _VAR.sub(fix, value)
    return {"Fn::Sub": escaped} if _VAR.search(escaped) else escaped.replace("${!", "${")


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def att(name: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [name, attribute]}


def resource(kind: str, props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Type": kind, "Properties": props, **extra}
