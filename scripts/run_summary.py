"""Print a run report (``<output>/_runs/<run_id>.json``) for people: `make run` ends with it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from api.run_reports import local_reports, newest
from contract.runs import RUNS_DIR


def latest_report(output: Path) -> dict[str, Any]:
    """The newest run by its start time: the API's ``/runs/latest`` definition."""
    folder = output / RUNS_DIR
    report = newest(local_reports(folder)) if folder.is_dir() else None
    if report is None:
        raise FileNotFoundError(f"no run report under {folder}: run the job first")
    return report


def _common_folder(paths: list[str]) -> str:
    """The folder all files are below, with its trailing slash: names are shown from there
    (``año 2025/pedidos.csv``), as uploaded."""
    folders = [path.rsplit("/", 1)[0].split("/") for path in paths]
    common: list[str] = []
    for parts in zip(*folders, strict=False):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return "/".join(common) + "/" if common else ""


def render(report: dict[str, Any]) -> str:
    totals = report["totals"]
    lines = [
        f"Run {report['run_id']}: {report['status'].upper()}"
        + (f" ({report['error']})" if report.get("error") else ""),
        f"  {report['started_at']} -> {report['ended_at']}",
        f"  input  {report['input_path']}",
        f"  output {report['output_path']}",
        f"  files: {totals['files']} ({totals['files_ok']} ok, "
        f"{totals['files_rejected']} rejected, {totals['files_skipped']} skipped)",
        f"  rows:  {totals['rows_read']} read = {totals['rows_valid']} valid "
        f"+ {totals['rows_rejected']} rejected",
        "",
        f"  {'file':<44} {'status':<9} {'read':>6} {'valid':>6} {'rejected':>8}  reasons",
    ]
    folder = _common_folder([entry["path"] for entry in report["files"]])
    for entry in report["files"]:
        by_reason = entry["rejected_by_reason"].items()
        reasons = entry["reason"] or ", ".join(f"{r}={n}" for r, n in by_reason)
        name = entry["path"].removeprefix(folder)
        lines.append(
            f"  {name[:44]:<44} {entry['status']:<9} {entry['rows_read']:>6} "
            f"{entry['rows_valid']:>6} {entry['rows_rejected']:>8}  {reasons}"
        )
    if report.get("partitions_written"):
        written = ", ".join(f"{t}={n}" for t, n in report["partitions_written"].items())
        lines += ["", f"  partitions written: {written}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="output", type=Path, help="the job's output root")
    parser.add_argument("--report", type=Path, help="a report file (default: the newest)")
    args = parser.parse_args(argv)
    try:
        if args.report:
            report = json.loads(args.report.read_text(encoding="utf-8"))
        else:
            report = latest_report(args.output)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(render(report))
    return 0 if report["status"] == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
