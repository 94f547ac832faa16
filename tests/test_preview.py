"""Fast preview under `mkdocs serve --dirty`: after any edit the served site equals a full build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = Path(__file__).parent / "helpers" / "serve_builds.py"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def serve_builds(project, site: str, dirty: bool, steps: list) -> Path:
    steps = [[[str(project.root / path), old, new] for path, old, new in step] for step in steps]
    result = subprocess.run([sys.executable, str(HELPER), str(project.root / "mkdocs.yml"), str(project.root / site),
                             "1" if dirty else "0", json.dumps(steps)], capture_output=True, text=True, env=ENV,
                            cwd=project.root, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
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
    "a funding split and a principle, in two edits": [
        [("handbook/teams/checkout.yaml", "  growth-bets: 55", "  growth-bets: 50"),
         ("handbook/teams/checkout.yaml", "  option-bets: 10", "  option-bets: 15")],
        [("handbook/principles/write-first-meet-second.yaml", "Prepare in writing", "Prepare in writing, always,")]],
}


@pytest.mark.parametrize("name", list(STEPS))
def test_dirty_preview_equals_a_full_build(project, name):
    served = serve_builds(project, "served", True, STEPS[name])
    full = serve_builds(project, "full", False, [])  # the edited handbook, built from scratch
    served_pages, full_pages = pages(served), pages(full)
    assert served_pages.keys() >= full_pages.keys()
    different = [uri for uri, html in full_pages.items() if served_pages[uri] != html]
    assert different == []
    assert search_entries(served) == search_entries(full)


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
