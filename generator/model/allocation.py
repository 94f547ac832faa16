"""Model: allocation as a hypothesis. A team's allocation per period (planned and, once known,
actual), time by strategic pillar (headcount-weighted), and the situations in which the
percentages lie, computed with their evidence. Lints (lints.py) and pages read the same findings.

A team's `funding` map (the older form) is the allocation of one undated current period; a team
that writes `allocations` states them per period instead, and its `funding` is then ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterator

from ..evidence.aggregate import UNCATEGORISED, Cell
from .graph import Entity, Handbook
from .types import Period

UNDATED = "current"  # the label of the undated period of a team's `funding` map


@dataclass
class Allocation:
    """One team's allocation for one period (None: the undated `funding` map)."""

    team: Entity
    period: Period | None
    planned: dict[str, int]
    actual: dict[str, int] | None = None
    method: str | None = None
    confidence: str | None = None
    expires: date | None = None
    index: int | None = None  # position in the team's `allocations`
    measured: "Measured | None" = None  # from the tracker's exports (timeline() only)

    @property
    def label(self) -> str:
        return self.period.text if self.period else UNDATED

    @property
    def loc(self) -> tuple:
        return ("allocations", self.index) if self.index is not None else ("funding",)

    @property
    def current(self) -> dict[str, int]:
        """What the team spent, when known, else what it planned."""
        return self.actual if self.actual else self.planned

    def expiry(self, expiry_days: int) -> date | None:
        if self.expires is not None:
            return self.expires
        return self.period.end + timedelta(days=expiry_days) if self.period else None


def allocations(team: Entity) -> list[Allocation]:
    """A team's allocations, oldest period first."""
    written = getattr(team, "allocations", None) or []
    if written:
        found = [Allocation(team, a.period, dict(a.planned), dict(a.actual) if a.actual else None, a.method,
                            a.confidence, a.expires, i) for i, a in enumerate(written)]
        return sorted(found, key=lambda a: (a.period.start, a.period.end))
    funding = getattr(team, "funding", None)
    return [Allocation(team, None, dict(funding))] if funding else []


def latest(team: Entity) -> Allocation | None:
    found = allocations(team)
    return found[-1] if found else None


def latest_reported(team: Entity) -> Allocation | None:
    """The team's last period with an actual split, else its latest plan."""
    found = allocations(team)
    reported = [a for a in found if a.actual]
    return reported[-1] if reported else (found[-1] if found else None)


def pillar_shares(category: Entity) -> dict[str, float]:
    """The fraction of a funding category's time that goes to each pillar (default: all to `pillar`)."""
    shares = getattr(category, "pillar_shares", None)
    if shares:
        total = sum(shares.values()) or 1
        return {p: v / total for p, v in shares.items()}
    return {category.pillar: 1.0}


def _by_role(handbook: Handbook, role: str) -> set[str]:
    return {f.id for f in handbook.of("funding") if getattr(f, "role", None) == role}


# --- measured from the work tracker's exports ----------------------------------------------------

@dataclass
class TopParent:
    key: str
    title: str  # empty when `redact: titles` or unknown
    link: str | None
    effort: float
    percent: float  # of the category's measured effort


@dataclass
class Measured:
    """A team's allocation for a period as measured from the exports: percent per category
    (`uncategorised` last), the sample and how it was weighed."""

    percent: dict[str, float]
    coverage: float  # percent of the effort a rule categorised
    items: int
    points: float
    method: str
    top: dict[str, list[TopParent]]  # category -> its top parents by effort

    @property
    def uncategorised(self) -> float:
        return self.percent.get(UNCATEGORISED, 0.0)


def _measured(handbook: Handbook, cell: Cell) -> Measured:
    evidence, decl = handbook.evidence, handbook.model.evidence
    top = {}
    for category, effort in cell.effort.items():
        top[category] = [TopParent(k, evidence.titles.get(k, ""), evidence.links.get(k), v, v * 100 / (effort or 1))
                         for k, v in cell.top(category, decl.top)]
    return Measured(cell.percent(), cell.coverage, cell.items, cell.points, evidence.method, top)


def timeline(handbook: Handbook, team: Entity) -> list[Allocation]:
    """A team's allocations, oldest first, each with what was measured for its period; a period
    measured for which the team wrote none is added (planned: nothing)."""
    cache = handbook.__dict__.setdefault("_timeline", {})
    if team.id in cache:
        return cache[team.id]
    found = allocations(team)
    evidence = handbook.evidence
    if evidence is not None:
        cells = {label: cell for (t, label), cell in evidence.cells.items() if t == team.id}
        for a in found:
            if a.period is not None and a.label in cells:
                a.measured = _measured(handbook, cells.pop(a.label))
        for label, cell in cells.items():
            found.append(Allocation(team, Period.parse(label), {}, measured=_measured(handbook, cell)))
        found.sort(key=lambda a: (a.period is not None, a.period.start if a.period else date.min,
                                  a.period.end if a.period else date.min))
    cache[team.id] = found
    return found


# --- time by strategic pillar -------------------------------------------------------------------

@dataclass
class PillarTime:
    pillar: Entity
    planned: float | None = None  # percent of the reporting teams' capacity
    actual: float | None = None
    planned_people: float = 0.0  # headcount-weighted
    actual_people: float = 0.0
    measured: float | None = None
    measured_people: float = 0.0


@dataclass
class PeriodTime:
    """Time by pillar in one period, across the teams that state an allocation for it."""

    label: str
    period: Period | None
    pillars: list[PillarTime]
    planned_teams: list[Entity] = field(default_factory=list)
    actual_teams: list[Entity] = field(default_factory=list)
    planned_people: float = 0.0  # headcount of the teams that planned
    actual_people: float = 0.0
    measured_teams: list[Entity] = field(default_factory=list)
    measured_people: float = 0.0

    @property
    def has_actual(self) -> bool:
        return bool(self.actual_teams)


def _headcount(team: Entity) -> int:
    return getattr(team, "headcount", None) or 1


def pillar_time(handbook: Handbook) -> list[PeriodTime]:
    """Planned and actual time per pillar and per period, oldest first; the undated period last
    (computed once per handbook)."""
    cached = handbook.__dict__.get("_pillar_time")
    if cached is not None:
        return cached
    categories = {f.id: pillar_shares(f) for f in handbook.of("funding")}
    periods: dict[str, tuple[Period | None, list[Allocation]]] = {}
    for team in handbook.of("teams"):
        for a in timeline(handbook, team):
            periods.setdefault(a.label, (a.period, []))[1].append(a)
    out: list[PeriodTime] = []
    order = sorted(periods.items(), key=lambda kv: (kv[1][0] is None, kv[1][0].start if kv[1][0] else date.min,
                                                    kv[1][0].end if kv[1][0] else date.min))
    for label, (period, allocs) in order:
        rows = {p.id: PillarTime(p) for p in handbook.pillars}
        result = PeriodTime(label, period, list(rows.values()))
        for side in ("planned", "actual", "measured"):
            for a in allocs:
                split = getattr(a, side)
                if side == "measured" and split is not None:
                    split = split.percent
                if not split:
                    continue
                people = _headcount(a.team)
                getattr(result, f"{side}_teams").append(a.team)
                setattr(result, f"{side}_people", getattr(result, f"{side}_people") + people)
                for category, percent in split.items():
                    for pillar, share in categories.get(category, {}).items():
                        if pillar in rows:
                            row = rows[pillar]
                            setattr(row, f"{side}_people", getattr(row, f"{side}_people") + people * percent / 100 * share)
            total = getattr(result, f"{side}_people")
            if total:
                for row in rows.values():
                    setattr(row, side, getattr(row, f"{side}_people") / total * 100)
        out.append(result)
    handbook.__dict__["_pillar_time"] = out
    return out


def pillar_measured(handbook: Handbook) -> bool:
    return any(p.measured_teams for p in pillar_time(handbook))


def last_reported(handbook: Handbook) -> PeriodTime | None:
    """The latest period with an actual split reported (else the latest planned one)."""
    periods = pillar_time(handbook)
    reported = [p for p in periods if p.has_actual]
    return reported[-1] if reported else (periods[-1] if periods else None)


# --- when the percentages lie -------------------------------------------------------------------

@dataclass
class Finding:
    """One situation in which a percentage misleads, with its evidence."""

    code: str
    entity: Entity
    loc: tuple
    message: str
    hint: str
    evidence: list[str] = field(default_factory=list)
    categories: tuple[str, ...] = ()  # the funding categories whose percentages it concerns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _category_name(handbook: Handbook, category: str) -> str:
    found = handbook.get("funding", category)
    return found.name if found else category


def findings(handbook: Handbook, today: date) -> list[Finding]:
    """Every computed finding, in a stable order (by code, then team)."""
    cached = handbook.__dict__.setdefault("_findings", {})
    if today not in cached:
        cached[today] = [f for fn in FINDERS for f in fn(handbook, today)]
    return cached[today]


def about(handbook: Handbook, today: date, entity: Entity) -> list[Finding]:
    """The findings on `entity` (a team or a category), and for a funding category those on the
    teams whose shares of it mislead."""
    return [f for f in findings(handbook, today)
            if f.entity is entity or (entity.kind == "funding" and entity.id in f.categories)]


def _teams(handbook: Handbook) -> Iterator[tuple[Entity, list[Allocation]]]:
    for team in handbook.of("teams"):
        found = allocations(team)
        if found:
            yield team, found


def _sums(handbook: Handbook, today: date) -> Iterator[Finding]:
    for team, allocs in _teams(handbook):
        for a in allocs:
            for side in ("planned", "actual"):
                split = getattr(a, side)
                if not split:
                    continue
                total = sum(split.values())
                if total != 100:
                    where = f"{a.label} {side}" if a.period else "allocation"
                    loc = a.loc + ((side,) if a.index is not None else ())
                    yield Finding("allocation-not-100", team, loc,
                                  f"team '{team.id}' {where} sums to {total} %, not 100 %",
                                  "report the share of the team's capacity per category so that it adds up to 100",
                                  [f"{_category_name(handbook, c)} {p} %" for c, p in split.items()])
        if getattr(team, "allocations", None) and getattr(team, "funding", None):
            yield Finding("allocation-written-twice", team, ("funding",),
                          f"team '{team.id}' writes both `funding` and `allocations`; `funding` is ignored",
                          "move the split into an allocation for its period, then remove `funding`")


def _too_many(handbook: Handbook, today: date) -> Iterator[Finding]:
    limit = handbook.model.thresholds.max_categories
    for team, allocs in _teams(handbook):
        a = allocs[-1]
        used = {c: p for c, p in a.current.items() if p}
        if len(used) > limit:
            yield Finding("too-many-categories", team, a.loc,
                          f"team '{team.id}' is split across {len(used)} funding categories in {a.label} "
                          f"(more than {limit})",
                          "a team spread this thin usually does none of it well; merge or drop the smallest",
                          [f"{_category_name(handbook, c)} {p} %" for c, p in sorted(used.items(), key=lambda kv: -kv[1])])


def _unchanged(handbook: Handbook, today: date) -> Iterator[Finding]:
    limit = handbook.model.thresholds.unchanged_periods
    for team, allocs in _teams(handbook):
        dated = [a for a in allocs if a.period]
        run = 1
        for prev, a in zip(dated, dated[1:]):
            run = run + 1 if a.planned == prev.planned else 1
        if run > limit:
            last = dated[-run:]
            yield Finding("allocation-unchanged", team, last[-1].loc,
                          f"team '{team.id}' planned the same split for {run} periods in a row "
                          f"({last[0].label} to {last[-1].label})",
                          "an allocation nobody revisits is a habit, not a plan: review it at the next planning, "
                          "and change it or say why it holds",
                          [", ".join(f"{_category_name(handbook, c)} {p} %" for c, p in last[-1].planned.items())])


def _drift(handbook: Handbook, today: date) -> Iterator[Finding]:
    limit = handbook.model.thresholds.drift_points
    for team, allocs in _teams(handbook):
        for a in allocs:
            if not a.actual:
                continue
            gaps, drifted = [], []
            for category in dict.fromkeys([*a.planned, *a.actual]):
                planned, actual = a.planned.get(category, 0), a.actual.get(category, 0)
                if abs(planned - actual) > limit:
                    gaps.append(f"{_category_name(handbook, category)} {a.label} planned {planned} % → actual {actual} %")
                    drifted.append(category)
            if gaps:
                yield Finding("allocation-drift", team, a.loc + ("actual",),
                              f"team '{team.id}' spent {a.label} differently from its plan (more than "
                              f"{_fmt(limit)} points): {gaps[0]}",
                              "say why in the capacity allocation report, and plan the next period from what "
                              "actually happened", gaps, tuple(drifted))


def _expired(handbook: Handbook, today: date) -> Iterator[Finding]:
    days = handbook.model.thresholds.expiry_days
    for team, allocs in _teams(handbook):
        a = allocs[-1]
        expiry = a.expiry(days)
        if expiry is not None and expiry < today:
            loc = a.loc + (("expires",) if a.expires else ("period",))
            yield Finding("allocation-expired", team, loc,
                          f"team '{team.id}' states no allocation after {a.label}, which expired on {expiry}",
                          "every allocation expires: state the current period's plan, and the last one's actual",
                          [f"latest allocation: {a.label}, expired {expiry}"])


def _rebuild(handbook: Handbook, today: date) -> Iterator[Finding]:
    rebuild = _by_role(handbook, "rebuild")
    limit = handbook.model.thresholds.rebuild_periods
    if not rebuild:
        return
    for team, allocs in _teams(handbook):
        dated = [a for a in allocs if a.period]
        run: list[Allocation] = []
        for a in dated:
            run = run + [a] if any(a.current.get(c, 0) for c in rebuild) else []
        if len(run) > limit:
            shares = [f"{a.label} {sum(a.current.get(c, 0) for c in rebuild)} %" for a in run]
            yield Finding("rebuild-without-exit", team, run[-1].loc,
                          f"team '{team.id}' has been rebuilding for {len(run)} periods in a row "
                          f"({run[0].label} to {run[-1].label}) without reaching the exit criteria",
                          "a rebuild that does not end has become the team's normal: revisit its exit criteria at "
                          "the rebuild review, or fund the work in another category", shares,
                          tuple(c for c in rebuild if any(a.current.get(c, 0) for a in run)))


def _red_without_rebuild(handbook: Handbook, today: date) -> Iterator[Finding]:
    rebuild = _by_role(handbook, "rebuild")
    need = handbook.model.thresholds.red_checks
    for team in handbook.of("teams"):
        checks = sorted(enumerate(getattr(team, "health_checks", None) or []), key=lambda ic: ic[1].period)
        recent = checks[-need:]
        if len(recent) < need or any(c.status != "red" for _, c in recent):
            continue
        a = latest(team)
        if a is not None and any(a.current.get(c, 0) for c in rebuild):
            continue
        where = a.label if a else "no allocation"
        yield Finding("red-without-rebuild", team, ("health_checks", recent[-1][0], "status"),
                      f"team '{team.id}' has a red health check ({', '.join(c.period.text for _, c in recent)}) "
                      f"and no rebuilding in {where}",
                      "zero rebuilding can mean nobody asked: take the team to the rebuild review, or say why the "
                      "red check needs no capacity",
                      [f"health {c.period.text}: {c.status}" + (f" ({c.note})" if c.note else "") for _, c in recent])


def _catch_all(handbook: Handbook, today: date) -> Iterator[Finding]:
    catch_all = _by_role(handbook, "catch-all")
    limit = handbook.model.thresholds.catch_all_percent
    for team, allocs in _teams(handbook):
        a = allocs[-1]
        for category in catch_all:
            share = a.current.get(category, 0)
            if share > limit:
                yield Finding("catch-all-absorbs", team, a.loc,
                              f"team '{team.id}' puts {share} % of {a.label} into catch-all category "
                              f"'{category}' (more than {_fmt(limit)} %)",
                              "the split adds up to 100 % only because one category takes what is left: name "
                              "the work inside it, or move it to the category it serves",
                              [f"{_category_name(handbook, c)} {p} %" for c, p in a.current.items()], (category,))


def _hidden_dependency(handbook: Handbook, today: date) -> Iterator[Finding]:
    small = handbook.model.thresholds.small_team_headcount
    for team, allocs in _teams(handbook):
        people = getattr(team, "headcount", None)
        if not people or people > small:
            continue
        a = allocs[-1]
        fractions = [(c, p) for c, p in a.current.items() if 0 < p * people / 100 < 1]
        if not fractions:
            continue
        dependents = sorted({r.source.name for r in team.backrefs.get("interacts_with", [])
                             if getattr(r.item, "mode", None) == "x-as-a-service"})
        category, percent = fractions[0]
        on = f"; {', '.join(dependents)} depend on it as a service" if dependents else ""
        yield Finding("hidden-dependency", team, a.loc,
                      f"team '{team.id}' ({people} people) has {percent} % for '{category}' in {a.label}: "
                      f"{_fmt(percent * people / 100)} of a person{on}",
                      "a share smaller than one person hides that someone does it full-time or nobody does: "
                      "say who, in people, not percent",
                      [f"{_category_name(handbook, c)} {p} % of {people} people = {_fmt(p * people / 100)} person"
                       for c, p in fractions] + ([f"depended on by: {', '.join(dependents)}"] if dependents else []),
                      tuple(c for c, _ in fractions))


def _pillar_share_sums(handbook: Handbook, today: date) -> Iterator[Finding]:
    for f in handbook.of("funding"):
        shares = getattr(f, "pillar_shares", None)
        if shares and sum(shares.values()) != 100:
            yield Finding("pillar-shares-not-100", f, ("pillar_shares",),
                          f"funding category '{f.id}' shares its time among pillars as {sum(shares.values())} %, "
                          "not 100 %", "give each pillar its share of the category's time so that they add up to 100",
                          [f"{p} {v} %" for p, v in shares.items()])


def _measured_gap(handbook: Handbook, today: date) -> Iterator[Finding]:
    """reported-vs-measured, and planned-vs-measured where nothing is reported."""
    if handbook.evidence is None:
        return
    limit = handbook.model.thresholds.measured_points
    for team in handbook.of("teams"):
        for a in timeline(handbook, team):
            if a.measured is None or a.index is None and not a.planned:
                continue
            side, split = ("actual", a.actual) if a.actual else ("planned", a.planned)
            if not split:
                continue
            gaps, off = [], []
            for category in dict.fromkeys([*split, *(c for c in a.measured.percent if c != UNCATEGORISED)]):
                said, measured = split.get(category, 0), a.measured.percent.get(category, 0.0)
                if abs(said - measured) > limit:
                    gaps.append(f"{_category_name(handbook, category)} {a.label} {'reported' if side == 'actual' else side}"
                                f" {said} % → measured {_fmt(measured)} %")
                    off.append(category)
            if gaps:
                code = "reported-vs-measured" if side == "actual" else "planned-vs-measured"
                yield Finding(code, team, a.loc + (side,),
                              f"team '{team.id}' {'reported' if side == 'actual' else 'planned'} {a.label} differently "
                              f"from what the tracker shows (more than {_fmt(limit)} points): {gaps[0]}",
                              "compare the top parents of each category on the team's page with the report; "
                              "correct the report, or the rules in model.yaml `evidence.categories`"
                              if side == "actual" else
                              "report the period's actual, or explain the gap at the next planning",
                              gaps + [f"measured from {a.measured.items} issues, {a.measured.method}, "
                                      f"{_fmt(a.measured.coverage)} % categorised"], tuple(off))


def _low_coverage(handbook: Handbook, today: date) -> Iterator[Finding]:
    if handbook.evidence is None:
        return
    limit = handbook.model.thresholds.uncategorised_percent
    for team in handbook.of("teams"):
        for a in timeline(handbook, team):
            if a.measured is not None and a.measured.uncategorised > limit:
                loc = a.loc + ("period",) if a.index is not None else ("name",)
                yield Finding("low-coverage", team, loc,
                              f"team '{team.id}': {_fmt(a.measured.uncategorised)} % of {a.label}'s measured effort "
                              f"matches no rule (more than {_fmt(limit)} %); the measure is not to be trusted",
                              "add rules to model.yaml `evidence.categories`, or label the work in the tracker",
                              [f"{a.measured.items} issues, {_fmt(a.measured.coverage)} % categorised"])


FINDERS = [_sums, _too_many, _unchanged, _drift, _expired, _rebuild, _red_without_rebuild, _catch_all,
           _hidden_dependency, _pillar_share_sums, _measured_gap, _low_coverage]

# Codes a reader should read before trusting a percentage (the funding page's "do not trust" list).
DISTRUST = ("allocation-unchanged", "allocation-drift", "allocation-expired", "rebuild-without-exit",
            "red-without-rebuild", "catch-all-absorbs", "hidden-dependency", "too-many-categories",
            "allocation-not-100", "reported-vs-measured", "planned-vs-measured", "low-coverage")


def reported_allocation(handbook: Handbook) -> dict[str, float]:
    """Each funding category's share of capacity across the teams that report a split (the last
    period reported, else the latest plan), weighted by headcount (a team without one counts as
    one person)."""
    splits = [(t, a.current) for t in handbook.of("teams") if (a := latest_reported(t)) is not None and a.current]
    total = sum(t.headcount or 1 for t, _ in splits)
    shares = {f.id: 0.0 for f in handbook.of("funding")}
    for team, split in splits:
        for category, percent in split.items():
            shares[category] += percent * (team.headcount or 1) / total
    return shares
