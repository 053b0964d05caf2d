"""Every shell command the docs show works as written, on a fresh clone, with no activated
virtualenv: the ```bash / ```sh / ```shell / ```console blocks of README.md and docs/*.md.

How the clone is made (decided here, described in CONTRIBUTING.md):
- `git clone` of this repository into a temp folder, plus the working tree's uncommitted
  changes to tracked files (`git diff HEAD | git apply`), so a docs edit is tested before it
  is committed. Untracked files are not copied: a fresh clone would not have them either.
- `.venv` (and `.venv-glue6.0`, if set up) is a symlink to this checkout's (re-installing
  would take minutes); the clone's `pyproject.toml` and `constraints/glue<version>.txt` are
  dated back so `make` does not reinstall into it. `PYTHONPATH` is the clone, because the
  shared virtualenvs have this checkout installed editable.
- The environment is a person's shell: no `VIRTUAL_ENV`, no `.venv/bin` on `PATH`, none of the
  `PYSPARK_*`/`SPARK_*` variables the Makefile exports, stdin closed (`make sql` exits at EOF).
  One variable is added: ``SHORT_LIVED_SPARK_ENV`` (tests/conftest.py), a JIT setting for
  the JVM of one short run; it changes the CPU a run costs, not what it does.
- `make run` runs once first (the README's first step); a command already run is not run again.

Skipped, each listed by name in pytest's summary: the commands in ``SKIPPED`` (AWS, servers,
long benchmarks, and `make test` itself).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SHORT_LIVED_SPARK_ENV

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
# Command prefix -> why it is not run here.
SKIPPED = {
    "make test": "the test suite itself (this test is part of it)",
    "make deploy": "deploys to AWS",
    "make teardown": "deletes the AWS stack",
    "make smoke": "uploads to and calls the deployed AWS stack",
    "make moto": "a long-running server",
    "make serve": "a long-running server",
    "make bench": "a long benchmark (30+ minutes)",
    ".venv/bin/python -m bench.run": "a long benchmark (and its matplotlib extra)",
    ".venv/bin/python scripts/deploy_job.py": "deploys to AWS",
    "aws ": "calls AWS",
    "curl ": "talks to a running server (make serve, or the deployed API)",
    "open ": "opens a browser",
}
SETUP = "make run"
DROPPED_ENV = ("VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "SPARK_HOME", "MAKEFLAGS", "MAKELEVEL")
DROPPED_ENV += ("MFLAGS", "PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "SPARK_LOCAL_IP")
TIMEOUT = 900
# The Makefile's virtualenv of each Glue runtime (docs/glue_runtimes.md).
VENVS = {".venv": "5.1", ".venv-glue6.0": "6.0"}


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line} {without_comment(self.text)}"


def shell_commands(doc: Path, root: Path = REPO) -> list[Command]:
    """The commands of a doc's shell blocks: one per line (``\\`` joins lines), comments and
    blank lines dropped; in ``console`` blocks only the ``$ `` lines."""
    name = doc.relative_to(root).as_posix()
    commands: list[Command] = []
    language: str | None = None
    pending: tuple[int, str] | None = None
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"^\s*```(\w*)", line)
        if fence:
            language = None if language is not None else (fence.group(1) or "-")
            continue
        if language not in SHELL_LANGUAGES:
            continue
        if language == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        start, text = pending if pending else (number, "")
        text += line.strip()
        if text.endswith("\\"):
            pending = (start, text[:-1].rstrip() + " ")
            continue
        pending = None
        if text and not text.startswith("#"):
            commands.append(Command(name, start, text))
    return commands


def skip_reason(command: str) -> str | None:
    return next((why for prefix, why in SKIPPED.items() if command.startswith(prefix)), None)


def without_comment(command: str) -> str:
    """The command as bash would run it, for spotting one already run (not for running)."""
    return re.sub(r"\s+#.*$", "", command).strip()


ALL_COMMANDS = [command for doc in DOCS for command in shell_commands(doc)]


def person_env(clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if "/.venv" not in p]
    env["PATH"] = os.pathsep.join(path)
    env["PYTHONPATH"] = str(clone)
    return env | SHORT_LIVED_SPARK_ENV


class FreshClone:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = person_env(root)
        self.done: set[str] = set()

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        parts = [p for p in without_comment(command).split(" && ") if p not in self.done]
        if not parts:
            return subprocess.CompletedProcess(command, 0, "already run above", "")
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", " && ".join(parts)],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        if result.returncode == 0:
            self.done.update(parts)
        return result


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> FreshClone:
    venv = REPO / ".venv"
    if not (REPO / ".git").exists() or shutil.which("git") is None or not venv.is_dir():
        pytest.skip("needs a git checkout with its .venv (make setup)")
    root = tmp_path_factory.mktemp("docs") / "clone"
    git = ["git", "-c", "advice.detachedHead=false"]
    subprocess.run([*git, "clone", "--quiet", str(REPO), str(root)], check=True)
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=REPO, capture_output=True, check=True
    ).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=root, input=diff, check=True)
    # Each Glue runtime's venv, where this checkout has it. The pins are dated back before
    # the oldest stamp: pyproject.toml is a prerequisite of both, and a venv set up minutes
    # after the other (as in CI) must not make the first look stale.
    stamps = {
        name: (REPO / name / ".installed").stat().st_mtime
        for name in VENVS
        if (REPO / name / ".installed").is_file()
    }
    if stamps:
        before = min(stamps.values()) - 60
        for name in stamps:
            (root / name).symlink_to(REPO / name)
        pinned = ["pyproject.toml", *(f"constraints/glue{VENVS[name]}.txt" for name in stamps)]
        for path in pinned:
            os.utime(root / path, (before, before))
        for name in stamps:  # a stale-looking stamp would re-create this checkout's venv
            fresh = subprocess.run(
                ["make", "-q", f"GLUE_VERSION={VENVS[name]}", f"{name}/.installed"],
                cwd=root,
                env=person_env(root),
                capture_output=True,
                check=False,
            )
            assert fresh.returncode == 0, f"make would reinstall the shared {name} in the clone"
    clone = FreshClone(root)
    setup = clone.run(SETUP)
    assert setup.returncode == 0, f"{SETUP} failed in the clone:\n{setup.stdout}\n{setup.stderr}"
    return clone


def test_the_docs_have_shell_commands_and_the_readme_starts_with_make_run() -> None:
    readme = [c.text for c in ALL_COMMANDS if c.doc == "README.md"]
    assert readme and without_comment(readme[0]) == SETUP
    assert any(c.doc.startswith("docs/") for c in ALL_COMMANDS)


def test_parser_reads_continuations_and_console_prompts(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "```bash\n# note\nmake a \\\n  B=1\n\n```\n```console\n$ make c\noutput\n```\n"
        "```python\nprint()\n```\n```\nmake d\n```\n",
        encoding="utf-8",
    )
    commands = shell_commands(doc, root=tmp_path)
    assert [(c.line, c.text) for c in commands] == [(3, "make a B=1"), (8, "make c")]


@pytest.mark.docs
@pytest.mark.parametrize("command", ALL_COMMANDS, ids=[c.id for c in ALL_COMMANDS])
def test_documented_command_works_as_written(fresh_clone: FreshClone, command: Command) -> None:
    why = skip_reason(command.text)
    if why:
        pytest.skip(
            f"not run: `{without_comment(command.text)}` ({command.doc}:{command.line}): {why}"
        )
    result = fresh_clone.run(command.text)
    assert result.returncode == 0, (
        f"{command.doc}:{command.line}: `{command.text}` exited {result.returncode}\n"
        f"--- stdout (tail)\n{result.stdout[-3000:]}\n--- stderr (tail)\n{result.stderr[-3000:]}"
    )
