"""The reader's view in a real browser (issue 14): at a laptop's 1,280 px and a phone's 390 px,
every cell of the conformance matrix and of the index tables can be reached with its row's and its
column's names in view; no text in a diagram or the interface map runs out of its box; the map is
readable in the dark scheme; a screenshot of each kind of page at both widths.

Uses the built site and the browser of tests/test_browser.py (skipped there without Chromium,
except under CI=true)."""

from __future__ import annotations

import pytest

from test_browser import ARGS, CHROMIUM, INDEX_PAGES, SCREENSHOTS, _offsite, browser_page, site  # noqa: F401

pytestmark = pytest.mark.browser
WIDTHS = [1280, 390]

# For each cell of the matrix (all of its rows, all of its columns): scroll it into view inside the
# table's box, then ask the browser what is drawn at the cell's centre, at its row's name and at its
# column's name. Sticky cells that covered the cell, or names scrolled away, show here.
MATRIX_REACH = """() => {
  const box = document.querySelector('article .hb-matrix');
  const table = box.querySelector('table');
  const heads = [...table.querySelectorAll('thead th')];
  const rows = [...table.querySelectorAll('tbody tr')];
  const problems = [];
  const inside = (el, r) => { const b = box.getBoundingClientRect();
    return r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1; };
  const shows = (el) => { const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit && (hit === el || el.contains(hit)) && inside(el, r); };
  rows.forEach((row, ri) => {
    [...row.children].forEach((cell, ci) => {
      if (ci === 0) return;
      cell.scrollIntoView({block: 'nearest', inline: 'nearest'});  // the box's scroll-padding keeps it clear of the sticky names
      window.scrollBy(0, box.getBoundingClientRect().top - 60);  // the box just under the page's header
      const what = `row ${ri} (${row.children[0].textContent.trim()}) column ${ci} (${heads[ci].textContent.trim()})`;
      if (!shows(cell)) problems.push('cell hidden: ' + what);
      if (!shows(row.children[0])) problems.push('team name hidden: ' + what);
      if (!shows(heads[ci])) problems.push('interface name hidden: ' + what);
    });
  });
  return {problems, columns: heads.length - 1, rows: rows.length, scrolls: box.scrollWidth > box.clientWidth,
          scrollbar: box.offsetHeight - box.clientHeight - 2, fits: table.scrollWidth <= box.clientWidth + 1};
}"""


@pytest.fixture
def scrollbars_page(site):
    """A page as a desktop browser draws it, scrollbars included (Playwright hides them by default)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True,
                                    ignore_default_args=["--hide-scrollbars"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        seen = {"requests": [], "errors": []}
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        yield page, seen
        browser.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_matrix_cell_is_reachable_with_its_team_and_interface_in_view(site, scrollbars_page, width):
    page, seen = scrollbars_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "interfaces/conformance/")
    result = page.evaluate(MATRIX_REACH)
    assert result["columns"] >= 13 and result["rows"] >= 7, result
    assert result["problems"] == [], result["problems"][:5]
    if width == 1280:
        assert result["fits"], result  # a laptop shows every column at once
    else:
        assert result["scrolls"] and result["scrollbar"] > 0, result  # a phone scrolls, and shows that it does
        assert page.locator("article .hb-matrix__hint").is_visible()
    if width == 1280:
        assert not page.locator("article .hb-matrix__hint").is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"conformance-{width}.png"), full_page=True)
    assert seen["errors"] == [] and _offsite(seen["requests"], site) == []


def test_the_matrix_header_stays_while_its_rows_scroll(site, browser_page):
    page, _ = browser_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(site + "interfaces/conformance/")
    box = page.locator("article .hb-matrix")
    # The rows' height depends on the machine's fonts: make the window as tall as the table (never
    # taller than a phone's 560 px), so that the box's cap (80 % of the window) is always shorter than its rows.
    rows = box.evaluate("b => b.querySelector('table').getBoundingClientRect().height")
    page.set_viewport_size({"width": 390, "height": min(560, int(rows))})
    assert box.evaluate("b => b.querySelector('table').getBoundingClientRect().height") == rows  # same layout
    assert box.evaluate("b => b.scrollHeight > b.clientHeight")
    box.evaluate("b => { b.scrollTop = b.scrollHeight; b.scrollLeft = b.scrollWidth; }")
    result = page.evaluate(MATRIX_REACH)
    assert result["problems"] == [], result["problems"][:5]
    head, frame = box.locator("thead th").nth(3).bounding_box(), box.bounding_box()
    assert frame["y"] - 1 <= head["y"] <= frame["y"] + 2  # the interface names stay at the top


INDEX_REACH = """() => [...document.querySelectorAll('article .hb-sortable .md-typeset__scrollwrap')].map(wrap => {
  wrap.scrollLeft = wrap.scrollWidth;
  const row = wrap.querySelector('tbody tr'), head = wrap.querySelectorAll('thead th');
  const b = wrap.getBoundingClientRect(), first = row.children[0].getBoundingClientRect();
  const last = row.children[row.children.length - 1].getBoundingClientRect();
  const lastHead = head[head.length - 1].getBoundingClientRect();
  return {first: first.left >= b.left - 1 && first.right <= b.right + 1,
          last: last.right <= b.right + 1 && last.left >= first.right - 1,
          head: lastHead.right <= b.right + 1};
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_index_column_is_reachable_with_the_row_name_in_view(site, browser_page, width):
    page, _ = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    for uri in INDEX_PAGES:
        page.goto(site + uri)
        tables = page.evaluate(INDEX_REACH)
        assert tables, uri
        for t in tables:
            assert t == {"first": True, "last": True, "head": True}, (uri, width, t)


# Each node's text against its box, in the SVG's own units, and the size text is drawn at.
TEXT_IN_BOXES = """() => [...document.querySelectorAll('article svg.hb-diagram__svg g.hb-node')].map(g => {
  const r = g.querySelector('rect').getBBox(), t = g.querySelector('text').getBBox();
  const inside = t.x >= r.x - 0.5 && t.y >= r.y - 0.5 && t.x + t.width <= r.x + r.width + 0.5
                 && t.y + t.height <= r.y + r.height + 0.5;
  return {name: g.querySelector('title').textContent, inside, px: g.querySelector('tspan').getBoundingClientRect().height};
})"""
DIAGRAM_PAGES = ["map/", "rituals/weekly-business-review/", "interfaces/capacity-allocation-report/",
                 "teams/finance-partnering/", "funding/rebuilding-after-breakdown/",
                 "principles/interfaces-not-processes/", "forums/metrics-council/", "people/"]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_text_runs_out_of_its_box_and_none_is_shrunk(site, browser_page, width):
    page, _ = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    checked = 0
    for uri in DIAGRAM_PAGES:
        page.goto(site + uri)
        nodes = page.evaluate(TEXT_IN_BOXES)
        checked += len(nodes)
        assert [n["name"] for n in nodes if not n["inside"]] == [], uri
        assert all(n["px"] >= 10 for n in nodes), (uri, min(n["px"] for n in nodes))  # 12 px text, never scaled
    assert checked > 60


CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bg = getComputedStyle(document.querySelector('.md-main')).backgroundColor;
  const page = getComputedStyle(document.body).backgroundColor;
  const ground = rgb(bg).length && !/rgba\\(0, 0, 0, 0\\)/.test(bg) ? bg : page;
  const nodes = [...document.querySelectorAll('article svg g.hb-node')].map(g => ({
      name: g.querySelector('title').textContent,
      ratio: ratio(getComputedStyle(g.querySelector('text')).fill, getComputedStyle(g.querySelector('rect')).fill)}));
  const labels = [...document.querySelectorAll('article svg .hb-diagram__heading, article svg .hb-diagram__group')]
      .map(t => ({name: t.textContent, ratio: ratio(getComputedStyle(t).fill, ground)}));
  return {nodes, labels, scheme: document.body.getAttribute('data-md-color-scheme'), ground};
}"""


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_the_map_is_readable_in_both_schemes(site, browser_page, scheme):
    page, _ = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site + "map/")
    page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
    result = page.evaluate(CONTRAST)
    assert result["scheme"] == scheme and len(result["nodes"]) > 20
    assert [n for n in result["nodes"] if n["ratio"] < 4.5] == []  # text against its box (WCAG AA)
    assert [n for n in result["labels"] if n["ratio"] < 3] == [], result["ground"]  # headings on the page
    assert all(n["inside"] for n in page.evaluate(TEXT_IN_BOXES))
    page.screenshot(path=str(SCREENSHOTS / f"map-{scheme}-1280.png"), full_page=True)


def test_the_map_at_390_px_scrolls_at_full_size(site, browser_page):
    page, _ = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "map/")
    box = page.locator("article .hb-diagram").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls rather than shrinking
    assert min(n["px"] for n in page.evaluate(TEXT_IN_BOXES)) >= 10


PAGE_KINDS = {"home": "", "ritual": "rituals/weekly-business-review/", "ritual-triggered": "rituals/rebuild-review/",
              "interface": "interfaces/capacity-allocation-report/", "team": "teams/finance-partnering/",
              "funding": "funding/rebuilding-after-breakdown/", "principle": "principles/interfaces-not-processes/",
              "person": None, "forum": "forums/metrics-council/", "rituals-index": "rituals/",
              "interfaces-index": "interfaces/", "teams-index": "teams/", "funding-index": "funding/",
              "people-index": "people/", "map": "map/", "conformance": "interfaces/conformance/",
              "reviews": "reviews/", "changes": "changes/"}


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_of_every_kind_of_page(site, browser_page, width):
    page, seen = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site + "people/")
    person = page.locator("article .hb-sortable tbody a").first.get_attribute("href")
    for name, uri in PAGE_KINDS.items():
        response = page.goto(site + "people/" + person if uri is None else site + uri)
        assert response.ok, (name, uri)
        page.screenshot(path=str(SCREENSHOTS / f"page-{name}-{width}.png"), full_page=True)
        assert (SCREENSHOTS / f"page-{name}-{width}.png").stat().st_size > 10_000
    assert seen["errors"] == [] and _offsite(seen["requests"], site) == []


def test_a_ritual_page_says_when_and_links_its_calendar(site, browser_page):
    page, _ = browser_page
    page.goto(site + "rituals/weekly-business-review/")
    when = page.locator("article .hb-when").inner_text()
    assert "Mondays 10:00, Europe/London" in when and "Next session:" in when
    href = page.locator("article .hb-when a", has_text="calendar.ics").get_attribute("href")
    assert page.request.get(site + "rituals/weekly-business-review/" + href).body().startswith(b"BEGIN:VCALENDAR")


# Each label of the funding chart: its words (tspans joined) and its drawn box against the SVG's.
CHART_LABELS = """() => [...document.querySelectorAll('article svg.hb-chart__svg[aria-label^="Funding"] text.hb-chart__label')].map(t => {
  const svg = t.ownerSVGElement.getBBox ? t.ownerSVGElement.viewBox.baseVal : null, b = t.getBBox();
  return {words: [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' '),
          inside: b.x >= -0.5 && b.y >= -0.5 && b.x + b.width <= svg.width + 0.5 && b.y + b.height <= svg.height + 0.5};
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_funding_chart_labels_are_never_cut(site, browser_page, width):
    """Issue 20: "Rebuilding after a breakdo…" at 1,280 px. Labels wrap, never cut. The chart is
    drawn in 12 px text at its own size (it scrolls on a phone), so the width is that of the page."""
    page, _ = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "funding/")
    labels = page.evaluate(CHART_LABELS)
    names = page.locator("article table:has(th:text-is('Category')) tbody tr td:first-child a").all_inner_texts()
    assert sorted(label["words"] for label in labels) == sorted(names) and len(names) >= 7
    assert "Rebuilding after a breakdown" in names
    assert [label["words"] for label in labels if not label["inside"]] == []
