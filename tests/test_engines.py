"""Engines beside MkDocs: ProperDocs runs the plugin itself (build and the `serve --dirty`
preview); Zensical builds and serves the staged tree, which is what `handbook export` writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.adapters.export import Session, stage, sync
from test_bad_input import cwd
from test_serve_safety import ENV, Server, free_port

ZENSICAL = "0.0.73"  # the version pyproject's test extra installs (0.1.1 does not install here)


def require_zensical():
    try:
        from importlib.metadata import version
        version("zensical")
    except Exception:
        if os.environ.get("CI"):
            pytest.fail("the Zensical tests need zensical (pip install -e '.[test]')")
        pytest.skip("zensical is not installed")


def handbook(project, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator.adapters.cli", *args], cwd=project.root,
                          capture_output=True, text=True, env=ENV, timeout=timeout)


def files(root: Path, *skip: str) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.relative_to(root).as_posix().startswith(skip)}


# --- one tree for every engine ---------------------------------------------------------------------------

def test_the_stage_is_what_export_writes(project, tmp_path):
    with cwd(project.root):
        assert CliRunner().invoke(main, ["export", str(tmp_path / "export")]).exit_code == 0
    tree = stage(project.root / "mkdocs.yml")
    assert tree.ok and tree.pages > 50
    sync(tree, tmp_path / "stage")
    assert files(tmp_path / "stage") == files(tmp_path / "export")
    # what the engines need: the plan's nav, assets, feeds, API, the project's own pages
    config = (tmp_path / "export" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "handbook:" not in config and "custom_dir: overrides" in config and "rituals/index.md" in config
    for rel in ["docs/assets/handbook.css", "docs/calendar.ics", "docs/api/handbook.json", "docs/contributing.md",
                "docs/tags.md", "overrides/partials/actions.html"]:
        assert (tmp_path / "export" / rel).is_file(), rel
    page = (tmp_path / "export" / "docs" / "rituals" / "weekly-business-review.md").read_text(encoding="utf-8")
    assert ('edit_url: "https://github.com/fernhill-example/operating-handbook/edit/main/handbook/rituals/'
            'weekly-business-review.yaml"') in page.split("\n---", 1)[0]


def test_sync_writes_only_the_files_whose_bytes_changed(project, tmp_path):
    root, config = tmp_path / "stage", project.root / "mkdocs.yml"
    session = Session()
    first = sync(stage(config, session=session), root)
    assert CONFIG_AND_PAGES <= set(first)
    (root / ".cache").mkdir()
    (root / ".cache" / "engine").write_text("kept")  # an engine's own files are left alone
    mtimes = {rel: p.stat().st_mtime_ns for rel, p in ((r, root / r) for r in first)}
    assert sync(stage(config, session=session), root) == []  # nothing changed, nothing written

    project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
    changed = sync(stage(config, session=session), root)
    assert "docs/rituals/demo-day.md" in changed and "docs/api/handbook.json" in changed
    assert "docs/rituals/weekly-business-review.md" not in changed and "mkdocs.yml" not in changed
    assert len(changed) < 12, changed
    assert "Squads show" in (root / "docs/rituals/demo-day.md").read_text(encoding="utf-8")
    unchanged = [rel for rel in mtimes if rel not in changed]
    assert all((root / rel).stat().st_mtime_ns == mtimes[rel] for rel in unchanged)

    (project.root / "handbook/rituals/demo-day.yaml").unlink()  # nothing refers to it
    changed = sync(stage(config, session=session), root)
    assert "docs/rituals/demo-day.md" in changed and not (root / "docs/rituals/demo-day.md").exists()
    assert "mkdocs.yml" in changed  # the nav lost it
    assert (root / ".cache" / "engine").read_text() == "kept"


CONFIG_AND_PAGES = {"mkdocs.yml", "docs/index.md", "docs/rituals/demo-day.md", "docs/contributing.md"}


def test_a_failed_render_changes_nothing_and_says_why(project, tmp_path):
    root, config = tmp_path / "stage", project.root / "mkdocs.yml"
    session = Session()
    sync(stage(config, session=session), root)
    before = files(root)
    project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
    tree = stage(config, session=session)
    assert not tree.ok and tree.files == {}
    assert any(d.format_text().startswith("handbook/rituals/demo-day.yaml:9:1: error[unknown-field]")
               for d in tree.diagnostics)
    assert files(root) == before


def test_the_stage_never_follows_a_link_out_of_docs(project, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("TOP SECRET\n")
    os.symlink(secret, project.root / "docs" / "leak.md")
    os.symlink(tmp_path, project.root / "docs" / "outside")
    os.mkfifo(project.root / "docs" / "fifo.md")
    tree = stage(project.root / "mkdocs.yml")
    assert not tree.ok
    text = "\n".join(p.format_text() for p in tree.diagnostics)
    assert "docs/leak.md: error: is a symbolic link to a file outside docs_dir" in text
    assert "docs/outside: error: is a symbolic link" in text
    assert "docs/fifo.md: error: is not a regular file" in text
    assert "TOP SECRET" not in text


def test_a_docs_page_in_the_place_of_a_generated_one_is_refused(project):
    project.write("docs/rituals/weekly-business-review/index.md", "# mine\n")
    tree = stage(project.root / "mkdocs.yml")
    assert not tree.ok
    assert "docs/rituals/weekly-business-review/index.md: error: collides with the generated page " \
           "rituals/weekly-business-review.md" in "\n".join(p.format_text() for p in tree.diagnostics)


def test_the_stage_is_never_inside_the_sources(project):
    from generator.adapters.export import ExportRefused
    from generator.adapters.zensical import Stage
    for inside in ["docs/stage", "handbook/.stage", "templates/x"]:
        with pytest.raises(ExportRefused):
            Stage(project.root / "mkdocs.yml", project.root / inside)


# --- Zensical ---------------------------------------------------------------------------------------------

def test_zensical_builds_the_shipped_handbook(project):
    require_zensical()
    sources = project.snapshot("docs", "handbook", "templates")
    result = handbook(project, "build", "--engine", "zensical")
    assert result.returncode == 0, result.stdout + result.stderr
    site = project.root / "site"
    page = (site / "rituals" / "weekly-business-review" / "index.html").read_text(encoding="utf-8")
    assert "Weekly business review" in page and "<svg" in page and 'class="hb-prose"' in page
    # edit links open the YAML file (Zensical shows none without repo_url; the stage's partial does)
    assert ('href="https://github.com/fernhill-example/operating-handbook/edit/main/handbook/rituals/'
            'weekly-business-review.yaml"') in page
    assert "handbook.css" in page and "fonts.googleapis" not in page
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))["items"]
    assert any(i["location"] == "rituals/betting-table/" for i in index)
    assert not any("Referenced by" in i["text"] for i in index)  # drawings are kept out of the search
    tags = (site / "tags" / "index.html").read_text(encoding="utf-8")
    assert 'id="tag:leadership"' in tags and "weekly-business-review/" in tags  # Zensical's own tags listing
    assert (site / "calendar.ics").is_file() and (site / "api" / "handbook.json").is_file()
    assert (site / "contributing" / "index.html").is_file()
    assert project.snapshot("docs", "handbook", "templates") == sources
    assert (project.root / ".handbook" / "stage" / "mkdocs.yml").is_file()


def test_zensical_build_with_errors_leaves_the_last_good_site(project):
    require_zensical()
    assert handbook(project, "build", "--engine", "zensical").returncode == 0
    site_before, stage_before = project.snapshot("site"), project.snapshot(".handbook/stage/docs")
    project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
    result = handbook(project, "build", "--engine", "zensical")
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "handbook/rituals/demo-day.yaml:9:1: error[unknown-field]: unknown field 'cadnce'" in result.stdout
    assert "= hint:" in result.stdout and "unchanged" in result.stdout
    assert project.snapshot("site") == site_before
    assert project.snapshot(".handbook/stage/docs") == stage_before


@contextmanager
def serving(project, *args: str, log_name: str = "serve.log"):
    """A server in its own process group on a free loopback port; everything it started is ended."""
    port = free_port()
    log = project.root / log_name
    with log.open("w") as out:
        process = subprocess.Popen([*args, "-a", f"127.0.0.1:{port}"], cwd=project.root, env=ENV,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port)
    server.log = log
    try:
        yield server
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=20)
                break
            except subprocess.TimeoutExpired:
                continue
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the group's other members (zensical) too
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            os.killpg(process.pid, signal.SIGKILL)


def test_an_edit_under_zensical_serve_appears_in_the_served_page(project):
    require_zensical()
    cli = [sys.executable, "-m", "generator.adapters.cli", "serve", "--engine", "zensical"]
    with serving(project, *cli) as server:
        server.wait_for("rituals/demo-day/", "Teams show what shipped")
        stage = project.root / ".handbook" / "stage" / "docs"
        untouched = (stage / "rituals" / "weekly-business-review.md").stat().st_mtime_ns

        project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
        server.wait_for("rituals/demo-day/", "Squads show what shipped")
        assert (stage / "rituals" / "weekly-business-review.md").stat().st_mtime_ns == untouched  # only what changed

        project.edit("docs/contributing.md", "# Changing this handbook", "# Changing this handbook, gently")
        server.wait_for("contributing/", "Changing this handbook, gently")
        project.edit("templates/ritual.md.j2", "# {{ entity.name }}\n", "# {{ entity.name }}\n\nTemplate-edited marker.\n")
        server.wait_for("rituals/demo-day/", "Template-edited marker.")

        # A broken edit: the diagnostics on the terminal, the last good page still served.
        project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
        deadline = time.monotonic() + 60
        while "error[unknown-field]" not in server.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        log = server.log.read_text()
        assert "handbook/rituals/demo-day.yaml:9:1: error[unknown-field]" in log and "Traceback" not in log
        assert "Squads show what shipped" in server.get("rituals/demo-day/")[1]
        project.edit("handbook/rituals/demo-day.yaml", "cadnce: weekly\ncadence:", "cadence:")
        project.edit("handbook/rituals/demo-day.yaml", "summary: Squads show", "summary: Crews show")
        server.wait_for("rituals/demo-day/", "Crews show what shipped")

        # A new entity: a new page and the nav (mkdocs.yml of the stage) change together.
        project.write("handbook/principles/say-no-kindly.yaml",
                      (project.root / "handbook/principles/repair-before-you-scale.yaml").read_text()
                      .replace("name: Repair before you scale", "name: Say no kindly", 1))
        server.wait_for("principles/say-no-kindly/", "Say no kindly")
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    assert "Traceback" not in server.log.read_text()


# --- ProperDocs -------------------------------------------------------------------------------------------

def test_properdocs_builds_the_project_with_the_plugin(project):
    result = handbook(project, "build", "--engine", "properdocs", "--strict", "--site-dir", "pd-site")
    assert result.returncode == 0, result.stderr
    page = (project.root / "pd-site" / "rituals" / "weekly-business-review" / "index.html").read_text(encoding="utf-8")
    assert "Weekly business review" in page and "<svg" in page and "data-hb-held" not in page
    assert "edit/main/handbook/rituals/weekly-business-review.yaml" in page
    assert (project.root / "pd-site" / "search" / "search_index.json").is_file()
    assert (project.root / "pd-site" / "calendar.ics").is_file()
    # errors: the same diagnostics, nothing built
    project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
    broken = subprocess.run([sys.executable, "-m", "properdocs", "build", "-d", str(project.root / "pd2")],
                            cwd=project.root, capture_output=True, text=True, env=ENV, timeout=300)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "handbook/rituals/demo-day.yaml:9:1: error[unknown-field]" in broken.stderr
    assert not (project.root / "pd2").exists()


def test_an_edit_under_properdocs_serve_appears_in_the_served_page(project):
    with serving(project, sys.executable, "-m", "properdocs", "serve", "--dirty", "-f",
                 str(project.root / "mkdocs.yml")) as server:
        server.wait_for("rituals/demo-day/", "Teams show what shipped")
        project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
        page = server.wait_for("rituals/demo-day/", "Squads show what shipped")
        assert "livereload" in page
        project.edit("handbook/rituals/demo-day.yaml", "cadence:", "cadnce: weekly\ncadence:")
        page = server.wait_for("rituals/demo-day/", "The handbook has problems")
        assert "handbook/rituals/demo-day.yaml:9:1" in page
        project.edit("handbook/rituals/demo-day.yaml", "cadnce: weekly\ncadence:", "cadence:")
        server.wait_for("rituals/demo-day/", "Squads show what shipped", absent="The handbook has problems")
    assert "Traceback" not in server.log.read_text()
