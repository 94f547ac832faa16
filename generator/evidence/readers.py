"""Evidence: readers of tracker exports into plain records, one format per reader, detected from
the headers. Records stay in memory only while the file is measured; problems are reported at
`file:row:column` (row 1 is the header; a record spanning lines is one row), with the headers seen
and expected, never with the file's contents beyond a short excerpt."""

from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from ..diagnostics import Diagnostic, excerpt

MAX_PROBLEMS = 5  # of one code per file; the rest are counted
csv.field_size_limit(1 << 24)  # a long description is not an error (its text is never kept)


class Record(NamedTuple):
    """One issue as the rules and effort models need it (never descriptions, comments or e-mails)."""

    key: str
    title: str
    type: str
    status: str
    project: str
    team: str  # the tracker's value in the team column ('' when the source names one team)
    labels: tuple
    components: tuple
    parent: str  # the parent's key ('' when none)
    parent_title: str
    points: float | None
    created: date | None
    started: date | None
    done: date | None  # resolved, completed or closed
    canceled: bool
    assignees: tuple
    fields: dict | None  # declared `fields:` columns only
    row: int


class Problems:
    """A file's problems, at most MAX_PROBLEMS of each code, the rest counted."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.found: list[Diagnostic] = []
        self.counts: dict[str, int] = {}

    def add(self, row: int, col: int, code: str, message: str, hint: str | None = None) -> None:
        n = self.counts[code] = self.counts.get(code, 0) + 1
        if n <= MAX_PROBLEMS:
            self.found.append(Diagnostic(self.rel, row, col, "error", code, message, hint))

    def close(self) -> list[Diagnostic]:
        for code, n in self.counts.items():
            if n > MAX_PROBLEMS:
                self.found.append(Diagnostic(self.rel, 0, 0, "error", code,
                                             f"{n - MAX_PROBLEMS} more problems of this kind in this file"))
        return self.found


# --- dates -------------------------------------------------------------------------------------

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_DATE_FORMS = [
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),  # 2026-07-14, ISO timestamps
    (re.compile(r"(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})$"), "dby"),  # Jira: 14/Jul/26
    (re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$"), "dby"),  # 14-Jul-2026
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$"), "dmy"),  # German and others: 14.07.2026
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),  # 2026/07/14
]
DATE_HINT = ("dates the readers understand: 14/Jul/26 3:42 PM (Jira), 2026-07-14T15:42:00Z (ISO), 14.07.2026, "
             "2026/07/14, with or without a time; English month names; re-export with one of them")


def day_parser() -> Callable[[str], date]:
    """A parser of the date part of a timestamp (the time is not needed), caching each text: an
    export holds few distinct days."""
    seen: dict[str, date] = {}

    def parse(text: str) -> date:
        found = seen.get(text)
        if found is not None:
            return found
        part = text.strip().split(" ", 1)[0].split("T", 1)[0]
        for pattern, order in _DATE_FORMS:
            m = pattern.match(part)
            if not m:
                continue
            a, b, c = m.groups()
            if order == "ymd":
                y, mo, d = int(a), int(b), int(c)
            elif order == "dmy":
                y, mo, d = int(c), int(b), int(a)
            else:
                y, mo, d = int(c), MONTHS.get(b.lower(), 0), int(a)
            if y < 100:
                y += 2000
            try:
                found = seen[text] = date(y, mo, d)
            except ValueError:
                break
            return found
        raise ValueError(text)

    return parse


# --- reading a file ------------------------------------------------------------------------------

CANCELED = {"canceled", "cancelled", "won't do", "wont do", "won't fix", "declined", "duplicate", "rejected",
            "cannot reproduce", "not planned", "obsolete"}
JIRA_POINTS = ("Custom field (Story Points)", "Custom field (Story point estimate)")
JIRA_PARENT = ("Parent key", "Parent", "Parent id", "Custom field (Epic Link)")
JIRA_REQUIRED = ("Issue key", "Summary", "Issue Type", "Status", "Created", "Resolved")
LINEAR_REQUIRED = ("ID", "Title", "Status", "Created", "Completed")
GITHUB_FIELDS = "number, title, state, labels, assignees, created_at|createdAt, closed_at|closedAt, milestone"


@dataclass
class Reading:
    """What a reader needs from the declarations."""

    team_column: str | None
    field_columns: tuple[str, ...] = ()
    problems: Problems | None = None
    format: str = ""
    notes: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # Jira Cloud: numeric issue id -> key


def open_text(path: Path, problems: Problems):
    """The file as text, or None after reporting why not (UTF-16 from a spreadsheet, binary)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(head) > 1 and b"\x00" in head[:200]):
        problems.add(1, 1, "evidence-format", "the file is UTF-16 (as a spreadsheet saves 'Unicode text'), not UTF-8",
                     "export it again from the tracker, or save it as 'CSV UTF-8'")
        return None
    return open(path, encoding="utf-8-sig", newline="")


def read_file(path: Path, rel: str, reading: Reading) -> Iterator[Record]:
    """Every record of one export, in file order; problems go to `reading.problems`."""
    problems = reading.problems
    assert problems is not None
    if path.suffix.lower() == ".json":
        yield from _github(path, reading)
        return
    handle = open_text(path, problems)
    if handle is None:
        return
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            problems.add(1, 1, "evidence-format", f"the header cannot be read: {excerpt(exc, 80)}",
                         "save the export as CSV UTF-8")
            return
        if not header:
            problems.add(1, 1, "evidence-format", "the file is empty", "export the issues again")
            return
        seen = ", ".join(excerpt(h, 30) for h in header[:12]) + (", …" if len(header) > 12 else "")
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            sep = next(d for d in ";\t|" if d in header[0])
            problems.add(1, 1, "evidence-format", f"the columns are separated by {sep!r}, not commas",
                         f"headers seen: {excerpt(header[0], 80)}; export as comma-separated CSV (Jira, Linear) or "
                         "save with commas")
            return
        if "Issue key" in header:
            reading.format = "jira"
            make = _jira_rows(header, reading, seen)
        elif "ID" in header and "Title" in header:
            reading.format = "linear"
            make = _linear_rows(header, reading, seen)
        else:
            problems.add(1, 1, "evidence-format", "the format of this export is not known",
                         f"headers seen: {seen}; expected a Jira CSV ({', '.join(JIRA_REQUIRED)}), a Linear CSV "
                         f"({', '.join(LINEAR_REQUIRED)}) or GitHub issues JSON")
            return
        if make is None:
            return
        width = len(header)
        row = 1
        try:
            for cells in reader:
                row += 1
                if len(cells) != width:
                    if not cells:
                        continue
                    problems.add(row, min(len(cells), width) + 1, "evidence-row",
                                 f"row {row} has {len(cells)} cells, the header {width}",
                                 f"a quote left open or a separator inside an unquoted cell; headers: {seen}")
                    continue
                record = make(cells, row)
                if record is not None:
                    yield record
        except UnicodeDecodeError:
            problems.add(row + 1, 1, "evidence-format", "the file is not UTF-8 text from here on",
                         "save the export as CSV UTF-8")
        except csv.Error as exc:
            problems.add(row + 1, 1, "evidence-row", f"the row cannot be read: {excerpt(exc, 80)}",
                         f"a quote left open; headers: {seen}")


def _missing(header: list[str], required: tuple[str, ...], reading: Reading, seen: str, what: str) -> bool:
    missing = [c for c in required if c not in header]
    for c in reading.field_columns + ((reading.team_column,) if reading.team_column else ()):
        if c not in header and c not in missing:
            missing.append(c)
    if missing:
        reading.problems.add(1, 1, "evidence-format", f"the {what} export has no column {', '.join(map(repr, missing))}",
                             f"headers seen: {seen}; expected: {', '.join(required)}, and the columns model.yaml "
                             "names (team column, fields)")
    return bool(missing)


def _number(text: str, row: int, col: int, problems: Problems) -> float | None:
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        problems.add(row, col, "evidence-value", f"estimate '{excerpt(text, 20)}' is not a number",
                     "write story points as a number, or leave the cell empty")
        return None
    if value != value or value < 0 or value > 1e6:
        problems.add(row, col, "evidence-value", f"estimate '{excerpt(text, 20)}' is out of range",
                     "story points are a number from 0 to 1,000,000")
        return None
    return value


def _dater(problems: Problems, seen: str):
    parse = day_parser()

    def day(cells: list[str], i: int, row: int) -> date | None:
        if i < 0:
            return None
        text = cells[i]
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            problems.add(row, i + 1, "evidence-date", f"'{excerpt(text, 30)}' is not a date the reader understands",
                         DATE_HINT)
            return None
    return day


def _jira_rows(header: list[str], reading: Reading, seen: str):
    problems = reading.problems
    if _missing(header, JIRA_REQUIRED, reading, seen, "Jira"):
        return None
    first = {}
    for i, h in enumerate(header):
        first.setdefault(h, i)
    labels = tuple(i for i, h in enumerate(header) if h == "Labels")
    components = tuple(i for i, h in enumerate(header) if h == "Component/s")
    assignees = tuple(i for i, h in enumerate(header) if h == "Assignee")
    i_key, i_title, i_type, i_status = first["Issue key"], first["Summary"], first["Issue Type"], first["Status"]
    i_created, i_resolved = first["Created"], first["Resolved"]
    i_project = first.get("Project key", -1)
    i_team = first[reading.team_column] if reading.team_column else -1
    i_resolution = first.get("Resolution", -1)
    i_points = next((first[c] for c in JIRA_POINTS if c in first), -1)
    parent_col = next((c for c in JIRA_PARENT if c in first), None)
    i_parent = first[parent_col] if parent_col else -1
    i_parent_title = first.get("Parent summary", -1)
    # Jira Cloud's `Parent` holds the parent's numeric id: its key is found through `Issue id`.
    i_id = first.get("Issue id", -1)
    ids = reading.ids if parent_col in ("Parent", "Parent id") and i_id >= 0 else None
    fields = {c: first[c] for c in reading.field_columns}
    if parent_col is None:
        reading.notes.append("no parent column (Parent, Parent id or Custom field (Epic Link)): no inheritance")
    day = _dater(problems, seen)

    def make(cells: list[str], row: int) -> Record:
        status = cells[i_status]
        resolution = cells[i_resolution] if i_resolution >= 0 else ""
        parent = cells[i_parent] if i_parent >= 0 else ""
        if ids is not None:
            ids[cells[i_id]] = cells[i_key]
        return Record(
            cells[i_key], cells[i_title], cells[i_type], status, cells[i_project] if i_project >= 0 else "",
            cells[i_team] if i_team >= 0 else "",
            tuple(cells[i] for i in labels if cells[i]), tuple(cells[i] for i in components if cells[i]),
            parent, cells[i_parent_title] if i_parent_title >= 0 else "",
            _number(cells[i_points], row, i_points + 1, problems) if i_points >= 0 and cells[i_points] else None,
            day(cells, i_created, row), None, day(cells, i_resolved, row),
            status.lower() in CANCELED or resolution.lower() in CANCELED,
            tuple(cells[i] for i in assignees if cells[i]),
            {c: cells[i] for c, i in fields.items()} if fields else None, row)
    return make


def _linear_rows(header: list[str], reading: Reading, seen: str):
    problems = reading.problems
    if _missing(header, LINEAR_REQUIRED, reading, seen, "Linear"):
        return None
    first = {}
    for i, h in enumerate(header):
        first.setdefault(h, i)
    get = first.get
    i_key, i_title, i_status = first["ID"], first["Title"], first["Status"]
    i_created, i_completed = first["Created"], first["Completed"]
    i_started, i_canceled, i_estimate = get("Started", -1), get("Canceled", -1), get("Estimate", -1)
    i_project, i_labels, i_parent = get("Project", -1), get("Labels", -1), get("Parent issue", -1)
    i_assignee = get("Assignee", -1)
    i_team = first[reading.team_column] if reading.team_column else -1
    fields = {c: first[c] for c in reading.field_columns}
    day = _dater(problems, seen)

    def make(cells: list[str], row: int) -> Record:
        status = cells[i_status]
        labels = tuple(s for s in (x.strip() for x in cells[i_labels].split(",")) if s) if i_labels >= 0 else ()
        return Record(
            cells[i_key], cells[i_title], "", status, cells[i_project] if i_project >= 0 else "",
            cells[i_team] if i_team >= 0 else "", labels, (), cells[i_parent] if i_parent >= 0 else "", "",
            _number(cells[i_estimate], row, i_estimate + 1, problems) if i_estimate >= 0 and cells[i_estimate] else None,
            day(cells, i_created, row), day(cells, i_started, row), day(cells, i_completed, row),
            (i_canceled >= 0 and bool(cells[i_canceled])) or status.lower() in CANCELED,
            (cells[i_assignee],) if i_assignee >= 0 and cells[i_assignee] else (),
            {c: cells[i] for c, i in fields.items()} if fields else None, row)
    return make


def _github(path: Path, reading: Reading) -> Iterator[Record]:
    """GitHub's REST list shape or `gh issue list --json …`; pull requests are left out (the issue
    they close carries the work). Rows are the items, counted from 1."""
    problems = reading.problems
    reading.format = "github"
    handle = open_text(path, problems)
    if handle is None:
        return
    try:
        with handle:
            items = json.load(handle)
    except UnicodeDecodeError:
        problems.add(1, 1, "evidence-format", "the file is not UTF-8 text", "save the export as UTF-8")
        return
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, exc.colno, "evidence-format", f"not valid JSON: {excerpt(exc.msg, 60)}",
                     "export with `gh issue list --json …` or the REST API's list of issues")
        return
    if not isinstance(items, list):
        problems.add(1, 1, "evidence-format", "a GitHub export is a list of issues, this is not a list",
                     f"expected a list of objects with {GITHUB_FIELDS}")
        return
    day = day_parser()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.add(n, 1, "evidence-row", f"item {n} is not an object", f"expected {GITHUB_FIELDS}")
            continue
        if "pull_request" in item:
            continue
        missing = [k for k in ("number", "title", "state") if k not in item]
        if "created_at" not in item and "createdAt" not in item:
            missing.append("created_at")
        if missing:
            keys = ", ".join(excerpt(k, 20) for k in list(item)[:10])
            problems.add(n, 1, "evidence-format", f"item {n} has no {', '.join(missing)}",
                         f"keys seen: {keys}; expected: {GITHUB_FIELDS}")
            continue
        dates = []
        for names in (("created_at", "createdAt"), ("closed_at", "closedAt")):
            text = next((item[k] for k in names if item.get(k)), None)
            try:
                dates.append(day(text) if isinstance(text, str) else None)
            except ValueError:
                problems.add(n, 1, "evidence-date", f"item {n}: '{excerpt(text, 30)}' is not a date", DATE_HINT)
                dates.append(None)
        labels = tuple(str(x.get("name", "")) if isinstance(x, dict) else str(x) for x in item.get("labels") or ())
        people = tuple(str(x.get("login", "")) if isinstance(x, dict) else str(x) for x in item.get("assignees") or ())
        milestone = item.get("milestone")
        milestone = str(milestone.get("title", "")) if isinstance(milestone, dict) else ""
        state = str(item.get("state", "")).lower()
        reason = str(item.get("state_reason") or item.get("stateReason") or "").lower()
        team = ""
        if reading.team_column:
            value = item.get(reading.team_column)
            team = str(value.get("title", value.get("name", ""))) if isinstance(value, dict) else str(value or "")
        fields = {c: str(item.get(c, "")) for c in reading.field_columns} or None
        yield Record(f"#{item['number']}", str(item["title"]), "", state, milestone, team, labels, (), "", "",
                     None, dates[0], None, dates[1] if state == "closed" else None, reason in CANCELED or
                     reason == "not_planned", people, fields, n)
