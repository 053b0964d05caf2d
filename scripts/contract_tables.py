"""Write the reason tables of docs/data_contract.md from `contract.orders` (`make docs`).

Each table sits between `<!-- contract:NAME -->` and `<!-- /contract:NAME -->`; the text
around them is hand-written. `--check` exits 1 when a table is stale (a test runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from contract.orders import FILE_REASONS, READ_REASONS, REQUIRED_COLUMNS, ROW_REASONS

DOC = Path(__file__).resolve().parent.parent / "docs" / "data_contract.md"


def tables() -> dict[str, str]:
    """Table name -> its generated markdown."""
    file_rows = [f"| `{r.code}` | {r.when} |" for r in FILE_REASONS]
    row_rows = [f"| 0 | `{r.code}` | {r.when} |" for r in READ_REASONS]
    row_rows += [f"| {n} | `{r.code}` | {r.when} |" for n, r in enumerate(ROW_REASONS, start=1)]
    return {
        "file-reasons": "\n".join(["| reason | when |", "|---|---|", *file_rows]),
        "required-columns": f"Required columns: `{', '.join(REQUIRED_COLUMNS)}`.",
        "row-reasons": "\n".join(
            ["| # | reason | the row is rejected when |", "|---|---|---|", *row_rows]
        ),
    }


def _filled(table: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) + table + "\n" + m.group(2)


def render(text: str) -> str:
    """``text`` with every marked table replaced by its generated version."""
    for name, table in tables().items():
        pattern = re.compile(
            rf"(<!-- contract:{name} -->\n).*?(<!-- /contract:{name} -->)", re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: no <!-- contract:{name} --> block")
        text = pattern.sub(_filled(table), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the doc is stale")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{DOC} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        DOC.write_text(wanted, encoding="utf-8")
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
