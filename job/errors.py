"""Errors as one line a person can act on. A Py4J error's own text is a Java stack trace
("An error occurred while calling o50.open" and a hundred lines): the line that names the
cause is its innermost Java exception's."""

from __future__ import annotations

from typing import Any

MAX_LINE = 400


def java_causes(err: BaseException) -> list[Any]:
    """The Java exception behind a Py4J error and its causes, outermost first."""
    java = getattr(err, "java_exception", None)
    chain: list[Any] = []
    while java is not None and len(chain) < 20:
        chain.append(java)
        java = java.getCause()
    return chain


def one_line(err: BaseException) -> str:
    """``Type: message``; for a Java error, the innermost cause's (``java.io.…: File … does
    not exist``) rather than Py4J's call description."""
    chain = java_causes(err)
    if chain:
        text = str(chain[-1].toString())
    else:
        message = str(err).strip()
        text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    first = text.splitlines()[0] if text else type(err).__name__
    return first if len(first) <= MAX_LINE else first[: MAX_LINE - 1] + "…"


def full_text(err: BaseException) -> str:
    """Every message the error carries, Java causes included (to find a file's name in)."""
    parts = [str(err)] + [str(java.toString()) for java in java_causes(err)]
    return "\n".join(parts)
