"""Render: files beside the pages, for calendars and other tools.

- `calendar.ics`, `calendar/<team>.ics` per team and `calendar/people/<id>.ics` per person: a
  recurring event per ritual with a regular cadence (RFC 5545, written by the icalendar library),
  in the ritual's own zone (model/rhythm.py). Event-driven rituals get no invented dates.
- `api/handbook.json`: the resolved model (every entity, its fields, forward and reverse
  relations, source file), described by `api/handbook.schema.json`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from icalendar import Alarm, Calendar, Event
from pydantic import BaseModel, Field

from ..model import Entity, Handbook
from ..model.allocation import pillar_time, timeline
from ..model.rhythm import Attendance, attendance, meeting_load, schedule
from .pages import site_url

API_VERSION = "1"


def page_address(handbook: Handbook, entity: Entity, use_directory_urls: bool) -> str:
    """Absolute URL when handbook.yaml gives site_url, else the site-relative path."""
    path = site_url(entity.url, use_directory_urls)
    base = handbook.meta.data.site_url
    return base.rstrip("/") + "/" + path if base else path


# --- calendar ----------------------------------------------------------------------------------

def regular_rituals(handbook: Handbook) -> list[Entity]:
    return [r for r in handbook.of("rituals") if r.cadence is not None and r.cadence.is_regular and r.status != "sunset"]


def _event(ritual: Entity, handbook: Handbook, use_directory_urls: bool) -> Event:
    meta = handbook.meta.data
    address = page_address(handbook, ritual, use_directory_urls)
    event = Event()
    event.add("uid", f"{ritual.id}@{handbook.meta.name.lower().replace(' ', '-')}.handbook")
    # DTSTAMP from the review date, not the build time: the same handbook gives the same feed.
    # A handbook's model may make last_reviewed (and the other fields used here) optional.
    stamp = ritual.last_reviewed or meta.review_by or date(1970, 1, 1)  # both relaxed: still the same feed
    event.add("dtstamp", datetime.combine(stamp, time(0), tzinfo=timezone.utc))
    event.add("summary", ritual.name)
    s = schedule(ritual, handbook)
    first = s.feed_first()
    if s.placed and s.timed:
        event.add("dtstart", first.replace(tzinfo=s.tz))  # local time with TZID: right in every week of the year
        if s.minutes:
            event.add("duration", timedelta(minutes=s.minutes))
        note = ""
    elif s.placed:  # a day without a time: the whole day
        event.add("dtstart", first.date())
        note = "\n\nThe handbook gives a day but no time (`time` or `starts`): this is an all-day event."
    else:  # no day set: an all-day reminder, said plainly in the description
        event.add("dtstart", stamp)
        note = "\n\nNo start time is set in the handbook (`starts`, or `day` and `time`): this is an all-day reminder."
    if s.placed and not s.phase_known:
        note += "\n\nWhich weeks of the cycle it meets in is not stated (`starts`): this calendar counts from 1 January 2001."
    event.add("rrule", s.rule)
    facts = [ritual.cadence.label] + [f"{ritual.duration_minutes} minutes"] * bool(ritual.duration_minutes) \
        + [ritual.mode] * bool(ritual.mode)
    who = f" Facilitator: {ritual.facilitator}." if ritual.facilitator else ""
    event.add("description", f"{ritual.summary or ritual.name}\n\n{', '.join(facts)}.{who}{note}\n\n{address}")
    event.add("url", address)
    event.add("categories", [c for c in [ritual.level, *ritual.tags] if c] or ["ritual"])
    for alarm in deadline_alarms(ritual, handbook):
        event.add_component(alarm)
    return event


def deadline_alarms(ritual: Entity, handbook: Handbook) -> list[Alarm]:
    """A reminder (VALARM) for each input due before the ritual: `deadlines: [{interface, before}]`."""
    alarms = []
    for d in getattr(ritual, "deadlines", None) or []:
        interface = handbook.get("interfaces", d.interface)
        name = interface.name if interface else d.interface
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -timedelta(minutes=d.before.minutes))
        alarm.add("description", f"Due: {name}, {d.before.label} before {ritual.name}" + (f". {d.note}" if d.note else ""))
        alarms.append(alarm)
    return alarms


def calendar(handbook: Handbook, rituals: list[Entity], title: str, use_directory_urls: bool) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//handbook-generator//Operating handbook//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", handbook.meta.data.timezone)
    for ritual in rituals:
        cal.add_component(_event(ritual, handbook, use_directory_urls))
    cal.add_missing_timezones()  # a VTIMEZONE for every TZID used, as RFC 5545 requires
    return cal.to_ical()


def person_rituals(handbook: Handbook, rituals: list[Entity]) -> dict[str, list[Entity]]:
    """Person id -> the rituals they attend: named, through a team, or as facilitator."""
    found: dict[str, list[Entity]] = {}
    for ritual in rituals:
        for a in attendance(handbook, ritual):
            if a.who.kind == "people":
                found.setdefault(a.who.id, []).append(ritual)
    return found


def team_rituals(team: Entity, rituals: list[Entity]) -> list[Entity]:
    """Rituals a team takes part in or owns."""
    related = {id(e) for e in team.sources("takes_part_in") + team.sources("owns")}
    return [r for r in rituals if id(r) in related]


# --- JSON API ----------------------------------------------------------------------------------

class ApiRef(BaseModel):
    kind: str
    id: str
    field: str = Field(description="the field of the referencing entity that holds the reference")


class ApiEntity(BaseModel):
    kind: str = Field(description="the kind's folder: principles, rituals, interfaces, funding, teams, people, or one the handbook declares")
    id: str
    name: str
    url: str
    source: str = Field(description="YAML file in the repository")
    fields: dict[str, Any] = Field(description="the entity's fields, as validated (see schemas/<kind>.schema.json)")
    references: dict[str, list[ApiRef]] = Field(description="field -> entities it references")
    referenced_by: dict[str, list[ApiRef]] = Field(description="reverse relation -> entities referencing this one")


class ApiPillarTime(BaseModel):
    pillar: str
    planned: float | None = None
    actual: float | None = None
    planned_people: float
    actual_people: float
    measured: float | None = Field(None, description="percent of the measured teams' capacity, from the tracker's "
                                                     "exports (model.yaml `evidence`)")
    measured_people: float = 0.0


class ApiPeriodTime(BaseModel):
    period: str = Field(description="the period's label (2026-Q3, or `current` for teams' undated funding)")
    start: date | None = None
    end: date | None = None
    teams_planned: list[str]
    teams_reported: list[str]
    teams_measured: list[str] = []
    pillars: list[ApiPillarTime]


def api_pillar_time(handbook: Handbook) -> list[ApiPeriodTime]:
    return [ApiPeriodTime(period=p.label, start=p.period.start if p.period else None,
                          end=p.period.end if p.period else None, teams_planned=[t.id for t in p.planned_teams],
                          teams_reported=[t.id for t in p.actual_teams], teams_measured=[t.id for t in p.measured_teams],
                          pillars=[ApiPillarTime(pillar=r.pillar.id, planned=_round(r.planned), actual=_round(r.actual),
                                                 planned_people=round(r.planned_people, 2),
                                                 actual_people=round(r.actual_people, 2), measured=_round(r.measured),
                                                 measured_people=round(r.measured_people, 2)) for r in p.pillars])
            for p in pillar_time(handbook)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class ApiLoad(BaseModel):
    kind: str = Field(description="teams or people")
    id: str
    required_hours: float = Field(description="hours a week in rituals it must attend")
    optional_hours: float = Field(description="hours a week in rituals it may attend")


def api_meeting_load(handbook: Handbook) -> list[ApiLoad]:
    return [ApiLoad(kind=kind, id=entity_id, required_hours=round(load.required, 2), optional_hours=round(load.optional, 2))
            for (kind, entity_id), load in sorted(meeting_load(handbook).items())]


class ApiHandbook(BaseModel):
    """The resolved operating-system handbook."""

    api_version: str = API_VERSION
    name: str
    handbook: dict[str, Any] = Field(description="handbook.yaml, as validated")
    counts: dict[str, int]
    pillar_time: list[ApiPeriodTime] = Field([], description="time by strategic pillar per period, planned and actual "
                                                             "(percent of the reporting teams' capacity, and people)")
    meeting_load: list[ApiLoad] = Field([], description="hours a week each team and person spends in regular "
                                                        "meetings, from cadence, duration and participants")
    entities: list[ApiEntity]


def _fields(data: BaseModel) -> dict[str, Any]:
    return data.model_dump(mode="json", exclude_none=True)


def _measured_allocations(team: Entity, handbook: Handbook, fields: dict[str, Any]) -> dict[str, Any]:
    """A team's `allocations` with what was measured for each period: `measured` (category ->
    percent, plus `uncategorised`), `coverage` (percent categorised) and `items` (issues counted);
    an entry with its `period` added where the team wrote none for a measured period."""
    entries = [dict(a) for a in fields.get("allocations") or []]
    by_period = {str(a.get("period")): a for a in entries}
    for a in timeline(handbook, team):
        if a.measured is None:
            continue
        entry = by_period.get(a.label)
        if entry is None:
            entry = by_period[a.label] = {"period": a.label}
            entries.append(entry)
        entry["measured"] = {c: round(p, 2) for c, p in a.measured.percent.items()}
        entry["coverage"] = round(a.measured.coverage, 2)
        entry["items"] = a.measured.items
    return {**fields, "allocations": entries}


def api_entity(e: Entity, handbook: Handbook, use_directory_urls: bool) -> ApiEntity:
    references: dict[str, list[ApiRef]] = {}
    for r in e.refs:
        references.setdefault(r.field, []).append(ApiRef(kind=r.target.kind, id=r.target.id, field=r.field))
    referenced_by = {reverse: [ApiRef(kind=r.source.kind, id=r.source.id, field=r.field) for r in relations]
                     for reverse, relations in sorted(e.backrefs.items())}
    fields = _fields(e.data)
    if e.kind == "teams" and handbook.evidence is not None:
        fields = _measured_allocations(e, handbook, fields)
    return ApiEntity(kind=e.kind, id=e.id, name=e.name, url=page_address(handbook, e, use_directory_urls),
                     source=e.path, fields=fields, references=references, referenced_by=referenced_by)


def api_schema() -> dict:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "handbook.schema.json",
            **ApiHandbook.model_json_schema(mode="serialization")}


# --- all extra files ---------------------------------------------------------------------------

class FeedCache:
    """Feed parts from the previous build of a `mkdocs serve` session, reused while the data they
    came from is the very same objects (the parse cache keeps unchanged files' data), so that an
    edit redoes only what it changed. Keys hold `id()`s; each entry keeps its objects alive
    (`anchor`), so an id cannot be reused by another object while cached. Each build keeps only
    what it used."""

    def __init__(self) -> None:
        self.previous: dict = {}
        self.current: dict = {}

    def get(self, key, anchor, make):
        value = self.previous[key][1] if key in self.previous else make()
        self.current[key] = (anchor, value)
        return value

    def turn(self) -> None:
        self.previous, self.current = self.current, {}


class _NoCache(FeedCache):
    def get(self, key, anchor, make):
        return make()


def _entity_json(e: Entity, handbook: Handbook, use_directory_urls: bool, reuse: FeedCache) -> str:
    """One entity of the API document, serialised, reused while it and its relations are unchanged."""
    key = ("api", id(e.data), e.name, use_directory_urls, handbook.meta.data.site_url,
           id(handbook.evidence) if e.kind == "teams" else None,
           tuple((r.field, r.target.kind, r.target.id) for r in e.refs),
           tuple((k, r.field, r.source.kind, r.source.id) for k, rels in sorted(e.backrefs.items()) for r in rels))
    return reuse.get(key, e.data, lambda: api_entity(e, handbook, use_directory_urls).model_dump_json())


def site_files(handbook: Handbook, use_directory_urls: bool = True,
               reuse: FeedCache | None = None) -> dict[str, bytes]:
    """Site path -> content of every file beside the pages. With `reuse` (under `mkdocs serve`),
    parts made from unchanged data are taken from the previous build."""
    reuse = reuse or _NoCache()
    rituals = regular_rituals(handbook)
    name, meta = handbook.meta.name, handbook.meta.data

    def feed(title: str, members: list[Entity]) -> bytes:
        due = tuple(getattr(handbook.get("interfaces", d.interface), "name", "") for r in members
                    for d in getattr(r, "deadlines", None) or [])
        key = ("ics", title, id(meta), use_directory_urls, tuple(id(r.data) for r in members), due)
        return reuse.get(key, (meta, [r.data for r in members]), lambda: calendar(handbook, members, title, use_directory_urls))

    files = {"calendar.ics": feed(f"{name}: rituals", rituals)}
    for team in handbook.of("teams"):
        files[f"calendar/{team.id}.ics"] = feed(f"{name}: {team.name}", team_rituals(team, rituals))
    attends = person_rituals(handbook, rituals)
    for person in handbook.of("people"):
        files[f"calendar/people/{person.id}.ics"] = feed(f"{name}: {person.name}", attends.get(person.id, []))
    head = ApiHandbook(name=name, handbook=_fields(meta), counts={kind: len(handbook.of(kind)) for kind in handbook.model.kinds},
                       pillar_time=api_pillar_time(handbook), meeting_load=api_meeting_load(handbook), entities=[]).model_dump(mode="json")
    head.pop("entities")
    entities = ",".join(_entity_json(e, handbook, use_directory_urls, reuse) for e in handbook.all())
    files["api/handbook.json"] = (json.dumps({"$schema": "handbook.schema.json", **head}, ensure_ascii=False)[:-1]
                                  + f',"entities":[{entities}]}}').encode()
    files["api/handbook.schema.json"] = json.dumps(api_schema(), indent=2).encode()
    reuse.turn()
    return files
