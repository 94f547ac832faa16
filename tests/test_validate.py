"""Validate: schema problems are located at the offending key or value, with a hint; all are collected."""

from __future__ import annotations

import pytest

from generator.model import read_handbook


def check(project):
    handbook, diags = read_handbook(project.handbook, project.root)
    return handbook, diags


def line_of(project, rel: str, text: str) -> int:
    """1-based line of the first line containing `text` in a project file."""
    lines = (project.root / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def find(diags, path_end, code):
    found = [d for d in diags if d.path.endswith(path_end) and d.code == code]
    assert found, f"no {code} in {path_end}: {[d.format_text() for d in diags]}"
    return found[0]


WBR = "handbook/rituals/weekly-business-review.yaml"


def test_shipped_handbook_is_valid(project):
    handbook, diags = check(project)
    assert [d for d in diags if d.severity == "error"] == []
    assert len(handbook.of("rituals")) >= 8 and len(handbook.of("interfaces")) >= 10
    assert len(handbook.of("funding")) >= 6 and len(handbook.of("teams")) >= 6 and len(handbook.of("principles")) >= 5
    assert handbook.get("funding", "rebuilding-after-breakdown") is not None


def test_unknown_field_suggests_the_real_one(project):
    project.edit(WBR, "cadence: weekly", "cadnce: weekly")
    handbook, diags = check(project)
    assert handbook is None
    unknown = find(diags, WBR, "unknown-field")
    assert unknown.message == "unknown field 'cadnce' (did you mean 'cadence'?)"
    assert (unknown.line, unknown.col) == (line_of(project, WBR, "cadnce:"), 1)
    assert not [d for d in diags if d.code == "missing-field"]  # the typo explains it; one error, not two


def test_missing_field_points_at_the_top_of_the_mapping(project):
    project.edit(WBR, "cadence: weekly\n", "")
    _, diags = check(project)
    missing = find(diags, WBR, "missing-field")
    assert "'cadence'" in missing.message and (missing.line, missing.col) == (2, 1)  # line 1 is the schema comment


def test_yaml_11_booleans_and_numbers_get_a_quote_it_hint(project):
    project.edit(WBR, "mode: hybrid", "mode: no")
    project.edit("handbook/interfaces/team-charter.yaml", 'version: "2.1"', "version: 1.10")
    _, diags = check(project)
    mode = find(diags, WBR, "invalid-value")
    assert "'no' is not one of: sync, async, hybrid" in mode.message and "quote" in mode.hint
    version = find(diags, "team-charter.yaml", "wrong-type")
    assert "YAML read `1.10` as a number" in version.message
    assert version.hint == 'quote it: version: "1.10"'


def test_enum_typo_suggests_the_value(project):
    project.edit(WBR, "format: single-purpose", "format: single-purpse")
    _, diags = check(project)
    d = find(diags, WBR, "invalid-value")
    assert "did you mean 'single-purpose'?" in d.message and d.line == line_of(project, WBR, "single-purpse")


def test_nested_errors_point_into_lists(project):
    project.edit(WBR, "  - team: data-platform\n", "  - team: data-platform\n    role: Analyst\n")
    project.edit("handbook/interfaces/team-charter.yaml", "  - name: Mission\n", "  - nam: Mission\n")
    _, diags = check(project)
    participant = find(diags, WBR, "invalid-value")
    assert "write exactly one of `team`, `person` or `role`" in participant.message
    assert (participant.line, participant.col) == (line_of(project, WBR, "team: data-platform"), 5)
    field = find(diags, "team-charter.yaml", "unknown-field")
    assert "'nam'" in field.message
    assert (field.line, field.col) == (line_of(project, "handbook/interfaces/team-charter.yaml", "nam: Mission"), 5)


def test_cadence_and_target_parse_or_explain(project):
    project.edit(WBR, "cadence: weekly", "cadence: Qurterly")
    project.edit("handbook/funding/growth-bets.yaml", "target: 35-45%", "target: 45-35%")
    handbook, diags = check(project)
    cadence = find(diags, WBR, "invalid-value")
    assert "'Qurterly' is not a cadence (did you mean 'quarterly'?)" in cadence.message
    assert "every 3 weeks" in cadence.hint
    target = find(diags, "growth-bets.yaml", "invalid-value")
    assert "low end first" in target.message


def test_cadence_forms(project):
    from generator.model.types import Cadence
    assert (Cadence.parse("every 2 weeks").every, Cadence.parse("every 2 weeks").unit) == (2, "week")
    assert (Cadence.parse("Quarterly").every, Cadence.parse("quarterly").unit) == (3, "month")
    assert Cadence.parse({"trigger": "after an incident"}).is_regular is False


def test_every_error_in_every_file_is_collected(project):
    project.edit(WBR, "cadence: weekly", "cadnce: weekly")
    project.edit("handbook/teams/checkout.yaml", "topology: stream-aligned", "topology: streamy")
    project.write("handbook/principles/broken.yaml", "name: [unclosed\n")
    _, diags = check(project)
    assert {d.path for d in diags if d.severity == "error"} >= {
        WBR, "handbook/teams/checkout.yaml", "handbook/principles/broken.yaml"}


def test_file_level_problems(project):
    project.write("handbook/rituals/Weekly.Review.yaml", "name: x\n")
    project.write("handbook/rituals/demo-day.yml", "name: x\n")
    project.write("handbook/ritual/x.yaml", "name: x\n")
    project.write("handbook/stray.yaml", "name: x\n")
    _, diags = check(project)
    invalid = find(diags, "Weekly.Review.yaml", "invalid-id")
    assert "weekly-review.yaml" in invalid.hint
    assert "already used by handbook/rituals/demo-day.yaml" in find(diags, "demo-day.yml", "duplicate-id").message
    assert "did you mean 'rituals'?" in find(diags, "handbook/ritual/x.yaml", "unknown-kind").message
    find(diags, "stray.yaml", "misplaced-file")


def test_missing_handbook_yaml(project):
    (project.handbook / "handbook.yaml").unlink()
    handbook, diags = check(project)
    assert handbook is None
    find(diags, "handbook/handbook.yaml", "missing-file")


@pytest.mark.parametrize("wrong, right", [("description", "'summary' or 'purpose'"), ("dri", "'owner'"),
                                          ("frequency", "'cadence'"), ("title", "'name'"), ("cadnce", "'cadence'")])
def test_hints_suggest_the_field_a_synonym_or_typo_stands_for(project, wrong, right):
    text = (project.root / WBR).read_text()
    field = {"description": "summary", "dri": "owner", "frequency": "cadence", "title": "name", "cadnce": "cadence"}[wrong]
    project.edit(WBR, f"\n{field}:", f"\n{wrong}:")
    diags = [d for d in check(project)[1] if d.severity == "error"]
    assert [d.code for d in diags] == ["unknown-field"], [d.format_text() for d in diags]
    assert diags[0].message == f"unknown field '{wrong}' (did you mean {right}?)"
    assert text


@pytest.mark.parametrize("wrong", ["task", "modes_x", "descriptions_of_it"])
def test_no_suggestion_for_a_loose_match(project, wrong):
    project.edit(WBR, "\nname:", f"\n{wrong}: x\nname:")
    unknown = find(check(project)[1], WBR, "unknown-field")
    assert "did you mean" not in unknown.message


def test_a_team_written_by_its_name_suggests_its_id(project):
    project.edit(WBR, "owner: product-ops", "owner: Product Operations")
    unknown = find(check(project)[1], WBR, "unknown-reference")
    assert "did you mean 'product-ops'? references use the id, not the name" in unknown.message


def test_schema_errors_and_unknown_references_come_in_one_run(project):
    """An editor fixing a file's schema errors does not meet its unknown ids only afterwards."""
    project.edit(WBR, "owner: product-ops", "owner: jdoe")
    project.edit(WBR, "cadence: weekly", "cadnce: weekly")
    project.edit(WBR, "inputs: [input-metrics-update]", "inputs: [input-metrics-updat]")
    diags = [d for d in check(project)[1] if d.severity == "error"]
    assert sorted(d.code for d in diags) == ["unknown-field", "unknown-reference", "unknown-reference"]
    refs = [d for d in diags if d.code == "unknown-reference"]
    assert [(d.line, d.message) for d in refs] == [
        (line_of(project, WBR, "owner: jdoe"), "unknown team or person 'jdoe'"),
        (line_of(project, WBR, "inputs: [input-metrics-updat]"),
         "unknown interface 'input-metrics-updat' (did you mean 'input-metrics-update'?)")]


def test_a_duplicate_id_is_reported_at_the_newcomer_and_both_files_are_checked(project):
    import subprocess
    git = lambda *a: subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *a],  # noqa: E731
                                    cwd=project.root, check=True, capture_output=True)
    text = (project.root / WBR).read_text()
    # The file already there (.yml) sorts after the newcomer (.yaml): order must not decide who is blamed.
    old = "handbook/rituals/weekly-business-review.yml"
    project.write(old, text.replace("cadence: weekly", "cadnce: weekly"))
    (project.root / WBR).unlink()
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "sales")
    project.write(WBR, text.replace("mode: hybrid", "mode: no"))
    diags = [d for d in check(project)[1] if d.severity == "error"]
    dup = find(diags, WBR, "duplicate-id")
    assert (dup.line, dup.col) == (1, 1) and f"already used by {old}" in dup.message
    assert find(diags, WBR, "invalid-value")  # the newcomer is checked
    assert find(diags, old, "unknown-field")  # and so is the other
