"""Validate: find the handbook's files and check each against its kind's validator, turning every
problem into a located diagnostic with a hint."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pydantic import BaseModel

from ..diagnostics import Diagnostic, excerpt
from .loader import NOT_REGULAR, Document, load_file
from .declare import META_FILE, MODEL_FILE, Model
from .located import did_you_mean, validate_data
from .types import ID_RE, MAX_ID_CHARS, SLUG_RE, slugify


YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class SourceFile:
    kind: str  # a kind's folder name, or "handbook" for handbook.yaml
    id: str
    path: Path
    rel: str  # project-relative path for messages and edit links
    duplicate_of: str | None = None  # another file has this id: this one is checked, not published


def discover(handbook_dir: Path, project_dir: Path, model: Model,
             unread: "Unread | None" = None) -> tuple[list[SourceFile], list[Diagnostic]]:
    """List the entity files under `handbook_dir`. Kind comes from the folder, id from the file name.
    Files of a kind that are refused unread are counted in `unread`.

    The walk never follows a symbolic link and never opens anything but regular files: a pull
    request could otherwise make CI read (and print) files from anywhere on the machine."""
    files: list[SourceFile] = []
    diags: list[Diagnostic] = []

    prefix = str(project_dir) + os.sep

    def rel(path: Path) -> str:
        text = str(path)
        if text.startswith(prefix):  # the common case, without pathlib's parsing (10,000 files)
            return text[len(prefix):].replace(os.sep, "/")
        try:
            return path.relative_to(project_dir).as_posix()
        except ValueError:
            return path.as_posix()

    def refuse(path: Path, is_link: bool) -> None:
        diags.append(Diagnostic(rel(path), 0, 0, "error", "not-a-regular-file",
                                *NOT_REGULAR["symlink" if is_link else "special"]))

    if not handbook_dir.is_dir():
        return [], [Diagnostic(rel(handbook_dir), 0, 0, "error", "no-handbook",
                               "handbook folder not found", "create it, or set `handbook_dir` in mkdocs.yml")]
    meta = handbook_dir / META_FILE
    if meta.is_file() or meta.is_symlink():  # a link is refused when read, at its own path
        files.append(SourceFile("handbook", "handbook", meta, rel(meta)))
    else:
        diags.append(Diagnostic(rel(meta), 0, 0, "error", "missing-file", f"{META_FILE} not found",
                                "it names the operating system, its owner, review date and pillars"))
    for entry in _entries(handbook_dir):
        path = Path(entry.path)
        if entry.name.startswith(".") or entry.name in (META_FILE, MODEL_FILE):
            continue
        if entry.is_symlink():
            refuse(path, True)
        elif entry.is_dir(follow_symlinks=False):
            if entry.name not in model.kinds:
                _unknown_kind(path, rel, diags, model)
                continue
            seen: dict[str, list[SourceFile]] = {}
            kind_dir = path
            for path, problem in _walk(path):
                if problem is not None and unread is not None:
                    entity_id = path.relative_to(kind_dir).with_suffix("").as_posix()
                    named = problem != "folder" and path.suffix in YAML_SUFFIXES and ID_RE.match(entity_id)
                    unread.add(entry.name, entity_id if named else None, rel(path))
                if problem is not None:
                    if problem == "folder":
                        diags.append(Diagnostic(rel(path), 0, 0, "error", "invalid-id",
                                                f"folder name '{excerpt(path.name)}' is not a lower-case slug; "
                                                "its files are not read",
                                                f"rename the folder to '{slugify(path.name) or 'my-group'}'"))
                    else:
                        refuse(path, problem == "symlink")
                    continue
                if path.suffix not in YAML_SUFFIXES:
                    if path.name.lower() not in ("readme.md",):
                        diags.append(Diagnostic(rel(path), 0, 0, "warning", "stray-file",
                                                "not a YAML file; it is ignored",
                                                "entity files end in .yaml"))
                    continue
                if not SLUG_RE.match(path.stem):
                    if unread is not None:
                        unread.add(entry.name, None, rel(path))
                    suggestion = slugify(path.stem)
                    diags.append(Diagnostic(rel(path), 0, 0, "error", "invalid-id",
                                            f"'{excerpt(path.stem)}' is not a valid id: the file name must be a "
                                            "lower-case slug",
                                            f"rename the file to '{suggestion[:MAX_ID_CHARS] or 'my-entity'}"
                                            f"{path.suffix}' (lower-case letters, digits, words joined by single hyphens or "
                                            "underscores)"))
                    continue
                # The id is the path inside the kind folder: departments may share a file name.
                entity_id = str(path)[len(entry.path) + 1:-len(path.suffix)].replace(os.sep, "/")
                seen.setdefault(entity_id, []).append(SourceFile(entry.name, entity_id, path, rel(path)))
            for clashing in seen.values():
                files.extend(_settle_duplicates(clashing, diags))
            _separator_clashes(seen, entry.name, diags)
        elif not entry.is_file(follow_symlinks=False):
            refuse(path, False)
        elif path.suffix in YAML_SUFFIXES:
            diags.append(Diagnostic(rel(path), 0, 0, "error", "misplaced-file",
                                    f"'{excerpt(entry.name)}' is outside any kind folder",
                                    f"move it into one of: {', '.join(model.kinds)}"))
    return files, diags


def _separator_clashes(seen: dict[str, list[SourceFile]], kind: str, diags: list[Diagnostic]) -> None:
    """Ids that differ only by `-` against `_` (`data-platform`, `data_platform`) read as one
    name: a reference to either is a guess. Each but the first is refused, naming the first."""
    first: dict[str, str] = {}
    for entity_id in sorted(seen):
        same = first.setdefault(entity_id.replace("_", "-"), entity_id)
        if same != entity_id:
            diags.append(Diagnostic(seen[entity_id][0].rel, 1, 1, "error", "invalid-id",
                                    f"id '{entity_id}' of {kind} differs from '{same}' only by '-' against '_'; "
                                    "references could not tell them apart",
                                    "rename one of the two files (and the references meant for it)"))


def _settle_duplicates(clashing: list[SourceFile], diags: list[Diagnostic]) -> list[SourceFile]:
    """Files that claim one id: the one git saw first keeps it; each newcomer is reported, at its
    own first line and naming the other file, and is still checked like any other file."""
    if len(clashing) > 1:
        from .history import first_added  # git is asked only when ids clash
        added = {s.rel: first_added(s.path) for s in clashing}
        clashing = sorted(clashing, key=lambda s: (added[s.rel] is None, added[s.rel] or 0, s.rel))
        keeper = clashing[0]
        for other in clashing[1:]:
            other.duplicate_of = keeper.rel
            diags.append(Diagnostic(other.rel, 1, 1, "error", "duplicate-id",
                                    f"id '{other.id}' is already used by {keeper.rel}",
                                    "each entity needs its own file name: rename this file (and the references "
                                    "meant for it), or merge it into the other"))
    return clashing


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _walk(folder: Path) -> Iterator[tuple[Path, str | None]]:
    """Every file under `folder`, depth first in name order, with the reason it must not be read
    ("symlink", "special", or "folder" for a sub-folder whose name is not a slug), or None."""
    for entry in _entries(folder):
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.is_symlink():
            yield path, "symlink"
        elif entry.is_dir(follow_symlinks=False):
            if SLUG_RE.match(entry.name):
                yield from _walk(path)
            else:
                yield path, "folder"
        elif entry.is_file(follow_symlinks=False):
            yield path, None
        else:
            yield path, "special"


def _unknown_kind(folder: Path, rel, diags: list[Diagnostic], model: Model) -> None:
    """A folder that is not a kind, reported on each YAML file in it (an annotation needs a file)."""
    message = f"folder '{excerpt(folder.name)}' is not a kind of entity{did_you_mean(folder.name, model.kinds, 0.6)}"
    hint = f"entities live in one of: {', '.join(model.kinds)}; or declare the kind in {MODEL_FILE}"
    inside = [p for p, problem in _walk(folder) if problem is None and p.suffix in YAML_SUFFIXES]
    for path in inside or [folder]:
        diags.append(Diagnostic(rel(path), 1 if inside else 0, 1 if inside else 0, "error", "unknown-kind",
                                message, hint))


def validate_document(source: SourceFile, doc: Document, model: Model,
                      ids: "Ids | None" = None) -> tuple[BaseModel | None, list[Diagnostic]]:
    return validate_data(source.rel, doc, model.validator(source.kind), context={"ids": ids} if ids else None)


def load_and_validate(source: SourceFile, model: Model,
                      ids: "Ids | None" = None) -> tuple[Document | None, BaseModel | None, list[Diagnostic]]:
    doc, diags = load_file(source.path, source.rel)
    if doc is None:
        return None, None, diags
    data, diags = validate_document(source, doc, model, ids)
    return doc, data, diags


@dataclass
class Ids:
    """Every id of every kind, and the short names (the file name alone) that stand for the ids of
    entities in sub-folders: references may use `weekly-review` for `sales/weekly-review` while it
    is the only one. References are written back as full ids while validating."""

    full: dict[str, set[str]]
    short: dict[str, dict[str, list[str]]]

    @classmethod
    def of(cls, sources: list[SourceFile]) -> "Ids":
        full: dict[str, set[str]] = {}
        short: dict[str, dict[str, list[str]]] = {}
        for s in sources:
            full.setdefault(s.kind, set()).add(s.id)
            if "/" in s.id:
                short.setdefault(s.kind, {}).setdefault(s.id.rsplit("/", 1)[1], []).append(s.id)
        return cls(full, short)

    def find(self, ref, value: str) -> list[tuple[str, str]]:
        """(kind, full id) of every entity the reference `value` could name: its full id where one
        of the kinds has it, else the entities whose short name it is."""
        kinds, name = ref.split(value)
        exact = [(k, name) for k in kinds if name in self.full.get(k, ())]
        return exact or [(k, f) for k in kinds for f in self.short.get(k, {}).get(name, [])]

    def digest(self) -> int:
        return hash(tuple(sorted((k, tuple(sorted(v))) for k, v in self.full.items())))




@dataclass
class Unread:
    """Files of the handbook that could not be read or validated. A reference to one of them is
    not to an unknown id (its file exists and has errors, reported there), and the ids that did
    load are not all there are: hints must not list them as if complete."""

    at: dict[tuple[str, str], str]  # (kind, id) -> "path:line" of its file's first error
    count: dict[str, int]  # kind -> how many of its files could not be read

    @classmethod
    def empty(cls) -> "Unread":
        return cls({}, {})

    def add(self, kind: str, entity_id: str | None, where: str) -> None:
        """A file of `kind` (with its id, when it has a valid one) that failed, first at `where`."""
        self.count[kind] = self.count.get(kind, 0) + 1
        if entity_id is not None:
            self.at.setdefault((kind, entity_id), where)

    def where(self, kinds, name: str) -> str | None:
        """Where the file of the entity `name` (of one of `kinds`) has its first error, if it has one."""
        return next((self.at[(k, name)] for k in kinds if (k, name) in self.at), None)

    def not_counted(self, kind: str) -> str:
        """What a list of the known ids of `kind` leaves out, in words ("" when nothing)."""
        n = self.count.get(kind, 0)
        return f" ({n} more {'file' if n == 1 else 'files'} with errors not read)" if n else ""


def broken_reference(path: str, position: tuple[int, int], what: str, where: str) -> Diagnostic:
    """A reference to an entity whose own file has errors: said as such, at the reference."""
    return Diagnostic(path, position[0], position[1], "warning", "reference-to-broken-file",
                      f"{what} exists but its file has errors (see {where})",
                      "fix that file first; this reference resolves once it reads")
