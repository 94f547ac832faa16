"""Model: what changed in the handbook, from the git history of its folder, in words.

"Weekly business review: cadence weekly → every 2 weeks". Works on entity data, not lines: a
re-indented file with the same content is no change. Without git (or outside a repository)
every function returns None and callers say that history is unavailable.

The Changes page describes edits to the handbook: the commits of the main line (first parents,
so that a merged pull request is one change, described against what it was merged into) that
touch the handbook folder, leaving out the generator's own development where the handbook lives
in the generator's repository (commits that also change its code or packaged templates). It says
how much history it could see: a shallow clone (CI's default checkout) holds only the last few
commits, and the oldest of them cannot be compared with anything.
"""

from __future__ import annotations

import contextvars
import difflib

import re
import subprocess
import time
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..evidence import EvidenceDecl, measure
from .loader import YamlProblem, parse_text, read_regular
from .declare import META_FILE
from ..packaged import packaged_templates

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of the empty tree
SHORT_TEXT = 60


@dataclass
class EntityChange:
    kind: str  # a kind's folder name, or "handbook"
    id: str
    name: str
    action: str  # added, removed, renamed, changed
    details: list[str] = field(default_factory=list)  # one phrase per changed field
    old_id: str | None = None

    def describe(self) -> str:
        what = {"added": "added", "removed": "removed", "renamed": f"renamed from {self.old_id}"}.get(self.action)
        parts = ([what] if what else []) + self.details
        return f"{self.name}: {'; '.join(parts) or 'changed'}"


@dataclass
class Commit:
    sha: str
    short: str
    author: str
    date: str  # ISO 8601
    subject: str  # for a merged pull request, its title
    changes: list[EntityChange]
    pull_request: str | None = None  # "12" for "Merge pull request #12 from …"
    boundary: bool = False  # the oldest commit of a shallow clone: what it changed cannot be seen


@dataclass
class History:
    """The Changes page's commits, and how much of the history they come from."""

    commits: list[Commit]
    edits: int  # edits to the handbook in the history this build could see
    seen: int  # commits of the main line this build could see
    shallow: bool  # a shallow clone: older commits were not fetched
    tool_commits: int  # commits that changed the handbook with the generator's own code: left out
    since: str  # the date of the oldest commit seen (ISO 8601), "" if none

    def __iter__(self):
        return iter(self.commits)

    def __len__(self) -> int:
        return len(self.commits)

    def __getitem__(self, index):
        return self.commits[index]


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else None


def _where(handbook_dir: Path) -> tuple[Path, str] | None:
    """The repository root and the handbook folder's path inside it."""
    top = _git(handbook_dir, "rev-parse", "--show-toplevel")
    if top is None:
        return None
    root = Path(top.strip())
    return root, handbook_dir.resolve().relative_to(root.resolve()).as_posix()


def first_added(path: Path) -> int | None:
    """When git first saw the file (seconds since the epoch); None if it is not committed, or there
    is no git. Tells which of two clashing files is the newcomer."""
    out = _git(path.parent, "log", "--diff-filter=A", "--follow", "--format=%ct", "--", path.name)
    times = [int(t) for t in (out or "").split()]
    return min(times) if times else None


def _identify(path: str, prefix: str) -> tuple[str, str] | None:
    parts = PurePosixPath(path).relative_to(prefix).parts
    if parts == (META_FILE,):
        return "handbook", "handbook"
    # Any kind folder, as it was then: a kind the model declared at that revision may be gone now.
    if len(parts) >= 2 and not parts[0].startswith(("_", ".")) and parts[-1].endswith((".yaml", ".yml")):
        return parts[0], PurePosixPath(*parts[1:]).with_suffix("").as_posix()  # the id: its path in the kind
    return None


def _data(root: Path, rev: str, path: str) -> dict:
    """An entity's data at a revision ("" for the work tree); {} if missing or unreadable."""
    if rev:
        raw = (_git(root, "show", f"{rev}:{path}") or "").encode()
    else:  # the work tree: read as the checker reads, never through a link or from a device
        try:
            raw = read_regular(root / path)
        except (OSError, YamlProblem):
            raw = b""
    doc, _ = parse_text(raw, path)
    return doc.data if doc else {}


def _scalar_words(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"trigger"}:
        return f"when {value['trigger']}"
    return str(value)


def _periodic(value: Any) -> dict[str, dict] | None:
    """A list of per-period items (allocations, health checks) by period, or None."""
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) and "period" in v for v in value):
        return None
    return {str(v["period"]): v for v in value}


def _words(category: Any) -> str:
    return str(category).rsplit("/", 1)[-1].replace("-", " ")


def _percents(split: Any) -> str:
    return ", ".join(f"{_words(k)} {v} %" for k, v in split.items()) if isinstance(split, dict) else str(split)


def describe_periods(key: str, old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Per-period changes in words: "growth bets 2026-Q3 planned 40 % → actual 25 %"."""
    bits: list[str] = []
    for period in dict.fromkeys([*old, *new]):
        before, after = old.get(period, {}), new.get(period, {})
        if before == after:
            continue
        if not before:
            shown = after.get("planned", after.get("status"))
            bits.append(f"{period} added" + (f" ({'planned ' if 'planned' in after else ''}{_percents(shown)})"
                                              if shown is not None else ""))
            continue
        if not after:
            bits.append(f"{period} removed")
            continue
        planned_old, planned_new = before.get("planned") or {}, after.get("planned") or {}
        actual_old, actual_new = before.get("actual") or {}, after.get("actual") or {}
        if isinstance(planned_new, dict) and isinstance(actual_new, dict) and isinstance(actual_old, dict):
            for category in dict.fromkeys([*planned_old, *planned_new, *actual_old, *actual_new]):
                p0, p1 = planned_old.get(category), planned_new.get(category)
                a0, a1 = actual_old.get(category), actual_new.get(category)
                if a0 is None and a1 is not None:
                    bits.append(f"{_words(category)} {period} planned {p1 or 0} % → actual {a1} %")
                elif a0 != a1:
                    bits.append(f"{_words(category)} {period} actual {a0 or 0} % → {a1 or 0} %")
                if p0 != p1:
                    bits.append(f"{_words(category)} {period} planned {p0 or 0} % → {p1 or 0} %")
        for field_name in dict.fromkeys([*before, *after]):
            if field_name in ("period", "planned", "actual") or before.get(field_name) == after.get(field_name):
                continue
            bits.append(f"{period} {field_name} {_scalar_words(before.get(field_name, 'unset'))} → "
                        f"{_scalar_words(after.get(field_name, 'unset'))}")
    return bits


def describe_fields(before: dict, after: dict) -> list[str]:
    """One phrase per field that differs between two versions of an entity."""
    phrases = []
    for key in list(dict.fromkeys([*before, *after])):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if (periods_old := _periodic(old)) is not None and (periods_new := _periodic(new)) is not None:
            bits = describe_periods(key, periods_old, periods_new)
            if bits:
                phrases.extend(bits if key == "allocations" else [f"{key} {b}" for b in bits])
                continue
        if key not in before:
            phrases.append(f"{key} set" if isinstance(new, (str, list, dict)) and len(str(new)) > SHORT_TEXT
                           else f"{key} set to {_scalar_words(new)}")
        elif key not in after:
            phrases.append(f"{key} removed")
        elif isinstance(old, list) and isinstance(new, list) and all(not isinstance(v, (dict, list)) for v in old + new):
            added = [str(v) for v in new if v not in old]
            removed = [str(v) for v in old if v not in new]
            bits = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
            phrases.append(f"{key}: {'; '.join(bits) or 'reordered'}")
        elif isinstance(old, dict) and isinstance(new, dict) and all(not isinstance(v, (dict, list)) for v in [*old.values(), *new.values()]):
            bits = [f"{k} {old[k]} → {new[k]}" for k in old if k in new and old[k] != new[k]]
            bits += [f"added {k} ({new[k]})" for k in new if k not in old]
            bits += [f"removed {k}" for k in old if k not in new]
            phrases.append(f"{key}: {'; '.join(bits)}")
        elif isinstance(old, list) and isinstance(new, list):
            phrases.append(f"{key} changed ({len(old)} → {len(new)} items)" if len(old) != len(new) else f"{key} changed")
        elif all(not isinstance(v, (list, dict)) or set(v) == {"trigger"} for v in (old, new)) and \
                max(len(_scalar_words(old)), len(_scalar_words(new))) <= SHORT_TEXT and "\n" not in str(old) + str(new):
            phrases.append(f"{key} {_scalar_words(old)} → {_scalar_words(new)}")
        elif isinstance(old, str) and isinstance(new, str):
            phrases.append(f"{key}: {word_diff(old, new)}")
        else:
            phrases.append(f"{key} rewritten")
    return phrases


WORD_DIFF_LIMIT = 600  # characters: a longer text that changed is "rewritten", with a count
# Comparing words takes time quadratic in their number: a text of more words, or any text once the
# word diffs of one history or diff have taken WORD_DIFF_SECONDS, is only said to have changed.
WORD_DIFF_WORDS = 1000
WORD_DIFF_SECONDS = 2.0
TOO_LONG = "changed (too long to show word by word)"
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("word_diff_deadline", default=float("inf"))


def _word_diff_budget() -> contextvars.Token:
    """Start the time the word diffs of one history or diff may take."""
    return _deadline.set(time.monotonic() + WORD_DIFF_SECONDS)


def word_diff(old: str, new: str, context: int = 3) -> str:
    """What changed in a text, word by word, with a few words around each change:
    `… and [decides → agrees] where …`, `[+ now]`, `[− weekly]`."""
    a, b = old.split(), new.split()
    if max(len(a), len(b)) > WORD_DIFF_WORDS or time.monotonic() > _deadline.get():
        return TOO_LONG
    if max(len(old), len(new)) > WORD_DIFF_LIMIT:
        changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in
                      difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if tag != "equal")
        return f"rewritten ({changed} of {len(b)} words changed)"
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    pieces: list[str] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            words, first, final = a[i1:i2], n == 0, n == len(ops) - 1
            keep_head, keep_tail = (0 if first else context), (0 if final else context)
            if len(words) > keep_head + keep_tail + 1:
                pieces += words[:keep_head] + ["…"] + words[len(words) - keep_tail:]
            else:
                pieces += words
            continue
        removed, added = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        pieces.append(f"[{removed} → {added}]" if tag == "replace" else f"[− {removed}]" if tag == "delete"
                      else f"[+ {added}]")
    if all(tag == "equal" for tag, *_ in ops):
        return "rewrapped (same words)"
    return " ".join(pieces)


def resolve(root: Path, rev: str) -> str | None:
    """The commit a revision names, or None. What a user typed never reaches git as an option
    (`--output=FILE` would truncate FILE): it must resolve to a commit first."""
    if not rev or rev.startswith("-"):
        return None
    out = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    return out.strip() if out else None


def diff(handbook_dir: Path, rev1: str, rev2: str) -> list[EntityChange] | None:
    """Entity-level changes between two revisions (rev2 may be the empty string for the work tree)."""
    where = _where(handbook_dir)
    if where is None:
        return None
    root, prefix = where
    commits = [resolve(root, rev) for rev in ([rev1, rev2] if rev2 else [rev1])]
    if None in commits:
        return None
    token = _word_diff_budget()
    try:
        return _diff(root, prefix, commits[0], commits[1] if rev2 else "")
    finally:
        _deadline.reset(token)


def _diff(root: Path, prefix: str, rev1: str, rev2: str) -> list[EntityChange] | None:
    revs = [rev1] + ([rev2] if rev2 else [])
    listing = _git(root, "diff", "--name-status", "-M", "-z", *revs, "--", prefix)
    if listing is None:
        return None
    fields = listing.split("\0")
    if not rev2:  # the work tree: files not yet added to git are new entities too
        untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", prefix) or ""
        for path in untracked.split("\0"):
            if path:
                fields[-1:-1] = ["A", path]
    changes: list[EntityChange] = []
    i = 0
    while i < len(fields) - 1:
        status = fields[i]
        paths = fields[i + 1:i + 3] if status.startswith(("R", "C")) else fields[i + 1:i + 2]
        i += 1 + len(paths)
        new_ident, old_ident = _identify(paths[-1], prefix), _identify(paths[0], prefix)
        if new_ident is None and old_ident is None:
            continue
        before = {} if status == "A" else _data(root, rev1, paths[0])
        after = {} if status == "D" else _data(root, rev2, paths[-1])
        kind, entity_id = (new_ident or old_ident)
        name = str((after or before).get("name") or entity_id)
        action = {"A": "added", "D": "removed"}.get(status[0], "renamed" if status.startswith("R") else "changed")
        details = describe_fields(before, after) if action in ("changed", "renamed") else []
        if action == "changed" and not details:
            continue  # formatting only: the data did not change
        changes.append(EntityChange(kind, entity_id, name, action, details,
                                    old_id=old_ident[1] if action == "renamed" and old_ident else None))
    for shift in measured_shifts(root, prefix, rev1, rev2):
        same = next((c for c in changes if (c.kind, c.id) == (shift.kind, shift.id)), None)
        if same is not None:
            same.details.extend(shift.details)
        else:
            changes.append(shift)
    return changes


# --- measured shifts: the tracker's exports (model.yaml `evidence`) between two revisions -------------

def _evidence_decl(root: Path, prefix: str, rev: str) -> EvidenceDecl | None:
    raw = _data(root, rev, f"{prefix}/model.yaml").get("evidence")
    try:
        return EvidenceDecl.model_validate(raw) if raw else None
    except ValueError:  # a model that does not check: no measure to compare
        return None


def _project(prefix: str) -> PurePosixPath:
    return PurePosixPath(prefix).parent  # the project root, inside the repository


def _evidence_folders(prefix: str, decls: list[EvidenceDecl]) -> list[str]:
    """The folders the exports are in (the part of each path before its first wildcard)."""
    folders = set()
    for decl in decls:
        for source in decl.sources:
            fixed = []
            for part in PurePosixPath(source.path).parts:
                if any(c in part for c in "*?[") or part == "..":
                    break
                fixed.append(part)
            folder = PurePosixPath(*fixed[:-1]) if fixed and len(fixed) == len(PurePosixPath(source.path).parts) \
                else PurePosixPath(*fixed) if fixed else PurePosixPath(".")
            folders.add((_project(prefix) / folder).as_posix())
    return sorted(folders)


def _measured_at(root: Path, prefix: str, rev: str, decl: EvidenceDecl) -> dict[tuple[str, str], dict[str, float]]:
    """Percent per category, per (team, calendar quarter or period label), as the exports measured
    at a revision ("" for the work tree); {} if they cannot be read."""
    project = _project(prefix)
    teams_prefix = f"{prefix}/teams/"
    if rev:
        listing = (_git(root, "ls-tree", "-r", "-z", "--name-only", rev, "--", project.as_posix()) or "").split("\0")
        teams = {p[len(teams_prefix):].rsplit(".", 1)[0] for p in listing if p.startswith(teams_prefix)}
        folders = _evidence_folders(prefix, [decl])
        with tempfile.TemporaryDirectory() as tmp:
            for path in listing:
                if path and any(path.startswith(f"{f}/") or f == "." for f in folders):
                    blob = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root, capture_output=True, timeout=60)
                    if blob.returncode == 0:
                        target = Path(tmp) / PurePosixPath(path).relative_to(project)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(blob.stdout)
            found, _ = measure(decl, Path(tmp), [], teams, lambda loc: ("", 0, 0))
    else:
        folder = root / prefix / "teams"
        teams = {p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.yaml")} if folder.is_dir() \
            else set()
        found, _ = measure(decl, root / project, [], teams, lambda loc: ("", 0, 0))
    return {key: cell.percent() for key, cell in found.cells.items()} if found else {}


def measured_shifts(root: Path, prefix: str, rev1: str, rev2: str) -> list[EntityChange]:
    """For each team whose measured split moved by a point or more in a period, one change
    ("measured 2026-Q3: growth-bets 25 % → 45 %"), when an export or model.yaml changed."""
    decls = [d for d in (_evidence_decl(root, prefix, rev1), _evidence_decl(root, prefix, rev2)) if d]
    if not decls:
        return []
    paths = _evidence_folders(prefix, decls) + [f"{prefix}/model.yaml"]
    changed = _git(root, "diff", "--name-only", *([rev1, rev2] if rev2 else [rev1]), "--", *paths)
    untracked = "" if rev2 else _git(root, "ls-files", "--others", "--exclude-standard", "--", *paths)
    if not (changed or "").strip() and not (untracked or "").strip():
        return []
    decl1, decl2 = _evidence_decl(root, prefix, rev1), _evidence_decl(root, prefix, rev2)
    before = _measured_at(root, prefix, rev1, decl1) if decl1 else {}
    after = _measured_at(root, prefix, rev2, decl2) if decl2 else {}
    by_team: dict[str, list[str]] = {}
    for team, label in sorted(set(before) | set(after), key=lambda k: (k[0], k[1])):
        old, new = before.get((team, label), {}), after.get((team, label), {})
        moved = [f"{c} {old.get(c, 0):.0f} % → {new.get(c, 0):.0f} %" for c in dict.fromkeys([*old, *new])
                 if abs(old.get(c, 0) - new.get(c, 0)) >= 1]
        if moved:
            by_team.setdefault(team, []).append(f"measured {label}: {', '.join(moved)}")
    return [EntityChange("teams", team, str(_data(root, rev2, f"{prefix}/teams/{team}.yaml").get("name") or team),
                         "changed", details) for team, details in by_team.items()]


def head_revision(path: Path) -> str | None:
    out = _git(path, "rev-parse", "HEAD")
    return out.strip() if out else None


def _tool_paths(root: Path) -> list[str]:
    """The generator's own code and packaged templates, where they are inside this repository
    (the handbook is the generator's example): commits there are its development, not edits."""
    paths = []
    for folder in (Path(__file__).resolve().parent.parent, packaged_templates().resolve()):
        try:
            paths.append(folder.relative_to(root.resolve()).as_posix())
        except ValueError:
            continue
    return paths


_MERGE = re.compile(r"^Merge pull request #(\d+) from \S+")


def recent_commits(handbook_dir: Path, limit: int = 20) -> History | None:
    """The last `limit` edits to the handbook, newest first, with their changes."""
    token = _word_diff_budget()
    try:
        return _recent_commits(handbook_dir, limit)
    finally:
        _deadline.reset(token)


def _recent_commits(handbook_dir: Path, limit: int) -> History | None:
    where = _where(handbook_dir)
    if where is None:
        return None
    root, prefix = where
    decl = _evidence_decl(root, prefix, "")
    exports = _evidence_folders(prefix, [decl]) if decl else []  # a new export is an edit too
    touching = _git(root, "log", "--first-parent", "--format=%H", "--", prefix, *exports)
    if touching is None:
        return None
    tools = _tool_paths(root)
    tool = set((_git(root, "log", "--first-parent", "--format=%H", "--", *tools) or "").split()) if tools else set()
    edits = [sha for sha in touching.split() if sha not in tool]
    shallow = (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
    boundary = set()
    if shallow:
        shallow_file = (_git(root, "rev-parse", "--git-path", "shallow") or "").strip()
        if shallow_file:
            try:
                boundary = set((root / shallow_file).read_text(encoding="ascii").split())
            except OSError:
                pass
    dates = (_git(root, "log", "--first-parent", "--format=%aI", "HEAD") or "").split()
    commits = []
    for sha in edits[:limit]:
        out = _git(root, "show", "-s", "--format=%H%x1f%h%x1f%an%x1f%aI%x1f%P%x1f%s%x1f%b", sha)
        if out is None:
            continue
        sha, short, author, when, parents, subject, body = out.split("\x1f", 6)
        pull, merged = None, _MERGE.match(subject)
        if merged and len(parents.split()) > 1:
            pull = merged.group(1)
            subject = next((line.strip() for line in body.splitlines() if line.strip()), subject)
        if sha in boundary:
            commits.append(Commit(sha, short, author, when, subject, [], pull, boundary=True))
            continue
        parent = parents.split()[0] if parents else EMPTY_TREE
        commits.append(Commit(sha, short, author, when, subject, _diff(root, prefix, parent, sha) or [], pull))
    return History(commits, len(edits), len(dates), shallow, len(set(touching.split()) & tool),
                   dates[-1][:10] if dates else "")
