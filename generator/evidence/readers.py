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
from typing import Callable, Iterator

from ..diagnostics import Diagnostic, excerpt

MAX_PROBLEMS = 5  # of one code per file; the rest are counted
csv.field_size_limit(1 << 24)  # a long description is not an error (its text is never kept)


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
        part = text.partition(" ")[0] or text.strip().partition(" ")[0]
        if len(part) > 10 and part[4:5] == "-":
            part = part[:10]  # an ISO timestamp: its day
        found = seen.get(part)
        if found is not None:
            return found
        text = part
        part = part.strip()
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

CANCELED = frozenset({"canceled", "cancelled", "won't do", "wont do", "won't fix", "declined", "duplicate", "rejected",
                      "cannot reproduce", "not planned", "not_planned", "obsolete"})
JIRA_POINTS = ("Custom field (Story Points)", "Custom field (Story point estimate)")
JIRA_PARENT = ("Parent key", "Parent", "Parent id", "Custom field (Epic Link)")
JIRA_REQUIRED = ("Issue key", "Summary", "Issue Type", "Status", "Created", "Resolved")
LINEAR_REQUIRED = ("ID", "Title", "Status", "Created", "Completed")
GITHUB_FIELDS = "number, title, state, labels, assignees, created_at|createdAt, closed_at|closedAt, milestone"
NONE = -1  # a column the export lacks: every row gets one empty cell at its end, which -1 reads


@dataclass
class Plan:
    """Where an export keeps what the rules and effort models read, as column indexes into each
    row (NONE where it has no such column). Descriptions, comments and e-mails are never read."""

    format: str
    key: int
    title: int
    status: int
    created: int
    done: int  # Resolved, Completed, closed_at
    type: int = NONE
    project: int = NONE
    team: int = NONE
    labels: tuple[int, ...] = ()
    label_sep: str | None = None  # labels joined in one cell (Linear: ", ")
    components: tuple[int, ...] = ()
    parent: int = NONE
    parent_title: int = NONE
    points: int = NONE
    started: int = NONE
    canceled: int = NONE  # a cell that, when not empty, says the issue was canceled (Linear's `Canceled`)
    resolution: int = NONE
    assignees: tuple[int, ...] = ()
    issue_id: int = NONE  # Jira Cloud: `Parent` holds this numeric id, not the key
    fields: dict[str, int] = field(default_factory=dict)


@dataclass
class Reading:
    """What a reader needs from the declarations, and what it found."""

    team_column: str | None
    field_columns: tuple[str, ...] = ()
    problems: Problems | None = None
    format: str = ""
    notes: list[str] = field(default_factory=list)
    seen: str = ""  # the headers, for hints
    row: int = 1  # the row being read (row 1: the header)


def open_text(path: Path, problems: Problems):
    """The file as text, or None after reporting why not (UTF-16 from a spreadsheet, binary)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(head) > 1 and b"\x00" in head[:200]):
        problems.add(1, 1, "evidence-format", "the file is UTF-16 (as a spreadsheet saves 'Unicode text'), not UTF-8",
                     "export it again from the tracker, or save it as 'CSV UTF-8'")
        return None
    return open(path, encoding="utf-8-sig", newline="")


Rows = Iterator[list[str]]


def read_file(path: Path, rel: str, reading: Reading) -> tuple[Plan | None, Rows]:
    """The plan of one export and its rows (cells plus one empty cell; `reading.row` is the row's
    number), in file order; problems go to `reading.problems`. No plan: the file cannot be read
    (problems say why)."""
    if path.suffix.lower() == ".json":
        return _github(path, reading)
    problems = reading.problems
    handle = open_text(path, problems)
    if handle is None:
        return None, iter(())
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        problems.add(1, 1, "evidence-format", f"the header cannot be read: {excerpt(exc, 80)}",
                     "save the export as CSV UTF-8")
        return None, iter(())
    plan = _plan(header, reading) if header else None
    if not header:
        problems.add(1, 1, "evidence-format", "the file is empty", "export the issues again")
    if plan is None:
        handle.close()
        return None, iter(())
    return plan, _rows(handle, reader, len(header), reading)


def _rows(handle, reader, width: int, reading: Reading) -> Rows:
    problems = reading.problems
    row = 1
    with handle:
        try:
            for cells in reader:
                row += 1
                reading.row = row
                if len(cells) != width:
                    if not cells:
                        continue
                    problems.add(row, min(len(cells), width) + 1, "evidence-row",
                                 f"row {row} has {len(cells)} cells, the header {width}",
                                 f"a quote left open or a separator inside an unquoted cell; headers: {reading.seen}")
                    continue
                cells.append("")
                yield cells
        except UnicodeDecodeError:
            problems.add(row + 1, 1, "evidence-format", "the file is not UTF-8 text from here on",
                         "save the export as CSV UTF-8")
        except csv.Error as exc:
            problems.add(row + 1, 1, "evidence-row", f"the row cannot be read: {excerpt(exc, 80)}",
                         f"a quote left open; headers: {reading.seen}")


def _plan(header: list[str], reading: Reading) -> Plan | None:
    problems = reading.problems
    seen = reading.seen = ", ".join(excerpt(h, 30) for h in header[:12]) + (", …" if len(header) > 12 else "")
    if len(header) == 1 and any(d in header[0] for d in ";\t|"):
        sep = next(d for d in ";\t|" if d in header[0])
        problems.add(1, 1, "evidence-format", f"the columns are separated by {sep!r}, not commas",
                     f"headers seen: {excerpt(header[0], 80)}; export as comma-separated CSV (Jira: Issue key, "
                     f"Summary, …; Linear: ID, Title, …)")
        return None
    first: dict[str, int] = {}
    for i, h in enumerate(header):
        first.setdefault(h, i)
    get = first.get
    if "Issue key" in first:
        reading.format = "jira"
        if _missing(first, JIRA_REQUIRED, reading, "Jira"):
            return None
        parent = next((c for c in JIRA_PARENT if c in first), None)
        if parent is None:
            reading.notes.append("a Jira export without a parent column (Parent, Parent id, Custom field (Epic "
                                 "Link)): no issue inherits its parent's category")
        return Plan("jira", first["Issue key"], first["Summary"], first["Status"], first["Created"], first["Resolved"],
                    type=first["Issue Type"], project=get("Project key", NONE),
                    team=first[reading.team_column] if reading.team_column else NONE,
                    labels=tuple(i for i, h in enumerate(header) if h == "Labels"),
                    components=tuple(i for i, h in enumerate(header) if h == "Component/s"),
                    parent=first[parent] if parent else NONE, parent_title=get("Parent summary", NONE),
                    points=next((first[c] for c in JIRA_POINTS if c in first), NONE),
                    resolution=get("Resolution", NONE),
                    assignees=tuple(i for i, h in enumerate(header) if h == "Assignee"),
                    issue_id=get("Issue id", NONE) if parent in ("Parent", "Parent id") else NONE,
                    fields={c: first[c] for c in reading.field_columns})
    if "ID" in first and "Title" in first:
        reading.format = "linear"
        if _missing(first, LINEAR_REQUIRED, reading, "Linear"):
            return None
        return Plan("linear", first["ID"], first["Title"], first["Status"], first["Created"], first["Completed"],
                    project=get("Project", NONE), team=first[reading.team_column] if reading.team_column else NONE,
                    labels=(get("Labels", NONE),) if "Labels" in first else (), label_sep=",",
                    parent=get("Parent issue", NONE), points=get("Estimate", NONE), started=get("Started", NONE),
                    canceled=get("Canceled", NONE), assignees=(get("Assignee", NONE),) if "Assignee" in first else (),
                    fields={c: first[c] for c in reading.field_columns})
    problems.add(1, 1, "evidence-format", "the format of this export is not known",
                 f"headers seen: {seen}; expected a Jira CSV ({', '.join(JIRA_REQUIRED)}), a Linear CSV "
                 f"({', '.join(LINEAR_REQUIRED)}) or GitHub issues JSON")
    return None


def _missing(first: dict[str, int], required: tuple[str, ...], reading: Reading, what: str) -> bool:
    missing = [c for c in required if c not in first]
    for c in reading.field_columns + ((reading.team_column,) if reading.team_column else ()):
        if c not in first and c not in missing:
            missing.append(c)
    if missing:
        reading.problems.add(1, 1, "evidence-format", f"the {what} export has no column {', '.join(map(repr, missing))}",
                             f"headers seen: {reading.seen}; expected: {', '.join(required)}, and the columns "
                             "model.yaml names (team column, fields)")
    return bool(missing)


def number(text: str, row: int, col: int, problems: Problems) -> float | None:
    """An estimate; a problem at its cell when it is not a number from 0 to 1,000,000."""
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


def dater(problems: Problems) -> Callable[[str, int, int], date | None]:
    """A reader of date cells: None for an empty cell or (with a problem at the cell) an unknown form."""
    parse = day_parser()

    def day(text: str, row: int, col: int) -> date | None:
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            problems.add(row, col, "evidence-date", f"'{excerpt(text, 30)}' is not a date the reader understands",
                         DATE_HINT)
            return None
    return day


# GitHub items become rows of these cells (then one empty cell), read by GITHUB_PLAN.
_G = ["key", "title", "state", "created", "closed", "milestone", "team", "labels", "reason", "assignees"]
LABEL_SEP = "\x1f"  # GitHub labels may hold commas


def _github(path: Path, reading: Reading) -> tuple[Plan | None, Rows]:
    """GitHub's REST list shape or `gh issue list --json …`; pull requests are left out (the issue
    they close carries the work). Rows are the items, counted from 1."""
    problems = reading.problems
    reading.format = "github"
    reading.seen = GITHUB_FIELDS
    handle = open_text(path, problems)
    if handle is None:
        return None, iter(())
    try:
        with handle:
            items = json.load(handle)
    except UnicodeDecodeError:
        problems.add(1, 1, "evidence-format", "the file is not UTF-8 text", "save the export as UTF-8")
        return None, iter(())
    except json.JSONDecodeError as exc:
        problems.add(exc.lineno, exc.colno, "evidence-format", f"not valid JSON: {excerpt(exc.msg, 60)}",
                     f"export with `gh issue list --json …` or the REST API's list of issues ({GITHUB_FIELDS})")
        return None, iter(())
    if not isinstance(items, list):
        problems.add(1, 1, "evidence-format", "a GitHub export is a list of issues, this is not a list",
                     f"expected a list of objects with {GITHUB_FIELDS}")
        return None, iter(())
    fields = {c: len(_G) + k for k, c in enumerate(reading.field_columns)}
    at = {name: i for i, name in enumerate(_G)}
    plan = Plan("github", at["key"], at["title"], at["state"], at["created"], at["closed"], project=at["milestone"],
                team=at["team"] if reading.team_column else NONE, labels=(at["labels"],), label_sep=LABEL_SEP,
                canceled=at["reason"], assignees=(at["assignees"],), fields=fields)
    return plan, _github_rows(items, reading)


def _text(value) -> str:
    if isinstance(value, dict):
        return str(value.get("title") or value.get("name") or value.get("login") or "")
    return "" if value is None else str(value)


def _github_rows(items: list, reading: Reading) -> Rows:
    problems = reading.problems
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
        state = _text(item.get("state")).lower()
        reason = _text(item.get("state_reason") or item.get("stateReason")).lower()
        closed = _text(item.get("closed_at") or item.get("closedAt")) if state == "closed" else ""
        labels = LABEL_SEP.join(_text(x) for x in item.get("labels") or ())
        people = LABEL_SEP.join(_text(x) for x in item.get("assignees") or ())
        cells = [f"#{item['number']}", _text(item["title"]), state,
                 _text(item.get("created_at") or item.get("createdAt")), closed, _text(item.get("milestone")),
                 _text(item.get(reading.team_column)) if reading.team_column else "", labels,
                 "canceled" if reason in CANCELED else "", people]
        cells += [_text(item.get(c)) for c in reading.field_columns]
        cells.append("")
        reading.row = n
        yield cells
