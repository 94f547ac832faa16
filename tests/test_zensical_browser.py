"""A real browser reading the handbook as Zensical builds and serves it: search finds a ritual,
links and diagrams work, edit links open the YAML file, no request leaves the site, and an edit
under `handbook serve --engine zensical` reloads the open page by itself.

Skipped with a reason where Chromium, Playwright or Zensical is missing, except under CI=true.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading

import pytest

from conftest import Project, copy_project
from test_browser import ARGS, CHROMIUM, SCREENSHOTS, _offsite, _require_browser
from test_engines import handbook, require_zensical, serving

pytestmark = pytest.mark.browser


def _project(root) -> Project:
    return copy_project(root)


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory):
    _require_browser()
    require_zensical()
    project = _project(tmp_path_factory.mktemp("zensical-browser"))
    result = handbook(project, "build", "--engine", "zensical")
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(project.root / "site"))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = chromium.new_page(viewport={"width": 1300, "height": 900})
        seen = {"requests": [], "errors": []}
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        yield page, seen
        chromium.close()


def _title(page) -> str:
    return page.locator("article h1").first.inner_text().rstrip("¶").strip()


def test_zensical_site_search_links_and_diagrams(zensical_site, browser):
    page, seen = browser
    site = zensical_site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site)
    assert "Fernhill Operating System" in _title(page)

    # Zensical's search: the header button opens the dialog; results link to the page, highlighted
    page.locator(".md-search__button").first.click()
    page.wait_for_timeout(300)
    page.keyboard.type("betting table", delay=30)
    result = page.locator("a[href*='rituals/betting-table/?h=']").first
    result.wait_for(timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "zensical-search.png"))
    result.click()
    page.wait_for_url("**/rituals/betting-table/**")
    assert _title(page) == "Betting table"
    edit = page.locator("a[rel=edit]").first.get_attribute("href")
    assert edit.endswith("/edit/main/handbook/rituals/betting-table.yaml")

    page.locator("article a", has_text="Bet one-pager").first.click()
    page.wait_for_url("**/interfaces/bet-one-pager/")
    svg = page.locator(".hb-diagram svg")
    assert svg.count() == 1 and svg.bounding_box()["width"] > 300
    assert page.locator(".hb-diagram svg g.hb-node").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / "zensical-interface.png"), full_page=True)

    page.goto(site + "map/")
    assert page.locator(".hb-diagram svg g.hb-node").count() > 20
    page.locator(".hb-diagram svg a", has_text="Weekly business review").first.click()
    page.wait_for_url("**/rituals/weekly-business-review/")
    page.goto(site + "funding/")
    assert page.locator(".hb-chart svg rect.hb-chart__target").count() >= 6
    page.goto(site + "tags/")
    assert page.locator("article a[href*='weekly-business-review']").count() >= 1
    page.goto(site + "rituals/")
    table = page.locator(".hb-sortable table").first
    table.locator("th", has_text="Duration").click()  # handbook.js runs
    table.locator("th", has_text="Duration").click()
    assert table.locator("tbody tr td:nth-child(3)").first.inner_text() == "240"  # the longest first (the column is "Duration (minutes)")

    assert seen["errors"] == []
    assert _offsite(seen["requests"], site) == []


def test_an_edit_under_zensical_serve_reloads_the_open_page(tmp_path, browser):
    _require_browser()
    require_zensical()
    project = _project(tmp_path)
    page, seen = browser
    cli = [sys.executable, "-m", "generator.adapters.cli", "serve", "--engine", "zensical"]
    with serving(project, *cli) as server:
        server.wait_for("rituals/demo-day/", "Teams show what shipped")
        # Zensical's page script opens a WebSocket for its reload notices; an edit made before
        # it is connected would be missed by the page (not by the server), so wait for it.
        with page.expect_websocket(timeout=15_000) as socket:
            page.goto(server.base + "rituals/demo-day/")
        assert not socket.value.is_closed()
        page.wait_for_timeout(500)
        assert "Teams show what shipped" in page.locator("article").inner_text()
        project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Squads show")
        server.wait_for("rituals/demo-day/", "Squads show what shipped")  # rebuilt
        # no navigation here: Zensical's live reload brings the new page
        try:
            page.locator("article", has_text="Squads show what shipped").wait_for(timeout=30_000)
        except Exception:
            raise AssertionError(f"not reloaded; console: {seen['errors']}; log: {server.log.read_text()[-3000:]}")
        assert _offsite(seen["requests"], server.base) == []
