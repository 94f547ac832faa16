"""The Rhythm page in a real browser (issue 22), at a laptop's 1,280 px and a phone's 390 px: no
label of the quarter chart is cut or spills out of the drawing or over its neighbour, text keeps
its size (the chart scrolls sideways instead of shrinking), the page itself does not scroll
sideways, and the current week is marked.

Uses the built site and the browser of tests/test_browser.py (skipped there without Chromium,
except under CI=true)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from test_browser import SCREENSHOTS, browser_page, site  # noqa: F401

pytestmark = pytest.mark.browser
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

CHART = """() => {
  const svg = document.querySelector('article svg.hb-rhythm__svg');
  const box = svg.closest('.hb-rhythm');
  const [, , w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {text: t.childNodes[0].textContent, cls: t.getAttribute('class'), x: b.x, y: b.y, right: b.x + b.width,
            bottom: b.y + b.height, px: t.getBoundingClientRect().height};
  });
  const today = svg.querySelector('rect.hb-rhythm__today');
  const tb = today && today.getBBox();
  const underToday = today && texts.filter(t => t.cls.includes('hb-rhythm__week')
      && t.x >= tb.x - 0.5 && t.right <= tb.x + tb.width + 0.5).map(t => t.text);
  return {w, h, texts, today: today && today.querySelector('title').textContent, underToday,
          scrolls: box.scrollWidth > box.clientWidth, page: document.documentElement.scrollWidth,
          view: window.innerWidth, room: box.clientWidth, drawn: svg.getBoundingClientRect().width, marks: svg.querySelectorAll('.hb-rhythm__mark').length,
          planning: svg.querySelectorAll('.hb-rhythm__mark--planning').length,
          rows: document.querySelectorAll('article .hb-rhythm__sessions tbody tr').length};
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_the_rhythm_chart_is_readable_and_marks_this_week(site, browser_page, width):
    page, seen = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    assert page.goto(site + "rituals/rhythm/").ok
    got = page.evaluate(CHART)
    page.screenshot(path=str(SCREENSHOTS / f"rhythm-{width}.png"), full_page=True)
    assert got["marks"] > 20 and got["planning"] > 0 and got["rows"] >= 5
    # every label inside the drawing, none over the next one, none shrunk
    outside = [t["text"] for t in got["texts"] if t["x"] < -0.5 or t["right"] > got["w"] + 0.5
               or t["y"] < -0.5 or t["bottom"] > got["h"] + 0.5]
    assert outside == []
    names = [t for t in got["texts"] if "hb-rhythm__name" in t["cls"]]
    assert names and all(t["x"] >= 0 for t in names)  # ritual names fit their column
    weeks = [t for t in got["texts"] if "hb-rhythm__week" in t["cls"]]
    assert all(a["right"] <= b["x"] for a, b in zip(weeks, weeks[1:])), "week labels overlap"
    assert min(t["px"] for t in got["texts"]) >= 10
    # the page does not scroll sideways; the chart's box does where it is wider than the column
    assert got["page"] <= got["view"] + 1
    assert got["scrolls"] == (width == 390), (got["room"], got["drawn"])
    # this week: the build's today, its Monday's label under the shaded column
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    assert f"today: {today.isoformat()}" in got["today"]
    assert got["underToday"] == [f"{monday.day} {MONTHS[monday.month - 1]}"]
    assert seen["errors"] == []
