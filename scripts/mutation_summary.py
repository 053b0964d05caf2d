"""``make mutate``: the per-module table of a mutmut run (docs/testing.md), read from the
``mutants/**/*.meta`` files mutmut writes, one line per mutated module."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

# mutmut 3's exit codes (mutmut.stats.status_by_exit_code) grouped as docs/testing.md reports
# them; any other code is "suspicious".
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    5: "no tests",
    33: "no tests",
    None: "not run",
}
COLUMNS = ("killed", "survived", "timeout", "no tests", "not run", "suspicious")


def module_counts(mutants: Path) -> dict[str, Counter[str]]:
    """``{"transforms/rules.py": Counter({"killed": 3, ...})}`` for every mutated file."""
    counts: dict[str, Counter[str]] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        name = meta.relative_to(mutants).as_posix().removesuffix(".meta")
        counts[name] = Counter(STATUS.get(code, "suspicious") for code in codes.values())
    return counts


def table(counts: dict[str, Counter[str]]) -> str:
    lines = [
        "| module | mutants | " + " | ".join(COLUMNS) + " |",
        "|---|" + "---:|" * (len(COLUMNS) + 1),
    ]
    total: Counter[str] = Counter()
    for name, count in counts.items():
        total.update(count)
        cells = [str(count[c]) for c in COLUMNS]
        lines.append(f"| `{name}` | {sum(count.values())} | " + " | ".join(cells) + " |")
    cells = [f"{total[c]:,}" for c in COLUMNS]
    lines.append(f"| all | {sum(total.values()):,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    args = parser.parse_args(argv)
    print(table(module_counts(args.mutants)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
