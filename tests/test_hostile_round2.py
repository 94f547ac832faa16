"""Hostile pull requests, round 2 (issue 21): the handbook's own model, dates at the edges, floods
that fit under the file-size limit, what is published and posted, links and folders out of the
project. Each test builds a temporary project and asserts what every hostile input shares: exit 0
or 1 (never 2, never a traceback), no forged workflow command, no live markup, nothing read,
written or deleted outside the project, and a stated time bound for the floods (SECURITY.md).
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.diagnostics import Diagnostic, format_report
from generator.model.mentions import MAX_LINKS_PER_FILE

from test_bad_input import cwd
from test_engines import require_zensical
from test_serve_safety import ENV

FORGED = "::error file=README.md,line=1::forged"
SECRET = "AWS_SECRET_ACCESS_KEY=round2-secret-value"
HOSTILE = "<img src=x onerror=alert(1)>"
BOUND_S = 120  # every check and build of a flood finishes within this (on a busy 2-core machine)


def cli(project, *args: str, timeout: float = BOUND_S) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator.adapters.cli", *args], cwd=project.root,
                          capture_output=True, text=True, env=ENV, timeout=timeout)


def git(project, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Ops", "-c", "user.email=ops@example.org", *args],
                   cwd=project.root, check=True, capture_output=True)


def out(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def assert_refused(result: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit 1, no traceback, no forged workflow command, and each expected text in the output."""
    text = out(result)
    assert result.returncode == 1, text[-3000:]
    assert "Traceback" not in text and "internal error" not in text
    assert not any(line.startswith("::error file=README.md") for line in text.splitlines())
    assert SECRET not in text
    for piece in expected:
        assert piece in text, (piece, text[-3000:])
    return text


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under `folder` (links not followed) with its content's hash."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder outside the project, as a CI runner's home: a secret that must never be read."""
    root = tmp_path_factory.mktemp("runner")
    (root / ".env").write_text(f"{SECRET}\n", encoding="utf-8")
    return root


def hostile_html(site: Path) -> list[str]:
    """Built files in which a declared word arrived as live markup."""
    live = ("<img src=x", "<script>x", "<b>forum", "<i>lab", "<u>rev")
    return [p.relative_to(site).as_posix() for p in site.rglob("*") if p.suffix in (".html", ".svg")
            and any(s in p.read_text(encoding="utf-8", errors="replace") for s in live)]


# --- the handbook's own model ------------------------------------------------------------------------

def test_a_tag_pattern_the_validator_cannot_run_is_an_error_at_its_line(project):
    project.write("handbook/model.yaml", 'version: 1\n'
                  f'tags: {{pattern: "^(?=[a-z])[a-z-]+$\\r{FORGED}"}}\n')
    result = cli(project, "check", "--format", "github")
    text = assert_refused(result, "file=handbook/model.yaml,line=2,", "look-around")
    assert "SchemaError" not in text
    build = project.mkdocs("build")
    assert_refused(build, "handbook/model.yaml:2:")
    assert not (project.root / "site").exists()


def test_a_catastrophically_backtracking_tag_pattern_does_not_hang(project):
    # Python's re takes exponential time on this pattern and value; pydantic's engine is linear.
    project.write("handbook/model.yaml", 'version: 1\ntags: {pattern: "^([a-z]+)+$"}\n')
    project.edit("handbook/principles/one-home-per-decision.yaml", "tags: [decisions, rituals]",
                 "tags: [decisions, " + "a" * 36 + "!]")
    started = time.monotonic()
    result = cli(project, "check", timeout=60)
    assert_refused(result, "handbook/principles/one-home-per-decision.yaml:14:", "does not match the tag pattern")
    assert time.monotonic() - started < 60


def test_an_internal_error_prints_one_escaped_line(project, monkeypatch):
    import generator.adapters.cli as cli_module

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"bad\r\n{FORGED}\n")
    monkeypatch.setattr(cli_module, "collect", broken)
    with cwd(project.root):
        result = CliRunner().invoke(main, ["check", "--format", "github"])
    assert result.exit_code == 2  # the tool's own failure, not the input's
    lines = result.output.splitlines()
    assert lines[0].startswith("handbook: internal error: RuntimeError: bad\\r\\n::error")
    assert not any(line.startswith("::") for line in lines)


def test_an_internal_error_in_the_plugin_is_one_escaped_line_and_exit_1(project, monkeypatch):
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError
    import generator.adapters.mkdocs.plugin as plugin_module

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"bad\r\n{FORGED}\n")
    monkeypatch.setattr(plugin_module, "produce", broken)
    config = load_config(str(project.root / "mkdocs.yml"))
    with pytest.raises(PluginError) as raised:  # MkDocs prints it as one error line and exits 1
        config.plugins["handbook"].on_config(config)
    message = str(raised.value)
    assert message.startswith("handbook: internal error: RuntimeError: bad\\r\\n::error") and "\n" not in message


def test_declared_words_are_text_in_the_nav_404_page_home_cards_and_diagrams(project):
    model = project.handbook / "model.yaml"
    text = model.read_text(encoding="utf-8")
    for old, new in [("singular: forum", 'singular: "<b>forum</b>"'),
                     ("title: Forums", f'title: "{HOSTILE}"'),
                     ("reverse_label: Chairs forums", 'reverse_label: "<u>rev</u>"'),
                     ("description: what the forum is for (Markdown)}",
                      'description: x, label: "<i>lab</i>"}')]:
        assert old in text
        text = text.replace(old, new)
    text = re.sub(r"    blurb: .*", '    blurb: "<script>x</script>"', text)
    model.write_text(text, encoding="utf-8")
    assert cli(project, "check").returncode == 0
    result = project.mkdocs("build")
    assert result.returncode == 0, out(result)
    site = project.root / "site"
    assert hostile_html(site) == []
    # shown as written, as text: the nav (on every page, the 404 page too) and the home page's card
    assert "&lt;img src=x onerror=alert(1)&gt;" in (site / "404.html").read_text(encoding="utf-8")
    home = html.unescape((site / "index.html").read_text(encoding="utf-8"))
    assert f"{HOSTILE}</a></strong> · 2" in home and "<p><script>x</script></p>" in home


def test_schema_and_template_names_are_names_not_paths(project, tmp_path):
    project.edit("handbook/model.yaml", "    singular: forum\n",
                 '    singular: forum\n    schema: "../../evil"\n    templates: {page: "../../../x.md.j2"}\n')
    with cwd(project.root):
        result = CliRunner().invoke(main, ["schema", "--out", "schemas"])
    assert result.exit_code == 1
    assert "handbook/model.yaml:30:5: error[model]: '../../evil' cannot be a schema name" in result.output
    assert "cannot be a template name" in result.output
    assert not list(tmp_path.rglob("evil*")) and not (project.root / "schemas").exists()
    assert_refused(cli(project, "check"), "handbook/model.yaml:31:")


def test_a_declared_template_the_build_would_refuse_is_a_check_error(project):
    project.edit("handbook/model.yaml", "    singular: forum\n",
                 "    singular: forum\n    templates: {index: forum-index.md.j2}\n")
    check = assert_refused(cli(project, "check"), "handbook/model.yaml:30:24: error[template]",
                           "forum-index.md.j2")
    assert "1 error" in check
    assert_refused(project.mkdocs("build"), "forum-index.md.j2")
    project.write("templates/forum-index.md.j2", (project.root / "templates/index.md.j2").read_text("utf-8"))
    assert cli(project, "check").returncode == 0
    assert project.mkdocs("build").returncode == 0


# --- dates and numbers at the edges -------------------------------------------------------------------

def test_dates_and_durations_outside_their_range_are_errors_at_their_line(project):
    project.edit("handbook/teams/pricing.yaml", "period: 2026-Q4", "period: 9999-Q4")
    project.edit("handbook/principles/one-home-per-decision.yaml", "last_reviewed: 2026-08-01",
                 "last_reviewed: 9999-12-31")
    project.edit("handbook/rituals/weekly-business-review.yaml", "before: 24h", "before: " + "1" + "0" * 23)
    expected = ["handbook/teams/pricing.yaml:25:13: error[invalid-value]: allocations.2.period: 9999-Q4 is outside",
                "handbook/principles/one-home-per-decision.yaml:13:16: error[invalid-value]: last_reviewed",
                "1900-01-01 to 2199-12-31", "longer than a year"]
    assert_refused(cli(project, "check"), *expected)
    assert_refused(project.mkdocs("build"), *expected)
    assert not (project.root / "site").exists()


def test_thresholds_and_the_today_option_have_a_range(project):
    project.edit("handbook/model.yaml", "  drift_points: 10\n", "  drift_points: 10\n  expiry_days: 999999999\n")
    assert_refused(cli(project, "check"), "handbook/model.yaml:11:16:", "less than or equal to 3650")
    project.edit("handbook/model.yaml", "  expiry_days: 999999999\n", "")
    project.edit("mkdocs.yml", "      nav_threshold: 50", "      nav_threshold: 50\n      today: 9999-12-31")
    assert_refused(project.mkdocs("build"), "today: 9999-12-31 is outside the dates this tool reads")
    usage = cli(project, "check", "--today", "9999-12-31")
    assert usage.returncode == 2 and "Traceback" not in out(usage)  # a command-line argument: usage error
    assert "outside the dates this tool reads" in out(usage)


# --- floods that fit under the file-size limit ----------------------------------------------------------

def _prose_file(project, rel: str, links: str) -> None:
    project.write(rel, "name: Flood\nstatement: s\nin_practice: [p]\nowner: product-ops\n"
                       f"last_reviewed: 2026-08-01\nwhy: |\n  {links}\n")


def test_a_flood_of_prose_links_is_refused_beyond_the_limit_and_fast_below_it(project):
    # At the limit, in many files: every link resolved and rendered (short names: an index, not a search).
    for i in range(20):
        _prose_file(project, f"handbook/principles/many-{i}.yaml", " ".join(["[[checkout]]"] * MAX_LINKS_PER_FILE))
    started = time.monotonic()
    result = project.mkdocs("build")
    assert result.returncode == 0, out(result)[-2000:]
    page = (project.root / "site/principles/many-0/index.html").read_text(encoding="utf-8")
    assert page.count('>Ordering and Checkout</a>') >= MAX_LINKS_PER_FILE and "[[checkout]]" not in page
    # Beyond it: 40,000 links in one file (under 512 KiB), an error at the first link too many.
    _prose_file(project, "handbook/principles/flood.yaml", " ".join(["[[checkout]]"] * 40_000))
    check = assert_refused(cli(project, "check", "--format", "github"),
                           "file=handbook/principles/flood.yaml,line=7,col=13003,title=too-many-links")
    assert check.count("title=too-many-links") == 1
    assert_refused(project.mkdocs("build"), "too-many-links")
    assert time.monotonic() - started < 3 * BOUND_S


def test_a_flood_of_broken_links_prints_the_first_few_and_counts_the_rest(project):
    _prose_file(project, "handbook/principles/broken.yaml", " ".join(["[[nobody]]"] * 45_000))
    result = cli(project, "check", "--format", "github")
    assert_refused(result)
    lines = [line for line in result.stdout.splitlines() if "principles/broken.yaml" in line]
    assert len([line for line in lines if "title=unknown-reference" in line]) == 10
    assert "991 more [[…]] links in this file name no entity" in result.stdout
    assert len(lines) == 11  # and the one too-many-links


def test_reports_print_the_first_ten_of_a_code_per_file():
    many = [Diagnostic("handbook/a.yaml", line, 1, "error", "unknown-reference", f"problem {line}")
            for line in range(1, 60_001)]
    for fmt in ("text", "github"):
        report = format_report(many + [Diagnostic("handbook/b.yaml", 3, 1, "warning", "zombie-ritual", "z")], fmt)
        assert report.count("problem ") == 10
        assert "59990 more unknown-reference in this file" in report and "handbook/b.yaml" in report
    from generator.adapters.mkdocs.error_page import error_html  # the preview's error page too
    page = error_html(many)
    assert page.count("<li") == 11 and "60000 errors stop the preview" in page


@pytest.fixture
def repo(project):
    if shutil.which("git") is None:
        pytest.fail("the history tests need git")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Start")
    return project


def test_a_long_text_rewritten_in_history_is_not_diffed_word_by_word(repo):
    words = [f"w{i % 97}" for i in range(40_000)]
    rel = "handbook/principles/one-home-per-decision.yaml"
    repo.edit(rel, "why: |\n", "why: |\n  " + " ".join(words) + "\n")
    git(repo, "commit", "-qam", "Long")
    repo.edit(rel, " ".join(words), " ".join(reversed(words)))
    git(repo, "commit", "-qam", "Rewrite")
    started = time.monotonic()
    with cwd(repo.root):
        result = CliRunner().invoke(main, ["diff", "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    assert "why: changed (too long to show word by word)" in result.output
    build = repo.mkdocs("build")
    assert build.returncode == 0, out(build)
    changes = (repo.root / "site/changes/index.html").read_text(encoding="utf-8")
    assert "changed (too long to show word by word)" in changes
    assert time.monotonic() - started < BOUND_S


# --- what is published and posted ---------------------------------------------------------------------

def test_an_email_field_is_an_address_without_headers(project):
    project.edit("handbook/people/aiko-tanaka.yaml", "email: atanaka@fernhill.example",
                 "email: atanaka@fernhill.example?cc=all@fernhill.example&body=hi")
    assert_refused(cli(project, "check"), "handbook/people/aiko-tanaka.yaml:6:8: error[invalid-value]",
                   "is not an e-mail address")
    project.edit("handbook/people/aiko-tanaka.yaml", "?cc=all@fernhill.example&body=hi", "")
    project.edit("handbook/people/clara-johansson.yaml", "email: cjohansson@fernhill.example",
                 "email: a?cc=x%40evil.example&body=hi@fernhill.example")
    assert_refused(cli(project, "check"), "handbook/people/clara-johansson.yaml:6:8:")


@pytest.mark.parametrize("rel, page", [("handbook/interfaces/conformance.yaml", "interfaces/conformance.md"),
                                       ("handbook/teams/index.yaml", "teams/index.md"),
                                       ("handbook/teams/checkout/index.yaml", "teams/checkout")])
def test_an_entity_at_the_place_of_a_generated_page_is_refused(project, rel, page):
    source = project.handbook / ("interfaces/design-doc.yaml" if "interfaces" in rel else "teams/pricing.yaml")
    project.write(rel, source.read_text(encoding="utf-8"))
    assert_refused(cli(project, "check"), f"{rel}:2:1: error[shadows-page]", page)
    assert_refused(project.mkdocs("build"), "shadows-page", page)


def test_handbook_diff_prints_names_inert_on_every_line(repo):
    hostile = f"x\n{FORGED}\n<img src=x onerror=alert(1)> `y` [z](javascript:1)"
    repo.write("handbook/teams/pricing.yaml",
               (repo.handbook / "teams/pricing.yaml").read_text("utf-8").replace(
                   "name: Pricing Engine", f"name: \"{hostile.replace(chr(10), ' ')}\""))
    repo.write(f"handbook/teams/{hostile.replace('/', '')}.yaml", "name: n\n")
    repo.write("handbook/teams/a`<b>bold</b>`.yaml", "name: n\n")
    with cwd(repo.root):
        result = CliRunner().invoke(main, ["diff", "HEAD"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3 and all(line.startswith("- **") for line in lines), lines
    assert "<img" not in result.output.replace("\\<img", "") and "<b>" not in result.output.replace("\\<b\\>", "")
    assert not re.search(r"(?<!\\)\]\(", result.output)  # every [z](…) written \[z\](…): no link
    with cwd(repo.root):
        refused = CliRunner().invoke(main, ["diff", f"x\n{FORGED}"])
    assert not any(line.startswith("::") for line in refused.output.splitlines())


# --- links and folders out of the project -----------------------------------------------------------------

def test_a_handbook_folder_that_is_a_link_is_refused_by_every_engine(project, outside):
    shutil.move(project.handbook, outside / "handbook")
    (outside / "handbook" / "teams" / "pricing.yaml").write_text(
        (outside / "handbook" / "teams" / "pricing.yaml").read_text("utf-8").replace("Pricing Engine", SECRET))
    project.handbook.symlink_to(outside / "handbook", target_is_directory=True)
    before = fingerprint(outside)
    assert_refused(cli(project, "check"), "handbook: error[not-a-regular-file]: the handbook folder is a symbolic link")
    assert_refused(project.mkdocs("build"), "the handbook folder is a symbolic link")
    require_zensical()
    assert_refused(cli(project, "build", "--engine", "zensical"), "the handbook folder is a symbolic link")
    assert not (project.root / "site").exists() and fingerprint(outside) == before


def test_templates_docs_and_custom_dir_links_are_refused(project, outside):
    (outside / "ritual.md.j2").write_text(f"{SECRET}\n", encoding="utf-8")
    (project.root / "templates" / "ritual.md.j2").unlink()
    (project.root / "templates" / "ritual.md.j2").symlink_to(outside / "ritual.md.j2")
    assert_refused(cli(project, "check"), "templates/ritual.md.j2: error[not-a-regular-file]")
    assert_refused(project.mkdocs("build"), "templates/ritual.md.j2")
    (project.root / "templates" / "ritual.md.j2").unlink()

    shutil.move(project.root / "docs", outside / "docs")
    (project.root / "docs").symlink_to(outside / "docs", target_is_directory=True)
    assert_refused(project.mkdocs("build"), "the docs folder is a symbolic link")
    (project.root / "docs").unlink()
    shutil.move(outside / "docs", project.root / "docs")

    (project.root / "overrides").mkdir()
    (project.root / "overrides" / "partials").symlink_to(outside, target_is_directory=True)
    project.edit("mkdocs.yml", "  name: material\n", "  name: material\n  custom_dir: overrides\n")
    assert_refused(project.mkdocs("build"), "overrides/partials", "out of the theme custom_dir folder")
    require_zensical()
    assert_refused(cli(project, "build", "--engine", "zensical"), "overrides/partials")
    assert not (project.root / "site").exists()


@pytest.mark.parametrize("link", [".handbook", ".handbook/stage"])
def test_the_zensical_stage_is_never_written_through_a_link(project, outside, link):
    require_zensical()
    target = outside / "stage"
    (target / "docs").mkdir(parents=True)
    (target / "docs" / "keep.md").write_text("keep\n", encoding="utf-8")
    (project.root / link).parent.mkdir(parents=True, exist_ok=True)
    (project.root / link).symlink_to(target, target_is_directory=True)
    before = fingerprint(outside)
    assert_refused(cli(project, "build", "--engine", "zensical"), "the staging folder .handbook/stage")
    assert fingerprint(outside) == before and not (project.root / "site").exists()


@pytest.mark.parametrize("site_dir", [".", "templates", "handbook/site", ".git"])
def test_a_site_dir_holding_or_inside_a_source_is_refused_by_every_engine(repo, site_dir):
    before = repo.snapshot("handbook", "templates", "docs")
    repo.edit("mkdocs.yml", "site_name:", f"site_dir: {site_dir}\nsite_name:")
    for args in (["build"], ["build", "--engine", "properdocs"], ["build", "--engine", "zensical"]):
        if "zensical" in args:
            require_zensical()
        result = cli(repo, *args)
        text = out(result)
        assert result.returncode == 1 and "Traceback" not in text, text[-2000:]
        assert "site_dir" in text
    assert repo.snapshot("handbook", "templates", "docs") == before
    assert subprocess.run(["git", "status", "--short"], cwd=repo.root, capture_output=True, text=True).stdout \
        == " M mkdocs.yml\n"
