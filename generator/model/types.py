"""Model: the value types every field is made of, with their validation, JSON Schema and the
shape of references inside them. Kind declarations (declare.py) are built from these."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from functools import lru_cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, GetCoreSchemaHandler, TypeAdapter
from pydantic.json_schema import WithJsonSchema
from pydantic_core import PydanticCustomError, SchemaError, core_schema

from ..diagnostics import excerpt, middle

# An id (a file or folder name inside a kind folder, and so a part of a URL): lower-case ASCII
# letters and digits, words joined by one hyphen or one underscore (`payments-core`,
# `payments_core`). Refused, as unsafe or ambiguous in a path or URL: capitals (two files that
# differ only in case are one file on macOS and Windows), dots (`..`, hidden files, suffixes),
# leading or doubled separators (`-x` reads as an option), spaces and non-ASCII letters (lookalikes
# such as Cyrillic `а`). Ids that differ only by `-` against `_` are refused as a clash (validate.py).
SLUG_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
SLUG_RE = re.compile(SLUG_PATTERN)
MAX_ID_CHARS = 80  # file names stay well under the 255 bytes file systems allow


def slugify(name: str) -> str:
    """The id a name would get: lower-case ASCII letters and digits, single hyphens (an
    underscore between words is kept: `Payments_Core` -> `payments_core`)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9_]+", "-", text)
    text = re.sub(r"[-_]*-[-_]*", "-", text)  # a run of separators with a hyphen in it is a hyphen
    return re.sub(r"__+", "_", text).strip("-_")


# An id is the path of an entity's file inside its kind folder, without the suffix.
ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*(?:/[a-z0-9]+(?:[-_][a-z0-9]+)*)*$"
ID_RE = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Ref:
    """Marks a string field as the id of an entity of one of `kinds`; `reverse` names the relation
    as seen from the referenced entity (e.g. an interface is `input_to` a ritual).

    A reference to several kinds (an owner is a team or a person) may name its kind
    (`person:jdoe`, by the kind's singular) where an id exists in more than one of them. With
    `roles`, a value not written as an id ("Head of Product Operations") is a role in words, not a
    reference."""

    kinds: tuple[str, ...]
    reverse: str
    singulars: tuple[str, ...] = ()
    roles: bool = False

    def split(self, value: str) -> tuple[tuple[str, ...], str]:
        """The kinds `value` may name, and the id it names."""
        head, sep, rest = value.partition(":")
        if sep and head in self.singulars:
            return (self.kinds[self.singulars.index(head)],), rest
        return self.kinds, value

    def is_role(self, value: Any) -> bool:
        return self.roles and isinstance(value, str) and ":" not in value and not ID_RE.match(value)

    def prefixed(self, kind: str, entity_id: str) -> str:
        """How to write `entity_id` of `kind` so that no other kind can claim it."""
        return f"{self.singulars[self.kinds.index(kind)]}:{entity_id}" if len(self.kinds) > 1 else entity_id

    def locate(self, value: str, index: dict[str, dict[str, Any]]) -> Any:
        """The entity `value` names in `index` (kind -> id -> entity), or None."""
        kinds, name = self.split(value)
        for kind in kinds:
            found = index.get(kind, {}).get(name)
            if found is not None:
                return found
        return None


# Plain (non-Markdown) text is one printable line: a line break would let it start a Markdown
# block (a heading, a list, an admonition) wherever it is shown.
LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
MAX_NAME_CHARS = 120
# A web address: every absolute http(s) address a browser opens, queries and fragments included
# (`https://zoom.example/j/123?pwd=abc`, `https://groups.example/g/dev#!forum/dev`). Refused as
# unsafe: other schemes (javascript:, file:), spaces and control characters (they end a calendar
# line or a Markdown link), credentials (`user:pw@host` would be published), and `"<>\\` and
# backticks, which no address needs unencoded and which could end an HTML attribute or start markup.
_URL_UNSAFE = "\\u0000-\\u0020\\u007f-\\u009f\\u00a0\\u1680\\u2000-\\u200f\\u2028-\\u202f\\u205f\\u3000\\ufeff\"<>\\\\`"
URL_PATTERN = (r"^[Hh][Tt][Tt][Pp][Ss]?://(?:[^" + _URL_UNSAFE + r"/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
               r"(?:[/?#][^" + _URL_UNSAFE + r"]*)?$")
URL_RE = re.compile(URL_PATTERN)


def url_problem(value: Any) -> tuple[str, str]:
    """Why `value` is not a web address the handbook links to: (what is wrong, what to write)."""
    text = str(value)
    scheme, sep, rest = text.partition("://")
    example = "e.g. https://zoom.example/j/123?pwd=abc"
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text) and not re.match(r"^[^:/]+:[0-9]", text):
            return "only http:// and https:// addresses are links here", f"write a web address, {example}"
        return "the address does not start with https:// or http://", f"write the full address, {example}"
    if scheme.lower() not in ("http", "https"):
        return f"'{excerpt(scheme)}:' addresses are not allowed here: only http:// and https://", \
            f"write a web address, {example}"
    if re.search(r"[\u0000-\u001f\u007f-\u009f\u2028\u2029]", text):
        return "the address holds a line break or a control character", "write it on one line"
    if re.search(r"\s", text):
        return "the address holds a space", "write each space as %20, or remove it"
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in host:
        return "the address holds a user name or password before '@'", \
            "remove the `user:password@` part: what is written here is published"
    if any(c in text for c in "\"<>\\`"):
        return "the address holds a quote, an angle bracket, a backslash or a backtick", \
            "write them percent-encoded (\" is %22, < is %3C, > is %3E, \\ is %5C, ` is %60)"
    if not host or host.startswith(":"):
        return "the address has no host name", f"write the full address, {example}"
    return "the address's host or port is not valid", f"write the full address, {example}"


Url = Annotated[str, Field(max_length=2000, pattern=URL_PATTERN)]
Percent = Annotated[int, Field(ge=0, le=100)]
# Material's tags plugin writes tag names into the page unescaped, so tags are restricted to
# characters that cannot form markup. A handbook may set its own pattern (model.yaml); markup
# characters stay refused whatever the pattern says (`_no_markup`).
TAG_PATTERN = r"^[\w][\w .-]*$"
MARKUP_CHARS = "<>&\"'`"
# An address and nothing more: no `?` (a mailto: link would carry cc, bcc or body headers), no `%`,
# `&` or `=`, no quotes or markup; the characters people's addresses use.
EMAIL_PATTERN = r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"


def _no_markup(value: str) -> str:
    if any(c in MARKUP_CHARS for c in value) or not value.isprintable():
        raise PydanticCustomError("tag", "tag '{value}' may not contain markup characters ({chars}) or control characters",
                                  {"value": excerpt(value), "chars": MARKUP_CHARS,
                                   "hint": "tags are short labels such as `planning` or `on-call`"})
    return value


MAX_PATTERN_CHARS = 500


def pattern_problem(pattern: str) -> str | None:
    """Why pydantic's regex engine refuses `pattern` (an excerpt of its reason), or None."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"longer than {MAX_PATTERN_CHARS} characters"
    try:
        TypeAdapter(Annotated[str, Field(pattern=pattern)])
    except (SchemaError, TypeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()
        return excerpt(reason[-1] if reason else type(exc).__name__, 120)
    return None


def tag_type(pattern: str = TAG_PATTERN) -> Any:
    extra = {} if pattern == TAG_PATTERN else {"not": {"pattern": "[<>&\"'`]"}}
    return Annotated[str, Field(pattern=pattern, max_length=40, json_schema_extra=extra or None),
                     AfterValidator(_no_markup)]


def _known_timezone(value: str) -> str:
    from .zones import ZoneError, read_zone
    try:
        return read_zone(value)
    except ZoneError as e:
        if e.candidates:
            raise PydanticCustomError("timezone-ambiguous", "{message}: {candidates}",
                                      {"message": excerpt(str(e)), "candidates": ", ".join(e.candidates),
                                       "hint": "write the IANA name of the one you mean, e.g. " + e.candidates[0].split()[0]})
        raise PydanticCustomError("timezone", "{message}",
                                  {"message": excerpt(str(e)), "hint": "use an IANA name such as Europe/Berlin, or a "
                                   "common form: Pacific Time, ET, CET, UTC, UTC+2, Japan"})


Timezone = Annotated[str, Field(min_length=1, max_length=80, pattern=LINE_PATTERN), AfterValidator(_known_timezone),
                     WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 80, "pattern": LINE_PATTERN,
                                     "description": "an IANA time zone (Europe/Berlin) or a common written form "
                                                    "(Pacific Time, ET, CET, UTC, Japan)",
                                     "examples": ["Europe/Berlin", "Pacific Time", "Central European Time (CET)"]})]
Email = Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN)]

class ParsedValue:
    """A value written as text (or a small mapping) in YAML and parsed into a richer object:
    validated by `parse`, written back to JSON by `to_json`."""

    @classmethod
    def parse(cls, value: Any) -> Any:
        raise NotImplementedError

    def to_json(self) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:  # what pages print: the value in words
        return self.label  # type: ignore[attr-defined]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(cls.to_json))


# --- Cadence: a regular period, or an event trigger described in words -----------------------

_UNITS = {"day": ("day", 1), "week": ("week", 1), "month": ("month", 1), "quarter": ("month", 3), "year": ("year", 1)}
# Periods written as one word. The first group was always understood and keeps its own words
# on the page; the others are shown as understood ("Every 3 weeks").
_NAMED_PERIODS = {
    "daily": (1, "day"), "weekly": (1, "week"), "fortnightly": (2, "week"), "biweekly": (2, "week"),
    "monthly": (1, "month"), "quarterly": (3, "month"), "half-yearly": (6, "month"),
    "yearly": (1, "year"), "annually": (1, "year"),
}
_MORE_PERIODS = {
    "triweekly": (3, "week"), "tri-weekly": (3, "week"), "bi-weekly": (2, "week"), "every other week": (2, "week"),
    "bimonthly": (2, "month"), "bi-monthly": (2, "month"), "semiannually": (6, "month"),
    "semi-annually": (6, "month"), "biannually": (6, "month"), "half yearly": (6, "month"),
}
_TIMES = {"once": 1, "twice": 2, "thrice": 3, "two": 2, "three": 3, "four": 4}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
_NUMBERS = {"other": 2, "second": 2, "third": 3, "fourth": 4, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_NUMBER_WORDS = "|".join(_NUMBERS)
WEEKDAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR", "saturday": "SA",
            "sunday": "SU"}
_EVERY = re.compile(r"^every (?:(?P<n>[1-9][0-9]?|" + _NUMBER_WORDS + r") )?(?P<unit>day|week|month|quarter|year)s?$")
_EVERY_WEEKDAY = re.compile(r"^every (?:(?P<other>other|second) )?(?P<day>" + "|".join(WEEKDAYS) + r")s?$")
_PER = re.compile(r"^(?P<n>once|twice|thrice|two|three|four|[2-9]) (?:times )?(?:a|per|each|every) "
                  r"(?P<unit>day|week|month|quarter|year)$")
_SEMI = {"semimonthly": (2, "month"), "semi-monthly": (2, "month"), "semiweekly": (2, "week"), "semi-weekly": (2, "week")}
_NTH_WEEKDAY = re.compile(r"(?:every )?(?:on )?(?:the )?(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th|last) "
                          r"(?P<day>" + "|".join(WEEKDAYS) + r")s?(?: (?:of|in) (?:the|each|every) month| every month"
                          r"| each month| of the month| a month)?")
# A period followed by when it starts: `weekly starting Monday March 2, 2026`, `monthly, 2026 start date: Feb. 3rd`.
_STARTING = re.compile(r"^(?P<head>.+?),? (?:starting|starts|start date|beginning|from|since|as of)\b(?P<rest>.*)$")
# Words that begin a period: text starting with one of them that is not understood is a warning.
PERIOD_STARTS = re.compile(r"^(?:every|each|once|twice|daily|weekly|fortnightly|biweekly|bi-weekly|monthly|quarterly|"
                           r"yearly|annually|semi|bi-?monthly|tri-?weekly|half|(?:[0-9]+|" + _NUMBER_WORDS +
                           r") times)\b", re.I)
_WORDS = sorted({*_NAMED_PERIODS, *_MORE_PERIODS, *_SEMI, "every", "day", "week", "month", "quarter", "year",
                 "twice", "times", "other", *WEEKDAYS})
_CADENCE_HINT = ("write a period as people say it (weekly, every 3 weeks, triweekly, twice a month, quarterly, "
                 "every other Tuesday…), with a qualifier in brackets if you like: `monthly (first Tuesday)`; "
                 "anything else is read as the event that triggers it")


def day_words(byday: str) -> str:
    """An RFC 5545 day rule in words: "1TU" -> "the first Tuesday", "TU" -> "Tuesdays"."""
    day = next(name for name, code in WEEKDAYS.items() if byday.endswith(code)).capitalize()
    nth = byday[:-2]
    if not nth:
        return f"{day}s"
    ordinal = {v: k for k, v in _ORDINALS.items() if not k[0].isdigit()}[int(nth)]
    return f"the {ordinal} {day}"


def _one_line(text: str) -> str:
    if not re.match(LINE_PATTERN, text):
        raise PydanticCustomError("cadence", "'{value}' must be one line of text, without control characters",
                                  {"value": excerpt(text), "hint": _CADENCE_HINT})
    return text


def _clean(text: str) -> str:
    """Lower case, one space between words, no symbols or emoji (`Daily ⏰`); a dash between words
    (`weekly – alternating`) as ` - `."""
    text = re.sub(r"\s[–—-]+\s", " - ", f" {text} ".replace("–", " - ").replace("—", " - "))
    return " ".join(re.sub(r"[^\w\s()\-,]", " ", text.lower()).split())


def _start_date(text: str) -> date | None:
    """A first date written after a period (`starting Monday March 2, 2026`), when it names a
    year; else None (the text stays a note)."""
    from dateutil import parser
    if not re.search(r"\b[0-9]{4}\b", text):
        return None
    try:
        return parser.parse(text, fuzzy=True, default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class Cadence(ParsedValue):
    """`every` units of `unit`, `per` times in each (regular), or a `trigger` in words
    (event-driven). `byday` is an exact RFC 5545 day rule ("1TU": the first Tuesday); `note` a
    qualifier kept in words."""

    text: str
    every: int | None = None
    unit: str | None = None  # day, week, month or year; quarters are stored as 3 months
    trigger: str | None = None
    per: int = 1
    byday: str | None = None
    note: str | None = None
    own_words: bool = True  # the text names the period as shown; else the label says what was understood
    start: date | None = None  # a first session written in the phrase (`weekly starting March 2, 2026`)
    doubtful: bool = False  # a trigger whose text begins like a period (`every sprint`): a warning, not a guess

    @property
    def is_regular(self) -> bool:
        return self.trigger is None

    @property
    def label(self) -> str:
        if self.trigger:
            return f"When triggered: {self.trigger}"
        words = self.text if self.own_words else self.understood
        if self.byday:
            words += f" on {day_words(self.byday)}" if self.unit == "week" else f", {day_words(self.byday)}"
        label = words[0].upper() + words[1:]
        return f"{label} ({self.note})" if self.note else label

    @property
    def understood(self) -> str:
        unit, every = self.unit or "", self.every or 1
        if self.per > 1:
            times = {2: "twice"}.get(self.per, f"{self.per} times")
            return f"{times} a {'quarter' if (unit, every) == ('month', 3) else unit}"
        if unit == "month" and every % 3 == 0:
            every, unit = every // 3, "quarter"
        if every == 1:
            return {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly"}[unit]
        return f"every {every} {unit}s"

    @classmethod
    def parse(cls, value: Any) -> "Cadence":
        if isinstance(value, Cadence):
            return value
        if isinstance(value, str) and value.strip():
            return cls._from_words(_one_line(value.strip()))
        if isinstance(value, dict):
            extra = sorted(set(value) - {"trigger"})
            trigger = value.get("trigger")
            if extra or not isinstance(trigger, str) or not trigger.strip():
                raise PydanticCustomError(
                    "cadence", "an event-driven cadence takes exactly one field, `trigger`, with text",
                    {"hint": _CADENCE_HINT})
            trigger = _one_line(trigger.strip())
            return cls(text=trigger, trigger=trigger)
        raise PydanticCustomError("cadence", "expected a cadence such as `weekly`", {"hint": _CADENCE_HINT})

    @classmethod
    def _from_words(cls, original: str) -> "Cadence":
        text = _clean(original)
        note = None
        bracket = re.search(r"\(([^)]*)\)", text)
        if bracket:
            note, text = bracket.group(1).strip() or None, " ".join((text[:bracket.start()] + text[bracket.end():]).split())
        text = text.strip(" ,-")
        # The whole text, else a period followed by when it starts or by a comment after a comma or
        # a dash (`biweekly, camera on please`); the first reading whose head is a period wins.
        readings = [(text, None)]
        if m := _STARTING.match(text):
            readings.append((m["head"].strip(" ,-"), "starting" + m["rest"]))
        for sep in (",", " - "):
            if sep in text:
                head, tail = text.split(sep, 1)
                readings.append((head.strip(" ,-"), tail.strip(" ,-")))
        for head, tail in readings:
            found = cls._rule(head, note)
            if found is None:
                continue
            period, byday, nth, note_left = found
            start = _start_date(tail) if tail else None
            if tail and byday is None and (m := _NTH_WEEKDAY.search(tail)) and period[1] in ("month", "year"):
                byday, nth = f"{_ORDINALS[m['nth']]}{WEEKDAYS[m['day']]}", m  # `monthly - last Thursday every month`
                tail = " ".join(_NTH_WEEKDAY.sub("", tail).split()) or None
            comment = None if start is not None else tail
            return cls._regular(head, period, byday, nth, " · ".join(n for n in (note_left, comment) if n) or None, start)
        close = difflib.get_close_matches(text, _WORDS, n=1, cutoff=0.8) if len(text.split()) <= 2 else []
        if close and close[0] != text:  # a near-miss of a period word; anything else is a trigger
            raise PydanticCustomError("cadence", "'{value}' is not a cadence (did you mean '{close}'?)",
                                      {"value": excerpt(original), "close": close[0], "hint": _CADENCE_HINT})
        return cls(text=original, trigger=original, doubtful=bool(PERIOD_STARTS.match(text)))

    @classmethod
    def _rule(cls, text: str, note: str | None):
        """(period, byday, the nth-weekday match, the note left) when `text` (with its bracketed
        `note`) names a regular period, else None."""
        nth = _NTH_WEEKDAY.search(note or "") or (None if cls._period(text) else _NTH_WEEKDAY.search(text))
        byday = None
        if nth is not None:
            byday = f"{_ORDINALS[nth['nth']]}{WEEKDAYS[nth['day']]}"
            if note and _NTH_WEEKDAY.fullmatch(note.strip()):
                note = None  # turned into the rule, and shown as understood
            text = " ".join(_NTH_WEEKDAY.sub("", text).replace(",", " ").split()).strip(" -")
            if not text or text in ("every", "on", "monthly on", "every month", "each month"):
                text = "monthly"  # `first Monday of the month`: the weekday of the month says the period
        period = cls._period(text)
        if period is None:
            return None
        return period, byday, nth, note

    @classmethod
    def _regular(cls, text: str, period, byday, nth, note, start) -> "Cadence":
        every, unit, per, own, weekday = period
        if byday is not None and unit not in ("month", "year"):
            byday = None  # "first Tuesday" of a week means nothing exact
        if weekday is not None:
            byday = weekday
        if byday and unit in ("month", "year") and nth is not None:
            own = False
        return cls(text=text, every=every, unit=unit, per=per, byday=byday, note=note,
                   own_words=own and byday is None, start=start)

    @staticmethod
    def _period(text: str) -> tuple[int, str, int, bool, str | None] | None:
        """(every, unit, times per period, whether the words are shown as written, weekday rule)."""
        if text in _NAMED_PERIODS:
            return (*_NAMED_PERIODS[text], 1, True, None)
        if text in _MORE_PERIODS:
            return (*_MORE_PERIODS[text], 1, False, None)
        if text in _SEMI:
            per, unit = _SEMI[text]
            return 1, unit, per, False, None
        match = _EVERY.match(text)
        if match:
            n = match["n"]
            count = 1 if n is None else _NUMBERS.get(n) or int(n)
            unit, scale = _UNITS[match["unit"]]
            return count * scale, unit, 1, n is None or n.isdigit(), None
        match = re.fullmatch(r"(?P<period>.+?) on (?P<day>" + "|".join(WEEKDAYS) + r")s?", text)
        if match and (inner := Cadence._period(match["period"])) and inner[1] == "week" and inner[2] == 1:
            return inner[0], "week", 1, False, WEEKDAYS[match["day"]]  # `weekly on Tuesdays`
        match = _EVERY_WEEKDAY.match(text)
        if match:
            return (2 if match["other"] else 1), "week", 1, False, WEEKDAYS[match["day"]]
        match = _PER.match(text)
        if match:
            n = _TIMES.get(match["n"]) or int(match["n"])
            unit, scale = _UNITS[match["unit"]]
            return scale, unit, n, n == 1, None
        return None

    def to_json(self) -> dict:
        if self.trigger:
            return {"trigger": self.trigger}
        out: dict = {"text": self.text, "every": self.every, "unit": self.unit}
        if self.per > 1:
            out["per"] = self.per
        if self.byday:
            out["byday"] = self.byday
        if self.note:
            out["note"] = self.note
        if self.start:
            out["start"] = self.start.isoformat()
        return out


CadenceField = Annotated[Cadence, WithJsonSchema({
    "description": "a regular period as people write it (weekly, every 3 weeks, twice a month, quarterly (first "
                   "Tuesday)…), the event that triggers it in words, or {trigger: text}; `handbook check` refuses "
                   "near-misses of a period word (Qurterly)",
    "examples": ["weekly", "every 2 weeks", "monthly (first Tuesday)", {"trigger": "after every major incident"}],
    "anyOf": [
        {"type": "string", "minLength": 1, "pattern": LINE_PATTERN},
        {"type": "object", "properties": {"trigger": {"type": "string", "minLength": 1, "pattern": LINE_PATTERN}},
         "required": ["trigger"], "additionalProperties": False},
    ],
})]


# --- Day and time of a ritual, as people write them -----------------------------------------------

_DAY_RE = re.compile(r"^(?:(?:on )?(?:the |every )?(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th|last) )?"
                     r"(?P<day>" + "|".join(WEEKDAYS) + r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)s?\.?"
                     r"(?: (?:of|in) (?:the|each|every) month)?$")
_SHORT_DAYS = {name[:3]: code for name, code in WEEKDAYS.items()} | {"tues": "TU", "thur": "TH", "thurs": "TH"}
_DAY_HINT = "write a weekday as people say it: Tuesday, Tuesdays, `Tuesday (from 2026-03-03)`, or for a monthly " \
            "rhythm `first Wednesday`, `last Friday`"


@dataclass(frozen=True)
class Day(ParsedValue):
    """The weekday a ritual meets on (`code`: MO…SU), the `nth` of the month (-1: the last) for
    monthly rhythms, a `start` date and a `note` written in brackets."""

    text: str
    code: str
    nth: int | None = None
    start: date | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return day_words(f"{self.nth or ''}{self.code}")

    @property
    def index(self) -> int:
        return list(WEEKDAYS.values()).index(self.code)

    @classmethod
    def parse(cls, value: Any) -> "Day":
        if isinstance(value, Day):
            return value
        if not isinstance(value, str) or not value.strip():
            raise PydanticCustomError("day", "expected a weekday such as `Tuesday`", {"hint": _DAY_HINT})
        text = _one_line(value.strip())
        words, note, start = text.lower(), None, None
        if bracket := re.search(r"\(([^)]*)\)", words):
            inside = text[bracket.start() + 1:bracket.end() - 1].strip()
            words = (words[:bracket.start()] + words[bracket.end():]).strip()
            iso = re.search(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", inside)
            try:
                start = date.fromisoformat(iso.group(0)) if iso else _start_date(inside)
            except ValueError:
                start = None
            note = None if start else inside or None
        match = _DAY_RE.match(" ".join(words.replace(",", " ").split()))
        if match is None:
            raise PydanticCustomError("day", "'{value}' is not a weekday", {"value": excerpt(value), "hint": _DAY_HINT})
        code = WEEKDAYS.get(match["day"]) or _SHORT_DAYS[match["day"]]
        nth = _ORDINALS[match["nth"]] if match["nth"] else None
        if start is not None and start.weekday() != list(WEEKDAYS.values()).index(code):
            raise PydanticCustomError("day", "{start} is a {actual}, not a {day}",
                                      {"start": start.isoformat(), "actual": f"{start:%A}",
                                       "day": day_words(code)[:-1], "hint": "give a first date on that weekday"})
        return cls(text=text, code=code, nth=nth, start=start, note=note)

    def to_json(self) -> dict:
        out: dict = {"text": self.text, "byday": f"{self.nth or ''}{self.code}"}
        if self.start:
            out["start"] = self.start.isoformat()
        return out


DayField = Annotated[Day, WithJsonSchema({
    "type": "string", "minLength": 1, "pattern": LINE_PATTERN,
    "description": "the weekday it meets on: Tuesday, Tuesdays, `Tuesday (from 2026-03-03)`, or for a monthly "
                   "rhythm `first Wednesday`, `last Friday`",
    "examples": ["Tuesday", "Thursdays (from 2026-03-05)", "first Wednesday", "last Friday"]})]

_TIME_RE = re.compile(r"^(?P<h>[0-9]{1,2})(?:[:.h](?P<m>[0-9]{2}))?\s*(?P<ampm>[ap]\.?m\.?)?$")
_TIME_HINT = "write a time of day: 9:00, 09:00, 17:30, 5pm or 5 PM"


@dataclass(frozen=True)
class TimeOfDay(ParsedValue):
    """A local time of day, in the ritual's time zone."""

    hour: int
    minute: int

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    @classmethod
    def parse(cls, value: Any) -> "TimeOfDay":
        if isinstance(value, TimeOfDay):
            return value
        match = _TIME_RE.match(value.strip().lower()) if isinstance(value, str) else None
        if match is None:
            raise PydanticCustomError("time", "'{value}' is not a time of day", {"value": excerpt(value), "hint": _TIME_HINT})
        hour, minute, ampm = int(match["h"]), int(match["m"] or 0), match["ampm"]
        if ampm is None and match["m"] is None:
            raise PydanticCustomError("time", "'{value}' is not a time of day (say am or pm, or write minutes)",
                                      {"value": excerpt(value), "hint": _TIME_HINT})
        if ampm:
            if not 1 <= hour <= 12:
                raise PydanticCustomError("time", "'{value}': with am or pm the hour is 1 to 12",
                                          {"value": excerpt(value), "hint": _TIME_HINT})
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        if hour > 23 or minute > 59:
            raise PydanticCustomError("time", "'{value}' is not a time of day", {"value": excerpt(value), "hint": _TIME_HINT})
        return cls(hour, minute)

    def to_json(self) -> str:
        return self.label


TIME_PATTERN = r"^\s*[0-9]{1,2}(?:[:.h][0-9]{2})?\s*(?:[aApP]\.?[mM]\.?)?\s*$"
TimeField = Annotated[TimeOfDay, WithJsonSchema({
    "type": "string", "pattern": TIME_PATTERN,
    "description": "local time of day in the ritual's zone: 9:00, 09:00, 17:30, 5pm, 5 PM",
    "examples": ["09:00", "5pm"]})]


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

# --- The range of dates and durations ----------------------------------------------------------
# Every date the tool reads lies in these years, and every span it adds to one is bounded (review
# periods, expiry days, durations), so no date arithmetic can leave Python's calendar (an
# OverflowError after year 9999): a value outside is an error at its line (SECURITY.md).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)
MAX_DURATION_MINUTES = 366 * 24 * 60  # a year
MAX_SPAN_DAYS = 3650  # review periods, expiry days: ten years


def date_in_range(value: Any, written: Any = None) -> Any:
    """A date (or date and time) between FIRST_DATE and LAST_DATE, or a located error quoting the
    value as `written`."""
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not FIRST_DATE <= day <= LAST_DATE:
        raise PydanticCustomError("out_of_range", "{value} is outside the dates this tool reads ({first} to {last})",
                                  {"value": excerpt(value if written is None else written), "first": str(FIRST_DATE),
                                   "last": str(LAST_DATE), "hint": "check the year"})
    return value


DateField = Annotated[date, AfterValidator(date_in_range)]


# --- Local date and time (ritual start) -------------------------------------------------------

LOCAL_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
_LOCAL_TIME_RE = re.compile(LOCAL_TIME_PATTERN)


def _local_time(value: Any) -> Any:
    # YAML reads 2026-01-05 10:00:00 as a datetime, 2026-01-05 as a date and 2026-01-05T10:00 as
    # text; accept all three, but only these forms of text, so that the JSON Schema says the same.
    # A date alone means the whole day (an all-day event in the calendar).
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise PydanticCustomError("local_time", "write a local time without a zone offset",
                                      {"hint": "the zone is `timezone` in handbook.yaml"})
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _LOCAL_TIME_RE.match(value):
        text = value.replace(" ", "T")
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    raise PydanticCustomError("local_time", "'{value}' is not a local date and time",
                              {"value": excerpt(value), "hint": "write YYYY-MM-DDTHH:MM, e.g. 2026-01-05T10:00, "
                                                                 "or a date alone for an all-day event"})


LocalTime = Annotated[Union[datetime, date], BeforeValidator(_local_time), AfterValidator(date_in_range), WithJsonSchema(
    {"type": "string", "pattern": LOCAL_TIME_PATTERN,
     "description": "local time, YYYY-MM-DDTHH:MM, or a date alone for the whole day"})]


# --- Duration: minutes, written as people write them -------------------------------------------

_DURATION_RE = re.compile(
    r"^(?:(?P<h>[0-9]+(?:\.[0-9]+)?)\s*(?:h|hr|hrs|hours?))?\s*"
    r"(?:(?P<m>[0-9]+)\s*(?:m|min|mins|minutes?)?)?$")
_ISO_DURATION_RE = re.compile(r"^PT(?:(?P<h>[0-9]+)H)?(?:(?P<m>[0-9]+)M)?$")
DURATION_PATTERN = (r"^(?:[0-9]+(?:\.[0-9]+)?\s*(?:h|hr|hrs|hours?))?\s*(?:[0-9]+\s*(?:m|min|mins|minutes?)?)?$"
                    r"|^PT(?:[0-9]+H)?(?:[0-9]+M)?$")
_DURATION_HINT = "write minutes (45), or hours and minutes: 1h30, 90 min, 2 hours, PT1H30M"


@dataclass(frozen=True)
class Duration(ParsedValue):
    """A length of time in whole minutes."""

    minutes: int

    @property
    def label(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        return " ".join(p for p in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if p) or "0 min"

    @classmethod
    def parse(cls, value: Any) -> "Duration":
        if isinstance(value, Duration):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return cls._bounded(value, value)
        if isinstance(value, str):
            text = value.strip()
            match = _ISO_DURATION_RE.match(text.upper()) or _DURATION_RE.match(text.lower())
            if match and text and (match["h"] or match["m"]):
                return cls._bounded(round(float(match["h"] or 0) * 60) + int(match["m"] or 0), value)
        raise PydanticCustomError("duration", "'{value}' is not a duration", {"value": excerpt(value), "hint": _DURATION_HINT})

    @classmethod
    def _bounded(cls, minutes: int, value: Any) -> "Duration":
        if minutes > MAX_DURATION_MINUTES:
            raise PydanticCustomError("duration", "'{value}' is longer than a year, the longest duration this tool "
                                      "reads", {"value": excerpt(value), "hint": _DURATION_HINT})
        return cls(minutes)

    def to_json(self) -> int:
        return self.minutes


DurationField = Annotated[Duration, WithJsonSchema({
    "description": "minutes, or a duration such as 1h30, 90 min, PT1H30M",
    "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": DURATION_PATTERN}],
})]


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


# --- Period: a quarter, a half, a month, a year or a date range ----------------------------------

PERIOD_PATTERN = (r"^\s*(?:[0-9]{4}-?(?:[Qq][1-4]|[Hh][12])|[0-9]{4}-[0-9]{2}|[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}\s*(?:\.\.|to)\s*"
                  r"[0-9]{4}-[0-9]{2}-[0-9]{2})\s*$")
_PERIOD_QUARTER = re.compile(r"^([0-9]{4})-?Q([1-4])$", re.I)
_PERIOD_HALF = re.compile(r"^([0-9]{4})-?H([12])$", re.I)
_PERIOD_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_PERIOD_YEAR = re.compile(r"^([0-9]{4})$")
_PERIOD_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\s*(?:\.\.|to)\s*([0-9]{4}-[0-9]{2}-[0-9]{2})$")
_PERIOD_HINT = "write a quarter (2026-Q3), a half (2026-H1), a month (2026-07), a year (2026) or a date range " \
               "(2026-07-01..2026-09-30)"


def _month_end(year: int, month: int) -> date:
    from calendar import monthrange
    return date(year, month, monthrange(year, month)[1])


@dataclass(frozen=True, order=True)
class Period(ParsedValue):
    """A span of time an allocation is stated for: from `start` to `end`, both days included."""

    start: date
    end: date
    text: str

    @property
    def label(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @classmethod
    def parse(cls, value: Any) -> "Period":
        period = cls._read(value)
        date_in_range(period.start, period.text)
        date_in_range(period.end, period.text)
        return period

    @classmethod
    def _read(cls, value: Any) -> "Period":
        if isinstance(value, Period):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # YAML reads 2026 as a number
        if not isinstance(value, str):
            raise PydanticCustomError("period", "'{value}' is not a period", {"value": excerpt(value), "hint": _PERIOD_HINT})
        text = value.strip()
        backwards = False
        try:
            if m := _PERIOD_QUARTER.match(text):
                year, q = int(m[1]), int(m[2])
                return cls(date(year, 3 * q - 2, 1), _month_end(year, 3 * q), f"{year}-Q{q}")
            if m := _PERIOD_HALF.match(text):
                year, h = int(m[1]), int(m[2])
                return cls(date(year, 6 * h - 5, 1), _month_end(year, 6 * h), f"{year}-H{h}")
            if m := _PERIOD_MONTH.match(text):
                year, month = int(m[1]), int(m[2])
                return cls(date(year, month, 1), _month_end(year, month), f"{year}-{month:02d}")
            if m := _PERIOD_YEAR.match(text):
                return cls(date(int(m[1]), 1, 1), date(int(m[1]), 12, 31), m[1])
            if m := _PERIOD_RANGE.match(text):
                start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
                if end >= start:
                    return cls(start, end, f"{start}..{end}")
                backwards = True
        except PydanticCustomError:
            raise
        except ValueError:
            raise PydanticCustomError("period", "'{value}' names a day or month that does not exist",
                                      {"value": excerpt(value), "hint": _PERIOD_HINT})
        if backwards:
            raise PydanticCustomError("period", "period '{value}' ends before it starts",
                                      {"value": excerpt(value), "hint": "write the earlier date first"})
        raise PydanticCustomError("period", "'{value}' is not a period", {"value": excerpt(value), "hint": _PERIOD_HINT})

    def to_json(self) -> str:
        return self.text


PeriodField = Annotated[Period, WithJsonSchema({
    "description": "a quarter (2026-Q3), a half (2026-H1), a month (2026-07), a year or a date range "
                   "(2026-07-01..2026-09-30)",
    "anyOf": [{"type": "string", "pattern": PERIOD_PATTERN}, {"type": "integer", "minimum": 1000, "maximum": 9999}],
})]
