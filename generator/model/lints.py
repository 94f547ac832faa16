"""Lints: checks on the resolved handbook that go beyond the schema (mostly warnings).

Each lint is a function `(handbook, today) -> diagnostics`, registered with `@lint(code)`; the code's
explanation for `handbook explain` lives in codes.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, Callable, Iterator

from ..diagnostics import Diagnostic, excerpt
from . import rhythm
from .graph import Entity, Handbook

Lint = Callable[[Handbook, date], Iterator[Diagnostic]]
LINTS: list[Lint] = []


def lint(fn: Lint) -> Lint:
    LINTS.append(fn)
    return fn


def at(entity: Entity, loc: tuple, code: str, message: str, hint: str | None = None, *,
       severity: str = "warning", key: bool = True) -> Diagnostic:
    line, col = entity.position(loc, key=key)
    return Diagnostic(entity.path, line, col, severity, code, message, hint)  # type: ignore[arg-type]


def _written_or_name(entity: Entity, field: str) -> tuple:
    """Point at `field` if the file writes it, else at the entity's name."""
    return (field,) if field in entity.doc.data else ("name",)


def run_lints(handbook: Handbook, today: date) -> list[Diagnostic]:
    """Every lint's findings, at the severity the handbook's model gives each code (or none: off)."""
    found = []
    for fn in LINTS:
        for d in fn(handbook, today):
            severity = handbook.model.severity(d.code, d.severity)
            if severity is not None:
                found.append(d if severity == d.severity else replace(d, severity=severity))
    return found


@lint
def interfaces_without_both_ends(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for i in handbook.of("interfaces"):
        if i.status in ("deprecated", "sunset"):
            continue
        if not i.backrefs.get("consumed_by") and not i.backrefs.get("input_to"):
            yield at(i, ("name",), "unconsumed-interface", f"nobody consumes interface '{i.id}'",
                     "list it under a team's `consumes` or a ritual's `inputs`, or retire it")
        if not i.backrefs.get("provided_by") and not i.backrefs.get("output_of"):
            yield at(i, ("name",), "unproduced-interface", f"nobody produces interface '{i.id}'",
                     "list it under a team's `provides` or a ritual's `outputs`")


@lint
def zombie_rituals(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for r in handbook.of("rituals"):
        if getattr(r, "type", "meeting") == "task":  # a recurring chore decides nothing by design
            continue
        missing = [f for f in ("outputs", "decisions") if not getattr(r, f)]
        if missing:
            where = _written_or_name(r, missing[0])
            yield at(r, where, "zombie-ritual",
                     f"ritual '{r.id}' has no {' and no '.join(missing)}",
                     "a ritual that produces nothing and decides nothing is a candidate for retirement")


@lint
def required_interfaces_provided(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for team in handbook.of("teams"):
        provided = set(team.provides)
        for i in handbook.required_interfaces:
            if i.id not in provided:
                yield at(team, _written_or_name(team, "provides"), "missing-required-interface",
                         f"team '{team.id}' does not provide required interface '{i.id}'",
                         f"add {i.id} to `provides`; every team provides required interfaces")


@lint
def funding_targets_feasible(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    categories = [f for f in handbook.of("funding") if f.target is not None]  # a relaxed target: no bound
    if not categories:
        return
    low = sum(f.target.low for f in categories)
    high = sum(f.target.high for f in categories)
    if low > 100 or (high < 100 and len(categories) == len(handbook.of("funding"))):
        first = min(categories, key=lambda f: f.path)
        yield at(first, ("target",), "funding-targets-infeasible",
                 f"funding targets cannot sum to 100 % (the lows add up to {low} %, the highs to {high} %)",
                 "widen or lower the targets so that the lows sum to at most 100 and the highs to at least 100")


@lint
def review_overdue(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    default = handbook.meta.review_period_days
    for e in handbook.all():
        due = e.review_due(default)
        if due and due < today:
            yield at(e, ("last_reviewed",), "review-overdue",
                     f"{e.id} was due for review on {due} (last reviewed {e.last_reviewed})",
                     "review the page with its owner, then update `last_reviewed`", key=False)
    if handbook.meta.review_by is not None and handbook.meta.review_by < today:
        yield at(handbook.meta, ("review_by",), "review-overdue",
                 f"the operating system was to be revisited by {handbook.meta.review_by}",
                 "hold the review, then set a new `review_by` date", key=False)


@lint
def review_in_future(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    # A day's grace: "today" differs across time zones.
    for e in handbook.all():
        last = getattr(e.data, "last_reviewed", None)
        if last is not None and last > today + timedelta(days=1):
            yield at(e, ("last_reviewed",), "review-in-future",
                     f"last_reviewed {last} is in the future (today is {today})",
                     "write the date of the last review that took place; a future date would hide the page "
                     "from review reminders", severity="error", key=False)


def _deprecated(i: Entity) -> bool:
    return i.status == "deprecated" or i.deprecated_by is not None


@lint
def deprecated_interfaces_in_use(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for i in handbook.of("interfaces"):
        if not _deprecated(i):
            continue
        replacement = f"; use '{i.deprecated_by}' instead" if i.deprecated_by else ""
        for rel in i.backrefs.get("input_to", []) + i.backrefs.get("consumed_by", []):
            yield at(rel.source, rel.loc, "deprecated-in-use",
                     f"'{rel.source.id}' still uses deprecated interface '{i.id}'{replacement}",
                     "move to the replacement, then remove this reference", key=False)


@lint
def deprecation_cycles(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """`deprecated_by` must lead to a live interface, not back to where it started."""
    for start in handbook.of("interfaces"):
        seen = [start.id]
        current = start
        while current.deprecated_by is not None:
            nxt = handbook.get("interfaces", current.deprecated_by)
            if nxt is None:
                break
            if nxt.id in seen:
                if nxt is start:  # report each cycle once, on each member, at its own field
                    yield at(start, ("deprecated_by",), "deprecation-cycle",
                             f"deprecated_by forms a cycle: {' → '.join(seen + [nxt.id])}",
                             "the last interface in a chain of replacements must not be deprecated by another",
                             severity="error", key=False)
                break
            seen.append(nxt.id)
            current = nxt


@lint
def parent_cycles(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """A hierarchy (`parent: true`) must have a top: each member of a cycle is told, at its field."""
    kinds = [k for k in handbook.model.kinds.values() if k.parent is not None]
    for e in (e for k in kinds for e in handbook.of(k.name)):
        cycle = handbook.in_cycle(e)
        if cycle:
            field = handbook.model.kinds[e.kind].parent.name
            yield at(e, (field,), "parent-cycle",
                     f"{field} forms a cycle: {' → '.join(f'{x.kind}/{x.id}' for x in [*cycle, e])}",
                     "point one of them at an entity above the cycle, or leave its parent out to make it a top",
                     severity="error", key=False)


# A Markdown link to a page of the site by file name: [text](../interfaces/x.md)
_PAGE_LINK = re.compile(r"\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:)([^)\s]*\.md)(?:#[^)\s]*)?\)")


_TODO = re.compile(r"\bTODO\b")
_NEEDLES = (".md", "TODO")  # what the text lints look for: most strings have neither


def _texts(value: Any) -> Iterator[tuple[tuple, str]]:
    """(path, text) of every string in a file's data that holds a needle. One loop with a stack,
    not nested generators: it visits every value of every file."""
    stack: list[tuple[Any, tuple]] = [(value, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, str):
            if _NEEDLES[0] in node or _NEEDLES[1] in node:
                yield loc, node
        elif isinstance(node, dict):
            stack.extend((item, loc + (key,)) for key, item in node.items())
        elif isinstance(node, list):
            stack.extend((item, loc + (i,)) for i, item in enumerate(node))


@lint
def texts(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """In one pass over every string: a link to a page file (`x.md`) in prose, which leads nowhere
    since prose is rendered to HTML that MkDocs does not rewrite; and a starter's TODO placeholder
    (`handbook new`) that nobody filled in, which would be published as it is."""
    for e in [handbook.meta, *handbook.all()]:
        if e.doc is None:
            continue
        if e.doc.text is not None and _NEEDLES[0] not in e.doc.text and _NEEDLES[1] not in e.doc.text:
            continue  # a needle in a value is in the text (barring YAML escapes): most files have none
        for loc, text in sorted(_texts(e.doc.data), key=lambda pair: e.position(pair[0])):
            for match in _PAGE_LINK.finditer(text):
                path = match.group(1)
                parts = [p for p in path.removesuffix(".md").split("/") if p not in ("", ".", "..")]
                kind = next((p for p in parts if p in handbook.model.kinds), None)
                name = "/".join(parts[parts.index(kind) + 1:]) if kind else ""
                meant = f"[[{kind}/{name}]]" if kind and handbook.get(kind, name) else "[[kind/id]]"
                yield at(e, loc, "page-link-in-prose", f"link to '{excerpt(path)}' in prose leads nowhere on the site",
                         f"link to the entity with {meant}, which is checked and rendered as a link",
                         severity="error", key=False)
            found = _TODO.search(text)
            if found:
                field = ".".join(str(p) for p in loc)
                line, col = e.text_position(loc, text, found.start())
                yield Diagnostic(e.path, line, col, "warning", "leftover-todo",
                                 f"`{field}` still holds a TODO placeholder",
                                 "write the real value, or remove the field if it is optional")


@lint
def allocation_findings(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """When the percentages lie: allocations per period, computed (model/allocation.py), with the
    thresholds of the handbook's model."""
    from .allocation import findings
    for f in findings(handbook, today):
        yield at(f.entity, f.loc, f.code, f.message, f.hint + (f" (evidence: {'; '.join(f.evidence)})"
                                                              if len(f.evidence) > 1 else ""))


def _in_model(handbook: Handbook, loc: tuple, code: str, message: str, hint: str) -> Diagnostic:
    doc = handbook.model.positions
    line, col = doc.position(loc, key=True) if doc is not None else (0, 0)
    return Diagnostic(handbook.model.source or "handbook/model.yaml", line, col, "warning", code, message, hint)


@lint
def evidence_findings(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """The exports themselves: tracker values that map to no team, and exports gone stale."""
    evidence = handbook.evidence
    if evidence is None:
        return
    if evidence.unmapped:
        counts = sorted(evidence.unmapped.items(), key=lambda kv: (-kv[1], kv[0]))
        def issues(n: int) -> str:
            return f"{n} issue" + ("" if n == 1 else "s")
        shown = "; ".join(f"'{excerpt(v, 30)}' in {f}: {issues(n)}" for (f, v), n in counts[:8])
        more = f"; and {len(counts) - 8} more" if len(counts) > 8 else ""
        total = sum(evidence.unmapped.values())
        yield _in_model(handbook, ("evidence", "sources"), "unmapped-team",
                        f"{issues(total)} {'names' if total == 1 else 'name'} a team the evidence maps to no team: "
                        f"{shown}{more}", "add each value to its source's `team: {column, map}`")
    days = handbook.model.thresholds.evidence_days
    if evidence.newest is not None and (today - evidence.newest).days > days:
        yield _in_model(handbook, ("evidence", "sources"), "evidence-stale",
                        f"the newest record of the exports is from {evidence.newest}, "
                        f"{(today - evidence.newest).days} days ago (more than {days})",
                        "export the issues again and commit the files")


@lint
def interactions_agree(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    """An interaction written on both teams must say the same: one mode, seen from either side."""
    for team in handbook.of("teams"):
        for i, mine in enumerate(team.interactions or []):
            other = handbook.get("teams", mine.team)
            if other is None or other.id <= team.id:
                continue  # each pair once, on the team first in id order
            theirs = next((x for x in other.interactions or [] if x.team == team.id), None)
            if theirs is None:
                continue
            if theirs.mode != mine.mode or (theirs.note or "") != (mine.note or ""):
                what = f"{mine.mode} here, {theirs.mode} on {other.id}" if theirs.mode != mine.mode \
                    else f"the same mode ({mine.mode}) with different notes"
                yield at(team, ("interactions", i, "mode" if theirs.mode != mine.mode else "team"),
                         "interaction-disagrees",
                         f"teams '{team.id}' and '{other.id}' describe their interaction differently: {what}",
                         "write the interaction once (the other team's page shows it as their side), or make both "
                         "sides say the same", key=False)


@lint
def deadlines_are_inputs(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for r in handbook.of("rituals"):
        for i, d in enumerate(getattr(r, "deadlines", None) or []):
            if d.interface not in (r.inputs or []):
                yield at(r, ("deadlines", i, "interface"), "deadline-not-input",
                         f"ritual '{r.id}' sets a deadline for '{d.interface}', which is not one of its inputs",
                         f"add {d.interface} to `inputs`, or remove the deadline", key=False)


# --- the operating rhythm (model/rhythm.py) -----------------------------------------------------------

def _when_field(r: Entity) -> tuple:
    return next(((f,) for f in ("time", "starts", "day", "cadence") if f in r.doc.data), ("name",)) if r.doc else ("name",)


@lint
def cadences_not_understood(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    from .types import Cadence
    for kind in handbook.model.kinds.values():
        # Only the declared cadence fields: walking every field of every entity cost 0.1 s at 10,000 files.
        names = [name for name, spec in kind.fields.items() if spec.type == "cadence"]
        for e in handbook.of(kind.name) if names else ():
            for name in names:
                value = getattr(e.data, name, None)
                if not (isinstance(value, Cadence) and value.doubtful):
                    continue
                yield at(e, (name,), "cadence-not-understood",
                         f"'{excerpt(value.trigger)}' begins like a period but is not one the tool reads: it is "
                         f"taken as the event that triggers it, with no dates",
                         "write the period as people say it (weekly, every 3 weeks, monthly (first Tuesday), "
                         "biweekly, camera on), or `{trigger: …}` if an event starts it", key=False)


@lint
def rhythm_phase_unknown(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for r, s in rhythm.regular(handbook):
        if s.placed and not s.phase_known:
            yield at(r, _when_field(r), "ritual-phase-unknown",
                     f"ritual '{r.id}' meets {r.cadence.label.lower()}, but which weeks is not stated: the calendar "
                     f"counts from the week of 1 January 2001",
                     "give the first session: `starts: 2026-03-03T09:00`, or `day: Tuesday (from 2026-03-03)`",
                     key=False)


@lint
def meeting_load_over(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    limit = handbook.model.thresholds.meeting_hours
    for load in rhythm.meeting_load(handbook).values():
        if load.required > limit and load.who.doc is not None:
            top = ", ".join(f"{r.name} {h:.1f} h" for r, h, req in load.rituals[:3] if req)
            yield at(load.who, ("name",), "meeting-load",
                     f"{load.who.id} is required in rituals for {load.required:.1f} hours a week (over {limit:g})",
                     f"make some participation optional, meet less often or shorter; the largest: {top}")


@lint
def rituals_overlapping(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    for o in rhythm.overlaps(handbook, today):
        yield at(o.second, _when_field(o.second), "ritual-overlap",
                 f"ritual '{o.second.id}' overlaps '{o.first.id}', both requiring {o.who.id}: first on "
                 f"{o.when:%A %Y-%m-%d %H:%M} ({o.when.tzinfo})",
                 "move one of them (`day`, `time`, `starts`), or make the participation optional", key=False)


@lint
def rituals_outside_working_hours(handbook: Handbook, today: date) -> Iterator[Diagnostic]:
    start, end = handbook.model.thresholds.working_hours.split("-")
    day_start, day_end = int(start[:2]), int(end[:2])
    for o in rhythm.outside_working_hours(handbook, today, day_start, day_end):
        yield at(o.ritual, _when_field(o.ritual), "outside-working-hours",
                 f"ritual '{o.ritual.id}' meets at {o.local:%H:%M} on {o.local:%A} for {o.person.id} "
                 f"({o.local.tzinfo}), outside their working day ({start}-{end})",
                 "move it inside everyone's day, rotate it across zones, or make the participation optional",
                 key=False)
