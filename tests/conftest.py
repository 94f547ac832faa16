"""Shared fixtures: a throw-away copy of the test suite's own handbook project to break in every way.

The tool's tests use `tests/fixtures/fernhill/` (a copy of the Fernhill example, frozen with the
tests), never the repository's `handbook/`, `docs/` or `mkdocs.yml`: a company that replaces those
with its own keeps a green suite. `test_shipped_example.py` checks what the repository ships."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "fernhill"
# What a project copy is made of: the suite's own content, and the tool's packaged templates.
SHIPPED = {"handbook": FIXTURE / "handbook", "docs": FIXTURE / "docs", "mkdocs.yml": FIXTURE / "mkdocs.yml",
           "templates": REPO / "templates"}


def copy_project(root: Path) -> "Project":
    """The test suite's handbook project (mkdocs.yml, handbook/, docs/, templates/) under `root`."""
    for name, src in SHIPPED.items():
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy2(src, root / name)
    return Project(root)


class Project:
    def __init__(self, root: Path):
        self.root = root
        self.handbook = root / "handbook"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def mkdocs(self, *args: str, site: str = "site") -> subprocess.CompletedProcess:
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        return subprocess.run([sys.executable, "-m", "mkdocs", *args, "-f", str(self.root / "mkdocs.yml"),
                               "-d", str(self.root / site)],
                              cwd=self.root, capture_output=True, text=True, env=env, timeout=300)

    def snapshot(self, *folders: str) -> dict[str, str]:
        """Content hash of every file under the given folders: proves a run wrote nothing there."""
        out = {}
        for folder in folders:
            for path in sorted((self.root / folder).rglob("*")):
                if path.is_file():
                    out[path.relative_to(self.root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        return out


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of the test suite's handbook project (see FIXTURE)."""
    return copy_project(tmp_path)
