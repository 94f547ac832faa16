"""A handbook's own model (handbook/model.yaml): fields, vocabularies, relaxed fields, lints and new
kinds, declared in YAML and followed by validation, pages, nav, search, API, JSON Schema and
starters. Each test builds its own small handbook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from generator.adapters.cli import main
from generator.model.declare import BUILTIN_DIR, KindDecl, build_model, default_model, load_model
from generator.model.jsonschema import all_schemas
from generator.model.loader import load_file
from generator.model.validate import SourceFile, validate_document

from conftest import REPO, Project
from test_bad_input import cwd

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
TODAY = __import__("datetime").date.today().isoformat()  # `handbook new` dates its starters today

FILES = {
    "mkdocs.yml": """
        site_name: Tiny handbook
        theme: {name: material, font: false}
        plugins:
          - search
          - tags
          - handbook: {today: 2026-06-01}
        """,
    "docs/.keep": "",
    "handbook/handbook.yaml": """
        name: Tiny OS
        purpose: Try the model.
        owner: ops
        review_by: 2030-01-01
        pillars:
          - {id: core, name: Core, description: The core.}
        """,
    "handbook/teams/ops.yaml": """
        name: Ops
        last_reviewed: 2026-05-01
        mission: Run it.
        topology: platform
        lead: Ada
        provides: [weekly-report]
        """,
    "handbook/interfaces/weekly-report.yaml": """
        name: Weekly report
        owner: ops
        last_reviewed: 2026-05-01
        summary: What happened.
        purpose: Tell everyone.
        type: report
        cadence: weekly
        conformance: recommended
        fields: [{name: Numbers, description: The numbers.}]
        version: "1.0"
        """,
    "handbook/rituals/standup.yaml": """
        name: Standup
        owner: ops
        last_reviewed: 2026-05-01
        summary: Daily check-in.
        purpose: Unblock each other.
        facilitator: Lead
        cadence: daily
        duration_minutes: 15
        format: open-agenda
        mode: sync
        level: team
        participants: [{team: ops}]
        inputs: [weekly-report]
        decisions: [What to unblock first]
        """,
}


def make(root: Path, model: str | None = None, **extra: str) -> Project:
    for rel, text in {**FILES, **extra}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    if model is not None:
        (root / "handbook" / "model.yaml").write_text(textwrap.dedent(model).lstrip(), encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    return Project(root)


def check(project: Project, *args: str):
    with cwd(project.root):
        result = CliRunner().invoke(main, ["check", "--today", "2026-06-01", *args])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    return result


def build(project: Project) -> Path:
    result = project.mkdocs("build", "--strict")
    assert result.returncode == 0, result.stderr
    return project.root / "site"


def page(site: Path, uri: str) -> str:
    return (site / uri / "index.html").read_text(encoding="utf-8")


# --- a custom field on a built-in kind ---------------------------------------------------------------

SLACK = """
    kinds:
      rituals:
        fields:
          slack_channel: {type: text, description: "where follow-ups are posted, e.g. #standup"}
          runbook: {type: url}
    """


def test_a_field_is_unknown_until_the_model_declares_it(tmp_path):
    bare = make(tmp_path / "bare")
    bare.edit("handbook/rituals/standup.yaml", "duration_minutes: 15", "duration_minutes: 15\nslack_channel: '#ops'")
    assert "unknown field 'slack_channel'" in check(bare).output
    own = make(tmp_path / "own", SLACK)
    own.edit("handbook/rituals/standup.yaml", "duration_minutes: 15",
             "duration_minutes: 15\nslack_channel: '#ops'\nrunbook: https://wiki.example/standup")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    html = page(site, "rituals/standup")
    assert "Slack channel" in html and "#ops" in html.replace("&#35;", "#")
    assert 'href="https://wiki.example/standup"' in html
    api = json.loads((site / "api" / "handbook.json").read_text())
    standup = next(e for e in api["entities"] if e["id"] == "standup")
    assert standup["fields"]["slack_channel"] == "#ops"


def test_a_custom_field_is_validated_by_its_type(tmp_path):
    own = make(tmp_path, SLACK)
    own.edit("handbook/rituals/standup.yaml", "duration_minutes: 15", "duration_minutes: 15\nrunbook: not a url")
    result = check(own)
    assert result.exit_code == 1 and "handbook/rituals/standup.yaml:9:10: error[invalid-value]: runbook:" in result.output


def test_schema_and_starter_include_a_custom_field(tmp_path):
    own = make(tmp_path, SLACK)
    with cwd(own.root):
        assert CliRunner().invoke(main, ["schema", "--out", "schemas"]).exit_code == 0
        made = CliRunner().invoke(main, ["new", "ritual", "Retro"])
    schema = json.loads((own.root / "schemas" / "ritual.schema.json").read_text())
    assert schema["properties"]["slack_channel"]["description"].startswith("where follow-ups")
    starter = (own.handbook / "rituals" / "retro.yaml").read_text()
    assert made.exit_code == 0 and "# slack_channel:" in starter and "where follow-ups are posted" in starter
    assert check(own, "--today", TODAY).exit_code == 0


# --- vocabularies, relaxed fields, lints, tags ---------------------------------------------------------

def test_a_vocabulary_can_be_extended_or_replaced(tmp_path):
    grpc = make(tmp_path / "a")
    grpc.edit("handbook/interfaces/weekly-report.yaml", "type: report", "type: grpc")
    assert "'grpc' is not one of" in check(grpc).output
    (grpc.handbook / "model.yaml").write_text("vocabularies:\n  interface-types: {add: [grpc, api]}\n")
    assert check(grpc).exit_code == 0
    squad = make(tmp_path / "b", "vocabularies:\n  team-topologies: [squad, tribe]\n")
    assert "team-topologies" in check(squad).output or check(squad).exit_code == 1
    result = check(squad)
    assert "handbook/teams/ops.yaml:4:11: error[invalid-value]: topology: 'platform' is not one of: squad, tribe" \
        in result.output


def test_removing_a_value_content_uses_is_reported_at_the_content(tmp_path):
    own = make(tmp_path, "vocabularies:\n  ritual-modes: {remove: [sync]}\n")
    result = check(own)
    assert "handbook/rituals/standup.yaml:10:7: error[invalid-value]: mode: 'sync' is not one of: async, hybrid" \
        in result.output


def test_a_required_field_made_optional_quiets_its_lints(tmp_path):
    model = """
        kinds:
          rituals:
            fields:
              last_reviewed: {required: false}
              duration_minutes: {required: false}
              format: {required: false}
              mode: {required: false}
              level: {required: false}
              participants: {required: false}
        """
    own = make(tmp_path, model)
    text = (own.handbook / "rituals" / "standup.yaml").read_text()
    for line in ("last_reviewed: 2026-05-01\n", "duration_minutes: 15\n", "format: open-agenda\n", "mode: sync\n",
                 "level: team\n", "participants: [{team: ops}]\n"):
        text = text.replace(line, "")
    (own.handbook / "rituals" / "standup.yaml").write_text(text)
    result = check(own, "--today", "2031-01-01")
    assert "missing-field" not in result.output and "standup was due" not in result.output
    assert "ops.yaml" in result.output  # other files' reviews still count
    site = build(own)
    standup = page(site, "rituals/standup")  # what is left out is not shown (issue 20), not "None" or a dash
    assert "Last reviewed" not in standup and "Participants" not in standup and "None" not in standup
    assert "Daily" in standup and "Owner:" in standup
    from icalendar import Calendar
    events = Calendar.from_ical((site / "calendar.ics").read_bytes()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Standup"]


def test_lints_can_be_switched_off_or_made_errors(tmp_path):
    own = make(tmp_path)
    own.edit("handbook/rituals/standup.yaml", "decisions: [What to unblock first]\n", "")
    assert "warning[zombie-ritual]" in check(own).output and check(own).exit_code == 0
    (own.handbook / "model.yaml").write_text("lints:\n  zombie-ritual: error\n")
    assert "error[zombie-ritual]" in check(own).output and check(own).exit_code == 1
    (own.handbook / "model.yaml").write_text("lints:\n  zombie-ritual: off\n")
    assert "zombie-ritual" not in check(own).output


def test_the_tag_pattern_can_be_widened_but_never_to_markup(tmp_path):
    own = make(tmp_path, "tags:\n  pattern: '^[a-z]+:[a-z-]+$'\n")
    own.edit("handbook/teams/ops.yaml", "lead: Ada", "lead: Ada\ntags: ['area:platform']")
    assert check(own).exit_code == 0
    own.edit("handbook/teams/ops.yaml", "tags: ['area:platform']", "tags: ['area:<b>x</b>']")
    assert check(own).exit_code == 1


# --- a new kind, referring to built-in kinds and referred to by them -------------------------------------

FORUMS = """
    kinds:
      rituals:
        fields:
          forum: {type: ref, to: forums, reverse: runs, reverse_label: Rituals it runs}
      forums:
        singular: forum
        title: Forums
        blurb: Standing groups across teams.
        node: amber
        fields:
          purpose: {type: markdown, required: true}
          chair: {type: ref, to: teams, reverse: chairs, reverse_label: Chairs, required: true}
          members: {type: list, of: {type: ref, to: teams, reverse: member_of, reverse_label: Member of}}
          meets: {type: cadence}
          budget: {type: duration, description: time per month}
    """
GUILD = """
    name: Platform guild
    owner: ops
    last_reviewed: 2026-05-01
    purpose: Keep the **platform** coherent.
    chair: ops
    members: [ops]
    meets: monthly
    budget: 2h
    tags: [platform]
    """


def test_a_new_kind_gets_pages_nav_search_api_schema_and_starters(tmp_path):
    own = make(tmp_path, FORUMS, **{"handbook/forums/platform-guild.yaml": GUILD})
    own.edit("handbook/rituals/standup.yaml", "duration_minutes: 15", "duration_minutes: 15\nforum: platform-guild")
    assert check(own).exit_code == 0, check(own).output
    site = build(own)
    guild = page(site, "forums/platform-guild")
    assert "<strong>platform</strong>" in guild and "2 h" in guild and "Monthly" in guild
    assert 'href="../../teams/ops/"' in guild and "Rituals it runs" in guild and "Standup" in guild
    assert "hb-node--amber" in guild
    assert "Chairs" in page(site, "teams/ops") and "Platform guild" in page(site, "teams/ops")
    assert "Platform guild" in page(site, "rituals/standup")
    index = page(site, "forums")
    assert "Platform guild" in index and "Standing groups across teams." in index
    assert '<a href="forums/"' in page(site, "") or 'href="forums/"' in page(site, "")  # home card
    nav = page(site, "rituals")
    assert ">Forums<" in nav.replace("\n", "").replace(" ", "") or "Forums" in nav
    search = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    assert any(d["location"] == "forums/platform-guild/" for d in search)
    api = json.loads((site / "api" / "handbook.json").read_text())
    assert api["counts"]["forums"] == 1
    forum = next(e for e in api["entities"] if e["kind"] == "forums")
    assert forum["fields"]["budget"] == 120 and forum["referenced_by"]["runs"][0]["id"] == "standup"
    with cwd(own.root):
        assert CliRunner().invoke(main, ["schema", "--out", "schemas"]).exit_code == 0
        made = CliRunner().invoke(main, ["new", "forum", "Data council"])
    assert made.exit_code == 0, made.output
    assert (own.root / "schemas" / "forum.schema.json").is_file()
    assert "forum.schema.json" in (own.handbook / "forums" / "data-council.yaml").read_text()
    assert check(own, "--today", TODAY).exit_code == 0, check(own, "--today", TODAY).output


def test_a_new_kind_in_the_history(tmp_path):
    own = make(tmp_path, FORUMS)

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=own.root,
                       check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "start")
    own.write("handbook/forums/platform-guild.yaml", textwrap.dedent(GUILD).lstrip())
    git("add", "-A")
    with cwd(own.root):
        result = CliRunner().invoke(main, ["diff", "HEAD"])
    assert "**Platform guild** (`forums/platform-guild`): added" in result.output


def test_the_schema_and_the_validator_agree_for_a_new_kind(tmp_path):
    own = make(tmp_path, FORUMS, **{"handbook/forums/platform-guild.yaml": GUILD})
    model, problems = load_model(own.handbook, own.root)
    assert model is not None, problems
    schema = all_schemas(model)["forum"]
    validator = jsonschema.Draft202012Validator(schema)
    good = load_file(own.handbook / "forums" / "platform-guild.yaml", "x.yaml")[0].data
    good = {**good, "last_reviewed": good["last_reviewed"].isoformat()}
    variants = [(good, True), ({**good, "chair": 3}, False), ({**good, "budget": "soon"}, False),
                ({**good, "meets": 42}, False), ({**good, "meets": "when the chair calls it"}, True), ({**good, "purpose": ""}, False),
                ({k: v for k, v in good.items() if k != "chair"}, False), ({**good, "colour": "red"}, False),
                ({**good, "members": "ops"}, False), ({**good, "budget": 45}, True), ({**good, "budget": "PT1H"}, True)]
    from generator.model.loader import Document
    for data, expected in variants:
        by_schema = not list(validator.iter_errors(data))
        by_validator = validate_document(SourceFile("forums", "x", Path("x.yaml"), "x.yaml"),
                                         Document("x.yaml", data), model)[0] is not None
        assert (by_schema, by_validator) == (expected, expected), data


# --- mistakes in the model ---------------------------------------------------------------------------

MISTAKES = """
    kinds:
      rituals:
        fields:
          cadence: {type: text}
          room: {type: colour}
      forums:
        fields:
          chair: {type: ref, to: councils}
      api:
        fields: {}
    vocabularies:
      interface-kinds: {add: [grpc]}
    lints:
      zombie: off
    """


def test_every_mistake_in_the_model_is_located_at_once_and_nothing_is_built(tmp_path):
    own = make(tmp_path, MISTAKES)
    result = check(own)
    assert result.exit_code == 1
    out = result.output
    expected = [
        "handbook/model.yaml:4:17: error[model]: field 'cadence' is declared by generator/model/kinds/rituals.yaml as "
        "cadence; a handbook cannot make it text",
        "handbook/model.yaml:5:20: error[invalid-value]: kinds.rituals.fields.room.type: 'colour' is not one of",
        "handbook/model.yaml:8:7: error[model]: field 'forums.chair' refers to unknown kind 'councils'",
        "handbook/model.yaml:12:3: error[model]: unknown vocabulary 'interface-kinds' (did you mean 'interface-types'?)",
        "handbook/model.yaml:14:3: error[model]: 'zombie' is not a lint (did you mean 'zombie-ritual'?)",
    ]
    for line in expected:
        assert line in out, out
    assert "'colour'" in out and "'api' cannot be a kind's folder name" in out
    result = own.mkdocs("build", "--strict")
    assert result.returncode == 1 and not (own.root / "site").exists()
    assert "handbook/model.yaml:4:17" in result.stderr and "Traceback" not in result.stderr


def test_a_reference_to_an_unknown_kind_is_located(tmp_path):
    own = make(tmp_path, "kinds:\n  forums:\n    fields:\n      chair: {type: ref, to: councils}\n")
    result = check(own)
    assert "handbook/model.yaml:4:7: error[model]: field 'forums.chair' refers to unknown kind 'councils'" in result.output


# --- the built-in kinds are declared the same way -------------------------------------------------------

def test_built_in_kinds_are_declarations_a_handbook_could_have_written(tmp_path):
    """Declaring a copy of the built-in rituals declaration as a handbook's own kind gives a
    validator that accepts and refuses exactly what the built-in one does."""
    import yaml
    builtin = default_model()
    text = (BUILTIN_DIR / "rituals.yaml").read_text()
    declaration = yaml.safe_load(text)
    declaration.pop("templates")
    KindDecl.model_validate(declaration)  # the same format
    for name in (BUILTIN_DIR).glob("*.yaml"):
        if name.stem not in ("common",):
            KindDecl.model_validate(yaml.safe_load(name.read_text()))
    model = build_model(yaml.safe_dump({"kinds": {"meetings": declaration}}, sort_keys=False).encode())
    copy, original = model.kinds["meetings"].model, builtin.kinds["rituals"].model
    assert list(copy.model_fields) == list(original.model_fields)
    strip = lambda s: json.dumps({k: v for k, v in s.items() if k not in ("title", "description")}, sort_keys=True)  # noqa: E731
    assert strip(copy.model_json_schema()) == strip(original.model_json_schema())
    assert [k.name for k in builtin.kinds.values()] == ["principles", "rituals", "interfaces", "funding", "teams", "people"]
    assert all(k.builtin and k.fields["name"].declared_in.endswith("common.yaml") for k in builtin.kinds.values())
