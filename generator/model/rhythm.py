"""Model: when rituals meet (day, time, time zone, phase), their sessions over a span, and what
the rhythm costs (meeting load, overlaps, hours outside a participant's working day). The one
place the feeds, the pages, the lints and the Rhythm page ask.

Every session is computed in the ritual's own zone (local day and time, as the calendar feed
carries them) and compared in UTC. Sessions are computed from the rule: the series is jumped to
the span asked for by whole intervals, never walked from the first session, so a ritual starting
in year one costs what one starting last week costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr
from icalendar.prop import vRecur

from .graph import Entity, Handbook
from .types import WEEKDAYS, Cadence
from .zones import Zone

# Without a first date, a cycle counts from the week of Monday 1 January 2001: every 2 weeks meets
# in that week and every other week after it; a monthly rhythm without a weekday meets on the 1st.
EPOCH = date(2001, 1, 1)
WEEKS_PER_YEAR = 365.2425 / 7
QUARTER = timedelta(days=91)
CODES = list(WEEKDAYS.values())  # MO … SU
PLANNING_WORDS = ("planning", "plan", "review", "retro", "retrospective", "okr", "roadmap", "strategy")


# The calendar rule of a regular cadence (RFC 5545 RRULE parts), for feeds and for "next session".
FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}


def recurrence(cadence, start: date) -> dict:
    """The RFC 5545 rule of a regular cadence. `per` times a period is spread over it from the
    start: twice a month on the start's day and two weeks later, twice a week three days apart."""
    rule: dict = {"FREQ": FREQ[cadence.unit], "INTERVAL": cadence.every}
    if cadence.byday:
        rule["BYDAY"] = cadence.byday
    if cadence.per > 1 and cadence.unit == "month" and cadence.every == 1 and cadence.per == 2:
        first = start.day if start.day <= 14 else start.day - 14
        rule["BYMONTHDAY"] = [first, first + 14]
    elif cadence.per > 1 and cadence.unit == "week":
        days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        step = 7 // cadence.per
        rule["BYDAY"] = [days[(start.weekday() + i * step) % 7] for i in range(cadence.per)]
    elif cadence.per > 1 and cadence.unit in ("year", "month") and (12 * cadence.every if cadence.unit == "year"
                                                                      else cadence.every) % cadence.per == 0:
        months = 12 * cadence.every if cadence.unit == "year" else cadence.every
        rule = {"FREQ": "MONTHLY", "INTERVAL": months // cadence.per}
    return rule


@dataclass(frozen=True)
class Schedule:
    """When one regular ritual meets: a calendar rule (RFC 5545 parts) from a first session in
    its zone. `placed`: a day or a first date says where sessions fall (else only how often);
    `phase_known`: which weeks (or months) of the cycle is stated, not chosen by the EPOCH rule."""

    zone: Zone
    rule: dict
    first: datetime  # local, naive: the first session (the all-day ones at midnight)
    timed: bool
    minutes: int  # length of a session (0 when not given)
    placed: bool
    phase_known: bool

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def per_week(self) -> float:
        """Sessions in an average week, from the rule itself."""
        n = self.rule.get("INTERVAL", 1)
        days = self.rule.get("BYDAY")
        count = len(days) if isinstance(days, list) else 1
        monthdays = self.rule.get("BYMONTHDAY")
        count = len(monthdays) if isinstance(monthdays, list) else count
        per_year = {"DAILY": 365.2425 * (len(days) / 7 if isinstance(days, list) else 1), "WEEKLY": WEEKS_PER_YEAR * count,
                    "MONTHLY": 12 * count, "YEARLY": 1}[self.rule["FREQ"]]
        return per_year / n / WEEKS_PER_YEAR

    @property
    def text(self) -> str:
        return vRecur(self.rule).to_ical().decode()

    def _jumped(self, not_before: datetime) -> tuple[datetime, dict]:
        """A first session and rule that give the same sessions as this schedule from
        `not_before` (local) on: the start moved forward by whole intervals, with the day parts
        the original start implied written out."""
        a, rule, n = self.first, dict(self.rule), self.rule.get("INTERVAL", 1)
        if not_before <= a:
            return a, rule
        freq = rule["FREQ"]
        if freq == "DAILY":
            k = (not_before - a).days // n - 1
            return (a + timedelta(days=max(k, 0) * n)), rule
        if freq == "WEEKLY":
            rule.setdefault("BYDAY", CODES[a.weekday()])
            k = (not_before - a).days // 7 // n - 1
            return a + timedelta(weeks=max(k, 0) * n), rule
        if freq == "MONTHLY":
            if "BYDAY" not in rule and "BYMONTHDAY" not in rule:
                rule["BYMONTHDAY"] = a.day
            k = ((not_before.year - a.year) * 12 + not_before.month - a.month) // n - 1
            return a.replace(day=1) + relativedelta(months=max(k, 0) * n), rule
        if "BYDAY" not in rule:  # YEARLY
            rule.setdefault("BYMONTH", a.month)
            rule.setdefault("BYMONTHDAY", a.day)
        k = (not_before.year - a.year) // n - 1
        return a.replace(month=1, day=1) + relativedelta(years=max(k, 0) * n), rule

    def _series(self, not_before: datetime):
        start, rule = self._jumped(not_before)
        return rrulestr("RRULE:" + vRecur(rule).to_ical().decode(), dtstart=start)

    def sessions(self, start: datetime, end: datetime) -> list[datetime]:
        """Every session starting in [start, end) (aware datetimes), as aware local times."""
        if not self.placed:
            return []
        try:
            lo = start.astimezone(self.tz).replace(tzinfo=None) - timedelta(days=1)
            hi = end.astimezone(self.tz).replace(tzinfo=None) + timedelta(days=1)
            local = self._series(lo).between(max(lo, self.first), hi, inc=True)
        except (OverflowError, ValueError):  # the edges of the calendar (year 9999): nothing to show
            return []
        found = (d.replace(tzinfo=self.tz) for d in local if d >= self.first)
        return [d for d in found if start <= d < end]

    def next(self, after: datetime) -> datetime | None:
        """The first session at or after `after` (aware), as an aware local time."""
        if not self.placed:
            return None
        try:
            lo = after.astimezone(self.tz).replace(tzinfo=None) - timedelta(days=1)
            series = self._series(lo)
            found = series.after(max(lo, self.first), inc=True)
            while found is not None and found.replace(tzinfo=self.tz) < after:
                found = series.after(found)
        except (OverflowError, ValueError):
            return None
        return None if found is None else found.replace(tzinfo=self.tz)

    def feed_first(self) -> datetime:
        """The first session a calendar feed starts from: the first one, or for a series begun
        before 1970 its first session since then (calendar programs walk a series from its start)."""
        floor = datetime(1970, 1, 1)
        if self.first >= floor or not self.placed:
            return self.first
        found = self.next(floor.replace(tzinfo=self.tz))
        return self.first if found is None else found.replace(tzinfo=None)

    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes) if self.timed else timedelta(days=1)


def zone_of(ritual: Entity, handbook: Handbook) -> Zone:
    """The ritual's own `timezone`, else the handbook's."""
    zone = getattr(ritual.data, "timezone", None) or handbook.meta.data.timezone
    return zone if isinstance(zone, Zone) else Zone(str(zone))


def first_date(ritual: Entity) -> date | None:
    """The first session's day, wherever the ritual writes it: `starts`, the cadence
    (`weekly starting March 2, 2026`) or `day` (`Tuesday (from 2026-03-03)`)."""
    starts = getattr(ritual.data, "starts", None)
    if isinstance(starts, datetime):
        return starts.date()
    if starts is not None:
        return starts
    day = getattr(ritual.data, "day", None)
    return ritual.cadence.start or (day.start if day is not None else None)


def schedule(ritual: Entity, handbook: Handbook) -> Schedule | None:
    """When a ritual with a regular cadence meets; None for an event-driven one. A ritual that
    says nothing of its day gets a schedule that is not `placed` (its feed event is an all-day
    reminder from its review date)."""
    cadence: Cadence = ritual.cadence
    if not isinstance(cadence, Cadence) or not cadence.is_regular:
        return None
    starts = getattr(ritual.data, "starts", None)
    day = getattr(ritual.data, "day", None)
    at = getattr(ritual.data, "time", None)
    first = first_date(ritual)
    placed = first is not None or day is not None
    if first is None:
        stamp = ritual.last_reviewed or handbook.meta.data.review_by
        first = EPOCH if placed else stamp
        if day is not None and cadence.unit in ("day", "week"):
            first = EPOCH + timedelta(days=day.index)
    rule = recurrence(cadence, first)
    if day is not None:
        if cadence.unit == "week" and cadence.per == 1:
            rule["BYDAY"] = day.code
        elif cadence.unit in ("month", "year"):
            nth = day.nth or _nth_from(cadence, first_date(ritual))
            rule["BYDAY"] = f"{nth}{day.code}"
            rule.pop("BYMONTHDAY", None)
            if cadence.unit == "year":
                rule["BYMONTH"] = first.month
    if at is not None:
        clock, timed = time(at.hour, at.minute), True
    elif isinstance(starts, datetime):
        clock, timed = starts.time(), True
    else:
        clock, timed = time(0), False
    interval = rule.get("INTERVAL", 1)
    stated = first_date(ritual) is not None
    phase_known = stated or (interval == 1 and ("BYDAY" in rule or rule["FREQ"] == "DAILY"))
    return Schedule(zone=zone_of(ritual, handbook), rule=rule, first=datetime.combine(first, clock), timed=timed,
                    minutes=getattr(ritual.data, "duration_minutes", None) or 0, placed=placed,
                    phase_known=phase_known)


def _nth_from(cadence: Cadence, first: date | None) -> int:
    """Which weekday of the month: the cadence's (`monthly (third Tuesday)`), the first date's, or
    the first."""
    if cadence.byday and cadence.byday[:-2]:
        return int(cadence.byday[:-2])
    return (first.day - 1) // 7 + 1 if first else 1


def regular(handbook: Handbook) -> list[tuple[Entity, Schedule]]:
    """Every ritual that meets on a rule and is not sunset, with its schedule. Computed once per
    handbook (the lints, the feeds and the pages each ask)."""
    cached = handbook.__dict__.get("_regular")
    if cached is not None:
        return cached
    found = []
    for r in handbook.of("rituals"):
        s = schedule(r, handbook)
        if s is not None and getattr(r.data, "status", "active") != "sunset":
            found.append((r, s))
    handbook.__dict__["_regular"] = found
    return found


# --- who attends --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendance:
    """One team or person at one ritual; `required` unless every way they take part is optional."""

    ritual: Entity
    who: Entity
    required: bool


def attendance(handbook: Handbook, ritual: Entity) -> list[Attendance]:
    """The teams and people a ritual needs: its participants (a team's members with it) and its
    facilitator when a person."""
    found: dict[int, Attendance] = {}

    def add(who: Entity | None, required: bool) -> None:
        if who is None:
            return
        before = found.get(id(who))
        found[id(who)] = Attendance(ritual, who, required or (before is not None and before.required))

    for p in getattr(ritual.data, "participants", None) or []:
        required = getattr(p, "required", True)
        if getattr(p, "team", None):
            team = handbook.get("teams", p.team)
            add(team, required)
            for member in team.sources("members") if team else []:
                add(member, required)
        if getattr(p, "person", None):
            add(handbook.get("people", p.person), required)
    for who in ritual.targets("facilitator"):
        if who.kind == "people":
            add(who, True)
    return list(found.values())


def _meets(ritual: Entity) -> bool:
    return getattr(ritual.data, "type", "meeting") == "meeting"


# --- meeting load -------------------------------------------------------------------------------

@dataclass
class Load:
    """Hours a week a team or person spends in rituals, required and optional apart."""

    who: Entity
    required: float = 0.0
    optional: float = 0.0
    rituals: list[tuple[Entity, float, bool]] = field(default_factory=list)  # (ritual, hours a week, required)

    @property
    def total(self) -> float:
        return self.required + self.optional


def meeting_load(handbook: Handbook) -> dict[tuple[str, str], Load]:
    """(kind, id) -> Load, for every team and person taking part in a regular meeting with a
    duration; computed from the cadence, the duration and the participants. Computed once per
    handbook (every team and person page asks)."""
    cached = handbook.__dict__.get("_meeting_load")
    if cached is not None:
        return cached
    loads: dict[tuple[str, str], Load] = {}
    for ritual, s in regular(handbook):
        if not _meets(ritual) or not s.minutes:
            continue
        hours = s.per_week * s.minutes / 60
        for a in attendance(handbook, ritual):
            load = loads.setdefault((a.who.kind, a.who.id), Load(a.who))
            if a.required:
                load.required += hours
            else:
                load.optional += hours
            load.rituals.append((ritual, hours, a.required))
    for load in loads.values():
        load.rituals.sort(key=lambda r: (-r[1], r[0].name.lower()))
    handbook.__dict__["_meeting_load"] = loads
    return loads


# --- overlaps and working hours -----------------------------------------------------------------

def window(today: date) -> tuple[datetime, datetime]:
    """The next quarter from `today`, in UTC: the span the rhythm lints look at."""
    start = datetime.combine(today, time(0), tzinfo=timezone.utc)
    last = datetime.max.replace(tzinfo=timezone.utc) - timedelta(days=2)  # room for the zones' offsets
    return start, start + QUARTER if start < last - QUARTER else last


@dataclass(frozen=True)
class Overlap:
    first: Entity
    second: Entity
    who: Entity
    when: datetime  # the first clash, in the first ritual's zone


def overlaps(handbook: Handbook, today: date) -> list[Overlap]:
    """Pairs of timed meetings that need the same team or person (required) at overlapping times
    in the next quarter, each pair once, with its first clash."""
    start, end = window(today)
    spans: dict[int, list[tuple[datetime, datetime, Entity]]] = {}
    people: dict[int, Entity] = {}
    for ritual, s in regular(handbook):
        if not _meets(ritual) or not s.timed or not s.minutes:
            continue
        times = [(d.astimezone(timezone.utc), d.astimezone(timezone.utc) + s.length()) for d in s.sessions(start, end)]
        for a in attendance(handbook, ritual):
            if a.required:
                people[id(a.who)] = a.who
                spans.setdefault(id(a.who), []).extend((b, e, ritual) for b, e in times)
    found: dict[tuple[int, int], Overlap] = {}
    for key, items in spans.items():
        items.sort(key=lambda x: x[0])
        open_: list[tuple[datetime, datetime, Entity]] = []
        for b, e, ritual in items:
            open_ = [o for o in open_ if o[1] > b]
            for ob, oe, other in open_:
                if other is not ritual:
                    one, two = sorted((other, ritual), key=lambda r: (r.name.lower(), r.id))
                    clash = max(ob, b).astimezone(ZoneInfo(zone_of(one, handbook)))
                    found.setdefault((id(one), id(two)), Overlap(one, two, people[key], clash))
            open_.append((b, e, ritual))
    return sorted(found.values(), key=lambda o: (o.when, o.first.name.lower()))


@dataclass(frozen=True)
class OffHours:
    ritual: Entity
    person: Entity
    local: datetime  # a session outside their day, in their zone


def outside_working_hours(handbook: Handbook, today: date, day_start: int, day_end: int) -> list[OffHours]:
    """Timed meetings a person with a `timezone` must attend (required) that start before
    `day_start` or end after `day_end` (hours, their local time) in the next quarter; once each."""
    start, end = window(today)
    found = []
    for ritual, s in regular(handbook):
        if not _meets(ritual) or not s.timed:
            continue
        sessions = s.sessions(start, end)
        for a in attendance(handbook, ritual):
            zone = getattr(a.who.data, "timezone", None) if a.who.kind == "people" else None
            if not a.required or not zone:
                continue
            tz = ZoneInfo(zone)
            for d in sessions:
                local, finish = d.astimezone(tz), (d + s.length()).astimezone(tz)
                late = finish.date() > local.date() or finish.hour * 60 + finish.minute > day_end * 60
                if local.hour < day_start or late:
                    found.append(OffHours(ritual, a.who, local))
                    break
    return found


def is_planning(ritual: Entity) -> bool:
    """Planning and review rituals stand out on the Rhythm page: by tag or by name."""
    words = " ".join([ritual.name, *(getattr(ritual.data, "tags", None) or [])]).lower().replace("-", " ").split()
    return any(w in PLANNING_WORDS for w in words)


# --- the quarter at a glance (the Rhythm page) ---------------------------------------------------

@dataclass(frozen=True)
class RhythmRow:
    ritual: Entity
    schedule: Schedule
    sessions: list[datetime]  # aware, in the ritual's zone
    planning: bool


@dataclass(frozen=True)
class Quarter:
    """The calendar quarter holding `today`, as whole weeks from the Monday on or before its first
    day, with its rituals grouped (by level, else by owner) and their sessions."""

    label: str
    start: date  # a Monday
    weeks: int
    today: date
    groups: list[tuple[str, list[RhythmRow]]]

    @property
    def current_week(self) -> int:
        return (self.today - self.start).days // 7


LEVEL_TITLES = {"org": "Organisation", "group": "Group", "team": "Team"}


def quarter(handbook: Handbook, today: date) -> Quarter:
    first_month = 3 * ((today.month - 1) // 3) + 1
    begin = date(today.year, first_month, 1)
    if today.year >= 9999 or today.year <= 1:  # no whole quarter to draw at the calendar's edges
        return Quarter(f"{today.year}-Q{(first_month + 2) // 3}", today, 0, today, [])
    end = date(today.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    start = begin - timedelta(days=begin.weekday())
    weeks = -(-(end - start).days // 7)
    lo = datetime.combine(start, time(0), tzinfo=timezone.utc) - timedelta(hours=14)
    hi = datetime.combine(start + timedelta(weeks=weeks), time(0), tzinfo=timezone.utc) + timedelta(hours=14)
    groups: dict[str, list[RhythmRow]] = {}
    for ritual, s in regular(handbook):
        if not s.placed:
            continue
        first, last = start, start + timedelta(weeks=weeks)
        sessions = [d for d in s.sessions(lo, hi) if first <= d.date() < last]  # by the day it meets locally
        level = getattr(ritual.data, "level", None)
        owner = next(iter(ritual.targets("owner")), None)
        title = LEVEL_TITLES.get(level) or (f"Owned by {owner.name}" if owner else "Other")
        groups.setdefault(title, []).append(RhythmRow(ritual, s, sessions, is_planning(ritual)))
    order = list(LEVEL_TITLES.values())
    ordered = sorted(groups.items(), key=lambda g: (order.index(g[0]) if g[0] in order else len(order), g[0]))
    return Quarter(f"{today.year}-Q{(first_month + 2) // 3}", start, weeks, today,
                   [(t, sorted(rows, key=lambda r: r.ritual.name.lower())) for t, rows in ordered])
