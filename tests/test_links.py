"""Links to entities inside prose: `[[kind/id]]` and `[[kind/id|words]]` are checked like
reference fields, rendered as links, listed on the target page and kept by the export; a
relative `.md` link in prose (which would lead nowhere) is an error. Each test builds its own
small handbook (test_own_model.make)."""

from __future__ import annotations

import json

from test_own_model import TODAY, build, check, make, page
from test_real_handbooks import department

PURPOSE = "purpose: Unblock each other."


def test_a_link_by_id_renders_as_a_link_and_is_listed_on_the_target(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", PURPOSE,
             "purpose: |\n  Read [[interfaces/weekly-report]] first; [[teams/ops|the ops team]] runs it.")
    result = check(own)
    assert result.exit_code == 0, result.output
    site = build(own)
    html = page(site, "rituals/standup")
    assert '<a href="../../interfaces/weekly-report/">Weekly report</a> first' in html
    assert '<a href="../../teams/ops/">the ops team</a> runs it' in html
    assert "[[" not in html
    target = page(site, "interfaces/weekly-report")
    table = target[target.index("hb-connections"):]
    assert "Mentioned in" in table and 'href="../../rituals/standup/"' in table
    api = json.loads((site / "api" / "handbook.json").read_text())
    report = next(e for e in api["entities"] if e["id"] == "weekly-report")
    assert [r["id"] for r in report["referenced_by"]["mentioned_in"]] == ["standup"]


def test_a_link_in_a_table_cell_and_by_short_name(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "forecast-call")
    own.edit("handbook/rituals/standup.yaml", "decisions: [What to unblock first]",
             "decisions: ['What the [[rituals/forecast-call]] needs from us']")
    assert check(own).exit_code == 0, check(own).output
    html = page(build(own), "rituals/standup")
    assert '<a href="../sales/forecast-call/">Sales forecast call</a> needs from us' in html


def test_an_unknown_or_ambiguous_link_is_an_error_with_a_suggestion(tmp_path):
    own = make(tmp_path)
    department(own, "sales", "weekly-review")
    department(own, "support", "weekly-review")
    own.edit("handbook/rituals/standup.yaml", PURPOSE,
             "purpose: See [[teams/opps]], [[tams/ops]], [[rituals/weekly-review]] and [[nothing-here]].")
    out = check(own).output
    assert ("handbook/rituals/standup.yaml:5:14: error[unknown-reference]: unknown team 'opps' in [[teams/opps]] "
            "(did you mean 'ops'?)") in out
    assert "[[tams/ops]] names no entity (did you mean 'teams'?)" in out
    assert "[[rituals/weekly-review]] could be any of: rituals/sales/weekly-review, rituals/support/weekly-review" in out
    assert "[[nothing-here]] names no entity" in out
    assert out.count("error[unknown-reference]") == 4


def test_the_export_keeps_links_by_id(tmp_path):
    from click.testing import CliRunner
    from generator.adapters.cli import main
    from test_bad_input import cwd
    own = make(tmp_path / "p")
    own.edit("handbook/rituals/standup.yaml", PURPOSE, "purpose: Read [[interfaces/weekly-report]] first.")
    with cwd(own.root):
        result = CliRunner().invoke(main, ["export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "docs" / "rituals" / "standup.md").read_text() if (tmp_path / "out" / "docs").is_dir() \
        else (tmp_path / "out" / "rituals" / "standup.md").read_text()
    assert '<a href="../../interfaces/weekly-report/">Weekly report</a>' in text


def test_a_relative_page_link_in_prose_is_an_error_that_names_the_link_to_write(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", PURPOSE, "purpose: Read [the report](../interfaces/weekly-report.md).")
    result = check(own)
    assert result.exit_code == 1
    assert ("error[page-link-in-prose]: link to '../interfaces/weekly-report.md' in prose leads nowhere on the site"
            in result.output)
    assert "link to the entity with [[interfaces/weekly-report]]" in result.output


def test_an_untouched_starter_is_flagged_for_its_todos(tmp_path):
    from click.testing import CliRunner
    from generator.adapters.cli import main
    from test_bad_input import cwd
    own = make(tmp_path)
    with cwd(own.root):
        assert CliRunner().invoke(main, ["new", "ritual", "Retro"]).exit_code == 0
    text = (own.handbook / "rituals" / "retro.yaml").read_text()
    todo_lines = [i for i, line in enumerate(text.splitlines(), 1) if "TODO" in line and not line.lstrip().startswith("#")]
    result = check(own, "--today", TODAY)
    flagged = [line for line in result.output.splitlines() if "warning[leftover-todo]" in line]
    assert result.exit_code == 0 and len(flagged) == len(todo_lines) > 0  # valid, but flagged
    assert {int(line.split(":")[1]) for line in flagged} == set(todo_lines)  # at each placeholder's line
    assert check(own, "--today", TODAY, "--strict").exit_code == 1
    for line in todo_lines:  # fill them in
        text = "\n".join(l.replace("TODO: ", "Done: ") if i == line else l for i, l in enumerate(text.splitlines(), 1))
    (own.handbook / "rituals" / "retro.yaml").write_text(text + "\n")
    assert "leftover-todo" not in check(own, "--today", TODAY).output


def test_a_link_in_a_block_of_text_is_reported_at_its_own_line(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", PURPOSE, "purpose: |\n  First line.\n  Then see [[teams/opps]].")
    assert "handbook/rituals/standup.yaml:7:12: error[unknown-reference]: unknown team 'opps'" in check(own).output


# --- errors people meet first, in their own terms --------------------------------------------------------

def test_common_yaml_mistakes_get_plain_words_and_a_hint(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "summary: Daily check-in.", "summary: Goal: unblock")
    own.edit("handbook/interfaces/weekly-report.yaml", "fields: [{name: Numbers, description: The numbers.}]",
             "fields:\n  - name: Numbers\n description: The numbers.")
    own.edit("handbook/teams/ops.yaml", "mission: Run it.", "mission: Run it.\n  topology: platform")
    out = check(own).output
    assert ("handbook/rituals/standup.yaml:4:14: error[yaml-syntax]: a colon followed by a space inside a value"
            in out) and 'quote the whole value, e.g. summary: "…: …"' in out
    assert ("handbook/interfaces/weekly-report.yaml:11:2: error[yaml-syntax]: this line is indented 1 space, "
            "but the keys of the list item on line 10 are indented 4 spaces") in out
    assert "indent this line by 4 spaces" in out
    assert "`topology:` is indented further than the line above" in out


def test_a_duration_in_words_says_how_many_minutes_to_write(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "duration_minutes: 15", "duration_minutes: 1h30")
    out = check(own).output
    assert "duration_minutes: expected a whole number, found text '1h30'" in out
    assert "= hint: '1h30' is 90 minutes: write `duration_minutes: 90`" in out


def test_a_display_name_where_an_id_belongs_suggests_the_id(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/teams/ops.yaml", "name: Ops", "name: Product Operations")
    own.edit("handbook/rituals/standup.yaml", "owner: ops", "owner: Product Operations")
    assert "(did you mean 'ops'? references use the id, not the name)" in check(own).output
