"""Issue 23, measured allocation from the work tracker's exports: generated exports in all three
formats (Jira CSV, Linear CSV, GitHub issues JSON) with the expected split computed here, from the
issues as the test made them; every rule key; parent inheritance; canceled issues; unmapped teams;
each bad input; the API, pages, lints and privacy."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
from collections import defaultdict
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.evidence import aggregate as measure_module
from generator.model import read_handbook
from generator.model.allocation import timeline
from generator.model.lints import run_lints
from generator.render.feeds import site_files

from conftest import Project
from helpers.exports import Issue, github_json, jira_csv, linear_csv
from test_bad_input import check, cwd

TODAY = date(2026, 10, 15)
Q2, Q3 = (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 9, 30))
# The fixture's funding categories, and how the generated issues say which one they belong to.
CATEGORIES = ["keep-the-lights-on", "security-and-compliance", "growth-bets", "customer-commitments"]


def evidence(project: Project, sources: str, categories: str, effort: str = "points", extra: str = "") -> None:
    text = (project.handbook / "model.yaml").read_text(encoding="utf-8")
    text += f"\nevidence:\n  sources:\n{sources}\n  categories:\n{categories}\n  effort: {effort}\n  unestimated: 1\n{extra}"
    (project.handbook / "model.yaml").write_text(text, encoding="utf-8")


RULES = """\
    - {category: keep-the-lights-on, types: [Bug, Incident]}
    - {category: keep-the-lights-on, labels: [bug]}
    - {category: security-and-compliance, labels: [security, compliance]}
    - {category: growth-bets, parents: [PAY-1, CHK-1, DAT-1]}
    - {category: customer-commitments, labels: [customer]}"""


def generated(rng: random.Random, team: str, prefix: str, n: int, *, linear: bool = False) -> tuple[list[Issue], dict]:
    """`n` finished issues of one team across two quarters, each made to fall in a category (or in
    none), with a few canceled and open ones; and the expected points per (quarter, category)."""
    epic = Issue(f"{prefix}-1", "The growth epic", team=team, type="Epic", status="In Progress")
    issues, expected = [epic], defaultdict(float)
    for k in range(2, n + 2):
        quarter = rng.choice(("2026-Q2", "2026-Q3"))
        start, end = Q2 if quarter == "2026-Q2" else Q3
        done = start + timedelta(days=rng.randrange((end - start).days + 1))
        category = rng.choice(CATEGORIES + ["uncategorised"])
        points = rng.choice((None, 1, 2, 3, 5, 8))
        issue = Issue(f"{prefix}-{k}", f"Issue {k}", team=team, done=done, points=points,
                      created=done - timedelta(days=rng.randrange(1, 20)))
        if category == "keep-the-lights-on":
            if linear:
                issue.labels = ["Bug"]
            else:
                issue.type = rng.choice(("Bug", "Incident"))
        elif category == "security-and-compliance":
            issue.labels = [rng.choice(("security", "compliance")), "misc"]
        elif category == "growth-bets":
            issue.parent = epic.key
        elif category == "customer-commitments":
            issue.labels = ["customer"]
        roll = rng.random()
        if roll < 0.05:
            issue.canceled, issue.status = True, "Won't Do"
        elif roll < 0.08:
            issue.done, issue.status = None, "In Progress"
        else:
            expected[(quarter, category)] += points if points is not None else 1
        issues.append(issue)
    return issues, expected


def percents(expected: dict, quarter: str) -> dict[str, float]:
    total = sum(v for (q, _), v in expected.items() if q == quarter)
    return {c: v * 100 / total for (q, c), v in expected.items() if q == quarter}


def measured(project: Project, team: str) -> dict[str, dict[str, float]]:
    handbook, diags = read_handbook(project.handbook, project.root)
    assert handbook is not None, [d.format_text() for d in diags]
    return {a.label: a.measured.percent for a in timeline(handbook, handbook.get("teams", team)) if a.measured}


def assert_split(got: dict[str, float], want: dict[str, float]) -> None:
    for category in set(got) | set(want):
        assert got.get(category, 0.0) == pytest.approx(want.get(category, 0.0), abs=1e-6), category


# --- the three formats ---------------------------------------------------------------------------

@pytest.mark.parametrize("bom,crlf,parent_by", [(True, True, "Parent"), (False, False, "Custom field (Epic Link)")])
def test_jira_export_measured_as_computed_here(project, bom, crlf, parent_by):
    rng = random.Random(23)
    pay, want_pay = generated(rng, "PAY", "PAY", 150)
    chk, want_chk = generated(rng, "CHK", "CHK", 90)
    project.write("evidence/jira-1.csv", jira_csv(pay, bom=bom, crlf=crlf, parent_by=parent_by))
    project.write("evidence/jira-2.csv", jira_csv(chk, bom=bom, crlf=crlf, parent_by=parent_by))
    evidence(project, "    - path: evidence/jira-*.csv\n      team: {column: Project key, map: {PAY: pricing, CHK: checkout}}",
             RULES)
    for team, want in (("pricing", want_pay), ("checkout", want_chk)):
        got = measured(project, team)
        assert set(got) == {"2026-Q2", "2026-Q3"}
        for quarter in got:
            assert_split(got[quarter], percents(want, quarter))


def test_linear_export_measured_as_computed_here(project):
    rng = random.Random(7)
    issues, want = generated(rng, "Data", "DAT", 120, linear=True)
    project.write("evidence/linear.csv", linear_csv(issues))
    evidence(project, "    - path: evidence/linear.csv\n      team: {column: Team, map: {Data: data-platform}}", RULES)
    got = measured(project, "data-platform")
    for quarter in ("2026-Q2", "2026-Q3"):
        assert_split(got[quarter], percents(want, quarter))


@pytest.mark.parametrize("gh", [False, True])
def test_github_export_measured_as_computed_here(project, gh):
    """GitHub has no estimates (each issue weighs `unestimated`) and no issue types; pull requests
    in the REST list are not issues."""
    rng = random.Random(5)
    issues, _ = generated(rng, "", "#", 80, linear=True)
    for n, i in enumerate(issues, 1):
        i.key, i.parent, i.points = f"#{n}", "", None
    want = defaultdict(float)
    for i in issues[1:]:
        if i.done and not i.canceled and not (gh and i.canceled):
            quarter = "2026-Q2" if i.done <= Q2[1] else "2026-Q3"
            category = ("keep-the-lights-on" if "Bug" in i.labels else "security-and-compliance"
                        if {"security", "compliance"} & set(i.labels) else "customer-commitments"
                        if "customer" in i.labels else "uncategorised")
            want[(quarter, category)] += 1
    if gh:  # `gh issue list --json` has no state reason: a canceled issue is simply closed
        for i in issues[1:]:
            if i.canceled:
                i.canceled, i.done = False, None
    project.write("evidence/issues.json", github_json(issues, gh=gh))
    evidence(project, "    - path: evidence/issues.json\n      team: product-ops", RULES, effort="issues")
    got = measured(project, "product-ops")
    for quarter in ("2026-Q2", "2026-Q3"):
        assert_split(got[quarter], percents(want, quarter))


# --- rules ---------------------------------------------------------------------------------------

def test_every_rule_key_and_the_first_rule_wins(project):
    """labels, types, projects, components, parents, statuses, fields: each matches by any of its
    values; a rule with two keys needs both; the first matching rule wins."""
    d = date(2026, 5, 5)
    issues = [
        Issue("PAY-2", "by label", labels=["x", "Security"], done=d),
        Issue("PAY-3", "by type", type="Incident", done=d),
        Issue("PAY-4", "by component", components=["Billing"], done=d),
        Issue("PAY-5", "by parent", parent="PAY-9", done=d),
        Issue("PAY-6", "by status", status="Shipped", done=d),
        Issue("PAY-7", "two keys, one matches", type="Task", labels=["contract"], done=d),
        Issue("PAY-8", "two keys, both match", type="Story", labels=["contract"], done=d),
        Issue("PAY-9", "the parent itself", type="Epic", done=d),
        Issue("OPS-1", "by project", team="OPS", done=d),
        Issue("PAY-10", "by label, but a type rule comes first", type="Bug", labels=["security"], done=d),
    ]
    project.write("evidence/jira.csv", jira_csv(issues))
    rules = """\
    - {category: keep-the-lights-on, types: [bug, incident]}
    - {category: security-and-compliance, labels: [security]}
    - {category: platform-investment, components: [billing]}
    - {category: growth-bets, parents: [PAY-9]}
    - {category: option-bets, statuses: [Shipped]}
    - {category: customer-commitments, types: [Story], labels: [contract]}
    - {category: rebuilding-after-breakdown, projects: [OPS]}
    - {category: platform-investment, fields: {Priority: [Highest]}}"""
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", rules, effort="issues")
    got = measured(project, "pricing")["2026-Q2"]
    n = len(issues)
    assert got["security-and-compliance"] == pytest.approx(100 / n)
    assert got["keep-the-lights-on"] == pytest.approx(200 / n)  # PAY-3 and PAY-10
    assert got["platform-investment"] == pytest.approx(100 / n)
    assert got["growth-bets"] == pytest.approx(200 / n)  # PAY-5 and PAY-9
    assert got["option-bets"] == pytest.approx(100 / n)
    assert got["customer-commitments"] == pytest.approx(100 / n)  # PAY-8, not PAY-7
    assert got["rebuilding-after-breakdown"] == pytest.approx(100 / n)
    assert got["uncategorised"] == pytest.approx(100 / n)  # PAY-7


def test_fields_rule_reads_a_declared_column(project):
    d = date(2026, 5, 5)
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "a", done=d), Issue("PAY-3", "b", done=d)]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing",
             "    - {category: growth-bets, fields: {Issue key: [PAY-3]}}", effort="issues")
    assert measured(project, "pricing")["2026-Q2"] == {"growth-bets": 50.0, "uncategorised": 50.0}


def test_parent_inheritance_runs_up_the_chain_and_across_files(project):
    """An unmatched issue takes its parent's category, which may itself be inherited, from a parent
    in another export; what is still unmatched is uncategorised."""
    d = date(2026, 8, 3)
    project.write("evidence/a.csv", linear_csv([
        Issue("DAT-1", "epic", team="Data", labels=["security"]),
        Issue("DAT-2", "story", team="Data", parent="DAT-1", done=d, points=3),
        Issue("DAT-3", "sub-task", team="Data", parent="DAT-2", done=d, points=2)]))
    project.write("evidence/b.csv", linear_csv([
        Issue("DAT-4", "other file", team="Data", parent="DAT-3", done=d, points=5),
        Issue("DAT-5", "orphan", team="Data", parent="DAT-99", done=d, points=10)]))
    evidence(project, "    - path: evidence/*.csv\n      team: data-platform",
             "    - {category: security-and-compliance, labels: [security]}")
    assert measured(project, "data-platform")["2026-Q3"] == {"security-and-compliance": 50.0, "uncategorised": 50.0}


def test_canceled_issues_count_nowhere(project):
    d = date(2026, 5, 5)
    project.write("evidence/jira.csv", jira_csv([
        Issue("PAY-2", "done", type="Bug", done=d, points=2),
        Issue("PAY-3", "won't do", done=d, points=5, canceled=True, status="Won't Do"),
        Issue("PAY-4", "canceled status", done=d, points=5, status="Cancelled")]))
    project.write("evidence/linear.csv", linear_csv([
        Issue("DAT-1", "canceled", team="Data", done=d, canceled=True, points=8),
        Issue("DAT-2", "done", team="Data", done=d, points=2, labels=["security"])]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing\n"
                      "    - path: evidence/linear.csv\n      team: data-platform", RULES)
    handbook, _ = read_handbook(project.handbook, project.root)
    cells = handbook.evidence.cells
    assert cells[("pricing", "2026-Q2")].items == 1 and cells[("pricing", "2026-Q2")].points == 2
    assert cells[("data-platform", "2026-Q2")].effort == {"security-and-compliance": 2.0}


def test_person_days_split_each_working_day_across_the_issues_in_progress(project):
    """Linear has Started and Completed. Ana works on A (Mon-Fri) and, from Wednesday, B (Wed-Fri):
    A gets 2 + 3 x 1/2 = 3.5 days, B 1.5; Saturday and Sunday count for nobody."""
    mon = date(2026, 7, 6)
    project.write("evidence/linear.csv", linear_csv([
        Issue("DAT-1", "A", team="Data", labels=["security"], started=mon, done=mon + timedelta(days=4)),
        Issue("DAT-2", "B", team="Data", started=mon + timedelta(days=2), done=mon + timedelta(days=6))]))
    evidence(project, "    - path: evidence/linear.csv\n      team: data-platform", RULES, effort="person-days")
    handbook, _ = read_handbook(project.handbook, project.root)
    cell = handbook.evidence.cells[("data-platform", "2026-Q3")]
    assert cell.effort == pytest.approx({"security-and-compliance": 3.5, "uncategorised": 1.5})
    assert not any("no start dates" in n for n in handbook.evidence.notes)


def test_person_days_says_where_the_export_has_no_start(project):
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "a", done=date(2026, 5, 5))]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES, effort="person-days")
    handbook, _ = read_handbook(project.handbook, project.root)
    assert any("no start dates" in n for n in handbook.evidence.notes)


def test_unmapped_team_values_are_counted_and_reported(project):
    d = date(2026, 5, 5)
    project.write("evidence/jira.csv", jira_csv([
        Issue("PAY-2", "a", done=d), Issue("OPS-1", "b", team="OPS", done=d), Issue("OPS-2", "c", team="OPS", done=d),
        Issue("pricing-1", "a team id needs no map", team="pricing", done=d)]))
    evidence(project, "    - path: evidence/jira.csv\n      team: {column: Project key, map: {PAY: pricing}}", RULES)
    handbook, _ = read_handbook(project.handbook, project.root)
    assert handbook.evidence.cells[("pricing", "2026-Q2")].items == 2
    found = [d for d in run_lints(handbook, TODAY) if d.code == "unmapped-team"]
    assert len(found) == 1 and "'OPS' in evidence/jira.csv: 2 issues" in found[0].message
    assert found[0].path == "handbook/model.yaml" and found[0].line > 0


# --- lints ---------------------------------------------------------------------------------------

def test_the_measured_lints_fire_on_their_situation_only(project):
    """The fixture's Pricing reports 2026-Q2 as 40/30/20/10: measured the same is quiet; its Q4 plan,
    with no actual, against a measure that differs is planned-vs-measured; mostly uncategorised
    work is low-coverage; old exports are stale."""
    def issues(quarter_day: date, split: dict[str, int], prefix: int) -> list[Issue]:
        out = []
        for category, n in split.items():
            for k in range(n):
                i = Issue(f"PAY-{prefix}0{len(out)}", "x", done=quarter_day, points=1)
                if category == "growth-bets":
                    i.parent = "PAY-1"
                elif category == "customer-commitments":
                    i.labels = ["customer"]
                elif category == "keep-the-lights-on":
                    i.type = "Bug"
                elif category == "security-and-compliance":
                    i.labels = ["security"]
                out.append(i)
        return out
    rows = ([Issue("PAY-1", "The growth epic", type="Epic", status="In Progress")]
            + issues(date(2026, 5, 1), {"growth-bets": 40, "customer-commitments": 30, "keep-the-lights-on": 20,
                                       "security-and-compliance": 10}, 1)
            + issues(date(2026, 8, 1), {"uncategorised": 60, "growth-bets": 40}, 2)
            + issues(date(2026, 11, 1), {"keep-the-lights-on": 100}, 3))
    project.write("evidence/jira.csv", jira_csv(rows))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES)
    handbook, _ = read_handbook(project.handbook, project.root)
    found = {(d.code, d.path, d.line) for d in run_lints(handbook, date(2026, 11, 20))}
    by_code = defaultdict(list)
    for code, path, line in found:
        by_code[code].append((path, line))
    text = (project.handbook / "teams/pricing.yaml").read_text().splitlines()
    assert "reported-vs-measured" in by_code  # Q3: reported 25 % growth, measured 40 %
    for path, line in by_code["reported-vs-measured"]:
        assert path == "handbook/teams/pricing.yaml" and "actual" in text[line - 1]
    assert len(by_code["reported-vs-measured"]) == 1  # Q2 agrees
    assert [p for p, _ in by_code["planned-vs-measured"]] == ["handbook/teams/pricing.yaml"]  # Q4
    assert len(by_code["low-coverage"]) == 1  # Q3: 60 % uncategorised
    assert "evidence-stale" not in by_code
    later = {d.code for d in run_lints(handbook, date(2027, 3, 1))}
    assert "evidence-stale" in later


def test_thresholds_come_from_the_model_and_explain_knows_the_codes(project):
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1))]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES)
    project.edit("handbook/model.yaml", "thresholds:\n", "thresholds:\n  uncategorised_percent: 100\n"
                 "  measured_points: 100\n")
    handbook, _ = read_handbook(project.handbook, project.root)
    codes = {d.code for d in run_lints(handbook, TODAY)}
    assert not codes & {"low-coverage", "reported-vs-measured", "planned-vs-measured"}
    for code in ("reported-vs-measured", "planned-vs-measured", "low-coverage", "unmapped-team", "evidence-stale"):
        result = CliRunner().invoke(main, ["explain", code])
        assert result.exit_code == 0 and "thresholds" in result.output or code == "unmapped-team", result.output


# --- API, pages, privacy ----------------------------------------------------------------------------

def test_api_has_measured_coverage_items_and_added_periods(project):
    d = date(2026, 2, 10)  # 2026-Q1: no team wrote an allocation for it
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", type="Bug", done=d, points=3),
                                                 Issue("PAY-3", "y", done=d, points=1),
                                                 Issue("PAY-4", "z", type="Bug", done=date(2026, 5, 2), points=1)]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES)
    handbook, _ = read_handbook(project.handbook, project.root)
    api = json.loads(site_files(handbook)["api/handbook.json"])
    pricing = next(e for e in api["entities"] if e["kind"] == "teams" and e["id"] == "pricing")
    periods = {a["period"]: a for a in pricing["fields"]["allocations"]}
    assert periods["2026-Q1"] == {"period": "2026-Q1", "measured": {"keep-the-lights-on": 75.0, "uncategorised": 25.0},
                                  "coverage": 75.0, "items": 2}
    assert periods["2026-Q2"]["measured"] == {"keep-the-lights-on": 100.0, "uncategorised": 0.0}
    assert "planned" in periods["2026-Q2"] and "measured" not in periods["2026-Q4"]
    q1 = next(p for p in api["pillar_time"] if p["period"] == "2026-Q1")
    assert q1["teams_measured"] == ["pricing"]
    ktlo_pillar = handbook.get("funding", "keep-the-lights-on").pillar
    assert next(r for r in q1["pillars"] if r["pillar"] == ktlo_pillar)["measured"] == 75.0


def build(project: Project) -> str:
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr[-3000:]
    return (project.root / "site/teams/pricing/index.html").read_text(encoding="utf-8")


def test_pages_show_top_parents_escaped_and_never_personal_data(project):
    hostile = '<img src=x onerror=alert(1)> [click](javascript:alert(1))'
    d = date(2026, 8, 4)
    project.write("evidence/jira.csv", jira_csv([
        Issue("PAY-1", hostile, type="Epic", status="In Progress"),
        Issue("PAY-2", "child", parent="PAY-1", done=d, points=5),
        Issue("PAY-3", "bug", type="Bug", done=d, points=3)]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing\n"
                      "      link: \"https://jira.example.com/browse/{key}\"", RULES)
    page = build(project)
    assert 'href="https://jira.example.com/browse/PAY-1"' in page
    assert re.search(r"(&lt;|&#60;)img src(=|&#61;)x onerror", page) and "<img src=x" not in page
    assert 'href="javascript' not in page
    site = "".join(p.read_text(encoding="utf-8", errors="replace") for p in (project.root / "site").rglob("*")
                   if p.is_file() and p.suffix in (".html", ".json", ".xml", ".ics"))
    for secret in ("SECRET-", "rita.reporter@example.com", "someone@example.com", "Rita Reporter"):
        assert secret not in site
    for path in ("index.html", "funding/growth-bets/index.html"):
        assert "hb-alloc__svg" in (project.root / "site" / path).read_text(encoding="utf-8")
    assert list((project.root / "site/pillars").glob("*/index.html"))
    assert any("hb-alloc__svg" in p.read_text(encoding="utf-8") for p in (project.root / "site/pillars").glob("*/index.html"))


def test_redact_titles_hides_the_titles_of_top_parents(project):
    d = date(2026, 8, 4)
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-1", "Confidential acquisition", type="Epic"),
                                                 Issue("PAY-2", "child", parent="PAY-1", done=d, points=5)]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES, extra="  redact: titles\n")
    page = build(project)
    assert "PAY-1" in page and "Confidential acquisition" not in page


def test_an_unchanged_export_is_not_read_again(project, monkeypatch):
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1))]))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES)
    reads = []
    original = measure_module.read_file
    monkeypatch.setattr(measure_module, "read_file", lambda *a: (reads.append(a[1]), original(*a))[1])
    read_handbook(project.handbook, project.root)
    read_handbook(project.handbook, project.root)
    assert reads == ["evidence/jira.csv"]
    path = project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1)),
                                                        Issue("PAY-3", "y", done=date(2026, 8, 1))]))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    handbook, _ = read_handbook(project.handbook, project.root)
    assert reads == ["evidence/jira.csv"] * 2 and handbook.evidence.cells[("pricing", "2026-Q3")].items == 2


def test_a_preview_watches_the_export_folders_and_a_changed_export_rerenders_every_page(project, tmp_path):
    from generator.site import affected_pages
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project.root / "linked").symlink_to(outside)
    project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1))]))
    project.write("evidence/gh/issues.json", "[]")
    evidence(project, "    - path: evidence/jira*.csv\n      team: pricing\n"
                      "    - path: evidence/gh/issues.json\n      team: pricing", RULES)
    cache: dict = {}
    old, _ = read_handbook(project.handbook, project.root, cache)
    decl = old.model.evidence
    assert decl.folders(project.root) == [project.root / "evidence", project.root / "evidence" / "gh"]
    # Never the project root (it holds the site folder), a link, or a path out of the project.
    refused = [decl.sources[0].model_copy(update={"path": p})
               for p in ("jira.csv", "linked/*.csv", "../x/*.csv", "/etc/*.csv")]
    more = decl.model_copy(update={"sources": [*decl.sources, *refused]})
    assert more.folders(project.root) == [project.root / "evidence", project.root / "evidence" / "gh"]
    same, _ = read_handbook(project.handbook, project.root, cache)
    assert affected_pages(old, same) == set()  # nothing changed: no entity page to render again
    path = project.write("evidence/jira.csv", jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1)),
                                                        Issue("PAY-3", "y", done=date(2026, 8, 2), labels=["security"])]))
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    new, _ = read_handbook(project.handbook, project.root, cache)
    assert new.evidence != old.evidence
    assert affected_pages(old, new) is None  # every page: the measured shares moved on team, funding and pillar pages


# --- bad input -----------------------------------------------------------------------------------

def bad(project: Project, name: str, content: bytes, team: str = "pricing") -> str:
    project.write(f"evidence/{name}", content)
    evidence(project, f"    - path: evidence/{name}\n      team: {team}", RULES)
    before = project.snapshot("evidence")
    result = check(project)
    assert result.exit_code == 1, result.output
    assert project.snapshot("evidence") == before
    build = project.mkdocs("build")
    assert build.returncode != 0 and not (project.root / "site").exists(), "no half-built site"
    assert "Traceback" not in build.stderr
    return result.output


GOOD = jira_csv([Issue("PAY-2", "x", done=date(2026, 8, 1))], bom=False, crlf=False).decode()


def test_wrong_delimiter(project):
    out = bad(project, "semi.csv", GOOD.replace(",", ";").encode())
    assert "evidence/semi.csv:1:1: error[evidence-format]" in out and "';'" in out and "Issue key" in out


def test_ragged_rows(project):
    header, row = list(csv.reader(io.StringIO(GOOD)))[:2]
    text = io.StringIO()
    csv.writer(text).writerows([header, row + ["extra"], row[:5], row])
    out = bad(project, "ragged.csv", text.getvalue().encode())
    assert re.search(r"evidence/ragged.csv:2:\d+: error\[evidence-row\]", out)
    assert re.search(r"evidence/ragged.csv:3:\d+: error\[evidence-row\]", out)
    assert "headers: Summary, Issue key" in out


def test_utf16_from_a_spreadsheet(project):
    out = bad(project, "utf16.csv", GOOD.encode("utf-16"))
    assert "evidence/utf16.csv:1:1: error[evidence-format]" in out and "UTF-16" in out and "CSV UTF-8" in out


def test_unknown_date_format(project):
    header, row = list(csv.reader(io.StringIO(GOOD)))[:2]
    col = header.index("Resolved") + 1
    row[col - 1] = "1 août 2026"
    text = io.StringIO()
    csv.writer(text).writerows([header, row])
    out = bad(project, "dates.csv", text.getvalue().encode())
    assert f"evidence/dates.csv:2:{col}: error[evidence-date]" in out and "14/Jul/26" in out


def test_missing_columns_name_the_headers_seen_and_expected(project):
    header, row = list(csv.reader(io.StringIO(GOOD)))[:2]
    drop = header.index("Resolved")
    text = io.StringIO()
    csv.writer(text).writerows([[c for i, c in enumerate(line) if i != drop] for line in (header, row)])
    out = bad(project, "cols.csv", text.getvalue().encode())
    assert "evidence/cols.csv:1:1: error[evidence-format]" in out and "'Resolved'" in out
    assert "headers seen: Summary, Issue key" in out and "expected: Issue key, Summary" in out


def test_an_unknown_format_and_a_bad_estimate(project):
    out = bad(project, "other.csv", b"Name,When\nx,2026-01-01\n")
    assert "error[evidence-format]" in out and "headers seen: Name, When" in out and "Linear CSV" in out


def test_bad_json(project):
    out = bad(project, "gh.json", b'[{"number": 1,\n "title": ]')
    assert "evidence/gh.json:2:" in out and "error[evidence-format]" in out


def test_declarations_naming_no_team_or_category(project):
    project.write("evidence/jira.csv", GOOD.encode())
    evidence(project, "    - path: evidence/jira.csv\n      team: {column: Project key, map: {PAY: pricingg}}",
             "    - {category: growth-betz, labels: [x]}")
    result = check(project)
    assert result.exit_code == 1
    assert re.search(r"handbook/model.yaml:\d+:\d+: error\[evidence-declaration\]: team 'pricingg'", result.output)
    assert re.search(r"error\[evidence-declaration\]: category 'growth-betz'.*growth-bets", result.output)


def test_files_outside_the_project_are_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.csv"
    outside.write_bytes(GOOD.encode())
    (project.root / "evidence").mkdir()
    (project.root / "evidence/linked.csv").symlink_to(outside)
    evidence(project, "    - path: evidence/*.csv\n      team: pricing\n    - path: ../outside/*.csv\n      team: pricing",
             RULES)
    result = check(project)
    assert result.exit_code == 1
    assert "evidence/linked.csv: error[not-a-regular-file]" in result.output
    assert "error[evidence-file]" in result.output and "leaves the project" in result.output
    assert "Issue key" not in result.output


def test_a_path_that_matches_nothing(project):
    evidence(project, "    - path: evidence/none-*.csv\n      team: pricing", RULES)
    result = check(project)
    assert result.exit_code == 1 and "no file matches evidence path 'evidence/none-*.csv'" in result.output


# --- history ---------------------------------------------------------------------------------------

def test_diff_and_the_changes_page_read_measured_shifts(project):
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project.root, check=True, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@t"})

    d = date(2026, 8, 4)
    first = [Issue("PAY-2", "a", type="Bug", done=d, points=3), Issue("PAY-3", "b", labels=["customer"], done=d, points=1)]
    project.write("evidence/jira.csv", jira_csv(first))
    evidence(project, "    - path: evidence/jira.csv\n      team: pricing", RULES)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "start")
    project.write("evidence/jira.csv", jira_csv(first + [Issue("PAY-4", "c", labels=["customer"], done=d, points=4)]))
    git("commit", "-qam", "New export")
    with cwd(project.root):
        result = CliRunner().invoke(main, ["diff", "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    assert "(`teams/pricing`): measured 2026-Q3: keep-the-lights-on 75 % → 38 %, customer-commitments 25 % → 62 %" \
        in result.output
    build = project.mkdocs("build", "--strict")
    assert build.returncode == 0, build.stderr[-2000:]
    changes = (project.root / "site/changes/index.html").read_text(encoding="utf-8")
    assert "New export" in changes and "measured 2026-Q3" in changes


def test_only_exports_are_read_never_other_project_files(project):
    """A path that names other files (a secret's first line would be echoed as 'headers seen')."""
    project.write("secrets.txt", "TOKEN=hunter2,PASSWORD=x\n")
    project.write(".env", "TOKEN=hunter2\n")
    evidence(project, "    - path: '*'\n      team: pricing", RULES)
    result = check(project)
    assert result.exit_code == 1
    assert "secrets.txt: error[evidence-file]: not an export" in result.output
    assert "hunter2" not in result.output and ".env" not in result.output
