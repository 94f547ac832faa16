"""A real browser (Debian's Chromium driven by Playwright) reading the built handbook.

Skipped with a reason where Chromium or Playwright is missing, except under CI=true, where that
is a failure: the browser tests must run in CI.
"""

from __future__ import annotations

import functools
import json
import http.server
import os
import shutil
import threading

import pytest

from conftest import REPO

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "test-output" / "browser"
# Headless Chromium as root, with nothing that phones home (the machine's network is closed).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
        "--disable-background-networking", "--disable-component-update", "--disable-default-apps"]
XSS = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> [x](javascript:window.__xss=3)'
# A real name may hold < > & and quotes; one that tries to close <title> must show as written.
HOSTILE_NAME = 'Pricing </title><script>window.__xss=4</script> <> & "co"'


def _require_browser():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = None if CHROMIUM else "Debian's chromium (apt-get install chromium)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need {missing}; .ci/run installs it")
        pytest.skip(f"browser tests need {missing}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The test suite's handbook with an XSS payload in a prose field, built and served on 127.0.0.1."""
    _require_browser()
    from conftest import copy_project
    project = copy_project(tmp_path_factory.mktemp("browser"))
    root = project.root
    project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", f"summary: '{XSS.replace(chr(39), chr(34))} Teams show")
    project.edit("handbook/rituals/demo-day.yaml", "end of each six-week cycle.", "end of each six-week cycle.'")
    project.edit("handbook/teams/pricing.yaml", "name: Pricing Engine", f"name: {json.dumps(HOSTILE_NAME)}")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    SITES[url] = root / "site"
    yield url
    server.shutdown()


@pytest.fixture
def browser_page(site):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        seen = {"requests": [], "errors": [], "dialogs": []}
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        yield page, seen
        browser.close()


SITES: dict[str, object] = {}


def site_dir(url: str):
    return SITES[url]


def search_for(page, words: str, result_text: str):
    """Type into Material's search as a person would and return the first matching result."""
    search = page.locator("input.md-search__input")
    search.click()
    # Type once the search worker is ready; typing earlier races Material's lazy result list,
    # which then shows a count but no results.
    page.locator(".md-search-result__meta", has_text="Type to start searching").wait_for(timeout=15_000)
    search.press_sequentially(words, delay=30)
    result = page.locator(".md-search-result__item > a", has_text=result_text).first
    result.wait_for(timeout=10_000)
    return result


def _offsite(requests, site):
    return [u for u in requests if not u.startswith((site, "data:", "blob:", "about:"))]


def test_search_open_follow_and_diagram(site, browser_page):
    page, seen = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site)
    assert "Fernhill Operating System" in page.locator("article h1").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

    search_for(page, "betting table", "Betting table").click()
    page.wait_for_url("**/rituals/betting-table/**")
    assert page.locator("article h1").inner_text().rstrip("¶") == "Betting table"
    index = (site_dir(site) / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Referenced by" not in index  # diagrams are kept out of the search index

    page.locator("article a", has_text="Bet one-pager").first.click()
    page.wait_for_url("**/interfaces/bet-one-pager/")
    svg = page.locator(".hb-diagram svg")
    assert svg.count() == 1 and svg.bounding_box()["width"] > 300
    assert page.locator(".hb-diagram svg g.hb-node").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / "interface.png"), full_page=True)

    assert seen["errors"] == []
    assert _offsite(seen["requests"], site) == []


def test_interface_map_and_funding_chart_render_as_svg(site, browser_page):
    page, seen = browser_page
    page.goto(site + "map/")
    assert page.locator(".hb-diagram svg g.hb-node").count() > 20
    page.locator(".hb-diagram svg a", has_text="Weekly business review").first.click()
    page.wait_for_url("**/rituals/weekly-business-review/")
    page.goto(site + "funding/")
    assert page.locator(".hb-chart svg rect.hb-chart__target").count() >= 6
    assert seen["errors"] == [] and _offsite(seen["requests"], site) == []


def _pillar_rows(page) -> dict[str, list[str]]:
    """The last quarter's time-by-pillar table: pillar -> its cells as shown."""
    table = page.locator("table", has=page.locator("th", has_text="Planned, people")).first
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows[cells[0].strip()] = [c.strip() for c in cells[1:]]
    return rows


@pytest.mark.parametrize("path", ["", "funding/"])
def test_time_by_pillar_against_plan_and_what_not_to_trust_at_a_glance(site, browser_page, path):
    """Issue 15: how much time went to each pillar last quarter against plan, and which percentages
    not to trust and why, on the home page and the funding page."""
    page, seen = browser_page
    page.goto(site + path)
    summary = page.get_by_text("2026-Q3, 7 teams planned (55 people), 7 reported actual (55 people).")
    assert summary.is_visible()
    rows = _pillar_rows(page)
    assert rows["Run a dependable service"][:3] == ["39 %", "49 %", "+11 points off plan"]
    assert rows["Grow the core marketplace"][:3] == ["24 %", "16 %", "-8 points"]
    chart = page.locator(".hb-pillars svg")
    assert chart.is_visible()
    assert chart.locator("rect.hb-pillars__actual.hb-chart__actual--off").count() == 1  # the pillar that drifted
    # Nothing drawn spills out of the drawing: every text's box lies inside the SVG's.
    spill = chart.evaluate("""svg => { const w = svg.viewBox.baseVal.width, h = svg.viewBox.baseVal.height;
        return [...svg.querySelectorAll('text')].map(t => t.getBBox())
            .filter(b => b.x < 0 || b.y < 0 || b.x + b.width > w || b.y + b.height > h).length; }""")
    assert spill == 0
    labels = chart.evaluate("""svg => [...svg.querySelectorAll('text.hb-pillars__name, text.hb-pillars__period')]
        .map(t => t.getBBox().x).filter(x => x < 0).length""")
    assert labels == 0
    if path:
        lies = page.locator("#not-to-trust ~ .hb-sortable table, #not-to-trust + * table").first
        text = lies.inner_text()
        assert "Growth bets 2026-Q3 planned 40 % → actual 25 %" in text and "allocation-drift" in text
        assert "rebuilding for 3 periods in a row" in text and "rebuild-without-exit" in text
    else:
        warning = page.locator(".admonition.warning", has_text="percentages not to trust")
        assert warning.is_visible() and "planned the same split for 3 periods" in warning.inner_text()
        warning.get_by_role("link", name="percentages not to trust").click()
        page.wait_for_url("**/funding/#not-to-trust")
    assert seen["errors"] == [] and _offsite(seen["requests"], site) == []


def test_tables_sort_on_click(site, browser_page):
    page, _ = browser_page
    page.goto(site + "rituals/")
    table = page.locator(".hb-sortable table").first  # the rituals at the top of the folder
    cells = lambda: table.locator("tbody tr td:nth-child(3)").all_inner_texts()  # noqa: E731
    minutes = sorted(int(c.split()[0]) for c in cells() if c.split()[0].isdigit())
    assert len(minutes) >= 3 and cells() != sorted(cells(), key=lambda c: int(c.split()[0]) if c[0].isdigit() else 0)
    table.locator("th", has_text="Duration").click()
    assert cells()[0] == f"{minutes[0]}"  # the column is "Duration (minutes)", by its declared label
    table.locator("th", has_text="Duration").click()
    assert cells()[0] == f"{minutes[-1]}"


def test_xss_payload_in_yaml_executes_nothing(site, browser_page):
    page, seen = browser_page
    page.goto(site + "rituals/demo-day/")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__xss") is None
    assert seen["dialogs"] == []
    assert "window.__xss=2" in page.locator("article").inner_text()  # shown as text
    page.screenshot(path=str(SCREENSHOTS / "xss-ritual.png"), full_page=True)
    assert _offsite(seen["requests"], site) == []


def test_a_name_that_breaks_html_shows_as_written(site, browser_page):
    page, seen = browser_page
    page.goto(site + "teams/pricing/")
    page.wait_for_load_state("load")
    assert page.title() == f"{HOSTILE_NAME} - Fernhill Operating Handbook"
    assert page.locator("article h1").inner_text().rstrip("¶") == HOSTILE_NAME
    assert page.locator(".md-header__topic", has_text=HOSTILE_NAME).count() >= 1
    assert page.locator("nav.md-nav a", has_text=HOSTILE_NAME).count() >= 1
    assert page.evaluate("window.__xss") is None and seen["dialogs"] == []
    assert HOSTILE_NAME in search_for(page, "pricing", "</title>").inner_text()
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(SCREENSHOTS / "hostile-name.png"), full_page=True)


INDEX_PAGES = ["rituals/", "interfaces/", "teams/", "funding/", "people/"]
TABLE_FIT = """() => [...document.querySelectorAll('article .hb-sortable table')].map(t => {
    const wrap = t.closest('.md-typeset__scrollwrap');
    return {table: t.scrollWidth, room: wrap.clientWidth, columns: t.querySelectorAll('thead th').length};
})"""


@pytest.mark.parametrize("width", [1280, 1300])
def test_index_tables_show_every_column_on_a_laptop(site, browser_page, width):
    page, _ = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    for uri in INDEX_PAGES:
        page.goto(site + uri)
        tables = page.evaluate(TABLE_FIT)
        assert tables, uri
        for t in tables:
            assert t["table"] <= t["room"] + 1, (uri, t)  # no column hidden behind a scroll


def test_index_tables_on_a_phone_scroll_under_a_first_column_that_stays(site, browser_page):
    page, _ = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "rituals/")
    wrap = page.locator("article .hb-sortable .md-typeset__scrollwrap").first
    first = wrap.locator("tbody tr td:first-child").first
    before = first.bounding_box()["x"]
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # too wide for a phone: it scrolls
    wrap.evaluate("w => { w.scrollLeft = 300; }")
    page.wait_for_timeout(100)
    left = wrap.bounding_box()["x"]
    assert left - 1 <= first.bounding_box()["x"] <= before  # the ritual's name stays in view
    last = wrap.locator("tbody tr td:last-child").first
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    box, room = last.bounding_box(), wrap.bounding_box()
    assert box["x"] + box["width"] <= room["x"] + room["width"] + 1  # the last column can be reached
    page.screenshot(path=str(SCREENSHOTS / "rituals-index-390.png"))
