"""Issue 23 in a real browser: the planned, reported and measured chart (three marks per category)
on a team's page, at 1,280 px (a laptop) and 390 px (a phone). Geometry only (bars, boxes, scroll
widths), so the result does not depend on the machine's fonts."""

from __future__ import annotations

import functools
import http.server
import threading
from datetime import date

import pytest

from conftest import copy_project
from helpers.exports import Issue, jira_csv
from test_browser import ARGS, CHROMIUM, SCREENSHOTS, _require_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _require_browser()
    project = copy_project(tmp_path_factory.mktemp("evidence-browser"))
    d = date(2026, 8, 4)
    issues = [Issue("PAY-1", "The growth epic", type="Epic", status="In Progress")]
    issues += [Issue(f"PAY-{n}", "story", parent="PAY-1", done=d, points=5) for n in range(2, 11)]  # 45 points
    issues += [Issue(f"PAY-{n}", "bug", type="Bug", done=d, points=5) for n in range(11, 17)]  # 30
    issues += [Issue(f"PAY-{n}", "customer", labels=["customer"], done=d, points=5) for n in range(17, 20)]  # 15
    issues += [Issue(f"PAY-{n}", "chore", done=d, points=5) for n in range(20, 22)]  # 10 uncategorised
    project.write("evidence/jira.csv", jira_csv(issues))
    text = (project.handbook / "model.yaml").read_text(encoding="utf-8")
    text += """
evidence:
  sources:
    - path: evidence/jira.csv
      team: pricing
      link: "https://jira.example.com/browse/{key}"
  categories:
    - {category: keep-the-lights-on, types: [Bug]}
    - {category: growth-bets, parents: [PAY-1]}
    - {category: customer-commitments, labels: [customer]}
  effort: points
"""
    (project.handbook / "model.yaml").write_text(text, encoding="utf-8")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr[-3000:]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(project.root / "site"))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


MARKS = """() => {
  const chart = document.querySelector('#measured-2026-q3 ~ .hb-chart.hb-alloc');
  const svg = chart.querySelector('svg');
  const groups = [...svg.querySelectorAll('.hb-alloc__group')].map(g => ({
    label: g.dataset.label,
    marks: [...g.querySelectorAll('rect.hb-alloc__mark')].map(r => {
      const b = r.getBoundingClientRect();
      return {mark: r.dataset.mark, value: +r.dataset.value, width: b.width, height: b.height, top: b.top,
              off: r.classList.contains('hb-alloc__off'), visible: getComputedStyle(r).visibility !== 'hidden'};
    })}));
  const s = svg.getBoundingClientRect();
  return {groups, svgWidth: s.width, viewBoxWidth: svg.viewBox.baseVal.width, boxWidth: chart.clientWidth,
          boxScroll: chart.scrollWidth, pageScroll: document.documentElement.scrollWidth,
          viewport: window.innerWidth};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_three_marks_per_category_at_laptop_and_phone_width(site, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + "teams/pricing/")
    found = page.evaluate(MARKS)
    groups = {g["label"]: g for g in found["groups"]}
    # Pricing 2026-Q3 (tests/fixtures/fernhill): planned 40/25/25/10, reported 25/35/30/10.
    assert set(groups) >= {"Growth bets", "Customer commitments", "Keeping the lights on", "Uncategorised"}
    growth = {m["mark"]: m for m in groups["Growth bets"]["marks"]}
    assert [m["mark"] for m in groups["Growth bets"]["marks"]] == ["planned", "reported", "measured"]
    assert (growth["planned"]["value"], growth["reported"]["value"], growth["measured"]["value"]) == (40, 25, 45)
    unit = growth["measured"]["width"] / 45  # pixels per percentage point, as drawn at this width
    for g in found["groups"]:
        for m in g["marks"]:
            assert m["visible"] and m["height"] > 2
            if m["value"] > 1:
                assert m["width"] == pytest.approx(m["value"] * unit, rel=0.03), (g["label"], m)
        tops = [m["top"] for m in g["marks"]]
        assert tops == sorted(tops) and len(set(round(t) for t in tops)) == len(tops)  # stacked, not overlapping
    assert growth["measured"]["off"] and not {m["mark"]: m for m in groups["Keeping the lights on"]["marks"]}[
        "measured"]["off"]  # 45 vs 25 reported is off; 30 vs 30 is not
    assert [m["mark"] for m in groups["Uncategorised"]["marks"]] == ["measured"]
    assert found["pageScroll"] <= found["viewport"]  # the page itself never scrolls sideways
    if width >= 1280:
        assert found["boxScroll"] <= found["boxWidth"] + 1  # the whole chart is in view on a laptop
        assert found["svgWidth"] == pytest.approx(found["viewBoxWidth"], abs=1)
    else:  # on a phone the chart keeps its drawn size and its own box scrolls to its last value
        chart = page.locator("#measured-2026-q3 ~ .hb-chart.hb-alloc").first
        chart.evaluate("c => { c.scrollLeft = c.scrollWidth; }")
        last = chart.locator("text.hb-alloc__value").last.bounding_box()
        box = chart.bounding_box()
        assert box["x"] - 1 <= last["x"] and last["x"] + min(last["width"], 20) <= box["x"] + box["width"] + 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#measured-2026-q3").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"measured-chart-{width}.png"))
