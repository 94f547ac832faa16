"""Real handbooks written by other people: dates without a time, the way people write cadences.
Each test builds its own small handbook (see test_own_model.make)."""

from __future__ import annotations

from datetime import date, datetime

from icalendar import Calendar

from test_own_model import build, check, make, page


def test_a_date_without_a_time_starts_an_all_day_event(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "cadence: daily", "cadence: weekly\nstarts: 2025-04-25")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    assert "Friday 2025-04-25 (all day)" in page(site, "rituals/standup")
    calendar = Calendar.from_ical((site / "calendar.ics").read_bytes())
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert isinstance(start, date) and not isinstance(start, datetime) and start == date(2025, 4, 25)
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and "DURATION" not in event
    assert "all-day event" in str(event["description"])


def test_a_date_and_time_starts_a_timed_event_in_the_handbooks_zone(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/handbook.yaml", "review_by: 2030-01-01", "review_by: 2030-01-01\ntimezone: Europe/London")
    own.edit("handbook/rituals/standup.yaml", "cadence: daily", "cadence: daily\nstarts: 2026-01-05T09:30")
    site = build(own)
    assert "Monday 2026-01-05 09:30 (Europe/London)" in page(site, "rituals/standup")
    (event,) = Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.hour == 9 and str(start.tzinfo) == "Europe/London" and event.decoded("duration").seconds == 900


# The cadence words of a real, 102-ritual handbook, and what the page says was understood.
CADENCES = [
    ("Triweekly", "Every 3 weeks", {"FREQ": ["WEEKLY"], "INTERVAL": [3]}),
    ("Quarterly (first Tuesday)", "Quarterly, the first Tuesday", {"FREQ": ["MONTHLY"], "INTERVAL": [3], "BYDAY": ["1TU"]}),
    ("Daily ⏰", "Daily", {"FREQ": ["DAILY"], "INTERVAL": [1]}),
    ("every other week", "Every 2 weeks", {"FREQ": ["WEEKLY"], "INTERVAL": [2]}),
    ("every second Tuesday", "Every 2 weeks on Tuesdays", {"FREQ": ["WEEKLY"], "INTERVAL": [2], "BYDAY": ["TU"]}),
    ("twice a month", "Twice a month", {"FREQ": ["MONTHLY"], "INTERVAL": [1], "BYMONTHDAY": [1, 15]}),
    ("bi-monthly", "Every 2 months", {"FREQ": ["MONTHLY"], "INTERVAL": [2]}),
    ("every 10 days", "Every 10 days", {"FREQ": ["DAILY"], "INTERVAL": [10]}),
    ("Monthly (after the board meeting)", "Monthly (after the board meeting)", {"FREQ": ["MONTHLY"], "INTERVAL": [1]}),
]


def test_cadence_words_people_write_are_understood(tmp_path):
    own = make(tmp_path)
    text = (own.handbook / "rituals" / "standup.yaml").read_text()
    for i, (words, _, _) in enumerate(CADENCES):
        body = text.replace("name: Standup", f"name: Ritual {i}").replace("cadence: daily", f"cadence: {words!r}")
        (own.handbook / "rituals" / f"ritual-{i}.yaml").write_text(body + "starts: 2026-06-01T10:00\n")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    events = {str(e["summary"]): e for e in Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT")}
    for i, (words, label, rule) in enumerate(CADENCES):
        assert label in page(site, f"rituals/ritual-{i}"), (words, label)
        assert dict(events[f"Ritual {i}"]["rrule"]) == rule, words


def test_a_typo_gets_did_you_mean_and_other_words_are_a_trigger(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "cadence: daily", "cadence: Qurterly")
    assert "'Qurterly' is not a cadence (did you mean 'quarterly'?)" in check(own).output
    own.edit("handbook/rituals/standup.yaml", "cadence: Qurterly", "cadence: Every patch release")
    assert check(own).exit_code == 0
    site = build(own)
    assert "When triggered: Every patch release" in page(site, "rituals/standup")
    assert Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT") == []  # no invented dates


def test_a_recurring_task_is_not_a_meeting(tmp_path):
    own = make(tmp_path)
    own.write("handbook/rituals/access-audit.yaml", "name: Access audit\nowner: ops\nlast_reviewed: 2026-05-01\n"
              "summary: Check who can reach production.\npurpose: Remove access nobody needs.\n"
              "cadence: quarterly\ntype: task\n")
    result = check(own)
    assert result.exit_code == 0 and "access-audit" not in result.output  # no meeting fields, no zombie warning
    own.edit("handbook/rituals/access-audit.yaml", "type: task\n", "")  # now a meeting: its fields are missing
    result = check(own)
    assert result.exit_code == 1
    assert ("handbook/rituals/access-audit.yaml:1:1: error[invalid-value]: a type `meeting` needs `facilitator`, "
            "`duration_minutes`, `format`, `mode`, `level`, `participants`") in result.output
    build_ok = make(tmp_path / "b")
    build_ok.write("handbook/rituals/access-audit.yaml", (own.handbook / "rituals" / "access-audit.yaml").read_text()
                   + "type: task\n")
    assert "Access audit" in page(build(build_ok), "rituals/access-audit")


def department(own, folder: str, name: str, extra: str = "") -> None:
    own.write(f"handbook/rituals/{folder}/{name}.yaml",
              f"name: {folder.title()} {name.replace('-', ' ')}\nowner: ops\nlast_reviewed: 2026-05-01\n"
              f"summary: A review.\npurpose: Look at the numbers.\ncadence: weekly\ntype: task\n{extra}")


def test_departments_may_share_a_ritual_name_and_ids_follow_the_path(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "weekly-pipeline-review")
    department(own, "marketing", "weekly-pipeline-review")
    department(own, "sales", "forecast-call")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    assert (site / "rituals" / "sales" / "weekly-pipeline-review" / "index.html").is_file()
    assert (site / "rituals" / "marketing" / "weekly-pipeline-review" / "index.html").is_file()
    import json
    api = json.loads((site / "api" / "handbook.json").read_text())
    assert {e["id"] for e in api["entities"] if e["kind"] == "rituals"} >= {
        "sales/weekly-pipeline-review", "marketing/weekly-pipeline-review", "sales/forecast-call"}


def test_a_short_name_works_while_it_is_unique_and_an_ambiguous_one_lists_the_candidates(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "weekly-pipeline-review")
    department(own, "marketing", "weekly-pipeline-review")
    department(own, "sales", "forecast-call")
    own.write("handbook/funding/growth.yaml", "name: Growth\nowner: ops\nlast_reviewed: 2026-05-01\nsummary: Bets.\n"
              "basis: Judged on outcomes.\npillar: core\ntarget: 20-40%\nvalue_shape: option\n"
              "reviewed_in: forecast-call\nexit_criteria: [Done]\n")
    result = check(own)
    assert result.exit_code == 0, result.output
    site = build(own)
    assert 'href="../../rituals/sales/forecast-call/"' in page(site, "funding/growth")  # resolved to the full id
    own.edit("handbook/funding/growth.yaml", "reviewed_in: forecast-call", "reviewed_in: weekly-pipeline-review")
    result = check(own)
    assert result.exit_code == 1
    assert ("reviewed_in: 'weekly-pipeline-review' could be any of: marketing/weekly-pipeline-review, "
            "sales/weekly-pipeline-review") in result.output
    assert "= hint: write the full id, with its folder" in result.output
    own.edit("handbook/funding/growth.yaml", "reviewed_in: weekly-pipeline-review",
             "reviewed_in: marketing/weekly-pipeline-review")
    assert check(own).exit_code == 0


def test_department_folders_are_groups_on_the_index(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "weekly-pipeline-review")
    department(own, "sales", "forecast-call")
    department(own, "customer-success", "weekly-pipeline-review")
    html = page(build(own), "rituals")
    article = html[html.index("<article"):html.index("</article>")]
    # a folder without a declared title is headed by its name as written (issue 20)
    top, success, sales = (article.find(t) for t in ("Standup", ">customer-success<", ">sales<"))
    assert 0 < top < success < sales  # the top of the folder first, then the groups by name
    assert article.find("Sales forecast call") > sales and article.find("Customer-Success weekly") > success


def test_the_nav_groups_entities_by_folder(tmp_path):
    from generator.model import read_handbook
    from generator.render.pages import RenderedPage
    from generator.site import build_nav
    own = make(tmp_path)
    department(own, "sales", "forecast-call")
    department(own, "sales", "weekly-pipeline-review")
    handbook, _ = read_handbook(own.handbook, own.root)
    pages = [RenderedPage(e.url, "", e.path, e) for e in handbook.all()]
    rituals = next(item["Rituals"] for item in build_nav(handbook.model, pages, 50, []) if "Rituals" in item)
    assert rituals == ["rituals/index.md", {"Rhythm": "rituals/rhythm.md"}, "rituals/standup.md",
                       {"sales": ["rituals/sales/forecast-call.md", "rituals/sales/weekly-pipeline-review.md"]}]


def test_above_the_threshold_the_nav_lists_the_groups_and_long_groups_fold_by_owner(tmp_path):
    own = make(tmp_path)
    own.edit("mkdocs.yml", "handbook: {today: 2026-06-01}", "handbook: {today: 2026-06-01, nav_threshold: 5}")
    own.write("handbook/teams/sales-ops.yaml", "name: Sales ops\nlast_reviewed: 2026-05-01\nmission: Sell.\n"
              "topology: stream-aligned\nlead: Bo\n")
    for i in range(30):  # more than a long group holds: split by owner
        own.write(f"handbook/rituals/sales/review-{i}.yaml",
                  f"name: Sales review {i}\nowner: {'ops' if i < 10 else 'sales-ops'}\nlast_reviewed: 2026-05-01\n"
                  "summary: A review.\npurpose: Look at the numbers.\ncadence: weekly\ntype: task\n")
    department(own, "customer-success", "weekly-pipeline-review")
    site = build(own)
    standup = page(site, "rituals/standup")
    start = standup.index('<nav class="md-nav md-nav--primary"')
    nav = standup[start:standup.index('<div class="md-content"', start)]
    assert 'href="../#group-sales"' in nav and 'href="../#group-customer-success"' in nav
    assert "Sales review 3" not in nav  # the entities themselves stay out of the nav
    index = page(site, "rituals")
    assert 'id="group-sales"' in index and 'id="group-customer-success"' in index
    article = index[index.index("<article"):index.index("</article>")]
    sales = article[article.index('id="group-sales"'):]
    assert sales.count('<details class="hb-group"') == 2
    assert "<summary>Ops · 10</summary>" in sales and "<summary>Sales ops · 20</summary>" in sales
    assert "Sales review 29" in sales.split("<summary>Sales ops")[1]
    success = article[article.index('id="group-customer-success"'):article.index('id="group-sales"')]
    assert "<details" not in success  # a short group is one table


def test_a_short_name_in_a_file_with_schema_errors_is_not_called_unknown(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "forecast-call")
    own.write("handbook/funding/growth.yaml", "name: Growth\nowner: ops\nlast_reviewed: 2026-05-01\nsummary: Bets.\n"
              "basis: Judged on outcomes.\npillar: core\ntarget: 20-40%\nvalue_shape: option\n"
              "reviewed_in: forecast-call\nexit_criteria: [Done]\ncolour: red\n")
    result = check(own)
    assert "unknown field 'colour'" in result.output and "unknown-reference" not in result.output


# --- people: owners, facilitators, leads and participants are people or teams -------------------------

ADA = "name: Ada Lovelace\nhandle: ada.l\nrole: Head of Operations\nteams: [ops]\nemail: ada@example.com\n"


def test_a_person_owns_facilitates_leads_and_attends(tmp_path):
    own = make(tmp_path)
    own.write("handbook/people/ada.yaml", ADA)
    own.edit("handbook/rituals/standup.yaml", "owner: ops", "owner: ada")
    own.edit("handbook/rituals/standup.yaml", "facilitator: Lead", "facilitator: ada")
    own.edit("handbook/rituals/standup.yaml", "participants: [{team: ops}]", "participants: [{person: ada}, {role: CFO}]")
    own.edit("handbook/teams/ops.yaml", "lead: Ada", "lead: ada")
    result = check(own)
    assert result.exit_code == 0, result.output
    site = build(own)
    person = page(site, "people/ada")
    for section in ("Owns", "Facilitates", "Leads", "Attends"):
        assert f">{section}</h2>" in person, section
    assert person.count('href="../../rituals/standup/"') >= 3  # owns, facilitates, attends
    assert 'href="../../teams/ops/"' in person and "Head of Operations" in person
    ritual = page(site, "rituals/standup")
    assert 'href="../../people/ada/"' in ritual and "CFO" in ritual
    assert 'href="../../people/ada/"' in page(site, "teams/ops")  # lead, and member
    assert "Ada Lovelace" in page(site, "people")


def test_a_role_in_words_is_not_a_reference_but_an_unknown_handle_is_an_error(tmp_path):
    own = make(tmp_path)
    own.write("handbook/people/ada.yaml", ADA)
    own.edit("handbook/rituals/standup.yaml", "facilitator: Lead", "facilitator: Head of Operations")
    assert check(own).exit_code == 0
    own.edit("handbook/rituals/standup.yaml", "facilitator: Head of Operations", "facilitator: adda")
    own.edit("handbook/rituals/standup.yaml", "owner: ops", "owner: jdoe")
    out = check(own).output
    assert "handbook/rituals/standup.yaml:6:14: error[unknown-reference]: unknown person or team 'adda' (did you mean 'ada'?)" in out
    assert "handbook/rituals/standup.yaml:2:8: error[unknown-reference]: unknown team or person 'jdoe'" in out
    assert "known people: ada" in out and "a role is written in words" in out


def test_a_team_and_a_person_with_the_same_id_need_their_kind(tmp_path):
    own = make(tmp_path)
    own.write("handbook/people/ops.yaml", "name: Oscar Ops\n")
    result = check(own)
    assert result.exit_code == 1
    assert "'ops' could be any of: person:ops, team:ops" in result.output
    assert "write it with its kind, e.g. `team:ops`" in result.output or "e.g. `person:ops`" in result.output
    for rel in ("handbook/rituals/standup.yaml", "handbook/interfaces/weekly-report.yaml", "handbook/handbook.yaml"):
        own.edit(rel, "owner: ops", "owner: team:ops")
    result = check(own)
    assert result.exit_code == 0, result.output
    site = build(own)
    assert 'href="../../teams/ops/"' in page(site, "rituals/standup")


# --- all of it at once: a company migrated department by department -----------------------------------

def test_a_department_per_folder_company_migrates_in_one_pass(tmp_path):
    """People owners, date-only starts, the cadence words people write, two departments sharing a
    ritual name, a recurring task; one file with both a schema error and an unknown reference."""
    own = make(tmp_path)
    own.write("handbook/people/jdoe.yaml", "name: Jane Doe\nrole: Head of Sales\nteams: [ops]\n")
    own.write("handbook/people/rkim.yaml", "name: Ray Kim\nrole: Head of Support\n")
    rituals = {
        "sales/weekly-pipeline-review": ("jdoe", "Triweekly"),
        "support/weekly-pipeline-review": ("rkim", "every other week"),
        "sales/forecast-call": ("jdoe", "Quarterly (first Tuesday)"),
        "support/queue-audit": ("rkim", "Every patch release"),
    }
    for path, (owner, cadence) in rituals.items():
        own.write(f"handbook/rituals/{path}.yaml",
                  f"name: {path.replace('/', ' ').replace('-', ' ').title()}\nowner: {owner}\n"
                  f"summary: A review.\npurpose: Look at the numbers.\ncadence: {cadence}\nstarts: 2025-04-25\n"
                  "type: task\nlast_reviewed: 2026-05-01\n")
    own.edit("handbook/rituals/support/queue-audit.yaml", "owner: rkim", "owner: rkimm\ndescription: Audit the queue.")
    result = check(own)
    out = result.output
    assert result.exit_code == 1
    assert "handbook/rituals/support/queue-audit.yaml:2:8: error[unknown-reference]: unknown team or person 'rkimm' (did you mean 'rkim'?)" in out
    assert "handbook/rituals/support/queue-audit.yaml:3:1: error[unknown-field]: unknown field 'description'" in out
    assert "did you mean 'summary'" in out or "`summary`" in out  # the synonym, not a look-alike
    assert "2 errors" in out  # everything else is accepted: people, folders, dates, cadence words
    own.edit("handbook/rituals/support/queue-audit.yaml", "owner: rkimm\ndescription: Audit the queue.", "owner: rkim")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    assert "Every 3 weeks" in page(site, "rituals/sales/weekly-pipeline-review")
    assert "Ray Kim" in page(site, "rituals/support/weekly-pipeline-review")
    jane = page(site, "people/jdoe")
    assert 'href="../../rituals/sales/weekly-pipeline-review/"' in jane and 'href="../../rituals/sales/forecast-call/"' in jane
    events = {str(e["summary"]): e for e in Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT")}
    assert "Support Queue Audit" not in events  # a trigger has no dates
    forecast = events["Sales Forecast Call"]
    assert dict(forecast["rrule"]) == {"FREQ": ["MONTHLY"], "INTERVAL": [3], "BYDAY": ["1TU"]}
    assert forecast.decoded("dtstart") == date(2025, 4, 25)  # all day
    assert sorted(events) == ["Sales Forecast Call", "Sales Weekly Pipeline Review", "Standup",
                              "Support Weekly Pipeline Review"]  # one per regular ritual
