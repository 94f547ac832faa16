"""Render: every kind's page shows its fields and links; YAML text can never inject HTML or links."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from markupsafe import Markup

from generator.render.fragments import SEARCHABLE, UNSEARCHED, hold, restore, standalone
from generator.model import read_handbook
from generator.render.pages import Renderer, RenderOptions, render_error
from generator.site import render_site
from generator.render.text import render_block, render_inline

from conftest import REPO

XSS = [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    '[click](javascript:alert(1))',
    '`[code](javascript:alert(1))`',
    'Heading {: onclick="alert(1)" }',
    '![p](data:text/html;base64,PHNjcmlwdD4=)',
    '<a href="vbscript:msgbox(1)">x</a>',
]


@pytest.fixture
def pages(project):
    handbook, diags = read_handbook(project.handbook, project.root)
    renderer = Renderer(project.root / "templates", RenderOptions(today=date(2026, 11, 24)))
    return {p.src_uri: p for p in render_site(renderer, handbook, None)}


def test_every_entity_gets_a_page_plus_home_and_indexes(pages):
    assert "index.md" in pages
    for kind in ("principles", "rituals", "interfaces", "funding", "teams"):
        assert f"{kind}/index.md" in pages
    assert pages["rituals/weekly-business-review.md"].source == "handbook/rituals/weekly-business-review.yaml"


def test_ritual_page(pages):
    text = pages["rituals/weekly-business-review.md"].content
    assert text.startswith('---\ntitle: "Weekly business review"\n')
    assert "| Weekly | 60 min | single-purpose | hybrid | org |" in text
    assert "**Consumes:** [Input-metrics update](../interfaces/input-metrics-update.md)" in text
    assert "[Product Operations](../teams/product-ops.md)" in text
    assert "## Anti-patterns" in text and "## Decisions it makes" in text


def test_interface_page_reads_as_a_contract(pages):
    text = pages["interfaces/input-metrics-update.md"].content
    assert "## The contract" in text and "| **Metrics** | yes |" in text
    assert "[Weekly business review](../rituals/weekly-business-review.md)" in text  # consumed by (derived)
    deprecated = pages["interfaces/quarterly-okrs.md"].content
    assert '!!! danger "Deprecated"' in deprecated and "[Quarterly plan](quarterly-plan.md)" in deprecated


def test_funding_page_lists_teams_funded_by_it(pages):
    text = pages["funding/rebuilding-after-breakdown.md"].content
    assert "| [Supplier Network](../teams/supplier-network.md) | 2026-Q4 | 40 % | not reported |" in text
    assert "cost and expected benefit of restoring the team" in text
    assert "## When this percentage lies" in text


def test_team_page_shows_interfaces_practices_and_funding_mix(pages):
    text = pages["teams/checkout.md"].content
    assert "[Team charter](../interfaces/team-charter.md)" in text
    assert "| 2026-Q3 | [Growth bets](../funding/growth-bets.md) 55 %, " in text  # planned, then actual
    assert "| ticket-based | medium | 2026-11-14 |" in text
    assert "No estimates" in text  # local practices, as Markdown
    assert "[Pricing Engine](pricing.md)" in text


def test_principle_page_and_backlinks(pages):
    text = pages["principles/interfaces-not-processes.md"].content
    assert "[Team charter](../interfaces/team-charter.md)" in text  # derived: applied in


def test_home_page_has_pillars_with_anchors(pages):
    text = pages["index.md"].content
    assert "{ #pillar-grow-the-core }" in text
    assert pages["funding/growth-bets.md"].content.count("../pillars/grow-the-core.md") >= 1  # its own page


def test_stale_pages_get_a_badge(pages):
    assert "review overdue" in pages["rituals/demo-day.md"].content
    assert "review overdue" not in pages["rituals/weekly-business-review.md"].content


class _Elements(HTMLParser):
    """Collects (tag, attributes) of every element in an HTML fragment."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


class _Scripts(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.inside, self.text = False, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.inside = tag == "script"

    def handle_endtag(self, tag):
        self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)


def assert_inert(html: str, markdown_syntax: bool = True) -> None:
    """No element, attribute or URL in `html` can run script. With `markdown_syntax`, also nothing
    that MkDocs' Markdown pass could turn into a link or attributes (for generated Markdown)."""
    assert not any("alert(" in code for code in _Scripts(html).text)
    for tag, attrs in _Elements(html).found:
        assert tag not in ("iframe", "object", "embed"), tag  # scripts: the theme's own, checked above
        assert not [a for a in attrs if a.startswith("on")], attrs
        for name in ("href", "src"):
            if name in attrs:
                assert urlsplit(attrs[name]).scheme in ("", "http", "https", "mailto"), attrs
    if markdown_syntax:  # MkDocs' own Markdown pass must find no link, image or attribute-list syntax
        assert "](" not in html and "{:" not in html and "<script" not in html.lower()


@pytest.mark.parametrize("payload", XSS)
def test_prose_cannot_inject_html_or_links(payload):
    assert_inert(render_block(payload))
    assert_inert(render_inline(payload))


def test_prose_keeps_markdown_and_safe_links():
    html = render_block("Read **this** and [the docs](https://example.org/x) or <https://a.b>, `code`")
    assert "<strong>this</strong>" in html and 'href="https://example.org/x"' in html
    assert 'href="https://a.b"' in html and "<code>code</code>" in html
    assert 'href="mailto:ops@example.org"' in render_inline("[mail](mailto:ops@example.org)")


def test_names_are_escaped_in_pages(project):
    project.edit("handbook/rituals/demo-day.yaml", "name: Demo day", 'name: "Demo day [x](javascript:1) {: a=1 } *b*"')
    handbook, _ = read_handbook(project.handbook, project.root)
    page = Renderer(project.root / "templates", RenderOptions(today=date(2026, 11, 24))).render_entity(
        handbook, handbook.get("rituals", "demo-day"))
    body = page.content.split("---", 2)[2]
    assert "](javascript" not in body and "{:" not in body and "*b*" not in body
    assert "&#91;x&#93;" in body


def test_template_errors_become_diagnostics(project):
    (project.root / "templates" / "ritual.md.j2").write_text("# {{ entity.nmae }}\n", encoding="utf-8")
    handbook, _ = read_handbook(project.handbook, project.root)
    renderer = Renderer(project.root / "templates", RenderOptions(today=date(2026, 11, 24)))
    with pytest.raises(Exception) as info:
        list(render_site(renderer, handbook, None))
    d = render_error(info.value, project.root / "templates")
    assert d.code == "template" and d.path == "templates/ritual.md.j2" and d.line == 1
    assert "nmae" in d.message


def test_templates_dir_is_the_shipped_one():
    assert (REPO / "templates" / "ritual.md.j2").is_file()


@pytest.mark.parametrize("use_directory_urls", [True, False])
def test_site_urls_match_mkdocs(use_directory_urls):
    """Diagram links are raw HTML, so the renderer computes final URLs itself, as MkDocs does."""
    import posixpath
    from mkdocs.structure.files import File
    from generator.render.pages import relative_url, site_url
    uris = ["index.md", "rituals/index.md", "rituals/wbr.md", "map.md", "interfaces/conformance.md"]
    for uri in uris:
        mkdocs_url = File(uri, "/d", "/s", use_directory_urls).url
        assert site_url(uri, use_directory_urls) == ("" if mkdocs_url == "./" else mkdocs_url)
    for a in uris:
        for b in uris:
            here = "/site/" + site_url(a, use_directory_urls)
            resolved = posixpath.normpath(posixpath.join(here if here.endswith("/") else posixpath.dirname(here),
                                                         relative_url(a, b, use_directory_urls)))
            expected = posixpath.normpath("/site/" + site_url(b, use_directory_urls))
            assert resolved == expected, (a, b)


def test_held_blocks_round_trip_and_change_their_placeholder():
    held: dict[str, str] = {}
    block = Markup('\n<div class="hb-prose">\n<p>a &amp; b</p>\n</div>\n')
    marker = hold(held, block)
    assert isinstance(marker, Markup) and str(marker).strip().startswith('<div data-hb-held="s-')  # not escaped
    assert standalone(f"# T\n{marker}\ntail", held) == f"# T\n{block}\ntail"
    assert hold(held, block.replace("a", "c")) != marker  # a changed block changes the Markdown
    late = hold(held, '<div class="hb-diagram" data-search-exclude><svg></svg></div>')
    page = f"<h1>T</h1>{marker.strip()}{late}"
    after_markdown = restore(page, held, SEARCHABLE)
    assert "<p>a &amp; b</p>" in after_markdown and "<svg>" not in after_markdown  # drawings wait for search
    final = restore(after_markdown, held, UNSEARCHED)
    assert "<svg>" in final and "data-hb-held" not in final
    minified = after_markdown.replace('"u-', "u-").replace('"></div>', ' class=x></div>')  # quotes dropped
    assert restore(minified, held, UNSEARCHED).count("<svg>") == 1
    assert hold(held, "\n\n") == "\n\n" and restore("<p>x</p>", held, SEARCHABLE) == "<p>x</p>"


def test_pages_hold_prose_and_drawings_out_of_their_markdown(pages):
    page = pages["rituals/weekly-business-review.md"]
    assert "<svg" not in page.markdown and 'class="hb-prose"' not in page.markdown
    assert "<svg" in page.content and 'class="hb-prose"' in page.content
    assert len(page.held) >= 2
    assert all(key in page.markdown for key in page.held)  # the diagram lives inside Connections only
