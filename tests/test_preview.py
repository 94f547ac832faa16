"""Fast preview under `mkdocs serve --dirty`: after any edit the served site equals a full build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import FIXTURE, Project

HELPER = Path(__file__).parent / "helpers" / "serve_builds.py"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def _absolute(project, edit: tuple) -> list:
    """An edit for the helper, paths made absolute: (path, old, new), ("write", path, text),
    ("delete", path) or ("move", old_path, new_path)."""
    if edit[0] == "write":
        return ["write", str(project.root / edit[1]), edit[2]]
    if edit[0] == "delete":
        return ["delete", str(project.root / edit[1])]
    if edit[0] == "move":
        return ["move", str(project.root / edit[1]), str(project.root / edit[2])]
    path, old, new = edit
    return [str(project.root / path), old, new]


def start_serve_builds(project, site: str, dirty: bool, steps: list, snapshots: bool = False):
    """Run the helper in the background; its log goes to a file (a pipe could fill up while
    another run is awaited)."""
    steps = [[_absolute(project, edit) for edit in step] for step in steps]
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, str(HELPER), str(project.root / "mkdocs.yml"), str(project.root / site),
                                "1" if dirty else "0", json.dumps(steps), *(["--snapshots"] if snapshots else [])],
                               stdout=subprocess.DEVNULL, stderr=log, env=ENV, cwd=project.root)
    return process, log


def finish(run) -> None:
    process, log = run
    with log:
        process.wait(timeout=600)
        log.seek(0)
        assert process.returncode == 0, log.read().decode("utf-8", "replace")[-3000:]


def serve_builds(project, site: str, dirty: bool, steps: list, snapshots: bool = False) -> Path:
    finish(start_serve_builds(project, site, dirty, steps, snapshots))
    return project.root / site


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def search_entries(site: Path) -> list:
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return sorted(json.dumps(d, sort_keys=True) for d in docs)


STEPS = {
    "a prose edit": [[("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Teams present")]],
    "a new reverse link": [[("handbook/rituals/demo-day.yaml", "inputs: [release-notes]",
                             "inputs: [release-notes, design-doc]")]],
    "an interface becomes required": [[("handbook/interfaces/release-notes.yaml", "conformance: recommended",
                                        "conformance: required")]],
    "a renamed entity in the nav": [[("handbook/principles/repair-before-you-scale.yaml",
                                      "name: Repair before you scale", "name: Mend before you grow")]],
    "a hand-written page's title": [[("docs/contributing.md", "# Changing this handbook", "# Editing this handbook")]],
    "an allocation's actual, reported (issue 15)": [[("handbook/teams/pricing.yaml",
                                                       "actual: {growth-bets: 25,", "actual: {growth-bets: 45,")]],
    "a funding split and a principle, in two edits": [
        [("handbook/teams/checkout.yaml", "  growth-bets: 55", "  growth-bets: 50"),
         ("handbook/teams/checkout.yaml", "  option-bets: 10", "  option-bets: 15")],
        [("handbook/principles/write-first-meet-second.yaml", "Prepare in writing", "Prepare in writing, always,")]],
}


def _text(rel: str) -> str:
    return (FIXTURE / rel).read_text(encoding="utf-8")


def _renamed_everywhere(old_id: str, new_id: str, kind: str) -> list:
    """Rename an entity's file (its id) and every reference to it, in one step."""
    edits = [("move", f"handbook/{kind}/{old_id}.yaml", f"handbook/{kind}/{new_id}.yaml")]
    for path in sorted((FIXTURE / "handbook").rglob("*.yaml")):
        rel = path.relative_to(FIXTURE).as_posix()
        text = path.read_text(encoding="utf-8")
        if rel != f"handbook/{kind}/{old_id}.yaml" and old_id in text:
            edits.append(("write", rel, re.sub(rf"\b{re.escape(old_id)}\b", new_id, text)))
    return edits


NEW_PRINCIPLE = _text("handbook/principles/domain-experience-first.yaml").replace(
    "name: Domain experience before operations", "name: Ask the people who do the work")

STEPS |= {
    "a deleted entity": [[("delete", "handbook/rituals/demo-day.yaml")]],
    "a renamed entity file, with its references": [_renamed_everywhere("design-doc", "design-document", "interfaces")],
    "a renamed team file (its calendar moves)": [_renamed_everywhere("supplier-network", "suppliers", "teams")],
    "a new file": [[("write", "handbook/principles/ask-the-people.yaml", NEW_PRINCIPLE)]],
    "a team renamed so that the sort order changes": [[("handbook/teams/pricing.yaml", "name: Pricing Engine",
                                                        "name: Aardvark Pricing")]],
}


def assert_same_site(served: Path, full: Path) -> None:
    served_pages, full_pages = pages(served), pages(full)
    assert sorted(served_pages.keys() - full_pages.keys()) == []  # e.g. a deleted entity's page left behind
    assert sorted(full_pages.keys() - served_pages.keys()) == []
    different = [uri for uri, html in full_pages.items() if served_pages[uri] != html]
    assert different == []
    assert search_entries(served) == search_entries(full)
    served_files = {p.relative_to(served).as_posix() for p in served.rglob("*") if p.is_file()} - {".last-build.json"}
    assert sorted(served_files - {p.relative_to(full).as_posix() for p in full.rglob("*") if p.is_file()}) == []


@pytest.mark.parametrize("name", list(STEPS))
def test_dirty_preview_equals_a_full_build(project, name):
    served = serve_builds(project, "served", True, STEPS[name])
    full = serve_builds(project, "full", False, [])  # the edited handbook, built from scratch
    assert_same_site(served, full)


def test_deleted_entity_leaves_nothing_behind(project):
    """Its page, its search entries and its edit target are gone; the others stay."""
    served = serve_builds(project, "served", True, STEPS["a deleted entity"])
    assert not (served / "rituals" / "demo-day").exists()
    assert not [e for e in search_entries(served) if "rituals/demo-day/" in e]
    assert (served / "rituals" / "weekly-business-review" / "index.html").is_file()


def test_renamed_team_reorders_every_page_nav(project):
    served = serve_builds(project, "served", True, STEPS["a team renamed so that the sort order changes"])
    for page in ("index.html", "rituals/demo-day/index.html", "teams/checkout/index.html"):
        nav = (served / page).read_text(encoding="utf-8").split('class="md-nav__list"', 1)[1]
        assert nav.index("Aardvark Pricing") < nav.index("Ordering and Checkout"), page


BROKEN = "cadnce: weekly\n"
MIXED = [
    [("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")],
    [("write", "handbook/rituals/show-and-tell.yaml",
      _text("handbook/rituals/demo-day.yaml").replace("name: Demo day", "name: Show and tell"))],
    [("handbook/teams/pricing.yaml", "name: Pricing Engine", "name: Aardvark Pricing")],
    [("handbook/rituals/show-and-tell.yaml", "cadence:", BROKEN + "cadence:")],  # an error: the preview shows it
    [("handbook/rituals/show-and-tell.yaml", BROKEN, "")],  # fixed again
    [("delete", "handbook/rituals/show-and-tell.yaml"),
     ("handbook/rituals/demo-day.yaml", "inputs: [release-notes]", "inputs: [release-notes, design-doc]")],
    [("move", "handbook/rituals/demo-day.yaml", "handbook/rituals/demo-afternoon.yaml")],
    [("docs/contributing.md", "# Changing this handbook", "# Editing this handbook"),
     ("handbook/interfaces/release-notes.yaml", "conformance: recommended", "conformance: required")],
    [("handbook/teams/pricing.yaml", "name: Aardvark Pricing", "name: Pricing Engine")],
]


def test_dirty_preview_equals_a_full_build_after_every_edit_of_a_sequence(project, tmp_path_factory):
    """Successive dirty builds, each compared with the plain serve of the same state (every page
    rebuilt from scratch); the step with an error shows the error page in both."""
    reference = tmp_path_factory.mktemp("reference") / "project"
    shutil.copytree(project.root, reference)
    runs = [start_serve_builds(project, "served", True, MIXED, snapshots=True),
            start_serve_builds(Project(reference), "full", False, MIXED, snapshots=True)]  # one per core
    for run in runs:
        finish(run)
    for i in range(len(MIXED) + 1):
        served, full = project.root / f"served-{i}", reference / f"full-{i}"
        if i == 4:
            for site in (served, full):
                home = (site / "index.html").read_text(encoding="utf-8")
                assert "handbook/rituals/show-and-tell.yaml:" in home and "unknown-field" in home
            continue
        assert_same_site(served, full)


def test_dirty_preview_rebuilds_only_what_changed(project):
    served = serve_builds(project, "served", True, STEPS["a prose edit"])
    rebuilt = json.loads((served / ".last-build.json").read_text())
    assert "rituals/demo-day/index.html" in rebuilt and "tags/index.html" in rebuilt
    assert len(rebuilt) < len(pages(served)) / 3, rebuilt


def test_plain_serve_still_rebuilds_everything(project):
    served = serve_builds(project, "served", False, STEPS["a prose edit"])
    assert len(json.loads((served / ".last-build.json").read_text())) == len(pages(served))


def test_live_serve_dirty_shows_edits_reverse_links_and_search(project):
    """A real `mkdocs serve --dirty` on 127.0.0.1: an edit shows on the page, on the pages that
    link back to it, and in the search index; the live-reload script is injected."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}",
                               "-f", str(project.root / "mkdocs.yml")], cwd=project.root, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(path: str, text: str, limit: float = 60) -> str:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    body = response.read().decode("utf-8")
                if text in body:
                    return body
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{path} never showed {text!r}")

    try:
        page = wait_for("rituals/demo-day/", "<article")
        assert "livereload" in page
        project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
        project.edit("handbook/rituals/demo-day.yaml", "inputs: [release-notes]", "inputs: [release-notes, design-doc]")
        wait_for("rituals/demo-day/", "Squads show what shipped")
        wait_for("interfaces/design-doc/", 'href="../../rituals/demo-day/"')
        wait_for("search/search_index.json", "Squads show what shipped")
        index = wait_for("search/search_index.json", "Squads")
        assert "Teams show what shipped" not in index
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_one_save_is_one_rebuild_and_reading_files_is_not_an_edit(project, tmp_path):
    """A save is a burst of file events (truncate, write, close); a build opens and reads files,
    which inotify reports too. One save must give one build and one reload, then quiet."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}",
                                   "-f", str(project.root / "mkdocs.yml")], cwd=project.root, env=ENV,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Serving on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "A 'dirty' build is being performed" not in log.read_text()  # the preview keeps it exact
        project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/rituals/demo-day/", timeout=30) as response:
                if "Squads show" in response.read().decode("utf-8"):
                    break
            time.sleep(0.1)
        time.sleep(3)  # a loop would have rebuilt several times by now
        text = log.read_text()
        assert text.count("Building documentation") == 2, text  # the first build and the edit's
        assert text.count("Reloading browsers") == 1, text
    finally:
        server.terminate()
        server.wait(timeout=30)
