"""Evidence: the declared rules that classify records, the effort models, and the aggregates per
team and period. Only aggregates leave: effort per category (and `uncategorised`), counts, and the
keys (and titles) of the top parents. Each file's part is cached by its identity and content stamp
(device, inode, size, modification time) with the declarations it was read under, so `mkdocs serve`
does not read an unchanged export again."""

from __future__ import annotations

import gc
from array import array
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from ..diagnostics import Diagnostic, excerpt
from .declare import EvidenceDecl, RuleDecl, TeamColumn
from .readers import CANCELED, NONE, Plan, Problems, Reading, dater, number, read_file

UNCATEGORISED = "uncategorised"
CACHE_FILES = 16  # file parts kept between builds of a `mkdocs serve` session


@dataclass(frozen=True)
class PeriodSpan:
    """A period of the handbook, as the evidence is measured for it."""

    label: str
    start: date
    end: date


@dataclass
class Cell:
    """One team's measured allocation for one period."""

    effort: dict[str, float] = field(default_factory=dict)  # category (or uncategorised) -> effort
    items: int = 0  # issues counted
    points: float = 0.0  # their points (estimates, `unestimated` where none)
    parents: dict[str, dict[str, float]] = field(default_factory=dict)  # category -> parent key -> effort

    @property
    def total(self) -> float:
        return sum(self.effort.values())

    def percent(self) -> dict[str, float]:
        """Percent per category, `uncategorised` last; sums to 100 (within rounding)."""
        total = self.total or 1.0
        shares = {c: v * 100 / total for c, v in sorted(self.effort.items(), key=lambda kv: -kv[1])
                  if c != UNCATEGORISED}
        shares[UNCATEGORISED] = self.effort.get(UNCATEGORISED, 0.0) * 100 / total
        return shares

    @property
    def coverage(self) -> float:
        """Percent of the effort categorised by a rule (or a parent's rule)."""
        total = self.total
        return 100.0 if not total else (total - self.effort.get(UNCATEGORISED, 0.0)) * 100 / total

    def top(self, category: str, n: int) -> list[tuple[str, float]]:
        """The parents that took most of a category's effort (key, effort), largest first."""
        found = self.parents.get(category, {})
        return sorted(((k, v) for k, v in found.items() if k), key=lambda kv: (-kv[1], kv[0]))[:n]


@dataclass
class Evidence:
    """What was measured, ready for the model: per (team, period label) a Cell."""

    cells: dict[tuple[str, str], Cell]
    method: str
    notes: list[str]
    titles: dict[str, str]  # parent key -> title (empty when `redact: titles`)
    links: dict[str, str]  # parent key -> address
    unmapped: dict[tuple[str, str], int]  # (file, tracker value) -> issues
    newest: date | None
    files: list[str]


# --- rules -------------------------------------------------------------------------------------

class Classifier:
    """The ordered rules, compiled against one export's plan. A rule matches when every key it
    names matches, a key when any of its values does (without case); the first rule that matches
    wins. For a row's value, each key gives the bit mask of the rules it lets pass (a rule that does
    not name the key lets every value pass); the row's rules are the AND of its keys' masks. Masks
    are remembered per distinct value, and the test is written out as one Python function per plan
    (no loop over rules or keys per row): a row costs a few dictionary look-ups."""

    def __init__(self, rules: list[RuleDecl], plan: Plan) -> None:
        self.categories = [r.category for r in rules]
        everything = (1 << len(rules)) - 1
        names: dict[str, object] = {"EVERY": everything, "CATS": self.categories}
        lines = ["def classify(cells, key, parent):", "    mask = EVERY"]

        def masks(wanted: list[set[str] | None]) -> tuple[dict[str, int], int]:
            table: dict[str, int] = {}
            for i, w in enumerate(wanted):
                for v in w or ():
                    table[v] = table.get(v, 0) | 1 << i
            return table, everything & ~sum(1 << i for i, w in enumerate(wanted) if w is not None)

        def key(columns: tuple[int, ...], sep: str | None, wanted: list[set[str] | None]) -> None:
            if all(w is None for w in wanted):
                return
            n = len(names)
            table, others = masks(wanted)
            memo: dict[str, int] = {}
            names.update({f"T{n}": table, f"M{n}": memo, f"O{n}": others})
            lines.append("    hit = 0")
            for column in columns:
                lines.append(f"    v = cells[{column}]")
                lines.append("    if v:")
                lines.append(f"        m = M{n}.get(v)")
                lines.append("        if m is None:")
                if sep:
                    lines.append(f"            m = M{n}[v] = _any(T{n}, v.split({sep!r}))")
                else:
                    lines.append(f"            m = M{n}[v] = T{n}.get(v.strip().casefold(), 0)")
                lines.append("        hit |= m")
            lines.append(f"    mask &= hit | O{n}")
            lines.append("    if not mask:")
            lines.append("        return None")

        def values(name: str) -> list[set[str] | None]:
            return [None if getattr(r, name) is None else {str(v).casefold() for v in getattr(r, name)} for r in rules]

        key(plan.labels, plan.label_sep, values("labels"))
        key((plan.type,), None, values("types"))
        key((plan.project,), None, values("projects"))
        key(plan.components, None, values("components"))
        key((plan.status,), None, values("statuses"))
        for column in dict.fromkeys(c for r in rules for c in (r.fields or {})):
            key((plan.fields.get(column, NONE),), None,
                [None if r.fields is None or column not in r.fields else {v.casefold() for v in r.fields[column]}
                 for r in rules])
        parents = values("parents")
        if any(w is not None for w in parents):
            # `parents` matches the issue itself or its parent (an epic and its stories).
            table, others = masks(parents)
            names.update({"PT": table, "PM": {}, "PO": others})
            lines += ["    m = PM.get(parent)", "    if m is None:",
                      "        m = PM[parent] = PT.get(parent.strip().casefold(), 0)",
                      "    mask &= m | PT.get(key.casefold(), 0) | PO"]
        lines += ["    if not mask:", "        return None", "    return CATS[(mask & -mask).bit_length() - 1]"]
        names["_any"] = _any
        exec("\n".join(lines), names)  # the source is made above from column numbers only, never from data
        self.classify = names["classify"]

    def __call__(self, cells: list[str], key: str, parent: str) -> str | None:
        return self.classify(cells, key, parent)


def _any(table: dict[str, int], values: list[str]) -> int:
    found = 0
    for value in values:
        found |= table.get(value.strip().casefold(), 0)
    return found


# --- compact tables of issue keys ----------------------------------------------------------------

class KeyTable:
    """Issue key (or Jira Cloud's numeric issue id) -> a whole number (0: none), in a few bytes per
    issue where a dictionary takes about a hundred: `PAY-123` is item 123 of project PAY's array,
    `10123` item 10123 of the array of bare numbers. Other keys, and numbers far beyond the others
    (an array never grows more than twice its size plus a million), sit in a dictionary."""

    def __init__(self, typecode: str = "B") -> None:
        self.typecode = typecode
        self.arrays: dict[str, array] = {}
        self.other: dict[str, int] = {}

    def set(self, key: str, value: int) -> None:
        project, _, number = key.rpartition("-")
        if number.isdigit() and len(number) < 10:
            n = int(number)
            found = self.arrays.get(project)
            if found is None:
                found = self.arrays[project] = array(self.typecode)
            if n >= len(found):
                if n > 2 * len(found) + (1 << 20):
                    self.other[key] = value
                    return
                found.frombytes(bytes(found.itemsize * max(n + 1 - len(found), len(found))))  # doubles
            found[n] = value
        else:
            self.other[key] = value

    def get(self, key: str) -> int:
        project, _, number = key.rpartition("-")
        if number.isdigit() and len(number) < 10:
            found = self.arrays.get(project)
            n = int(number)
            if found is not None and n < len(found) and found[n]:
                return found[n]
        return self.other.get(key, 0)


class IdTable:
    """Jira Cloud's numeric issue id -> issue key, compactly: a key `PAY-123` is kept as the number
    of its project (in `projects`) and 123, in a KeyTable of 64-bit numbers."""

    def __init__(self) -> None:
        self.table = KeyTable("Q")
        self.projects: list[str] = []
        self.project_index: dict[str, int] = {}
        self.other: dict[str, str] = {}

    def set(self, issue_id: str, key: str) -> None:
        project, _, number = key.rpartition("-")
        if project and number.isdigit() and len(number) < 10:
            index = self.project_index.get(project)
            if index is None:
                index = self.project_index[project] = len(self.projects) + 1
                self.projects.append(project)
            self.table.set(issue_id, index << 40 | int(number))
        else:
            self.other[issue_id] = key

    def get(self, issue_id: str) -> str | None:
        found = self.table.get(issue_id)
        if found:
            return f"{self.projects[(found >> 40) - 1]}-{found & ((1 << 40) - 1)}"
        return self.other.get(issue_id)

    def __bool__(self) -> bool:
        return bool(self.projects or self.other)


# --- one file ----------------------------------------------------------------------------------

@dataclass
class FilePart:
    """What one export contributes, before parents from other files are known."""

    agg: dict[tuple, list] = field(default_factory=dict)  # (team, period, category, parent) -> [effort, items, points]
    pending: dict[tuple, list] = field(default_factory=dict)  # (team, periods, parent) -> [effort, items, points]:
    # issues that take their category from their parent
    own: KeyTable = field(default_factory=KeyTable)  # key -> 1 + index in `categories`, every issue a rule matched
    categories: list[str] = field(default_factory=list)
    parent_of: dict[str, str] = field(default_factory=dict)  # unmatched key -> its parent (inheritance chains)
    titles: dict[str, str] = field(default_factory=dict)
    ids: IdTable = field(default_factory=IdTable)
    unmapped: Counter = field(default_factory=Counter)
    newest: date | None = None
    spans: list[tuple] = field(default_factory=list)  # person-days: (assignees, start, end, team, category, parent)
    notes: list[str] = field(default_factory=list)
    format: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _period_finder(periods: tuple[PeriodSpan, ...]) -> Callable[[date], tuple[str, ...]]:
    """The labels of the periods a day falls in; a day in none falls in its calendar quarter."""
    seen: dict[date, tuple[str, ...]] = {}

    def find(day: date) -> tuple[str, ...]:
        found = seen.get(day)
        if found is None:
            found = tuple(p.label for p in periods if p.start <= day <= p.end) or (
                f"{day.year}-Q{(day.month - 1) // 3 + 1}",)
            seen[day] = found
        return found
    return find


def _read_part(path: Path, rel: str, decl: EvidenceDecl, team_decl, periods: tuple[PeriodSpan, ...],
               teams: frozenset[str]) -> FilePart:
    """One export read, classified and aggregated in one pass over its rows (the hot loop of
    bench_evidence.py: look-ups in small remembered dictionaries, no object per row)."""
    part = FilePart()
    problems = Problems(rel)
    column = team_decl.column if isinstance(team_decl, TeamColumn) else None
    mapping = team_decl.map if isinstance(team_decl, TeamColumn) else {}
    whole = team_decl if isinstance(team_decl, str) else None
    field_columns = tuple(dict.fromkeys(c for r in decl.categories for c in (r.fields or {})))
    reading = Reading(column, field_columns, problems)
    plan, rows = read_file(path, rel, reading)
    if plan is None:
        part.diagnostics = problems.close()
        return part
    classify = Classifier(decl.categories, plan).classify
    part.categories = list(dict.fromkeys(r.category for r in decl.categories))
    number_of = {c: i + 1 for i, c in enumerate(part.categories)}
    find = _period_finder(periods)
    day = dater(problems)
    days: dict[str, tuple] = {}  # the date part of a timestamp -> (day, its periods)

    def when(text: str, row: int, col: int) -> tuple:
        found = day(text, row, col)
        return (found, find(found)) if found is not None else (None, ())

    point_memo: dict[str, float] = {}
    by_points, person_days, unestimated = decl.effort == "points", decl.effort == "person-days", decl.unestimated
    agg, own, parent_of, titles, pending, ids = part.agg, part.own, part.parent_of, part.titles, part.pending, part.ids
    keep_titles = decl.redact is None
    title_of_parent = keep_titles and plan.parent_title != NONE
    title_of_each = keep_titles and plan.parent_title == NONE and plan.format != "jira"
    i_key, i_status, i_done, i_created, i_parent = plan.key, plan.status, plan.done, plan.created, plan.parent
    i_title, i_ptitle, i_team, i_points, i_id = plan.title, plan.parent_title, plan.team, plan.points, plan.issue_id
    i_canceled, i_resolution, i_started = plan.canceled, plan.resolution, plan.started
    assignees, sep = plan.assignees, plan.label_sep
    canceled_memo: dict[str, bool] = {}
    team_of: dict[str, str | None] = {}
    unmapped = part.unmapped
    newest = date.min
    point_memo[""] = unestimated
    # Issues are known by what their children's parent column holds: the key, or Jira Cloud's
    # numeric issue id (then kept in plain arrays indexed by the id, the common case inlined).
    by_id = i_id != NONE
    numbers = own.arrays.setdefault("", array("B"))  # issue id -> 1 + category
    codes = ids.table.arrays.setdefault("", array("Q"))  # issue id -> its key, coded (IdTable)
    project_index = ids.project_index
    room = 0  # ids below this fit both arrays as they are
    for cells in rows:
        key, parent = cells[i_key], cells[i_parent]
        category = classify(cells, key, parent)
        if by_id:
            ref = cells[i_id]
            n = int(ref) if ref.isdigit() else -1
            project, _, serial = key.rpartition("-")
            index = project_index.get(project)
            if 0 <= n < room and index is not None and serial.isdigit():
                if category is not None:
                    numbers[n] = number_of[category]
                codes[n] = index << 40 | int(serial)
            else:  # the general case, which also grows the arrays
                own.set(ref, number_of[category] if category is not None else 0)
                ids.set(ref, key)
                room = min(len(numbers), len(codes))
        else:
            ref = key
            if category is not None:
                own.set(key, number_of[category])
        if category is None and parent:
            parent_of[ref] = parent
        if title_of_parent:
            if parent:
                titles[parent] = cells[i_ptitle]
        elif title_of_each:
            titles[key] = cells[i_title]
        # Timestamps are looked up by their date part (an ISO timestamp's first ten characters).
        text = cells[i_done]
        if text:
            stem = text[:10] if text[4:5] == "-" else text.partition(" ")[0]
            done_at = days.get(stem)
            if done_at is None:
                done_at = when(text, reading.row, i_done + 1)
                if done_at[0] is not None:
                    days[stem] = done_at
            done = done_at[0]
            if done is not None and done > newest:
                newest = done
        else:
            done = None
        text = cells[i_created] if done is None or person_days else ""  # a done issue's is older
        if text:
            stem = text[:10] if text[4:5] == "-" else text.partition(" ")[0]
            created_at = days.get(stem)
            if created_at is None:
                created_at = when(text, reading.row, i_created + 1)
                if created_at[0] is not None:
                    days[stem] = created_at
            created = created_at[0]
            if created is not None and created > newest:
                newest = created
        else:
            created = None
        status = cells[i_status]
        canceled = canceled_memo.get(status)
        if canceled is None:
            canceled = canceled_memo[status] = status.casefold() in CANCELED
        if canceled or cells[i_canceled]:
            continue
        text = cells[i_resolution]
        if text:
            canceled = canceled_memo.get(text)
            if canceled is None:
                canceled = canceled_memo[text] = text.casefold() in CANCELED
            if canceled:
                continue
        if whole is not None:
            team = whole
        else:
            value = cells[i_team]
            team = team_of.get(value, "")
            if team == "":
                team = team_of[value] = mapping.get(value, value if value in teams else None)
            if team is None:
                unmapped[value] += 1
                continue
        if person_days:
            start = day(cells[i_started], reading.row, i_started + 1) if i_started != NONE else created
            people = tuple(p.strip() for i in assignees for p in (cells[i].split(sep) if sep else (cells[i],))
                           if p.strip())
            if start is not None and people:
                part.spans.append((people, start, done, team, category, parent))
            continue
        if done is None:
            continue  # still open: counted when resolved
        text = cells[i_points]
        points = point_memo.get(text)
        if points is None:
            points = (number(text, reading.row, i_points + 1, problems) if text else None)
            if points is None:
                points = unestimated
            else:
                point_memo[text] = points
        effort = points if by_points else 1.0
        labels = done_at[1]
        if category is None and parent:
            slot_key = (team, labels, parent)
            slot = pending.get(slot_key)
            if slot is None:
                pending[slot_key] = [effort, 1, points]
            else:
                slot[0] += effort
                slot[1] += 1
                slot[2] += points
            continue
        category = category or UNCATEGORISED
        for label in labels:
            slot_key = (team, label, category, parent)
            slot = agg.get(slot_key)
            if slot is None:
                agg[slot_key] = [effort, 1, points]
            else:
                slot[0] += effort
                slot[1] += 1
                slot[2] += points
    part.newest = newest if newest != date.min else None
    part.format = reading.format
    part.notes = reading.notes
    if person_days and i_started == NONE:
        part.notes.append(f"{rel}: the export has no start dates; an issue counts as in progress from its creation")
    part.diagnostics = problems.close()
    return part


@contextmanager
def _gc_paused():
    """The cyclic collector off while a file is read: the aggregates grow by thousands of small
    containers, none of them in a cycle, and each collection would walk all of them again (half
    the time of a large export)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_CACHE: dict[tuple, FilePart] = {}


def _part(path: Path, rel: str, decl: EvidenceDecl, team_decl, periods: tuple[PeriodSpan, ...],
          teams: frozenset[str]) -> FilePart:
    st = path.stat()
    team = team_decl if isinstance(team_decl, str) else team_decl.model_dump_json()
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, decl.model_dump_json(exclude={"sources"}),
           team, periods, teams)
    found = _CACHE.get(key)
    if found is None:
        with _gc_paused():
            found = _read_part(path, rel, decl, team_decl, periods, teams)
        if len(_CACHE) >= CACHE_FILES:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return found


# --- files of the project ----------------------------------------------------------------------

def _files(project_dir: Path, pattern: str) -> tuple[list[tuple[Path, str]], str | None]:
    """The project's files a source's path names, refusing paths that leave the project and links."""
    if pattern.startswith(("/", "\\")) or ".." in Path(pattern).parts or ":" in pattern.split("/", 1)[0]:
        return [], "the path leaves the project: write it relative to the project root, inside it"
    root = project_dir.resolve()
    found = []
    for path in sorted(project_dir.glob(pattern)):
        rel = path.relative_to(project_dir).as_posix()
        step, linked = project_dir, False
        for part in Path(rel).parts:
            step = step / part
            if step.is_symlink():
                linked = True
                break
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # .git, .env and the like are never exports
        if linked or not path.resolve().is_relative_to(root):
            found.append((path, "symlink"))
        elif path.is_file() and path.suffix.lower() not in (".csv", ".json"):
            found.append((path, "suffix"))
        elif not path.is_file():
            if not path.is_dir():
                found.append((path, "special"))
        else:
            found.append((path, ""))
    return found, None


def measure(decl: EvidenceDecl, project_dir: Path, periods: list[PeriodSpan], teams: set[str],
            at: Callable[[tuple], tuple[str, int, int]]) -> tuple[Evidence | None, list[Diagnostic]]:
    """The measured allocation of every team and period, and every problem of the exports (errors
    mean no evidence: no site is built on a half-read export). `at` places a location in model.yaml."""
    diags: list[Diagnostic] = []
    parts: list[tuple[int, FilePart]] = []
    files: list[str] = []
    spans = tuple(periods)
    frozen = frozenset(teams)
    for i, source in enumerate(decl.sources):
        paths, problem = _files(project_dir, source.path)
        rel_m, line, col = at(("evidence", "sources", i, "path"))
        if problem:
            diags.append(Diagnostic(rel_m, line, col, "error", "evidence-file",
                                    f"evidence path '{excerpt(source.path)}' is refused", problem))
            continue
        if not paths:
            diags.append(Diagnostic(rel_m, line, col, "error", "evidence-file",
                                    f"no file matches evidence path '{excerpt(source.path)}'",
                                    "export the issues into the project (e.g. evidence/jira.csv) and commit them, "
                                    "or correct the path"))
            continue
        for path, refused in paths:
            rel = path.relative_to(project_dir).as_posix()
            if refused == "suffix":  # read as CSV, any other file's first line would reach the log
                diags.append(Diagnostic(rel, 0, 0, "error", "evidence-file",
                                        "not an export: only .csv and .json files are read",
                                        "point the evidence path at the exported files, e.g. evidence/*.csv"))
                continue
            if refused:
                diags.append(Diagnostic(rel, 0, 0, "error", "not-a-regular-file",
                                        "a link or a file outside the project is not read" if refused == "symlink"
                                        else "not a regular file; it is not read",
                                        "replace the link with the export itself"))
                continue
            try:
                part = _part(path, rel, decl, source.team, spans, frozen)
            except OSError as exc:
                diags.append(Diagnostic(rel, 0, 0, "error", "unreadable", f"cannot read file: {exc.strerror or exc}"))
                continue
            diags.extend(part.diagnostics)
            parts.append((i, part))
            files.append(rel)
    if any(d.severity == "error" for d in diags):
        return None, diags
    with _gc_paused():
        return _combine(decl, parts, spans, files), diags


def _combine(decl: EvidenceDecl, parts: list[tuple[int, FilePart]], periods: tuple[PeriodSpan, ...],
             files: list[str]) -> Evidence:
    parent_of: dict[str, str] = {}
    titles: dict[str, str] = {}
    links: dict[str, str] = {}
    unmapped: Counter = Counter()
    notes: list[str] = []
    for i, part in parts:
        titles.update(part.titles)
        notes.extend(part.notes)
    # Jira Cloud's `Parent` is the parent's numeric id; a parent listed after its child was not
    # known while reading, so every parent reference is translated here.
    id_tables = [p.ids for _, p in parts if p.ids]

    def key_of(ref: str) -> str:
        for table in id_tables:
            found = table.get(ref)
            if found is not None:
                return found
        return ref

    def own_category(key: str) -> str | None:
        for _, part in parts:
            found = part.own.get(key)
            if found:
                return part.categories[found - 1]
        return None
    for i, part in parts:  # by what the parent column holds (a key, or Jira Cloud's issue id)
        parent_of.update(part.parent_of)
    titles = {key_of(k): v for k, v in titles.items()}
    for (i, part), rel in zip(parts, files):
        for value, n in part.unmapped.items():
            unmapped[(rel, value)] += n
    resolved: dict[str, str | None] = {}

    def category_of(key: str) -> str | None:
        """A key's category: its own rule's, else its parent's (up the chain), else none."""
        chain = []
        while key and key not in resolved:
            found = own_category(key)
            if found is not None:
                resolved[key] = found
                break
            chain.append(key)
            key = parent_of.get(key, "")
            if key in chain:
                break
        found = resolved.get(key) if key else None
        for k in chain:
            resolved[k] = found
        return found

    cells: dict[tuple[str, str], Cell] = {}

    def add(team: str, label: str, category: str, parent: str, effort: float, items: int, points: float) -> None:
        cell = cells.get((team, label))
        if cell is None:
            cell = cells[(team, label)] = Cell()
        cell.effort[category] = cell.effort.get(category, 0.0) + effort
        cell.items += items
        cell.points += points
        top = cell.parents.setdefault(category, {})
        top[parent] = top.get(parent, 0.0) + effort

    for i, part in parts:
        link = decl.sources[i].link
        for (team, label, category, parent), (effort, items, points) in part.agg.items():
            add(team, label, category, key_of(parent), effort, items, points)
        for (team, labels, parent), (effort, items, points) in part.pending.items():
            category = category_of(parent) or UNCATEGORISED
            parent = key_of(parent)
            for label in labels:
                add(team, label, category, parent, effort, items, points)
        if decl.effort == "person-days":
            _person_days(part, periods, category_of, add, key_of)
        if link:
            keys = {p for c in cells.values() for ps in c.parents.values() for p in ps if p}
            for key in keys:
                links.setdefault(key, link.replace("{key}", key))
    newest = max((p.newest for _, p in parts if p.newest), default=None)
    if decl.redact == "titles":
        titles = {}
    method = {"issues": "issues resolved", "points": "story points resolved",
              "person-days": "person-days in progress"}[decl.effort]
    return Evidence(cells, method, list(dict.fromkeys(notes)), titles, links, dict(unmapped), newest, files)


def _working_days(start: date, end: date):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _person_days(part: FilePart, periods: tuple[PeriodSpan, ...], category_of, add, key_of) -> None:
    """Each assignee's working day is split evenly across the issues they had in progress that day
    (an open issue is in progress up to the export's newest date)."""
    find = _period_finder(periods)
    last = part.newest or date.today()
    load: Counter = Counter()
    for people, start, end, *_ in part.spans:
        for day in _working_days(start, end or last):
            for person in people:
                load[(person, day)] += 1
    for people, start, end, team, category, parent in part.spans:
        category = category or (category_of(parent) if parent else None) or UNCATEGORISED
        parent = key_of(parent)
        share: dict[str, float] = {}
        for day in _working_days(start, end or last):
            for person in people:
                for label in find(day):
                    share[label] = share.get(label, 0.0) + 1 / load[(person, day)]
        for label, effort in share.items():
            add(team, label, category, parent, effort, 1, 0.0)
