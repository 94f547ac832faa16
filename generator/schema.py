"""Validate: one pydantic model per kind of entity. The single source of truth for fields.

The same models validate the YAML, document the fields (descriptions feed hints and the exported
JSON Schema) and declare references: `ref("teams", "owns")` is a team id whose reverse relation,
seen from the team, is called `owns`. Reverse relations are derived from these, never written.
To add a field: add it here, then show it in the kind's template.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from functools import lru_cache
from typing import Annotated, Any, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, model_validator
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from .diagnostics import excerpt

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
MAX_ID_CHARS = 80  # file names stay well under the 255 bytes file systems allow


def slugify(name: str) -> str:
    """The id a name would get: lower-case ASCII letters and digits, single hyphens."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Ref:
    """Marks a string field as the id of an entity of `kind`; `reverse` names the relation as
    seen from the referenced entity (e.g. an interface is `input_to` a ritual)."""

    kind: str
    reverse: str


def ref(kind: str, reverse: str, description: str = "") -> Any:
    return Annotated[str, Ref(kind, reverse), Field(description=description or f"id of one of the {kind}")]


class Strict(BaseModel):
    # Unknown keys are errors: they are nearly always typos of a real field.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# Plain (non-Markdown) text is one printable line: a line break would let it start a Markdown
# block (a heading, a list, an admonition) wherever it is shown.
LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
NonEmpty = Annotated[str, Field(min_length=1, pattern=LINE_PATTERN)]
MAX_NAME_CHARS = 120
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS, pattern=LINE_PATTERN, description="display name")]
# A web address: scheme, host and path in the characters RFC 3986 allows, minus quotes; nothing
# that could end an HTML attribute, a calendar line or a JSON string.
URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&()*+,;=:@%/-]*)?$"
Url = Annotated[str, Field(max_length=2000, pattern=URL_PATTERN)]
Markdown = Annotated[str, Field(min_length=1, description="Markdown text"), "markdown"]
Percent = Annotated[int, Field(ge=0, le=100)]
# Material's tags plugin writes tag names into the page unescaped, so tags are restricted to
# characters that cannot form markup.
TAG_PATTERN = r"^[\w][\w .-]*$"
Tag = Annotated[str, Field(pattern=TAG_PATTERN, max_length=40)]
Tags = Annotated[list[Tag], Field(description="labels: letters, digits, spaces, dots and hyphens")]

class ParsedValue:
    """A value written as text (or a small mapping) in YAML and parsed into a richer object:
    validated by `parse`, written back to JSON by `to_json`."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        raise NotImplementedError

    def to_json(self) -> Any:
        raise NotImplementedError

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(cls.to_json))


# --- Cadence: a regular period, or an event trigger described in words -----------------------

_UNITS = {"day": "day", "week": "week", "month": "month", "quarter": "month", "year": "year"}
_NAMED_PERIODS = {
    "daily": (1, "day"), "weekly": (1, "week"), "fortnightly": (2, "week"), "biweekly": (2, "week"),
    "monthly": (1, "month"), "quarterly": (3, "month"), "half-yearly": (6, "month"),
    "yearly": (1, "year"), "annually": (1, "year"),
}
CADENCE_PATTERN = (
    r"^(?:" + "|".join(_NAMED_PERIODS) + r"|every (?:[1-9][0-9]? )?(?:day|week|month|quarter|year)s?)$"
)
_CADENCE_RE = re.compile(CADENCE_PATTERN)
_CADENCE_HINT = ("use daily, weekly, fortnightly, monthly, quarterly, yearly or `every N weeks` (days, "
                 "months, quarters, years); for an event-driven ritual write `cadence: {trigger: \"when …\"}`")


@dataclass(frozen=True)
class Cadence(ParsedValue):
    """`every` units of `unit` (regular), or a `trigger` in words (event-driven)."""

    text: str
    every: int | None = None
    unit: str | None = None  # day, week, month or year; quarters are stored as 3 months
    trigger: str | None = None

    @property
    def is_regular(self) -> bool:
        return self.trigger is None

    @property
    def label(self) -> str:
        if self.trigger:
            return f"When triggered: {self.trigger}"
        return self.text[0].upper() + self.text[1:]

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, value: Any) -> "Cadence":
        if isinstance(value, Cadence):
            return value
        if isinstance(value, str):
            text = " ".join(value.strip().lower().split())
            if not _CADENCE_RE.match(text):
                raise PydanticCustomError("cadence", "'{value}' is not a cadence",
                                          {"value": excerpt(value), "hint": _CADENCE_HINT})
            if text in _NAMED_PERIODS:
                every, unit = _NAMED_PERIODS[text]
            else:
                words = text.split()
                every = int(words[1]) if len(words) == 3 else 1
                unit = words[-1].rstrip("s")
                if unit == "quarter":
                    every *= 3
                unit = _UNITS[unit]
            return cls(text=text, every=every, unit=unit)
        if isinstance(value, dict):
            extra = sorted(set(value) - {"trigger"})
            trigger = value.get("trigger")
            if extra or not isinstance(trigger, str) or not trigger.strip():
                raise PydanticCustomError(
                    "cadence", "an event-driven cadence takes exactly one field, `trigger`, with text",
                    {"hint": _CADENCE_HINT})
            return cls(text=trigger.strip(), trigger=trigger.strip())
        raise PydanticCustomError("cadence", "expected a cadence such as `weekly`", {"hint": _CADENCE_HINT})

    def to_json(self) -> dict:
        if self.trigger:
            return {"trigger": self.trigger}
        return {"text": self.text, "every": self.every, "unit": self.unit}


CadenceField = Annotated[Cadence, WithJsonSchema({
    "description": "a regular period (weekly, every 2 weeks, monthly, quarterly…) or {trigger: text}",
    "anyOf": [
        {"type": "string", "pattern": CADENCE_PATTERN},
        {"type": "object", "properties": {"trigger": {"type": "string", "minLength": 1}},
         "required": ["trigger"], "additionalProperties": False},
    ],
})]

# --- Target allocation: a percentage or a range ------------------------------------------------

TARGET_PATTERN = r"^\s*[0-9]{1,3}\s*%?\s*(?:(?:-|–|to)\s*[0-9]{1,3}\s*%?\s*)?$"
_TARGET_RE = re.compile(r"^\s*([0-9]{1,3})\s*%?\s*(?:(?:-|–|to)\s*([0-9]{1,3})\s*%?\s*)?$")


@dataclass(frozen=True)
class Target(ParsedValue):
    low: int
    high: int

    @property
    def label(self) -> str:
        return f"{self.low} %" if self.low == self.high else f"{self.low}–{self.high} %"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, value: Any) -> "Target":
        hint = {"hint": "write a percentage (15) or a range (\"10-20%\")"}
        if isinstance(value, Target):
            return value
        if isinstance(value, bool):
            raise PydanticCustomError("target", "expected a percentage, not a yes/no value", hint)
        if isinstance(value, int):
            low = high = value
        elif isinstance(value, str) and (m := _TARGET_RE.match(value)):
            low = int(m.group(1))
            high = int(m.group(2)) if m.group(2) else low
        else:
            raise PydanticCustomError("target", "'{value}' is not a percentage or a range", {"value": excerpt(value), **hint})
        if not 0 <= low <= high <= 100:
            raise PydanticCustomError("target", "'{value}' must lie within 0–100 with the low end first",
                                      {"value": excerpt(value), **hint})
        return cls(low, high)

    def to_json(self) -> dict:
        return {"low": self.low, "high": self.high}


TargetField = Annotated[Target, WithJsonSchema({
    "description": "target share of capacity: a percentage (15) or a range (\"10-20%\")",
    "anyOf": [{"type": "integer", "minimum": 0, "maximum": 100}, {"type": "string", "pattern": TARGET_PATTERN}],
})]

# --- Local date and time (ritual start) -------------------------------------------------------

LOCAL_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
_LOCAL_TIME_RE = re.compile(LOCAL_TIME_PATTERN)


def _local_time(value: Any) -> Any:
    # YAML reads 2026-01-05 10:00:00 as a datetime and 2026-01-05T10:00 as text; accept both,
    # but only this form of text, so that the exported JSON Schema says exactly the same.
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise PydanticCustomError("local_time", "write a local time without a zone offset",
                                      {"hint": "the zone is `timezone` in handbook.yaml"})
        return value
    if isinstance(value, str) and _LOCAL_TIME_RE.match(value):
        return datetime.fromisoformat(value.replace(" ", "T"))
    raise PydanticCustomError("local_time", "'{value}' is not a local date and time",
                              {"value": excerpt(value), "hint": "write YYYY-MM-DDTHH:MM, e.g. 2026-01-05T10:00"})


LocalTime = Annotated[datetime, BeforeValidator(_local_time), WithJsonSchema(
    {"type": "string", "pattern": LOCAL_TIME_PATTERN, "description": "local time, YYYY-MM-DDTHH:MM"})]

# --- Shared fields -----------------------------------------------------------------------------

Status = Literal["active", "experimental", "sunset"]


class Reviewed(Strict):
    """Fields every entity has: a name, an owning team and when it was last reviewed."""

    name: Name
    owner: ref("teams", "owns", "id of the team accountable for keeping this current")
    last_reviewed: date = Field(description="date of the last review, YYYY-MM-DD")
    review_every_days: Optional[Annotated[int, Field(ge=1, le=3650)]] = Field(
        None, description="review period in days; defaults to review_period_days in handbook.yaml", examples=[90])
    tags: Tags = []


# --- Kinds -------------------------------------------------------------------------------------

class Pillar(Strict):
    id: Annotated[str, Field(pattern=SLUG_PATTERN, description="lower-case slug, e.g. grow-the-core")]
    name: Name
    description: Markdown


class HandbookMeta(Strict):
    """handbook/handbook.yaml: the operating system as a whole."""

    name: Name = Field(description="name of the operating system, e.g. 'Acme Operating System'")
    purpose: Markdown = Field(description="what this operating system is for (Markdown)")
    owner: ref("teams", "owns", "id of the team that owns the operating system")
    review_by: date = Field(description="the whole system is adopted until this date, then revisited")
    review_period_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        180, description="default review period for every entity, in days")
    timezone: NonEmpty = Field("UTC", description="IANA time zone of ritual start times, e.g. Europe/Berlin")
    site_url: Optional[Url] = Field(
        None, description="published address of the handbook, for links in calendar feeds")
    pillars: Annotated[list[Pillar], Field(min_length=1, description="strategic pillars")]

    @model_validator(mode="after")
    def _known_timezone(self) -> "HandbookMeta":
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PydanticCustomError("timezone", "unknown time zone '{tz}'",
                                      {"tz": excerpt(self.timezone), "hint": "use an IANA name such as Europe/Berlin or UTC"})
        return self


class Principle(Reviewed):
    statement: NonEmpty = Field(description="the principle in one sentence")
    why: Markdown = Field(description="why we hold it (Markdown)")
    in_practice: Annotated[list[Markdown], Field(min_length=1, description="what it looks like day to day",
                                                 examples=[["TODO: one concrete behaviour"]])]


class Participant(Strict):
    team: Optional[ref("teams", "takes_part_in")] = None
    role: Optional[NonEmpty] = Field(None, description="a role, when not a whole team (e.g. 'VP Engineering')")
    required: bool = Field(True, description="false for optional participants")
    note: Optional[NonEmpty] = None

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["team"]}, {"required": ["role"]}]})

    @model_validator(mode="after")
    def _one_of_team_or_role(self) -> "Participant":
        if (self.team is None) == (self.role is None):
            raise PydanticCustomError("participant", "a participant is either a `team` or a `role`, not both or neither",
                                      {"hint": "write `- team: platform` or `- role: VP Engineering`"})
        return self


class Ritual(Reviewed):
    summary: NonEmpty = Field(description="one line: what happens")
    purpose: Markdown = Field(description="why the ritual exists (Markdown)")
    facilitator: NonEmpty = Field(description="role that runs it")
    cadence: CadenceField
    starts: Optional[LocalTime] = Field(
        None, description="first session, local time in the handbook's timezone, e.g. 2026-01-05T10:00; "
                          "used for the calendar feed of regular rituals")
    duration_minutes: Annotated[int, Field(ge=5, le=60 * 24 * 3, examples=[60])]
    format: Literal["single-purpose", "open-agenda"]
    mode: Literal["sync", "async", "hybrid"]
    level: Literal["team", "group", "org"]
    participants: Annotated[list[Participant], Field(
        min_length=1, description="teams or roles that take part", examples=[[{"role": "TODO: a role"}]])]
    inputs: list[ref("interfaces", "input_to")] = Field([], description="interfaces the ritual consumes")
    outputs: list[ref("interfaces", "output_of")] = Field([], description="interfaces the ritual produces")
    decisions: list[NonEmpty] = Field([], description="decisions the ritual makes")
    anti_patterns: list[Markdown] = []
    principles: list[ref("principles", "applied_in")] = []
    status: Status = "active"


class ContractField(Strict):
    name: NonEmpty
    description: Markdown
    required: bool = True


class Interface(Reviewed):
    summary: NonEmpty
    purpose: Markdown
    type: Literal["document", "dashboard", "metric", "calendar", "form", "decision-log", "report", "plan"]
    cadence: CadenceField = Field(description="how often it is produced, or what triggers it")
    horizon: Optional[NonEmpty] = Field(None, description="the period it looks ahead or back, e.g. 'next quarter'")
    conformance: Literal["required", "recommended"] = Field(
        description="required: every team provides it; recommended: teams that need it do", examples=["recommended"])
    fields: Annotated[list[ContractField], Field(
        min_length=1, description="the contract: what it must contain",
        examples=[[{"name": "TODO", "description": "TODO: what this field holds"}]])]
    template: Optional[Markdown] = None
    example: Optional[Markdown] = None
    version: NonEmpty = Field(description='version of the contract, quoted: "1.2"', examples=["1.0"])
    deprecated_by: Optional[ref("interfaces", "replaces", "id of the interface that replaces this one")] = None
    principles: list[ref("principles", "applied_in")] = []
    status: Literal["active", "experimental", "deprecated", "sunset"] = "active"


class Funding(Reviewed):
    summary: NonEmpty
    basis: Markdown = Field(description="how work in this category is funded and judged")
    pillar: ref("pillars", "funding", "id of a strategic pillar from handbook.yaml")
    target: TargetField
    value_shape: Literal["linear", "step", "s-curve", "diminishing", "option"] = Field(
        description="how value accrues with investment")
    reviewed_in: ref("rituals", "reviews_funding", "id of the ritual that reviews this category")
    exit_criteria: Annotated[list[Markdown], Field(
        min_length=1, description="when work stops drawing on this category", examples=[["TODO: when work leaves"]])]
    examples: list[Markdown] = []
    when_this_percentage_lies: list[Markdown] = Field(
        [], description="situations in which the reported percentage misleads")
    principles: list[ref("principles", "applied_in")] = []


class Interaction(Strict):
    team: ref("teams", "interacts_with")
    mode: Literal["collaboration", "x-as-a-service", "facilitating"]
    note: Optional[NonEmpty] = None


class Team(Reviewed):
    owner: Optional[ref("teams", "owns")] = Field(None, description="defaults to the team itself")
    mission: NonEmpty
    topology: Literal["stream-aligned", "platform", "enabling", "complicated-subsystem"]
    lead: NonEmpty = Field(description="name or role of the team lead")
    headcount: Optional[Annotated[int, Field(ge=1, le=10000)]] = Field(
        None, description="number of people; weights the team in the organisation's funding mix", examples=[8])
    channels: list[NonEmpty] = []
    provides: list[ref("interfaces", "provided_by")] = Field([], description="interfaces this team produces")
    consumes: list[ref("interfaces", "consumed_by")] = Field([], description="interfaces this team relies on")
    local_practices: Optional[Markdown] = Field(None, description="how the team runs its own work (Markdown)")
    funding: dict[ref("funding", "funds"), Percent] = Field(
        {}, description="share of the team's capacity per funding category, in percent")
    interactions: list[Interaction] = []


# --- Type shapes: where references and nested models sit inside a kind ----------------------------

@lru_cache(maxsize=None)
def _shape(annotation: Any) -> tuple:
    """What a value of this type can hold, as a small cached description: ("ref", Ref),
    ("list", inner), ("dict", key, value), ("model", class) or ("leaf",) for plain values."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *meta = get_args(annotation)
        found = next((m for m in meta if isinstance(m, Ref)), None)
        return ("ref", found) if found else _shape(inner)
    if origin in (list, tuple):
        inner = _shape(get_args(annotation)[0])
        return ("list", inner) if inner != ("leaf",) else ("leaf",)
    if origin is dict:
        key, value = (_shape(a) for a in get_args(annotation))
        return ("dict", key, value) if (key, value) != (("leaf",), ("leaf",)) else ("leaf",)
    if origin is Union or (origin is not None and type(None) in get_args(annotation)):
        shapes = [_shape(a) for a in get_args(annotation) if a is not type(None)]
        return next((s for s in shapes if s != ("leaf",)), ("leaf",))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ("model", annotation)
    return ("leaf",)


def field_shape(model: type[BaseModel], name: str) -> tuple:
    info = model.model_fields[name]
    found = next((m for m in info.metadata if isinstance(m, Ref)), None)
    return ("ref", found) if found else _shape(info.annotation)


@lru_cache(maxsize=None)
def ref_fields(model: type[BaseModel]) -> tuple[tuple[str, tuple], ...]:
    """The fields of `model` that can hold references, with their shapes (computed once per class)."""
    shapes = ((name, field_shape(model, name)) for name in model.model_fields)
    return tuple((name, shape) for name, shape in shapes if shape != ("leaf",))



@dataclass(frozen=True)
class Kind:
    """A kind of entity: the folder it lives in, its schema and its page template."""

    name: str  # folder name under handbook/, and url prefix
    model: type[Strict]
    schema: str  # file stem of its JSON Schema, e.g. "ritual" for schemas/ritual.schema.json
    singular: str
    title: str
    template: str


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("principles", Principle, "principle", "principle", "Principles", "principle.md.j2"),
    Kind("rituals", Ritual, "ritual", "ritual", "Rituals", "ritual.md.j2"),
    Kind("interfaces", Interface, "interface", "interface", "Interfaces", "interface.md.j2"),
    Kind("funding", Funding, "funding", "funding category", "Funding", "funding.md.j2"),
    Kind("teams", Team, "team", "team", "Teams", "team.md.j2"),
]}
META_FILE = "handbook.yaml"
