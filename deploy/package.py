"""Build the code artefacts: byte-for-byte reproducible zips.

Fixed timestamps and sorted entries make the same sources give the same bytes,
so a redeploy without code changes is reported as unchanged (same SHA-256).
"""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)
SKIP_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}
# What the API Lambda needs beyond the Lambda runtime (which ships boto3).
API_REQUIREMENTS = ("fastapi", "mangum", "pydantic", "starlette")
LAMBDA_PYTHON = "3.13"  # deploy/template_app.py RUNTIME = python3.13
# The pins resolved for Python 3.13 (Glue 6.0's), whatever Glue version the job runs on.
API_CONSTRAINTS = "constraints/glue6.0.txt"


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not SKIP_PARTS & set(p.parts) and p.suffix not in {".pyc", ".pyo"}
    )


def build_zip(entries: Iterable[tuple[str, Path]]) -> bytes:
    """Zip (archive name, file) pairs deterministically."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def package_entries(
    repo: Path, package: str, only: Iterable[str] | None = None
) -> list[tuple[str, Path]]:
    """A Python package's files under their import path (e.g. contract/orders.py)."""
    root = repo / package
    if not (root / "__init__.py").is_file():
        raise FileNotFoundError(f"{root} is not a Python package (no __init__.py)")
    wanted = set(only) if only is not None else None
    return [
        (p.relative_to(repo).as_posix(), p)
        for p in _files(root)
        if p.suffix == ".py" and (wanted is None or p.name in wanted)
    ]


# What the Glue job imports, for its --extra-py-files (glue_jobs/ holds the entry script).
JOB_PACKAGES = ("contract", "table_format", "transforms", "job")


def job_zip(repo: Path) -> bytes:
    """The job's packages for Glue's --extra-py-files: the contract, the table format, the
    transforms and the job that wires them."""
    return build_zip([entry for pkg in JOB_PACKAGES for entry in package_entries(repo, pkg)])


def pipeline_zip(repo: Path) -> bytes:
    """The batcher and steps Lambdas: `lambdas/` plus the contract (no PySpark; boto3 comes
    with the runtime)."""
    return build_zip(package_entries(repo, "lambdas") + package_entries(repo, "contract"))


def static_entries(repo: Path) -> list[tuple[str, Path]]:
    """The dashboard's files (HTML, CSS, JS under `api/static/`), served by the API Lambda."""
    root = repo / "api" / "static"
    return [(p.relative_to(repo).as_posix(), p) for p in _files(root)] if root.is_dir() else []


def api_zip(repo: Path, dependencies: Path | None) -> bytes:
    """The API Lambda: `api/` with the dashboard's static files, the named queries, the pure
    contract and JSON logging, and its vendored dependencies (no PySpark: `athena.local` is
    only for the local backend)."""
    queries = sorted((repo / "athena" / "queries").glob("*.sql"))
    entries = (
        package_entries(repo, "api")
        + static_entries(repo)
        + package_entries(repo, "athena", only={"__init__.py", "catalog.py"})
        + [(p.relative_to(repo).as_posix(), p) for p in queries]
        + package_entries(repo, "contract")
    )
    if dependencies is not None:
        entries += [(p.relative_to(dependencies).as_posix(), p) for p in _files(dependencies)]
    return build_zip(entries)


def pip_vendor_command(target: Path, constraints: Path) -> list[str]:
    """pip installs wheels for the Lambda runtime (CPython 3.13, manylinux x86_64) into
    `target` (deploy/template_app.py's RUNTIME and ARCHITECTURE)."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--platform",
        "manylinux2014_x86_64",
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON,
        "--only-binary=:all:",
        "--target",
        str(target),
        "-c",
        str(constraints),
        *API_REQUIREMENTS,
    ]


def vendor_api_dependencies(repo: Path, build_dir: Path) -> Path:
    """Install the API's dependencies once per constraints file into build/."""
    constraints = repo / API_CONSTRAINTS
    digest = hashlib.sha256(constraints.read_bytes()).hexdigest()[:16]
    target = build_dir / f"api-deps-py{LAMBDA_PYTHON}-{digest}"
    if not target.is_dir():
        partial = target.with_suffix(".partial")
        subprocess.run(pip_vendor_command(partial, constraints), check=True)  # noqa: S603
        partial.rename(target)
    return target


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 format."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
