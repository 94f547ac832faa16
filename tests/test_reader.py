"""What a reader sees (issue 14, reader part): flow diagrams, the interface map, the conformance
matrix, when a ritual happens, a team's rituals, plurals and the empty states of a new handbook."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from generator.model import read_handbook
from generator.render import diagrams
from generator.render.pages import Renderer, RenderOptions, plural
from generator.site import render_site

from test_own_model import build, make, page

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture
def fernhill(project):
    handbook, _ = read_handbook(project.handbook, project.root)
    return handbook


def render(project, today=TODAY):
    handbook, diags = read_handbook(project.handbook, project.root)
    assert not [d for d in diags if d.severity == "error"], diags
    renderer = Renderer(project.root / "templates", RenderOptions(today=today))
    return {p.src_uri: p.content for p in render_site(renderer, handbook, None)}


def svg_of(markup: str) -> ET.Element:
    return ET.fromstring(markup[markup.index("<svg"): markup.index("</svg>") + 6])


def nodes(svg: ET.Element) -> dict[str, list[tuple[float, float, float]]]:
    """Node label (its <title>) -> [(x, y, height)] of each box drawn for it."""
    out: dict[str, list] = {}
    for g in svg.iter(f"{SVG}g"):
        rect = g.find(f"{SVG}rect")
        out.setdefault(g.find(f"{SVG}title").text.split(" · ")[0], []).append(
            (float(rect.get("x")), float(rect.get("y")), float(rect.get("height"))))
    return out


def groups(svg: ET.Element) -> list[tuple[str, float]]:
    return [(t.text, float(t.get("x"))) for t in svg.iter(f"{SVG}text") if t.get("class") == "hb-diagram__group"]


def neighbourhood(handbook, kind, entity_id):
    return diagrams.neighbourhood(handbook.get(kind, entity_id), lambda e: e.url, handbook.model)


# --- labels wrap instead of being cut -------------------------------------------------------------

def test_labels_wrap_to_their_box_and_only_a_very_long_one_is_shortened():
    per_line = int((diagrams.NODE_W - 2 * diagrams.TEXT_X) / diagrams.CHAR_W)
    lines = diagrams.wrap("Rebuilding after a breakdown of the supplier team")
    assert " ".join(lines) == "Rebuilding after a breakdown of the supplier team"  # nothing cut
    assert len(lines) >= 2 and all(len(line) <= per_line for line in lines)
    word = diagrams.wrap("x" * (per_line * 2))
    assert len(word) == 3 and all(len(line) <= per_line for line in word)
    long = diagrams.wrap("word " * 60)
    assert len(long) == diagrams.MAX_LINES and long[-1].endswith("…")


def test_a_wrapped_node_grows_to_hold_its_lines(fernhill):
    svg = svg_of(neighbourhood(fernhill, "funding", "rebuilding-after-breakdown"))
    for g in svg.iter(f"{SVG}g"):
        rect, spans = g.find(f"{SVG}rect"), list(g.iter(f"{SVG}tspan"))
        top, bottom = float(rect.get("y")), float(rect.get("y")) + float(rect.get("height"))
        assert all(top + 10 <= float(s.get("y")) <= bottom - 3 for s in spans), g.find(f"{SVG}title").text


# --- connections show flow -------------------------------------------------------------------------

def test_a_ritual_is_drawn_between_its_inputs_and_its_outputs(fernhill):
    svg = svg_of(neighbourhood(fernhill, "rituals", "weekly-business-review"))
    drawn = nodes(svg)
    centre = drawn["Weekly business review"][0][0]
    assert drawn["Input-metrics update"][0][0] < centre < drawn["Decision record"][0][0]
    titles = dict(groups(svg))
    assert titles["Inputs"] < centre < titles["Outputs"]
    # other relations are dashed lines, without arrows, each group named by its relation
    assert {"Owner", "Facilitator", "Participants", "Principles"} <= set(titles)
    dashed = [p for p in svg.iter(f"{SVG}path") if "hb-diagram__edge--link" in (p.get("class") or "")]
    assert dashed and all(p.get("marker-end") is None for p in dashed)
    arrows = [p for p in svg.iter(f"{SVG}path") if "hb-diagram__edge--flow" in (p.get("class") or "")]
    assert len(arrows) == 2 and all(p.get("marker-end") for p in arrows)


def test_an_interface_is_drawn_between_its_producers_and_its_consumers(fernhill):
    interface = fernhill.get("interfaces", "capacity-allocation-report")
    svg = svg_of(neighbourhood(fernhill, "interfaces", "capacity-allocation-report"))
    drawn, titles = nodes(svg), dict(groups(svg))
    centre = drawn[interface.name][0][0]
    assert titles["Provided by"] < centre < titles["Consumed by"]
    assert titles["Input to"] > centre  # rituals that read it are downstream
    consumers = {t.name for t in interface.sources("consumed_by")}
    for name in consumers:
        assert any(x > centre for x, _, _ in drawn[name]), name
    for team in interface.sources("provided_by"):
        assert any(x < centre for x, _, _ in drawn[team.name]), team.name


def test_a_team_consumes_on_the_left_and_provides_on_the_right(fernhill):
    svg = svg_of(neighbourhood(fernhill, "teams", "finance-partnering"))
    titles, centre = dict(groups(svg)), nodes(svg)["Finance Partnering"][0][0]
    assert titles["Consumes"] < centre < titles["Provides"]


def test_a_kind_the_handbook_declares_gets_labelled_groups_and_may_declare_flow(tmp_path):
    model = """
        version: 1
        kinds:
          reports:
            singular: report
            title: Reports
            node: amber
            fields:
              about: {type: ref, to: teams, reverse: reported_in, reverse_label: Reported in}
              feeds: {type: list, of: {type: ref, to: interfaces, reverse: fed_by, reverse_label: Fed by reports, flow: out}}
        """
    project = make(tmp_path, model, **{"handbook/reports/monthly.yaml": """
        name: Monthly report
        owner: ops
        last_reviewed: 2026-05-01
        about: ops
        feeds: [weekly-report]
        """})
    handbook, diags = read_handbook(project.handbook, project.root)
    assert not diags, diags
    assert handbook.model.flows[0][("reports", "feeds")] == "out"
    report = svg_of(neighbourhood(handbook, "reports", "monthly"))
    titles, centre = dict(groups(report)), nodes(report)["Monthly report"][0][0]
    assert centre < titles["Feeds"] and centre < titles["About"]  # what it references: on the right
    interface = svg_of(neighbourhood(handbook, "interfaces", "weekly-report"))
    titles, centre = dict(groups(interface)), nodes(interface)["Weekly report"][0][0]
    assert titles["Fed by reports"] < centre  # it flows out of the report into the interface
    team = svg_of(neighbourhood(handbook, "teams", "ops"))
    titles, centre = dict(groups(team)), nodes(team)["Ops"][0][0]
    assert titles["Reported in"] < centre  # no flow: what refers to it, on the left, dashed


def test_flow_is_only_for_references(tmp_path):
    project = make(tmp_path, "version: 1\nkinds:\n  rituals:\n    fields:\n      room: {type: text, flow: in}\n")
    _, diags = read_handbook(project.handbook, project.root)
    assert any("'flow' does not apply to a field of type text" in d.message for d in diags), diags


def test_each_relation_is_written_once_and_drawn_once(project):
    pages = render(project)
    wbr = pages["rituals/weekly-business-review.md"]
    connections = wbr[wbr.index("## Connections"):]
    table = connections[connections.index("</svg>"):]
    # the sections above name inputs, outputs, participants, owner and principles; the table only the rest
    for words in ("Inputs →", "Outputs →", "Participants →", "Owner →", "Principles →"):
        assert words not in table
    assert "Deadlines →" in table  # a relation no section names
    # a relation the handbook's own model declares has a section of its own, by its reverse label
    assert "Escalations from forums" not in table
    assert "\n## Escalations from forums\n[Metrics council](../forums/metrics-council.md)" in wbr
    forum = pages["forums/metrics-council.md"]
    assert "<table>" not in forum[forum.index("## Connections"):]  # its sections name every relation


def test_the_diagram_has_a_legend_of_what_its_colours_and_lines_mean(fernhill):
    html = str(neighbourhood(fernhill, "rituals", "weekly-business-review"))
    legend = html[html.index('<ul class="hb-legend">'):]
    for words in ("Interface", "Team", "Person", "Principle", "Forum", "Arrow", "Dashed line"):
        assert words in legend, words


def test_names_in_diagrams_are_escaped(project):
    project.edit("handbook/teams/pricing.yaml", "name: Pricing Engine", 'name: "Pricing <script>x</script> & co"')
    handbook, _ = read_handbook(project.handbook, project.root)
    html = str(neighbourhood(handbook, "teams", "pricing")) + str(
        diagrams.interface_map(handbook, lambda e: e.url, handbook.model))
    assert "<script>" not in html and "Pricing &#60;script&#62;" in html
    svg_of(html)  # still well-formed XML


# --- the interface map ----------------------------------------------------------------------------

def test_the_map_shows_producers_interfaces_and_consumers_with_every_team_connected(fernhill):
    svg = svg_of(diagrams.interface_map(fernhill, lambda e: e.url, fernhill.model))
    drawn = nodes(svg)
    edges = [p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path") if p.find(f"{SVG}title") is not None]
    for team in fernhill.of("teams"):
        assert any(e.startswith(f"{team.name} provides") for e in edges), team.name  # none looks unconnected
    assert "Finance Partnering consumes Rebuild proposal" in edges  # consumers are drawn
    finance = sorted(x for x, _, _ in drawn["Finance Partnering"])
    assert len(finance) == 2 and finance[0] < drawn["Rebuild proposal"][0][0] < finance[1]  # both sides
    required = [p for p in svg.iter(f"{SVG}path") if "edge--soft" in p.get("class", "")]
    assert len(required) >= len(fernhill.of("teams"))  # each team's required interfaces: faint arrows


def test_the_map_of_many_teams_draws_every_team_as_one_node(fernhill, monkeypatch):
    monkeypatch.setattr(diagrams, "MANY_TEAMS", 3)
    svg = svg_of(diagrams.interface_map(fernhill, lambda e: e.url, fernhill.model))
    assert f"Every team ({len(fernhill.of('teams'))})" in nodes(svg)


# --- the conformance matrix -------------------------------------------------------------------------

def test_the_matrix_has_a_row_header_per_team_and_a_column_per_interface(project):
    pages = render(project)
    text = pages["interfaces/conformance.md"]
    handbook, _ = read_handbook(project.handbook, project.root)
    heads = re.findall(r'<th scope="col" class="hb-matrix__interface[^"]*"><a href="[^"]+" title="([^"]+) \(', text)
    assert len(heads) == len(handbook.of("interfaces"))
    assert len(re.findall(r'<th scope="row" class="hb-matrix__team">', text)) == len(handbook.of("teams"))
    assert "Every team provides every required interface." in text


def test_the_matrix_marks_a_missing_required_interface(project):
    project.edit("handbook/teams/pricing.yaml", "provides: [", "provides: [")
    text = (project.root / "handbook/teams/pricing.yaml").read_text()
    project.write("handbook/teams/pricing.yaml", text.replace("team-charter, ", "").replace(", team-charter", ""))
    page_text = render(project)["interfaces/conformance.md"]
    assert "does not provide Team charter, required of every team" in page_text
    assert "1 required interface is missing." in page_text


# --- when a ritual happens ----------------------------------------------------------------------------

def test_a_ritual_says_its_day_time_zone_next_session_and_where_to_subscribe(project):
    text = render(project)["rituals/weekly-business-review.md"]
    assert "**When:** Mondays 10:00, Europe/London (weekly)" in text
    assert "**Next session:** Monday 2026-11-30 10:00 (Europe/London)" in text  # from the build's today
    assert "[all rituals (calendar.ics)](../calendar.ics)" in text
    assert "(../calendar/product-ops.ics)" in text  # a participating team's feed
    later = render(project, today=date(2026, 11, 30))["rituals/weekly-business-review.md"]
    assert "**Next session:** Monday 2026-11-30 10:00" in later  # today's session is still to come


def test_a_ritual_starting_on_a_date_alone_is_all_day_and_a_triggered_one_has_no_dates(project):
    project.edit("handbook/rituals/weekly-business-review.yaml", "starts: 2026-01-05T10:00", "starts: 2026-01-06")
    pages = render(project)
    text = pages["rituals/weekly-business-review.md"]
    assert "**When:** Tuesdays, all day (weekly)" in text
    assert "**Next session:** Tuesday 2026-11-24 (all day)" in text
    triggered = pages["rituals/rebuild-review.md"]
    assert "**When:**" in triggered and "no fixed dates" in triggered and "Next session" not in triggered


def test_a_regular_ritual_without_a_start_says_what_to_add(project):
    project.edit("handbook/rituals/weekly-business-review.yaml", "starts: 2026-01-05T10:00\n", "")
    text = render(project)["rituals/weekly-business-review.md"]
    assert "no day or time is set yet (`starts:`" in text and "Next session" not in text


def test_when_reads_day_rules_and_monthly_cadences(project):
    project.edit("handbook/rituals/monthly-operating-review.yaml", "cadence: monthly", "cadence: monthly (first Wednesday)")
    pages = render(project)
    assert "**When:** The first Wednesday of the month 15:00, Europe/London" in pages["rituals/monthly-operating-review.md"]
    assert "**Next session:** Wednesday 2026-12-02 15:00" in pages["rituals/monthly-operating-review.md"]


# --- a team's rituals ---------------------------------------------------------------------------

def test_a_team_page_lists_the_rituals_it_joins_owns_or_feeds(project):
    handbook, _ = read_handbook(project.handbook, project.root)
    team = handbook.get("teams", "finance-partnering")
    joined = set(team.sources("takes_part_in"))
    owned = {r for r in team.sources("owns") if r.kind == "rituals"}
    fed = {r for i in team.targets("provides") for r in i.sources("input_to")}
    assert fed - joined - owned, "the fixture should have a ritual that only reads what the team provides"
    text = render(project)["teams/finance-partnering.md"]
    rows = text[text.index("## Rituals"):text.index("## Funding mix")]
    for r in joined | owned | fed:
        assert f'">{r.name}</a></td>' in rows, r.name
    only_fed = sorted(fed - joined - owned, key=lambda r: r.name)[0]
    row = next(line for line in rows.splitlines() if f'">{only_fed.name}</a></td>' in line)
    assert "<td>—</td><td>—</td><td><a href=" in row  # neither takes part nor owns, but reads what it provides


# --- plurals and empty handbooks ------------------------------------------------------------------

@pytest.mark.parametrize("count, word, expected", [
    (0, "team", "0 teams"), (1, "team", "1 team"), (2, "category", "2 categories"),
    (1, "commit", "1 commit"), (3, "required interface", "3 required interfaces"), (2, "day", "2 days"),
    (2, "process", "2 processes")])
def test_plural(count, word, expected):
    assert plural(count, word) == expected


def test_no_page_says_1_teams_or_the_last_1_commits(project):
    for name, text in render(project).items():
        assert not re.search(r"(?<![\d.])\b1 (teams|rituals|interfaces|categories|commits|people|principles|entities)\b",
                             text), name


def test_a_handbook_without_interfaces_says_what_is_missing_and_how_to_add_it(tmp_path):
    project = make(tmp_path)
    (project.handbook / "interfaces" / "weekly-report.yaml").unlink()
    for rel in ("teams/ops.yaml", "rituals/standup.yaml"):
        path = project.handbook / rel
        path.write_text(path.read_text().replace("provides: [weekly-report]\n", "").replace(
            "inputs: [weekly-report]\n", ""))
    site = build(project)
    matrix = page(site, "interfaces/conformance")
    assert "Every team provides every required interface" not in matrix
    assert "this\nhandbook has none yet" in matrix or "handbook has none yet" in matrix
    assert "handbook new interface" in matrix
    assert "handbook has none yet" in page(site, "map")
    index = page(site, "interfaces")
    assert "0 interfaces." in index and "None yet." in index and "handbook new interface" in index
    assert "1 team." in page(site, "teams")  # not "1 teams"
    home = page(site, "")  # cards only for the kinds in use (issue 20)
    assert "Interfaces</a></strong>" not in home and "none yet" not in home and "Teams</a></strong> · 1" in home


def test_an_entity_is_drawn_once_per_side_with_its_other_relations_as_a_note(fernhill):
    interface = fernhill.get("interfaces", "capacity-allocation-report")
    owner = interface.targets("owner")[0]
    assert owner in interface.sources("consumed_by"), "the fixture's owner also consumes it"
    svg = svg_of(neighbourhood(fernhill, "interfaces", "capacity-allocation-report"))
    centre = nodes(svg)[interface.name][0][0]
    assert len([x for x, _, _ in nodes(svg)[owner.name] if x > centre]) == 1  # not again as its owner
    titles = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")]
    assert f"{owner.name} · also: owner" in titles
    assert "Owner" not in dict(groups(svg))  # its only member is drawn already


def test_a_handbook_without_funding_categories_says_how_to_add_one(tmp_path):
    from test_own_model import build, make, page
    own = make(tmp_path)
    html = page(build(own), "funding")
    text = html[html.index("<article"):html.index("</article>")]
    assert "0 categories" in text and "None yet." in text and "handbook new funding" in text
    assert "Sum" not in text and "0–0" not in text
