"""An organisation's data as it is written (issue 20, the model's half): snake_case ids, web addresses
with queries and fragments, empty optional lists, people as product managers of one or several
groups (`many: true`), a built-in field widened in model.yaml, a vocabulary of its own, and what is
said about references to a file that has errors. Each test builds its own small handbook, shaped
like a real organisation's (test_own_model.make)."""

from __future__ import annotations

import json
import re
import textwrap

import jsonschema
import pytest

from generator.model.declare import build_model
from generator.model.graph import read_handbook
from generator.model.jsonschema import all_schemas

from test_own_model import build, check, make, page

# The organisation's own model: what people write, declared once.
ORG_MODEL = """
    version: 1
    vocabularies:
      maturity: [minimal, viable, complete, lovable]
    kinds:
      teams:
        fields:
          mission: {type: markdown}
          product_managers:
            type: ref
            to: people
            many: true
            reverse: product_manager_of
            reverse_label: Product manager of
          internal_customers: {type: list, of: {type: ref, to: teams, reverse: serves, reverse_label: Serves}}
          maturity: {type: enum, vocabulary: maturity}
          dashboards: {type: list, of: {type: url}}
          meeting_link: {type: url}
    """

MISSION = """\
mission: |
  Payments that never lose a cent.

  We run the [ledger](https://wiki.example/ledger?view=full#balances) and its
  settlement jobs; see the runbook for on-call.
"""


def org(tmp_path, model: str = ORG_MODEL):
    """A handbook with snake_case ids, two teams with product managers, and the values as written."""
    own = make(tmp_path, model)
    own.write("handbook/people/ana_lima.yaml", "name: Ana Lima\nrole: Product manager\n")
    own.write("handbook/people/bo_chen.yaml", "name: Bo Chen\nrole: Product manager\n")
    own.write("handbook/teams/payments_core.yaml", textwrap.dedent("""\
        name: Payments core
        owner: ops
        last_reviewed: 2026-05-01
        topology: stream-aligned
        lead: ana_lima
        product_managers: [ana_lima, bo_chen]
        internal_customers:
        channels:
        funding:
        maturity: lovable
        meeting_link: https://zoom.example/j/123?pwd=abc
        dashboards:
          - https://grafana.example/d/abc/payments?orgId=1&filter=team%3Dpayments&from=now-7d
          - https://groups.example/g/dev#!forum/dev
          - https://docs.example/guide/settlement#retries
        """) + MISSION)
    own.write("handbook/teams/data_platform.yaml", textwrap.dedent("""\
        name: Data platform
        owner: ops
        last_reviewed: 2026-05-01
        mission: Data for every team.
        topology: platform
        lead: Head of Data
        product_managers: bo_chen
        internal_customers: [payments_core]
        """))
    return own


def test_an_organisations_values_as_written_pass_check(tmp_path):
    own = org(tmp_path)
    result = check(own)
    assert result.exit_code == 0, result.output
    handbook, diags = read_handbook(own.handbook, own.root)
    assert handbook is not None, diags
    payments = handbook.get("teams", "payments_core")
    data = handbook.get("teams", "data_platform")
    # Typed as declared: one value or several is always a list of the same reference type.
    assert payments.product_managers == ["ana_lima", "bo_chen"] and data.product_managers == ["bo_chen"]
    # Empty optional list and map mean "not set", like an empty text.
    assert payments.internal_customers == [] and payments.channels == [] and payments.funding == {}
    assert data.internal_customers == ["payments_core"]
    assert payments.mission.startswith("Payments that never lose a cent.\n\nWe run")
    assert payments.meeting_link == "https://zoom.example/j/123?pwd=abc"
    assert payments.dashboards[1] == "https://groups.example/g/dev#!forum/dev"
    # Relations follow from both forms, to the ids with underscores.
    bo = handbook.get("people", "bo_chen")
    assert [e.id for e in bo.sources("product_manager_of")] == ["data_platform", "payments_core"]
    assert [e.id for e in handbook.get("teams", "payments_core").sources("serves")] == ["data_platform"]
    assert payments.url == "teams/payments_core.md"


def test_the_site_builds_and_urls_keep_the_ids(tmp_path):
    site = build(org(tmp_path))
    html = page(site, "teams/payments_core")
    assert "Payments core" in html
    assert (site / "people" / "bo_chen" / "index.html").is_file()
    api = json.loads((site / "api" / "handbook.json").read_text())
    payments = next(e for e in api["entities"] if e["id"] == "payments_core")
    assert payments["fields"]["product_managers"] == ["ana_lima", "bo_chen"]


def test_the_json_schema_says_what_check_accepts(tmp_path):
    """One value or a list for a `many` field, and the web addresses, agree with `check`."""
    model = build_model(textwrap.dedent(ORG_MODEL).encode())
    schema = all_schemas(model)["team"]
    base = {"name": "X", "owner": "ops", "last_reviewed": "2026-05-01", "mission": "m", "topology": "platform",
            "lead": "ana_lima"}
    for good in ({"product_managers": "bo_chen"}, {"product_managers": ["ana_lima", "bo_chen"]},
                 {"meeting_link": "https://zoom.example/j/123?pwd=abc#x"}):
        jsonschema.validate({**base, **good}, schema)
        model.kinds["teams"].model.model_validate({**base, **good})
    for bad in ({"meeting_link": "https://user:pw@zoom.example/j/1"}, {"meeting_link": "javascript:alert(1)"},
                {"meeting_link": "https://zoom.example/j/1 2"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**base, **bad}, schema)
        with pytest.raises(Exception):
            model.kinds["teams"].model.model_validate({**base, **bad})


# --- Values ------------------------------------------------------------------------------------------

LONG = "https://grafana.example/d/abc/" + "x" * 200 + "?orgId=1&to=now"


@pytest.mark.parametrize("url, problem, hint", [
    ("https://user:secret@zoom.example/j/123", "holds a user name or password before '@'", "remove the `user:password@`"),
    ("javascript:alert(1)", "only http:// and https:// addresses", "write a web address"),
    ("ftp://files.example/x", "'ftp:' addresses are not allowed here", "write a web address"),
    ("https://zoom.example/j/1 2", "holds a space", "%20"),
    ("zoom.example/j/123", "does not start with https:// or http://", "write the full address"),
    ('https://x.example/"><b>', "holds a quote, an angle bracket", "percent-encoded"),
])
def test_an_unsafe_address_is_refused_with_its_reason(tmp_path, url, problem, hint):
    own = org(tmp_path)
    own.edit("handbook/teams/payments_core.yaml", "meeting_link: https://zoom.example/j/123?pwd=abc",
             f"meeting_link: {json.dumps(url)}")
    result = check(own)
    assert result.exit_code == 1
    line = next(i for i, text in enumerate((own.handbook / "teams/payments_core.yaml").read_text().splitlines(), 1)
                if text.startswith("meeting_link:"))
    shown = url.replace('"', '"')
    lines = result.output.splitlines()
    at = lines.index(next(text for text in lines if "meeting_link:" in text))
    assert lines[at].startswith(f"handbook/teams/payments_core.yaml:{line}:15: error[invalid-value]: meeting_link: "
                                f"'{shown}' is not a web address: "), result.output
    assert problem in lines[at] and hint in lines[at + 1], result.output


def test_a_long_address_is_shown_whole_or_cut_in_the_middle(tmp_path):
    own = org(tmp_path)
    bad = LONG.replace("?orgId", " ?orgId")  # a space, far from the start
    own.edit("handbook/teams/payments_core.yaml", "meeting_link: https://zoom.example/j/123?pwd=abc",
             f"meeting_link: {bad}")
    out = check(own).output
    shown = re.search(r"meeting_link: '([^']*)' is not a web address: the address holds a space", out)
    assert shown, out
    assert shown.group(1).startswith("https://grafana.example/d/abc/xxx") and shown.group(1).endswith("?orgId=1&to=now")
    assert "…" in shown.group(1) and len(shown.group(1)) == 120


def test_a_list_in_a_single_value_field_says_so(tmp_path):
    own = org(tmp_path)
    own.edit("handbook/teams/data_platform.yaml", "lead: Head of Data", "lead: [bo_chen, ana_lima]")
    result = check(own)
    assert result.exit_code == 1
    assert ("handbook/teams/data_platform.yaml:6:1: error[wrong-type]: 'lead' takes one person; this file "
            "gives a list of 2") in result.output, result.output
    assert "declare it in model.yaml: `kinds: {teams: {fields: {lead: {many: true}}}}`" in result.output
    assert "`|` block" not in result.output


def test_a_built_in_field_widened_from_one_to_many(tmp_path):
    own = org(tmp_path, ORG_MODEL.rstrip(" ") + "          lead: {many: true}\n")
    own.edit("handbook/teams/data_platform.yaml", "lead: Head of Data", "lead: [bo_chen, Head of Data]")
    assert check(own).exit_code == 0, check(own).output
    handbook, _ = read_handbook(own.handbook, own.root)
    assert handbook.get("teams", "data_platform").lead == ["bo_chen", "Head of Data"]
    assert handbook.get("teams", "payments_core").lead == ["ana_lima"]  # one value: a list of one
    assert [e.id for e in handbook.get("people", "bo_chen").sources("leads")] == ["data_platform"]


def test_a_mission_of_paragraphs_needs_the_field_widened(tmp_path):
    narrow = org(tmp_path / "narrow", ORG_MODEL.replace("          mission: {type: markdown}\n", ""))
    out = check(narrow).output
    assert "handbook/teams/payments_core.yaml" in out and "mission: must be one line of text" in out
    wide = org(tmp_path / "wide")
    assert check(wide).exit_code == 0


@pytest.mark.parametrize("change, message", [
    ("      interfaces:\n        fields:\n          purpose: {type: text}\n",
     "field 'purpose' is declared by generator/model/kinds/interfaces.yaml as markdown; text would narrow it"),
    ("      teams:\n        fields:\n          headcount: {type: percent}\n",
     "field 'headcount' is declared by generator/model/kinds/teams.yaml as integer; percent would narrow it"),
    ("      teams:\n        fields:\n          channels: {type: text}\n",
     "field 'channels' is declared by generator/model/kinds/teams.yaml as list; a handbook cannot make it text"),
    ("      people:\n        fields:\n          teams: {many: false}\n", None),
])
def test_narrowing_a_built_in_field_is_refused(tmp_path, change, message):
    own = make(tmp_path, "version: 1\nkinds:\n" + textwrap.indent(change, "").replace("      ", "  ", 1))
    result = check(own)
    if message is None:  # a list is not declared `many`; `many: false` on it changes nothing
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1 and f"error[model]: {message}" in result.output, result.output
    assert "a handbook may widen a built-in field (text to markdown" in result.output


def test_many_false_narrows_a_many_field_and_is_refused(tmp_path):
    own = make(tmp_path, "version: 1\nkinds:\n  teams:\n    fields:\n      lead: {many: true}\n"
                         "  rituals:\n    fields:\n      pm: {type: ref, to: people, many: true}\n")
    assert check(own).exit_code == 0, check(own).output
    model = build_model(b"version: 1\nkinds:\n  teams:\n    fields:\n      lead: {many: true}\n")
    assert model.kinds["teams"].fields["lead"].many and model.kinds["teams"].fields["lead"].of.type == "ref"


def test_a_new_vocabulary_at_the_top_level(tmp_path):
    own = org(tmp_path)
    own.edit("handbook/teams/payments_core.yaml", "maturity: lovable", "maturity: loveable")
    out = check(own).output
    assert "maturity: 'loveable' is not one of: minimal, viable, complete, lovable (did you mean 'lovable'?)" in out


def test_changing_an_unknown_vocabulary_shows_both_forms(tmp_path):
    own = make(tmp_path, "version: 1\nvocabularies:\n  maturity: {add: [lovable]}\n")
    out = check(own).output
    assert "handbook/model.yaml:3:3: error[model]: unknown vocabulary 'maturity'" in out, out
    assert "to declare a new one, give its values as a list (`maturity: [low, high]`)" in out
    assert "write `{add: [...], remove: [...]}` or a list that replaces it" in out
    assert "team-topologies" in out  # the vocabularies that exist


def test_a_field_naming_an_undeclared_vocabulary_says_where_to_declare_it(tmp_path):
    own = make(tmp_path, "version: 1\nkinds:\n  teams:\n    fields:\n      maturity: {type: enum, vocabulary: maturity}\n")
    out = check(own).output
    assert "unknown vocabulary 'maturity'" in out and "`vocabularies: {maturity: [a, b]}`" in out, out


# --- Ids ---------------------------------------------------------------------------------------------

def test_ids_that_differ_only_by_hyphen_and_underscore_clash(tmp_path):
    own = org(tmp_path)
    own.write("handbook/teams/data-platform.yaml", (own.handbook / "teams/data_platform.yaml").read_text())
    result = check(own)
    assert result.exit_code == 1
    assert ("handbook/teams/data_platform.yaml:1:1: error[invalid-id]: id 'data_platform' of teams differs from "
            "'data-platform' only by '-' against '_'") in result.output, result.output


@pytest.mark.parametrize("name", ["Payments_Core", "payments__core", "_payments", "payments_", "payments.core",
                                  "payments core", "p\u0430yments"])  # the last with a Cyrillic а
def test_unsafe_or_ambiguous_ids_stay_refused(tmp_path, name):
    own = org(tmp_path)
    own.write(f"handbook/teams/{name}.yaml", (own.handbook / "teams/data_platform.yaml").read_text())
    result = check(own)
    assert result.exit_code == 1 and "error[invalid-id]" in result.output and "rename the file" in result.output


# --- Follow-on errors ----------------------------------------------------------------------------

def test_references_to_a_file_with_errors_say_it_exists_and_where(tmp_path):
    own = org(tmp_path)
    own.edit("handbook/teams/payments_core.yaml", "topology: stream-aligned", "topology: [stream-aligned")  # YAML
    own.edit("handbook/teams/data_platform.yaml", "mission: Data for every team.",
             "mission: Data for every team.\nlocal_practices: We pair with [[teams/payments_core]].")
    result = check(own)
    assert result.exit_code == 1
    out = result.output
    broken = re.search(r"handbook/teams/payments_core\.yaml:(\d+):(\d+): error\[yaml-syntax\]", out)
    assert broken, out
    where = f"handbook/teams/payments_core.yaml:{broken.group(1)}:{broken.group(2)}"
    assert ("handbook/teams/data_platform.yaml:9:22: warning[reference-to-broken-file]: team 'payments_core' exists "
            f"but its file has errors (see {where})") in out, out
    assert (f"handbook/teams/data_platform.yaml:5:31: warning[reference-to-broken-file]: [[teams/payments_core]] "
            f"exists but its file has errors (see {where})") in out, out
    assert "unknown team" not in out


def test_an_unknown_reference_does_not_list_a_partial_set_as_known(tmp_path):
    own = org(tmp_path)
    own.edit("handbook/teams/payments_core.yaml", "topology: stream-aligned", "topology: [stream-aligned")
    own.edit("handbook/teams/data_platform.yaml", "internal_customers: [payments_core]",
             "internal_customers: [payments_core, ledger]")
    out = check(own).output
    unknown = next(line for line in out.splitlines() if "unknown team 'ledger'" in line)
    hint = out.splitlines()[out.splitlines().index(unknown) + 1]
    assert "known teams: data_platform, ops (1 more file with errors not read)" in hint, hint
    assert "payments_core" not in hint


def test_a_reference_to_a_file_refused_unread_says_so(tmp_path):
    own = org(tmp_path)
    target = own.handbook / "teams/payments_core.yaml"
    outside = tmp_path / "payments_core.yaml"
    target.rename(outside)
    target.symlink_to(outside)
    out = check(own).output
    assert ("team 'payments_core' exists but its file has errors (see handbook/teams/payments_core.yaml)") in out, out
    assert "unknown team 'payments_core'" not in out
