"""The MkDocs plugin in real `mkdocs build` runs of a temporary project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from test_bad_input import cwd


@pytest.fixture
def built(project):
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    return project


def html(project, uri: str) -> str:
    return (project.root / "site" / uri / "index.html").read_text(encoding="utf-8")


def test_strict_build_of_the_shipped_handbook(built):
    site = built.root / "site"
    for uri in ("", "rituals", "rituals/weekly-business-review", "interfaces/bet-one-pager",
                "funding/rebuilding-after-breakdown", "teams/checkout", "principles/interfaces-not-processes",
                "contributing"):
        assert (site / uri / "index.html").is_file(), uri
    assert (site / "assets" / "handbook.css").is_file()
    assert (site / "search" / "search_index.json").is_file()


def test_pages_link_both_ways(built):
    ritual = html(built, "rituals/weekly-business-review")
    assert 'href="../../interfaces/input-metrics-update/"' in ritual
    interface = html(built, "interfaces/input-metrics-update")
    assert 'href="../../rituals/weekly-business-review/"' in interface  # derived reverse relation


def test_edit_links_point_at_the_yaml(built):
    page = html(built, "rituals/weekly-business-review")
    assert ('href="https://github.com/fernhill-example/operating-handbook/edit/main/'
            'handbook/rituals/weekly-business-review.yaml"') in page
    assert "edit/main/docs/contributing.md" in html(built, "contributing")


def test_nav_has_sections_and_respects_the_threshold(project):
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    assert html(project, "").count('href="rituals/weekly-business-review/"') >= 1
    project.edit("mkdocs.yml", "nav_threshold: 50", "nav_threshold: 5")
    result = project.mkdocs("build", "--strict", site="site2")
    assert result.returncode == 0, result.stderr
    home = (project.root / "site2" / "index.html").read_text(encoding="utf-8")
    nav = home.split('class="md-nav__list"', 1)[1]
    assert 'href="rituals/weekly-business-review/"' not in nav  # 9 rituals > 5: section index only
    assert 'href="rituals/"' in nav


def test_failing_handbook_lists_every_error_and_keeps_the_old_site(built):
    site = built.root / "site"
    before = (site / "index.html").read_text(encoding="utf-8")
    marker = site / "previous-build-marker.txt"
    marker.write_text("keep me")
    built.edit("handbook/rituals/weekly-business-review.yaml", "cadence: weekly", "cadnce: weekly")
    built.edit("handbook/teams/checkout.yaml", "  growth-bets: 55", "  growth-bet: 55")
    built.write("handbook/principles/broken.yaml", "name: [unclosed\n")
    watched = built.snapshot("handbook", "docs")
    result = built.mkdocs("build", "--strict")
    assert result.returncode == 1
    out = result.stderr
    assert "Traceback" not in out
    assert re.search(r"handbook/rituals/weekly-business-review\.yaml:\d+:1: error\[unknown-field\]", out)
    assert "handbook/teams/checkout.yaml" in out and "did you mean 'growth-bets'?" in out
    assert "handbook/principles/broken.yaml:" in out
    assert marker.read_text() == "keep me" and (site / "index.html").read_text(encoding="utf-8") == before
    assert built.snapshot("handbook", "docs") == watched


def test_build_writes_nothing_into_handbook_or_docs(project):
    watched = project.snapshot("handbook", "docs", "templates")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    assert project.snapshot("handbook", "docs", "templates") == watched


def test_a_docs_page_may_not_shadow_a_generated_page(project):
    project.write("docs/rituals/index.md", "# mine\n")
    result = project.mkdocs("build")
    assert result.returncode == 1 and "collides with the generated page" in result.stderr


def test_template_bug_is_reported_not_a_traceback(project):
    project.edit("templates/team.md.j2", "{{ entity.mission | md_inline }}", "{{ entity.misson }}")
    result = project.mkdocs("build")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(r"templates/team\.md\.j2:\d+:1: error\[template\]", result.stderr)
    assert "misson" in result.stderr


def test_xss_in_yaml_executes_nothing_in_the_built_site(project):
    payload = '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>'
    project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", f"summary: '{payload} Teams show")
    project.edit("handbook/rituals/demo-day.yaml", "what shipped at the end of each six-week cycle.",
                 "what shipped at the end of each six-week cycle.'")
    project.edit("handbook/rituals/demo-day.yaml", "name: Demo day", "name: \"Demo [x](javascript:alert(2))\"")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    page = html(project, "rituals/demo-day")
    main = page.split('<article', 1)[1].split("</article>", 1)[0]
    assert "<script>alert" not in main and "onerror=" not in main and 'href="javascript:' not in main
    assert "&lt;script&gt;alert(1)" in main or "&#60;script&#62;alert(1)" in main


def _articles(site) -> dict[str, str]:
    """Each page's text from its title to the end of the article (the edit button comes before),
    blank lines dropped (Material's source-file partial adds some for a page with front matter,
    which the export gives every page, for its edit_url)."""
    return {path.relative_to(site).as_posix():
            re.sub(r"\n\s*\n", "\n", path.read_text(encoding="utf-8").split("<h1", 1)[1].split("</article>", 1)[0])
            for path in site.rglob("index.html")}


def test_held_html_lands_where_markdown_would_put_it(built, tmp_path):
    """Prose and drawings skip MkDocs' Markdown pass (see generator.render.fragments); the pages and the
    search index must equal a plain MkDocs build of the exported, self-contained Markdown."""
    out = tmp_path / "export"
    with cwd(built.root):
        assert CliRunner().invoke(main, ["export", str(out)]).exit_code == 0
    assert "data-hb-held" not in (out / "docs" / "rituals" / "weekly-business-review.md").read_text(encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
                            "-d", str(tmp_path / "plain")], capture_output=True, text=True, env=env)
    assert plain.returncode == 0, plain.stderr
    ours, theirs = _articles(built.root / "site"), _articles(tmp_path / "plain")
    assert ours.keys() == theirs.keys()
    different = [uri for uri in ours if ours[uri] != theirs[uri]]
    assert not different, different[:5]
    assert 'class="hb-prose"' in ours["rituals/weekly-business-review/index.html"]
    assert "<svg" in ours["rituals/weekly-business-review/index.html"] and "<svg" in ours["map/index.html"]
    search = [(built.root / "site" / "search" / "search_index.json"), (tmp_path / "plain" / "search" / "search_index.json")]
    ours_index, theirs_index = (sorted(json.loads(p.read_text(encoding="utf-8"))["docs"], key=json.dumps)
                                for p in search)
    assert ours_index == theirs_index
    connections = [d for d in ours_index if d["location"] == "rituals/weekly-business-review/#connections"]
    assert connections and "Relation" not in connections[0]["text"]  # names are indexed in their own sections
    assert not any("data-hb-held" in p.read_text(encoding="utf-8") for p in (built.root / "site").rglob("*.html"))


def test_other_plugins_see_pages_with_their_held_blocks(project):
    """A plugin that strips HTML comments (as minifiers do) must not lose the diagrams."""
    project.write("hooks/strip_comments.py", (
        "import re\n"
        "from mkdocs.plugins import event_priority\n"
        "STRIP = re.compile(r'<!--.*?-->', re.S)\n"
        "@event_priority(50)\n"
        "def on_page_content(html, page, config, files):\n"
        "    return STRIP.sub('', html)\n"
        "@event_priority(50)\n"
        "def on_post_page(output, page, config):\n"
        "    return STRIP.sub('', output)\n"))
    project.write("mkdocs.yml", (project.root / "mkdocs.yml").read_text(encoding="utf-8")
                  + "hooks:\n  - hooks/strip_comments.py\n")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    page = html(project, "rituals/weekly-business-review")
    assert 'class="hb-diagram__svg"' in page and 'class="hb-prose"' in page


@pytest.mark.parametrize("directory_urls", [True, False])
def test_every_link_in_the_built_site_leads_to_a_page(project, directory_urls):
    """Links in held HTML (diagrams, the connections table) are not checked by MkDocs; check them all here."""
    if not directory_urls:
        project.write("mkdocs.yml", (project.root / "mkdocs.yml").read_text(encoding="utf-8")
                      + "use_directory_urls: false\n")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    site = project.root / "site"
    checked = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "<article" not in text:
            continue
        article = text.split("<article", 1)[1].split("</article>", 1)[0]
        for href in re.findall(r'href="([^"]*)"', article):
            href = href.replace("&#35;", "#")
            path = href.split("#", 1)[0]
            if not path or ":" in path or path.startswith("/"):
                continue
            target = (page.parent / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)} links to missing {href}"
            checked += 1
    assert checked > 500


@pytest.mark.parametrize("package, found", [("mkdocs", "2.0.0"), ("mkdocs", "1.5.3"), ("mkdocs-material", "10.0.1")])
def test_untested_engine_versions_fail_loudly(monkeypatch, package, found):
    """The private MkDocs and Material attributes live in one module, behind this check."""
    from mkdocs.exceptions import PluginError
    from generator.adapters.mkdocs import internals
    real = internals.version
    internals.check_versions.cache_clear()
    monkeypatch.setattr(internals, "version", lambda name: found if name == package else real(name))
    with pytest.raises(PluginError, match=f"{package} {re.escape(found)} is installed"):
        internals.check_versions()
    monkeypatch.setattr(internals, "version", real)
    internals.check_versions.cache_clear()
    internals.check_versions()  # the installed releases are the tested ones
