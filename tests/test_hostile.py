"""Hostile pull requests and clumsy edits: nothing outside the handbook is read or printed, no
annotation is forged, no field injects markup, no command argument becomes a git option.

Each test names the point of the security review it covers (see SECURITY.md).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.adapters.cli import main
from generator.diagnostics import Diagnostic, format_report
from generator.model.loader import MAX_FILE_BYTES, parse_text, read_regular, YamlProblem
from generator.render.text import escape_plain

from test_bad_input import cwd

SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def run_check(project, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """`handbook check` as CI runs it: a separate process, with a time limit (a FIFO must not hang it)."""
    return subprocess.run([sys.executable, "-m", "generator.adapters.cli", "check", *args], cwd=project.root,
                          capture_output=True, text=True, timeout=timeout, env=ENV)


@pytest.fixture
def secret_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("runner") / ".env"
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


# --- 1. links, FIFOs and devices are never followed or opened ------------------------------------

@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_symlinked_entity_is_refused_and_its_target_never_printed(project, secret_file, fmt):
    (project.handbook / "rituals" / "env.yaml").symlink_to(secret_file)
    result = run_check(project, "--format", fmt)
    assert result.returncode == 1
    assert "WJALRXUTNFEMI".lower() not in (result.stdout + result.stderr).lower()
    assert "not-a-regular-file" in result.stdout
    assert "handbook/rituals/env.yaml" in result.stdout


def test_symlink_to_etc_passwd_and_dev_zero_in_a_build(project):
    (project.handbook / "rituals" / "passwd.yaml").symlink_to("/etc/passwd")
    (project.handbook / "interfaces" / "zero.yaml").symlink_to("/dev/zero")
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "root:" not in out and "/bin/" not in out
    assert "handbook/rituals/passwd.yaml: error[not-a-regular-file]" in out
    assert "handbook/interfaces/zero.yaml: error[not-a-regular-file]" in out
    assert not (project.root / "site").exists()


def test_symlinked_folders_are_not_walked(project, secret_file):
    outside = secret_file.parent / "rituals"
    outside.mkdir()
    (outside / "stolen.yaml").write_text(f"name: {SECRET}\n", encoding="utf-8")
    (project.handbook / "rituals" / "more").symlink_to(outside, target_is_directory=True)
    (project.handbook / "guilds").symlink_to(outside, target_is_directory=True)
    result = run_check(project)
    assert result.returncode == 1 and "WJALR" not in result.stdout + result.stderr
    assert "handbook/rituals/more: error[not-a-regular-file]" in result.stdout
    assert "handbook/guilds: error[not-a-regular-file]" in result.stdout
    assert "stolen" not in result.stdout


def test_symlinked_handbook_yaml_is_refused(project, secret_file):
    meta = project.handbook / "handbook.yaml"
    meta.unlink()
    meta.symlink_to(secret_file)
    result = run_check(project)
    assert result.returncode == 1 and "WJALR" not in result.stdout + result.stderr
    assert "handbook/handbook.yaml: error[not-a-regular-file]" in result.stdout


def test_a_fifo_does_not_hang_the_check(project):
    os.mkfifo(project.handbook / "rituals" / "x.yaml")
    result = run_check(project, timeout=30)  # before: blocked forever in open()
    assert result.returncode == 1
    assert "handbook/rituals/x.yaml: error[not-a-regular-file]" in result.stdout


def test_reading_is_bounded_even_when_the_size_lies(tmp_path):
    """`stat` says nothing true about a device; the read itself stops at the limit."""
    with pytest.raises(YamlProblem) as refused:
        read_regular(Path("/dev/zero"))
    assert refused.value.code == "not-a-regular-file"
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: b\n" * (MAX_FILE_BYTES // 5 + 10))
    with pytest.raises(YamlProblem) as too_large:
        read_regular(big)
    assert too_large.value.code == "file-too-large"


def test_diff_of_the_work_tree_does_not_follow_links(project, secret_file):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    target = project.handbook / "rituals" / "demo-day.yaml"
    target.unlink()
    target.symlink_to(secret_file)
    with cwd(project.root):
        result = CliRunner().invoke(main, ["diff", "HEAD"])
    assert "WJALR" not in result.output


# --- 2. workflow annotations cannot be forged ------------------------------------------------------

def test_github_annotations_escape_the_file_property():
    forged = Diagnostic("handbook/rituals/a\n::error file=README.md,line=1::FORGED.yaml", 3, 1, "error",
                        "yaml-syntax", "bad\n::error::also forged")
    line = forged.format_github()
    assert "\n" not in line and line.startswith("::error file=")
    props, message = line.removeprefix("::error ").split("::", 1)  # the first `::` ends the properties
    assert props.count(",") == 3 and ":" not in props and "README.md%2Cline=1" in props
    assert props.endswith(",line=3,col=1,title=yaml-syntax") and message.startswith("bad")


def test_github_format_of_a_hostile_file_name_end_to_end(project):
    project.write("handbook/rituals/evil\n::error file=README.md,line=1::FORGED.yaml", "name: [\n")
    result = run_check(project, "--format", "github")
    lines = result.stdout.splitlines()
    assert lines and all(re.match(r"::(error|warning) file=[^,:]*,", ln) for ln in lines), lines
    assert not any(ln.startswith("::error file=README.md") for ln in lines)


# --- 4. diagnostics quote at most a short, printable excerpt ----------------------------------------

def test_a_file_of_secrets_is_not_quoted():
    _, diags = parse_text(f"{SECRET}\n".encode(), "handbook/rituals/x.yaml")
    assert [d.code for d in diags] == ["not-a-mapping"] and "WJALR" not in format_report(diags)


@pytest.mark.parametrize("edit", [
    ("mode: hybrid", "mode: {value}"),
    ("format: single-purpose", "format: {value}"),
    ("owner: product-ops", "owner: {value}"),
    ("cadence: weekly", "cadence: {value}"),
    ("name: Weekly business review", "name: Weekly business review\n{value}: 1"),
])
def test_long_or_control_values_are_cut_to_one_short_line(project, edit):
    value = "\x1b[31mRED" + "x" * 900  # YAML keys end at 1024 characters
    project.edit("handbook/rituals/weekly-business-review.yaml", edit[0], edit[1].format(value=json.dumps(value)))
    result = run_check(project)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "x" * 100 not in result.stdout
    assert all(len(line) < 700 for line in result.stdout.splitlines())
    assert "\\x1b[31mRED" in result.stdout  # what there is shown as escapes


def test_every_diagnostic_is_one_printable_line():
    d = Diagnostic("a\nb", 1, 1, "error", "x", "one\ntwo\x00" + "y" * 2000, "h\r\nint")
    text = d.format_text()
    assert text.count("\n") == 1  # message line + hint line
    assert all(c.isprintable() for c in text.replace("\n", ""))
    assert len(d.message) <= 600


# --- 5. plain fields are one line ---------------------------------------------------------------------

PLAIN_FIELDS = [
    ("rituals/weekly-business-review.yaml", "name: Weekly business review", "name: {v}"),
    ("rituals/engineering/incident-review.yaml", "facilitator: Incident commander of the incident", "facilitator: {v}"),
    ("rituals/weekly-business-review.yaml", "  - role: CEO", "  - role: {v}"),
    ("teams/checkout.yaml", "lead: marco-bellini", "lead: {v}"),
    ("people/marco-bellini.yaml", "role: Engineering lead, Ordering and Checkout", "role: {v}"),
    ("teams/checkout.yaml", 'channels: ["#team-checkout", "#checkout-oncall"]', 'channels: ["#team-checkout", {v}]'),
    ("interfaces/team-charter.yaml", 'version: "2.1"', "version: {v}"),
    ("interfaces/team-charter.yaml", "horizon: the next two quarters", "horizon: {v}"),
    ("interfaces/team-charter.yaml", "  - name: Mission", "  - name: {v}"),
]
INJECTION = "Demo day\\n\\n!!! danger\\n    Pay the invoice to IBAN XX00 now"


@pytest.mark.parametrize("path, line, new", PLAIN_FIELDS)
def test_a_line_break_in_a_plain_field_is_refused_at_its_line(project, path, line, new):
    rel = f"handbook/{path}"
    before = (project.root / rel).read_text(encoding="utf-8").splitlines()
    number = before.index(line) + 1
    project.edit(rel, line, new.format(v=f'"{INJECTION}"'))
    result = run_check(project)
    assert result.returncode == 1
    assert re.search(rf"{re.escape(rel)}:{number}:\d+: error\[invalid-value\]: .*must be one line", result.stdout), \
        result.stdout
    assert "IBAN" not in result.stdout


def test_plain_text_printed_by_a_template_stays_inline():
    assert "\n" not in escape_plain("Demo day\n\n!!! danger\n    Pay now\r\u2028x")


def test_a_folded_block_gives_one_line_and_is_accepted(project):
    project.edit("handbook/teams/checkout.yaml", "lead: marco-bellini", "lead: >-\n  Marco\n  Bellini")  # a name in words
    assert run_check(project).returncode == 0


# --- 6. URLs are URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://handbook.example/\\r\\nX-Injected: 1",
    'https://handbook.example/\\"><script>alert(1)</script>',
    "javascript:alert(1)",
    "https://",
    "https://handbook.example/a b",
])
def test_site_url_is_validated_at_its_line(project, url):
    project.edit("handbook/handbook.yaml", "site_url: https://handbook.fernhill.example/", f'site_url: "{url}"')
    number = (project.handbook / "handbook.yaml").read_text().splitlines().index(f'site_url: "{url}"') + 1
    result = run_check(project)
    assert result.returncode == 1
    assert re.search(rf"handbook/handbook.yaml:{number}:11: error\[invalid-value\]: site_url: .* is not a web address",
                     result.stdout), result.stdout
    assert "template" not in result.stdout


def test_an_ordinary_site_url_with_a_path_and_port_is_accepted(project):
    project.edit("handbook/handbook.yaml", "site_url: https://handbook.fernhill.example/",
                 "site_url: http://intranet.fernhill.example:8080/ops/handbook/")
    assert run_check(project).returncode == 0


# --- 7. revisions are revisions ------------------------------------------------------------------------

def git(project, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=project.root,
                   check=True, capture_output=True)


@pytest.mark.parametrize("args", [["--", "--output=VICTIM"], ["--", "HEAD", "--output=VICTIM"],
                                  ["--", "-oVICTIM"]])
def test_diff_arguments_never_become_git_options(project, args):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    victim = project.root / "VICTIM"
    victim.write_text("precious\n")
    with cwd(project.root):
        result = CliRunner().invoke(main, ["diff", *args])
    assert victim.read_text() == "precious\n"
    assert result.exit_code == 2 and "unknown revision" in result.output


# --- 8. export never writes into the sources -------------------------------------------------------------

@pytest.mark.parametrize("target", ["docs/out", "handbook/out", "templates/out", "docs"])
def test_export_refuses_targets_inside_the_sources(project, target):
    before = project.snapshot("docs", "handbook", "templates")
    with cwd(project.root):
        result = CliRunner().invoke(main, ["export", target])
    assert result.exit_code == 1, result.output
    assert "inside the project's source folder" in result.output and "Traceback" not in result.output
    assert project.snapshot("docs", "handbook", "templates") == before
    assert not (project.root / target / "docs").exists()


# --- 9. any name `new` accepts gives a starter that passes check ------------------------------------------

MINIMAL = {
    "handbook.yaml": "name: Mini OS\npurpose: Try things.\nowner: ops\nreview_by: 2030-01-01\n"
                     "pillars:\n  - id: core\n    name: Core\n    description: The core.\n",
    "teams/ops.yaml": "name: Ops\nlast_reviewed: 2026-01-01\nmission: Run it.\ntopology: platform\nlead: Ada\n",
}


@pytest.fixture(scope="module")
def minimal(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mini")
    for rel, text in MINIMAL.items():
        (root / "handbook" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "handbook" / rel).write_text(text, encoding="utf-8")
    return root


def test_a_very_long_name_is_refused_plainly(minimal):
    with cwd(minimal):
        result = CliRunner().invoke(main, ["new", "ritual", "Quarterly " * 40])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert "at most 120" in result.output
    assert not list((minimal / "handbook" / "rituals").glob("*")) if (minimal / "handbook" / "rituals").exists() else True


def test_a_long_name_gets_a_short_file_name(minimal):
    name = ("Quarterly cross-functional planning and prioritisation review " * 3)[:120].strip()
    with cwd(minimal):
        result = CliRunner().invoke(main, ["new", "ritual", name])
        assert result.exit_code == 0, result.output
        created = next((minimal / "handbook" / "rituals").glob("*.yaml"))
        try:
            assert len(created.name) <= 85
            assert CliRunner().invoke(main, ["check"]).exit_code == 0
        finally:
            created.unlink()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=140))
def test_every_name_new_accepts_passes_check(minimal, name):
    with cwd(minimal):
        made = CliRunner().invoke(main, ["new", "ritual", name])
        assert "internal error" not in made.output and made.exit_code in (0, 1, 2), made.output
        if made.exit_code != 0:
            return
        created = Path(made.output.split("created ", 1)[1].split("\n", 1)[0])
        try:
            checked = CliRunner().invoke(main, ["check"])
            assert checked.exit_code == 0, (name, checked.output)
        finally:
            created.unlink()


# --- 12. any printable one-line name, shown right everywhere --------------------------------------------

NAMES = {
    "rituals/weekly-business-review.yaml": ("Weekly business review", "Design <> Eng sync"),
    "rituals/demo-day.yaml": ("Demo day", "Proposal sent <30 days"),
    "rituals/betting-table.yaml": ("Betting table", "</title><script>alert(1)</script>"),
    "teams/checkout.yaml": ("Ordering and Checkout", "\"><img src=x onerror=alert(2)>"),
    "interfaces/team-charter.yaml": ("Team charter", "R&amp;D charter & more"),
}


class _Text(HTMLParser):
    """The text of <title>, of the first <h1>, and of every link, as a browser would show it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.title = self.h1 = ""
        self.links: list[str] = []
        self.svg_titles: list[str] = []
        self._h1_done = False

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == "a":
            self.links.append("")

    def handle_endtag(self, tag):
        if tag == "h1" and "h1" in self.stack:
            self._h1_done = True
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self.stack[-1:] == ["title"]:
            if "svg" in self.stack:
                self.svg_titles.append(data)
            else:
                self.title += data
        if "h1" in self.stack and not self._h1_done:
            self.h1 += data
        if "a" in self.stack and self.links:
            self.links[-1] += data


def parse(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_names_with_markup_characters_build_and_show_as_written(project):
    from test_render import assert_inert
    for rel, (old, new) in NAMES.items():
        project.edit(f"handbook/{rel}", f"name: {old}", f"name: {json.dumps(new)}")
    assert run_check(project).returncode == 0
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    site = project.root / "site"
    site_name = "Fernhill Operating Handbook"
    for rel, (_, name) in NAMES.items():
        page = site / rel.removesuffix(".yaml") / "index.html"
        text = parse(page)
        assert text.title.strip() == f"{name} - {site_name}"
        assert text.h1.strip().rstrip("¶").strip() == name
        assert name in [ln.strip() for ln in text.links]  # the nav (and the header's links)
        assert_inert(page.read_text(encoding="utf-8"), markdown_syntax=False)
    # The home page links every section's pages, the neighbourhood diagrams name them in <title>.
    assert any("Design <> Eng sync" in t for t in parse(site / "rituals" / "index.html").links)
    neighbour = parse(site / "interfaces" / "input-metrics-update" / "index.html")
    assert "Design <> Eng sync" in neighbour.svg_titles  # its node in the neighbourhood diagram
    assert "Design <> Eng sync" in [t.strip() for t in parse(site / "tags" / "index.html").links]
    for page in site.rglob("*.html"):
        assert_inert(page.read_text(encoding="utf-8"), markdown_syntax=False)
    assert "<script>alert(1)" not in "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    # Search shows titles as HTML: the index holds them escaped, once.
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    titles = {d["location"]: d["title"] for d in docs if "#" not in d["location"]}
    assert html.unescape(titles["rituals/weekly-business-review/"]) == "Design <> Eng sync"
    assert html.unescape(titles["interfaces/team-charter/"]) == "R&amp;D charter & more"
    # The API and the calendar carry the names as data.
    api = json.loads((site / "api" / "handbook.json").read_text(encoding="utf-8"))
    assert "Design <> Eng sync" in json.dumps(api, ensure_ascii=False)
    from icalendar import Calendar
    calendar = Calendar.from_ical((site / "calendar.ics").read_bytes())
    assert "Design <> Eng sync" in [str(e.get("summary")) for e in calendar.walk("VEVENT")]


# --- 13. smaller points ----------------------------------------------------------------------------------

def test_two_problems_in_one_file_are_reported_together(project):
    project.write("handbook/rituals/x.yaml", "name: a\nowner: b\nname: c\nparts:\n\t- x\n")
    result = run_check(project)
    assert "handbook/rituals/x.yaml:3:1: error[duplicate-key]" in result.stdout
    assert "handbook/rituals/x.yaml:5:1: error[yaml-tab]" in result.stdout


def test_an_unknown_kind_folder_is_reported_on_its_files(project):
    project.write("handbook/guilds/architecture.yaml", "name: x\n")
    project.write("handbook/guilds/sub/guild.yaml", "name: y\n")
    result = run_check(project, "--format", "github")
    assert "::error file=handbook/guilds/architecture.yaml,line=1,col=1,title=unknown-kind::" in result.stdout
    assert "::error file=handbook/guilds/sub/guild.yaml,line=1" in result.stdout


def test_an_invalid_timezone_is_the_only_error(project):
    project.edit("handbook/handbook.yaml", "timezone: Europe/London", "timezone: Europe/Londn")
    result = run_check(project)
    errors = [ln for ln in result.stdout.splitlines() if ": error[" in ln]
    assert len(errors) == 1 and "unknown time zone 'Europe/Londn'" in errors[0], errors


def test_a_broken_handbook_yaml_hides_no_other_error_and_adds_none(project):
    project.write("handbook/handbook.yaml", "name: [\n")
    project.edit("handbook/teams/checkout.yaml", "topology: stream-aligned", "topology: squad")
    result = run_check(project)
    assert "unknown pillar" not in result.stdout
    assert "handbook/teams/checkout.yaml" in result.stdout and "handbook/handbook.yaml:" in result.stdout


def test_a_future_review_date_is_an_error(project):
    rel = "handbook/rituals/demo-day.yaml"
    number = (project.root / rel).read_text().splitlines().index("last_reviewed: 2026-02-01") + 1
    project.edit(rel, "last_reviewed: 2026-02-01", "last_reviewed: 2062-02-01")
    result = run_check(project, "--today", "2026-11-24")
    assert result.returncode == 1
    assert f"{rel}:{number}:16: error[review-in-future]: last_reviewed 2062-02-01 is in the future" in result.stdout


def test_a_sub_folder_name_that_is_not_a_slug_is_not_read(project):
    """Its name would reach the edit link's href unescaped."""
    project.write('handbook/rituals/x" onmouseover="alert(1)/demo.yaml', "name: [\n")
    result = run_check(project)
    assert result.returncode == 1 and "error[invalid-id]: folder name" in result.stdout
    assert "yaml-syntax" not in result.stdout


def test_a_link_in_docs_to_a_secret_is_not_published(project, secret_file):
    """MkDocs would follow it and publish the target; the plugin stops the build first."""
    (project.root / "docs" / "env.md").symlink_to(secret_file)
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 1
    assert "docs/env.md: error: is a symbolic link to a file outside docs_dir" in result.stderr
    assert "WJALR" not in result.stdout + result.stderr and not (project.root / "site").exists()


def test_a_fifo_in_docs_does_not_hang_the_build(project):
    os.mkfifo(project.root / "docs" / "pipe.md")
    result = project.mkdocs("build", "--strict")  # the fixture's own time limit would end a hang
    assert result.returncode == 1 and "docs/pipe.md: error: is not a regular file" in result.stderr
