"""Where code may not reach (every import counts, also inside functions):

- the contract, the Lambdas and the API never import PySpark;
- the layers import downwards only: ``contract`` imports no other project package,
  ``table_format`` only the contract, ``transforms`` only those two, ``job`` only those
  three (``glue_jobs``, ``api``, ``lambdas``, ``deploy``, ``scripts`` sit above);
- no module imports one that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("contract", "table_format", "transforms", "job", "glue_jobs", "athena", "api")
PACKAGES += ("lambdas", "deploy", "scripts", "bench", "synthetic")
# What each layer may import of the project: the layers below it, nothing above.
LAYERS: dict[str, set[str]] = {
    "contract": set(),
    "table_format": {"contract"},
    "transforms": {"contract", "table_format"},
    "job": {"contract", "table_format", "transforms"},
    "lambdas": {"contract"},
}

# Runs in a fresh interpreter: any import of PySpark (or Glue's awsglue) fails loudly.
BLOCKED = """
import sys

class NoSpark:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pyspark", "py4j", "awsglue"}:
            raise ImportError(f"{name} imported where PySpark must not be needed")
        return None

sys.meta_path.insert(0, NoSpark())
import importlib
for module in sys.argv[1:]:
    importlib.import_module(module)
"""

WITHOUT_PYSPARK = [
    "lambdas.validation",
    "api.app",
    "api.lambda_handler",
    "api.openapi",
    "contract.orders",
    "contract.header",
    "contract.jsonlog",
    "contract.runs",
    "contract.runtimes",
    "lambdas.batcher",
    "lambdas.steps",
    "synthetic.generate",
]


def test_contract_lambdas_and_api_import_with_pyspark_blocked() -> None:
    child = subprocess.run(
        [sys.executable, "-c", BLOCKED, *WITHOUT_PYSPARK],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr


def project_modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """``module -> imported`` for every import of a layer's module that reaches above it."""
    found = []
    for module, imported in sorted(graph.items()):
        layer = module.split(".")[0]
        if layer not in LAYERS:
            continue
        allowed = LAYERS[layer] | {layer}
        found += [f"{module} -> {t}" for t in sorted(imported) if t.split(".")[0] not in allowed]
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    graph = import_graph()
    assert "contract.orders" in graph["transforms.staging"]  # the walk sees real edges
    assert layer_violations(graph) == []


def test_the_layer_check_sees_an_import_from_above() -> None:
    graph = {"table_format.commit": {"transforms.tables"}, "transforms.core": {"contract.orders"}}
    assert layer_violations(graph) == ["table_format.commit -> transforms.tables"]


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    assert "api.backends.athena" in graph["api.dependencies"]  # the walk sees real edges
    assert cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected
