"""The Changes page describes edits to the handbook only, a merged pull request as one edit, and
says how much history it could see (shallow clones, as CI checks out by default)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.model import history
from generator.site import produce

from test_bad_input import cwd

REPO = Path(__file__).resolve().parent.parent


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Ops", "-c", "user.email=ops@example.org",
                           "-c", "init.defaultBranch=main", *args],
                          cwd=root, check=True, capture_output=True, text=True).stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def changes_page(project: Path) -> str:
    out = produce(project / "handbook", project, project / "templates", today=date.today(), use_directory_urls=True,
                  commits=lambda: history.recent_commits(project / "handbook"))
    assert out.ok, [d.format_text() for d in out.diagnostics]
    return next(p.content for p in out.pages if p.src_uri == "changes.md")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("the history tests need git")
    with cwd(tmp_path):
        assert CliRunner().invoke(main, ["init", "corp"]).exit_code == 0
    root = tmp_path / "corp"
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Start our handbook")
    ritual = root / "handbook" / "rituals" / "weekly-review.yaml"
    edit(ritual, "duration_minutes: 30", "duration_minutes: 45")
    git(root, "commit", "-qam", "Longer weekly review")
    git(root, "checkout", "-qb", "fortnightly")
    edit(ritual, "cadence: weekly", "cadence: every 2 weeks")
    git(root, "commit", "-qam", "wip")
    edit(ritual, "level: group", "level: org")
    git(root, "commit", "-qam", "wip 2")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("ours\n")  # not the handbook: not an edit
    git(root, "commit", "-qam", "README")
    git(root, "merge", "--no-ff", "-q", "fortnightly", "-m",
        "Merge pull request #7 from ops/fortnightly\n\nWeekly review every two weeks, for the whole org")
    return root


def test_a_merged_pull_request_is_one_edit_naming_entity_and_fields(repo: Path):
    found = history.recent_commits(repo / "handbook")
    assert [c.subject for c in found] == ["Weekly review every two weeks, for the whole org",
                                          "Longer weekly review", "Start our handbook"]
    merged = found[0]
    assert merged.pull_request == "7"
    [change] = merged.changes
    assert change.name == "Weekly review" and change.details == ["cadence weekly → every 2 weeks", "level group → org"]
    assert found.edits == 3 and not found.shallow and found.tool_commits == 0
    page = changes_page(repo)
    assert "All 3 edits to the handbook since" in page and "pull request &#35;7" in page  # escaped for Markdown: "#7" on the page
    assert "wip" not in page and "README" not in page
    assert "cadence weekly → every 2 weeks; level group → org" in page


def test_a_shallow_clone_says_how_much_it_sees_and_lists_nothing_as_added(repo: Path, tmp_path: Path):
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    found = history.recent_commits(clone / "handbook")
    assert found.shallow and found.seen == 1 and len(found) == 1
    assert found[0].boundary and found[0].changes == []  # not "every entity added"
    page = changes_page(clone)
    assert "shallow clone holding only the last 1 commit of the repository" in page
    assert "fetch-depth: 0" in page
    assert "added" not in page.split("## ", 1)[1]
    deeper = tmp_path / "ci2"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(deeper)], check=True)
    page = changes_page(deeper)
    assert "cadence weekly → every 2 weeks" in page  # the merge is compared with what it was merged into


def test_the_generators_own_development_is_left_out(repo: Path, monkeypatch):
    tool = repo / "generator"
    tool.mkdir()
    (tool / "code.py").write_text("x = 1\n")
    edit(repo / "handbook" / "teams" / "operations.yaml", "lead: alex-morgan", "lead: Sam")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Refactor the generator, migrate the example")
    monkeypatch.setattr(history, "_tool_paths", lambda root: ["generator"])
    found = history.recent_commits(repo / "handbook")
    assert found.tool_commits == 1 and "Refactor the generator, migrate the example" not in [c.subject for c in found]
    assert "1 commit that changed the handbook together with the generator's own code" in changes_page(repo)


def test_in_this_repository_the_generator_and_packaged_templates_are_the_tool():
    assert set(history._tool_paths(REPO)) == {"generator", "templates"}
