"""Model: references resolve to entities, reverse relations are derived, unknown ids are located."""

from __future__ import annotations

from generator.model import read_handbook

from test_validate import find, line_of


def load(project):
    handbook, diags = read_handbook(project.handbook, project.root)
    assert handbook is not None, [d.format_text() for d in diags]
    return handbook


def test_forward_references_resolve_in_order(project):
    hb = load(project)
    wbr = hb.get("rituals", "weekly-business-review")
    assert [e.id for e in wbr.targets("inputs")] == ["input-metrics-update"]
    assert wbr.targets("owner") == [hb.get("teams", "product-ops")]
    participants = [r for r in wbr.refs if r.field == "participants"]
    assert [r.target.id for r in participants] == ["rafael-moreno", "naledi-dube", "data-platform", "product-ops"]
    assert participants[2].item.note.startswith("Presents")  # the Participant holding the reference


def test_reverse_relations_are_derived(project):
    hb = load(project)
    metrics = hb.get("interfaces", "input-metrics-update")
    assert {e.id for e in metrics.sources("input_to")} == {"weekly-business-review", "betting-table", "monthly-operating-review"}
    assert len(metrics.sources("provided_by")) == len(hb.of("teams"))  # a required interface
    assert {e.id for e in metrics.sources("consumed_by")} == {"data-platform"}
    rebuild = hb.get("funding", "rebuilding-after-breakdown")
    assert {e.id for e in rebuild.sources("funds")} == {"product-ops", "supplier-network"}
    q3 = {r.source.id: r.item for r in rebuild.backrefs["funds"] if r.loc[:2] == ("allocations", 1)}
    assert q3 == {"product-ops": 30, "supplier-network": 45}  # each period's planned and actual shares
    assert hb.get("interfaces", "quarterly-plan").sources("replaces") == [hb.get("interfaces", "quarterly-okrs")]
    assert {e.id for e in hb.pillars[0].sources("funding")} == {"growth-bets", "customer-commitments"}


def test_a_new_reference_appears_on_the_other_side(project):
    project.edit("handbook/rituals/demo-day.yaml", "outputs: []", "outputs: [release-notes]")
    hb = load(project)
    assert hb.get("rituals", "demo-day") in hb.get("interfaces", "release-notes").sources("output_of")


def test_unknown_reference_is_located_with_did_you_mean(project):
    rel = "handbook/teams/checkout.yaml"
    project.edit(rel, "  growth-bets: 55", "  growth-bet: 55")
    project.edit("handbook/rituals/betting-table.yaml", "inputs: [bet-one-pager,", "inputs: [bet-onepager,")
    handbook, diags = read_handbook(project.handbook, project.root)
    assert handbook is None
    key = find(diags, rel, "unknown-reference")
    assert key.message == "unknown funding category 'growth-bet' (did you mean 'growth-bets'?)"
    assert (key.line, key.col) == (line_of(project, rel, "growth-bet: 55"), 7)
    listed = find(diags, "betting-table.yaml", "unknown-reference")
    assert "did you mean 'bet-one-pager'?" in listed.message and listed.col == 10


def test_reference_to_an_invalid_file_is_not_reported_twice(project):
    project.edit("handbook/interfaces/decision-record.yaml", "type: decision-log", "type: log")
    _, diags = read_handbook(project.handbook, project.root)
    assert [d.code for d in diags if d.severity == "error"] == ["invalid-value"]


def test_parse_cache_rereads_only_changed_files(project, monkeypatch):
    import generator.model.graph as model
    cache: dict = {}
    first, _ = read_handbook(project.handbook, project.root, cache)
    reads = []
    original = model.load_and_validate
    monkeypatch.setattr(model, "load_and_validate", lambda source, m, ids=None: reads.append(source.id) or original(source, m, ids))
    project.edit("handbook/rituals/demo-day.yaml", "summary: Teams show", "summary: Teams demo")
    second, _ = read_handbook(project.handbook, project.root, cache)
    assert reads == ["demo-day"]
    assert second.get("rituals", "demo-day").summary.startswith("Teams demo")
    assert second.get("interfaces", "release-notes").sources("input_to") == [second.get("rituals", "demo-day")]
    assert first.get("rituals", "demo-day") is not second.get("rituals", "demo-day")  # a fresh graph each time
