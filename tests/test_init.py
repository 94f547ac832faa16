"""A handbook project of a company's own: `handbook init`, template overrides file by file and
block by block, `handbook templates`, template versions across upgrades."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from generator.model.declare import default_model, load_model

from generator.adapters.cli import main
from generator.adapters.init import PROJECT_FILES, init_project, requirement
from generator.packaged import packaged_templates
from generator.render import templates as tpl
from generator.site import produce

from test_bad_input import cwd

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 12, 1)


def run(args: list[str], where: Path):
    with cwd(where):
        return CliRunner().invoke(main, args)


def mkdocs(project: Path, *args: str, site: str = "site") -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(project / site), *args],
                          cwd=project, capture_output=True, text=True, env=env, timeout=300)


def pages(project: Path, today: date = TODAY) -> dict:
    out = produce(project / "handbook", project, project / "templates", today=today, use_directory_urls=True,
                  commits=lambda: None)
    return out


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    result = run(["init", "mycorp"], tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path / "mycorp"


def test_init_writes_a_project_that_checks_clean_and_builds_strict(fresh: Path):
    for rel in PROJECT_FILES:
        assert (fresh / rel).is_file(), rel
    kinds = sorted(p.parent.name for p in (fresh / "handbook").glob("*/*.yaml"))
    assert kinds == sorted(default_model().kinds)  # one starter per built-in kind
    assert (fresh / "handbook" / "handbook.yaml").is_file() and (fresh / "handbook" / "model.yaml").is_file()
    assert (fresh / "schemas" / "ritual.schema.json").is_file()  # what each file's first line points at
    assert not (fresh / "templates").exists()  # the templates come from the package
    checked = run(["check", "--strict"], fresh)  # not a warning either
    assert checked.exit_code == 0, checked.output
    assert f"ok: {len(list((fresh / 'handbook').rglob('*.yaml')))} files checked" in checked.output
    texts = "".join(p.read_text() for p in (fresh / "handbook").rglob("*.yaml"))
    assert "TODO" not in texts  # real, commented examples, not placeholders
    assert texts.count("\n# ") > 60  # optional fields shown commented out, with their descriptions
    built = mkdocs(fresh)
    assert built.returncode == 0, built.stderr
    ritual = (fresh / "site" / "rituals" / "weekly-review" / "index.html").read_text()
    assert "Weekly priorities" in ritual  # references between the starters resolve
    assert (fresh / "site" / "changing-this-handbook" / "index.html").is_file()


def test_init_project_files_say_what_the_issue_asks(fresh: Path):
    workflow = yaml.safe_load((fresh / ".github" / "workflows" / "handbook.yml").read_text())
    steps = workflow["jobs"]["check-and-build"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # history for the Changes page
    runs = [s.get("run", "") for s in steps]
    assert "handbook check --format github" in runs and "mkdocs build --strict" in runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"] == "site/" for s in steps)
    hook = yaml.safe_load((fresh / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook["entry"] == "handbook check"
    assert "/site/" in (fresh / ".gitignore").read_text()
    readme = (fresh / "README.md").read_text()
    assert "mkdocs serve" in readme and "handbook check" in readme
    config = yaml.safe_load((fresh / "mkdocs.yml").read_text().replace("!!", ""))
    assert config["site_name"] == "Mycorp Operating Handbook"
    assert any(isinstance(p, dict) and "handbook" in p for p in config["plugins"])
    assert requirement("0.1.0") == "handbook-generator>=0.1.0,<0.2"
    assert requirement("1.4.2") == "handbook-generator>=1.4.2,<2"
    assert "handbook-generator>=" in (fresh / "requirements.txt").read_text()


def test_init_refuses_a_non_empty_folder_and_writes_nothing(tmp_path: Path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("ours")
    result = run(["init", "taken"], tmp_path)
    assert result.exit_code == 1 and "not empty" in result.output and "nothing was written" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    missing_parent = run(["init", "no/such/place"], tmp_path)
    assert missing_parent.exit_code == 1 and not (tmp_path / "no").exists()
    afile = tmp_path / "file"
    afile.write_text("x")
    assert run(["init", "file"], tmp_path).exit_code == 1 and afile.read_text() == "x"


def test_init_in_a_fresh_git_repository_and_writes_only_inside(tmp_path: Path):
    target = tmp_path / "repo"
    (target / ".git").mkdir(parents=True)  # `git init` first is fine
    before = {p for p in tmp_path.iterdir()}
    result = run(["init", "."], target)
    assert result.exit_code == 0, result.output
    assert {p for p in tmp_path.iterdir()} == before  # nothing beside the project
    assert (target / "mkdocs.yml").is_file()
    for path in target.rglob("*"):
        assert path.resolve().is_relative_to(target.resolve())


def test_init_example_is_the_fernhill_handbook(tmp_path: Path):
    result = run(["init", "fern", "--example"], tmp_path)
    assert result.exit_code == 0, result.output
    project = tmp_path / "fern"
    from generator.packaged import example_handbook
    example = example_handbook()
    files = lambda root: sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml"))  # noqa: E731
    assert files(project / "handbook") == files(example)  # the example, whatever it holds
    if (example / "model.yaml").is_file():
        own_kinds = load_model(example, example.parent)[0].kinds
        assert all((project / "schemas" / f"{k.schema}.schema.json").is_file() for k in own_kinds.values())
    checked = run(["check"], project)
    assert checked.exit_code == 0, checked.output
    assert "Fernhill" in (project / "mkdocs.yml").read_text()


# --- overrides -------------------------------------------------------------------------------------

HEADER_OVERRIDE = """{% extends "packaged/ritual.md.j2" %}
{% block header %}
# {{ entity.name }} (a ritual of ours)

{{ m.review_line(entity, stale, review_due) }}
{% endblock %}
"""


def test_one_block_of_one_template_overridden_changes_only_those_pages(fresh: Path):
    (fresh / "handbook" / "rituals" / "second.yaml").write_text(
        (fresh / "handbook" / "rituals" / "weekly-review.yaml").read_text().replace("name: Weekly review",
                                                                                   "name: Second review"))
    before = {p.src_uri: p.markdown for p in pages(fresh).pages}
    (fresh / "templates").mkdir()
    (fresh / "templates" / "ritual.md.j2").write_text(HEADER_OVERRIDE)
    after = {p.src_uri: p.markdown for p in pages(fresh).pages}
    changed = sorted(uri for uri in before if before[uri] != after[uri])
    assert changed == ["rituals/second.md", "rituals/weekly-review.md"]
    page = after["rituals/weekly-review.md"]
    assert "# Weekly review (a ritual of ours)" in page
    assert "Team leads agree" not in page  # the summary was part of the replaced block
    assert "## Participants" in page and "## Purpose" in page  # the rest is the packaged template
    assert page.replace("# Weekly review (a ritual of ours)", "") != before["rituals/weekly-review.md"]


def test_a_project_template_replaces_the_packaged_one_and_macros_reach_packaged_pages(fresh: Path):
    (fresh / "templates").mkdir()
    (fresh / "templates" / "principle.md.j2").write_text("---\ntitle: x\n---\n\n# Our own principle page\n")
    macros = (packaged_templates() / "_macros.md.j2").read_text()
    (fresh / "templates" / "_macros.md.j2").write_text(macros.replace("**Last reviewed:**", "**Checked on:**"))
    after = {p.src_uri: p.markdown for p in pages(fresh).pages}
    assert after["principles/write-it-down.md"].endswith("# Our own principle page\n")
    assert "**Checked on:**" in after["teams/operations.md"]  # a packaged page importing the project's macros


@pytest.mark.parametrize("text, where, code, words", [
    ('{% extends "packaged/ritual.md.j2" %}\n{% block header %}\n{{ entity.nmae }}\n{% endblock %}\n',
     "templates/ritual.md.j2:3:1", "template", "nmae"),
    ('{% extends "packaged/ritul.md.j2" %}\n', "templates/ritual.md.j2:1:1", "template",
     "the package ships no template of that name"),
    ('{% extends "packaged/ritual.md.j2" %}\n{% block header %}{% if %}{% endblock %}\n',
     "templates/ritual.md.j2:2:1", "template", "Expected an expression"),
    ('{#- handbook-templates: 9 -#}\n{% extends "packaged/ritual.md.j2" %}\n', "templates/ritual.md.j2:1:1",
     "template-version", "written for templates version 9"),
])
def test_template_problems_are_diagnostics_at_the_project_file(fresh: Path, text, where, code, words):
    (fresh / "templates").mkdir()
    (fresh / "templates" / "ritual.md.j2").write_text(text)
    out = pages(fresh)
    assert not out.ok
    [d] = [d for d in out.diagnostics if d.severity == "error"]
    assert d.location == where and d.code == code and words in d.message, d.format_text()
    assert d.hint
    built = mkdocs(fresh)  # the build stops with the same words, not a traceback
    assert built.returncode == 1 and where in built.stderr and "Traceback" not in built.stderr


def test_a_breaking_template_change_tells_the_project_what_to_change(fresh: Path, monkeypatch):
    """An override written for version 1, after an upgrade to version 2 that renamed a block."""
    monkeypatch.setattr(tpl, "TEMPLATES_VERSION", 2)
    monkeypatch.setattr(tpl, "BREAKING", {2: [("ritual.md.j2", "block `header` is now called `title`.")]})
    problem = tpl.version_problem("ritual.md.j2", tpl.version_header(1) + HEADER_OVERRIDE, current=2)
    assert problem and "written for templates version 1" in problem[0] and "now called `title`" in problem[0]
    assert "handbook-templates: 2" in problem[1]
    assert tpl.version_problem("team.md.j2", tpl.version_header(1), current=2) is None  # not affected
    assert tpl.version_problem("ritual.md.j2", tpl.version_header(2), current=2) is None  # already updated
    assert tpl.version_problem("ritual.md.j2", HEADER_OVERRIDE, current=2) is None  # no version: no claim


# --- handbook templates -------------------------------------------------------------------------------

def test_templates_lists_the_packaged_ones_and_copies_one_block(fresh: Path):
    listing = run(["templates"], fresh)
    assert listing.exit_code == 0
    assert "ritual.md.j2" in listing.output and "page of each ritual" in listing.output
    assert "blocks: front_matter, header, body, own_fields, connections" in listing.output
    assert "overridden" not in listing.output
    copied = run(["templates", "copy", "ritual.md.j2", "--block", "header"], fresh)
    assert copied.exit_code == 0, copied.output
    text = (fresh / "templates" / "ritual.md.j2").read_text()
    assert text.startswith("{#- handbook-templates: 1") and '{% extends "packaged/ritual.md.j2" %}' in text
    assert "{% block header %}" in text and "{% block body %}" not in text
    assert "overridden" in run(["templates"], fresh).output
    # unchanged until edited: the copied block is the packaged block
    assert {p.src_uri: p.markdown for p in pages(fresh).pages}["rituals/weekly-review.md"] == \
        _packaged_page(fresh, "rituals/weekly-review.md")
    again = run(["templates", "copy", "ritual.md.j2"], fresh)
    assert again.exit_code == 1 and "already exists" in again.output
    assert (fresh / "templates" / "ritual.md.j2").read_text() == text  # never overwritten
    whole = run(["templates", "copy", "team.md.j2"], fresh)
    assert whole.exit_code == 0 and (fresh / "templates" / "team.md.j2").read_text().endswith(
        (packaged_templates() / "team.md.j2").read_text())
    typo = run(["templates", "copy", "ritul.md.j2"], fresh)
    assert typo.exit_code == 2 and "did you mean 'ritual.md.j2'" in typo.output
    assert run(["templates", "copy", "team.md.j2", "--block", "nope", "--to", "-"], fresh).exit_code == 2
    printed = run(["templates", "copy", "map.md.j2", "--to", "-"], fresh)
    assert printed.exit_code == 0 and not (fresh / "templates" / "map.md.j2").exists()


def _packaged_page(project: Path, uri: str) -> str:
    moved = project / "templates.off"
    (project / "templates").rename(moved)
    try:
        return {p.src_uri: p.markdown for p in pages(project).pages}[uri]
    finally:
        moved.rename(project / "templates")


# --- upgrades -------------------------------------------------------------------------------------------

def test_a_project_made_by_an_older_init_still_builds(tmp_path: Path):
    """tests/fixtures/init-0.1.0 is what `handbook init` wrote in 0.1.0, with a block override as
    `handbook templates copy ritual.md.j2 --block header` wrote it. Never regenerate it: it stands
    for the projects companies made then. If a template change breaks it, bump TEMPLATES_VERSION
    and say in BREAKING what to change; this test must then see that message."""
    project = tmp_path / "old"
    shutil.copytree(FIXTURES / "init-0.1.0", project)
    checked = run(["check"], project)
    assert checked.exit_code == 0, checked.output
    out = pages(project, today=date.today())
    breaking = [d for d in out.diagnostics if d.code == "template-version"]
    if breaking:  # an announced break: the message, not a TemplateNotFound
        assert all("what to change" in d.hint or "make these changes" in d.hint for d in breaking)
        return
    assert out.ok, [d.format_text() for d in out.diagnostics]
    built = mkdocs(project)
    assert built.returncode == 0, built.stderr
    page = (project / "site" / "rituals" / "weekly-review" / "index.html").read_text()
    assert "our weekly review" in page  # the project's override of the header block still applies


def test_a_model_of_a_newer_format_says_to_upgrade_not_a_traceback(fresh: Path):
    model = fresh / "handbook" / "model.yaml"
    model.write_text(model.read_text().replace("version: 1", "version: 2"))
    checked = run(["check"], fresh)
    assert checked.exit_code == 1
    assert "handbook/model.yaml:5:10: error[model-version]: model.yaml is format version 2" in checked.output
    assert "upgrade the package" in checked.output
    built = mkdocs(fresh)
    assert built.returncode == 1 and "error[model-version]" in built.stderr and "Traceback" not in built.stderr
    for code in ("model-version", "template-version"):
        explained = run(["explain", code], fresh)
        assert explained.exit_code == 0 and "Upgrading" in explained.output
