"""Beyond the static site: calendar feeds, JSON API, what changed, review freshness, export."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import jsonschema
import yaml
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from generator.adapters.cli import main

from test_bad_input import cwd


@pytest.fixture
def site(project):
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    return project.root / "site"


def events(path):
    return {str(e["summary"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}


def test_calendar_has_a_recurring_event_per_regular_ritual(site):
    found = events(site / "calendar.ics")
    assert set(found) == {"Weekly business review", "Quarterly planning", "Betting table", "Monthly operating review",
                          "Team health review", "Architecture review", "Demo day"}  # not the event-driven ones
    betting = found["Betting table"]
    assert betting["rrule"]["FREQ"] == ["WEEKLY"] and betting["rrule"]["INTERVAL"] == [6]
    assert found["Quarterly planning"]["rrule"]["FREQ"] == ["MONTHLY"] and found["Quarterly planning"]["rrule"]["INTERVAL"] == [3]
    start = found["Weekly business review"]["dtstart"].dt
    assert start.tzinfo == ZoneInfo("Europe/London") and (start.hour, start.minute) == (10, 0)
    assert found["Weekly business review"]["duration"].dt == timedelta(minutes=60)
    url = "https://handbook.fernhill.example/rituals/betting-table/"
    assert str(betting["url"]) == url and url in str(betting["description"])
    assert b"BEGIN:VTIMEZONE" in (site / "calendar.ics").read_bytes()


def test_team_feeds_hold_the_rituals_a_team_takes_part_in(site):
    assert set(events(site / "calendar" / "checkout.ics")) == {"Demo day"}
    assert "Monthly operating review" in events(site / "calendar" / "finance-partnering.ics")


def test_ritual_without_start_time_is_an_all_day_reminder(project):
    project.edit("handbook/rituals/demo-day.yaml", "starts: 2026-02-13T15:30\n", "")
    assert project.mkdocs("build", "--strict").returncode == 0
    demo = events(project.root / "site" / "calendar.ics")["Demo day"]
    assert type(demo["dtstart"].dt) is date and "No start time" in str(demo["description"])


def test_rituals_index_links_feeds_and_lists_event_driven_rituals(site):
    page = (site / "rituals" / "index.html").read_text(encoding="utf-8")
    assert 'href="../calendar.ics"' in page and 'href="../calendar/checkout.ics"' in page
    section = page.split("Event-driven rituals", 1)[1]
    assert "Rebuild review" in section and "Post-incident review" in section


def test_json_api_matches_its_published_schema(site):
    document = json.loads((site / "api" / "handbook.json").read_text(encoding="utf-8"))
    schema = json.loads((site / "api" / "handbook.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    by_id = {(e["kind"], e["id"]): e for e in document["entities"]}
    assert len(by_id) == 53 and document["counts"]["rituals"] == 9 and document["counts"]["forums"] == 2
    assert document["counts"]["people"] == 9
    wbr = by_id[("rituals", "weekly-business-review")]
    assert wbr["source"] == "handbook/rituals/weekly-business-review.yaml"
    assert wbr["fields"]["cadence"] == {"text": "weekly", "every": 1, "unit": "week"}
    assert [r["id"] for r in wbr["references"]["inputs"]] == ["input-metrics-update"]
    metrics = by_id[("interfaces", "input-metrics-update")]
    assert {r["id"] for r in metrics["referenced_by"]["input_to"]} == {
        "weekly-business-review", "betting-table", "monthly-operating-review"}
    assert by_id[("funding", "growth-bets")]["fields"]["target"] == {"low": 35, "high": 45}
    guild = by_id[("forums", "architecture-guild")]  # a kind of the handbook's own model
    assert guild["fields"]["meets"] == {"text": "every 2 weeks", "every": 2, "unit": "week"}
    assert [r["id"] for r in guild["references"]["chair"]] == ["developer-platform"]
    review = by_id[("rituals", "engineering/architecture-review")]  # in a department folder
    assert review["referenced_by"]["escalations_from"][0]["id"] == "architecture-guild"
    assert review["source"] == "handbook/rituals/engineering/architecture-review.yaml"
    assert [r["id"] for r in by_id[("people", "rafael-moreno")]["referenced_by"]["attends"]] == [
        "betting-table", "monthly-operating-review", "rebuild-review", "weekly-business-review"]


def git(project, *args):
    subprocess.run(["git", "-c", "user.name=Ops", "-c", "user.email=ops@example.org", *args],
                   cwd=project.root, check=True, capture_output=True)


@pytest.fixture
def repo(project):
    if shutil.which("git") is None:
        if os.environ.get("CI"):
            pytest.fail("the history tests need git")
        pytest.skip("git is not installed")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Adopt the operating system")
    project.edit("handbook/rituals/weekly-business-review.yaml", "cadence: weekly", "cadence: every 2 weeks")
    project.edit("handbook/teams/checkout.yaml", "  growth-bets: 55", "  growth-bets: 50")
    project.edit("handbook/teams/checkout.yaml", "  option-bets: 10", "  option-bets: 15")
    git(project, "mv", "handbook/rituals/demo-day.yaml", "handbook/rituals/show-and-tell.yaml")
    git(project, "commit", "-qam", "WBR every two weeks; more option bets")
    return project


def test_changes_page_describes_each_commit_in_words(repo):
    assert repo.mkdocs("build", "--strict").returncode == 0
    page = (repo.root / "site" / "changes" / "index.html").read_text(encoding="utf-8")
    assert "WBR every two weeks; more option bets" in page and "Adopt the operating system" in page
    assert "cadence weekly → every 2 weeks" in page
    assert "growth bets 2026-Q4 planned 55 % → 50 %; option bets 2026-Q4 planned 10 % → 15 %" in page
    assert "renamed from demo-day" in page


def test_changes_page_without_git(site):
    page = (site / "changes" / "index.html").read_text(encoding="utf-8")
    assert "History is unavailable" in page


def test_handbook_diff_prints_markdown_for_pull_requests(repo):
    repo.edit("handbook/rituals/weekly-business-review.yaml", "mode: hybrid", "mode: sync")
    with cwd(repo.root):
        committed = CliRunner().invoke(main, ["diff", "HEAD~1", "HEAD"])
        working = CliRunner().invoke(main, ["diff", "HEAD"])
    assert committed.exit_code == 0
    assert "- **Weekly business review** (`rituals/weekly-business-review`): cadence weekly → every 2 weeks" in committed.output
    assert working.output.strip() == "- **Weekly business review** (`rituals/weekly-business-review`): mode hybrid → sync"


def test_handbook_diff_of_the_work_tree_lists_new_files_and_shows_changed_words(repo):
    repo.edit("handbook/rituals/weekly-business-review.yaml",
              "summary: Leadership reads every team's input metrics and decides where to look closer.",
              "summary: Leadership reads every team's input metrics and agrees where to look closer.")
    starter = (repo.handbook / "principles" / "write-first-meet-second.yaml").read_text()
    repo.write("handbook/principles/say-no-early.yaml", starter.replace("name: Write first, meet second", "name: Say no early"))
    with cwd(repo.root):
        working = CliRunner().invoke(main, ["diff", "HEAD"])
    assert working.exit_code == 0, working.output
    assert "- **Say no early** (`principles/say-no-early`): added" in working.output  # not yet added to git
    assert "summary: … input metrics and \\[decides → agrees\\] where to look closer." in working.output


def test_handbook_diff_output_is_inert_markdown(repo):
    repo.edit("handbook/teams/checkout.yaml", "name: Ordering and Checkout", "name: '[x](https://evil.example) ![t](https://t.example/p.png)'")
    with cwd(repo.root):
        out = CliRunner().invoke(main, ["diff", "HEAD"]).output
    assert "\\[x\\](https://evil.example) \\!\\[t\\]" in out  # no link, no image in a PR comment
    assert "[x](" not in out.replace("\\[x\\](", "")


def test_handbook_diff_outside_git(project):
    with cwd(project.root):
        result = CliRunner().invoke(main, ["diff", "HEAD~1", "HEAD"])
    assert result.exit_code == 2 and "not a git repository" in result.output


def test_reviews_page_lists_overdue_pages_by_owner(project):
    project.edit("mkdocs.yml", "nav_threshold: 50", "nav_threshold: 50\n      today: 2026-11-24")
    assert project.mkdocs("build", "--strict").returncode == 0
    page = (project.root / "site" / "reviews" / "index.html").read_text(encoding="utf-8")
    article = page.split("<article", 1)[1].split("</article>", 1)[0]
    assert "Product Operations" in article and "Demo day" in article and "overdue by 116 days" in article
    assert "Weekly business review" not in article  # reviewed recently


def test_check_stale_fails_on_overdue_pages(project):
    with cwd(project.root):
        relaxed = CliRunner().invoke(main, ["check", "--today", "2026-11-24"])
        strict = CliRunner().invoke(main, ["check", "--stale", "--today", "2026-11-24"])
    assert relaxed.exit_code == 0 and "warning[review-overdue]" in relaxed.output
    assert strict.exit_code == 1 and "error[review-overdue]" in strict.output


def test_export_builds_with_properdocs(project, tmp_path):
    out = tmp_path / "export"
    with cwd(project.root):
        result = CliRunner().invoke(main, ["export", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "docs" / "rituals" / "weekly-business-review.md").is_file()
    assert (out / "docs" / "calendar.ics").is_file() and (out / "docs" / "api" / "handbook.json").is_file()
    assert "handbook" not in yaml.safe_load((out / "mkdocs.yml").read_text())["plugins"]  # no plugin needed
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run([sys.executable, "-m", "properdocs", "build", "--strict", "-f", str(out / "mkdocs.yml"),
                            "-d", str(tmp_path / "site")], capture_output=True, text=True, env=env)
    assert built.returncode == 0, built.stderr
    page = (tmp_path / "site" / "rituals" / "weekly-business-review" / "index.html").read_text(encoding="utf-8")
    assert "Input-metrics update" in page and 'class="hb-diagram"' in page
    with cwd(project.root):
        again = CliRunner().invoke(main, ["export", str(out)])
    assert again.exit_code == 1 and "not empty" in again.output  # never writes over files
