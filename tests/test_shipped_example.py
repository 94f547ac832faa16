"""The handbook this repository ships: the only tests that read the repository's own `handbook/`,
`docs/` and `mkdocs.yml`. The tool's tests use their own handbooks (conftest.FIXTURE), so a company
that replaces the Fernhill example with its own handbook keeps them green; these then check theirs:
it validates, it builds strictly, and its JSON Schemas and editor hints are current."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.model.declare import load_model
from generator.model.jsonschema import all_schemas

from conftest import REPO
from test_bad_input import cwd

HANDBOOK = REPO / "handbook"


def test_the_shipped_handbook_checks_without_errors():
    with cwd(REPO):
        result = CliRunner().invoke(main, ["check", "--format", "json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)
    assert not [p for p in problems if p["severity"] == "error"]


def test_the_shipped_project_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                            cwd=REPO, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    model = load_model(HANDBOOK, REPO)[0]
    for kind in model.kinds:
        assert (tmp_path / "site" / kind / "index.html").is_file(), kind
    assert not (REPO / "docs" / "rituals").exists()  # nothing generated was written into docs/


def test_schema_files_are_committed_and_current(tmp_path):
    with cwd(tmp_path):
        result = CliRunner().invoke(main, ["schema", "--out", "out", "--dir", str(HANDBOOK)])
    assert result.exit_code == 0
    for stem, schema in all_schemas(load_model(HANDBOOK, REPO)[0]).items():
        committed = json.loads((REPO / "schemas" / f"{stem}.schema.json").read_text())
        written = json.loads((tmp_path / "out" / f"{stem}.schema.json").read_text())
        assert committed == written == schema, f"schemas/{stem}.schema.json is stale: run `handbook schema`"
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_shipped_file_points_editors_at_its_schema():
    model = load_model(HANDBOOK, REPO)[0]
    for path in HANDBOOK.rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        rel = path.relative_to(HANDBOOK)
        stem = path.stem if len(rel.parts) == 1 else model.kinds[rel.parts[0]].schema
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == (REPO / "schemas" / f"{stem}.schema.json").resolve(), path


def test_every_folder_of_the_example_ships_in_the_wheel():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; CI runs 3.11
    packages = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {"generator.example." + p.relative_to(HANDBOOK).as_posix().replace("/", ".")
               for p in HANDBOOK.rglob("*") if p.is_dir()}
    assert folders - packages == set(), "add these to [tool.setuptools] packages in pyproject.toml"
