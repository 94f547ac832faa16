"""Model: the resolved handbook, a graph of entities whose references point at entities.

Plain data objects in the spirit of `mkdocs/structure/`. Forward references come from the `Ref`
annotations in the schema; every reverse relation is derived here and never written in YAML.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from ..diagnostics import Diagnostic, errors, excerpt
from ..folders import folder_problems
from ..evidence import PeriodSpan, measure
from .declare import MENTIONED_IN, Model, load_model
from .loader import Document
from .located import did_you_mean
from .mentions import ShortNames, link_mentions, short_names
from .types import Ref, ref_fields, slugify
from .validate import Ids, Unread, broken_reference, discover, load_and_validate


@lru_cache(maxsize=None)
def _copied(data_class: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a validated class that an Entity copies in: those it has no attribute of its own for."""
    return tuple(name for name in data_class.model_fields if not hasattr(Entity, name))


@dataclass(eq=False)
class Entity:
    kind: str  # a kind's folder name, "handbook" or "pillars"
    id: str
    data: BaseModel
    path: str  # project-relative source file
    doc: Document | None = field(default=None, repr=False)
    loc: tuple = ()  # where the entity's data sits in its file (pillars live inside handbook.yaml)
    refs: list["Relation"] = field(default_factory=list, repr=False)
    backrefs: dict[str, list["Relation"]] = field(default_factory=lambda: defaultdict(list), repr=False)

    def __post_init__(self) -> None:
        # Templates read schema fields straight off the entity ({{ ritual.cadence }}); copying
        # them in once is far cheaper than delegating on every read (the hottest path in rendering).
        data = self.data
        own = self.__dict__
        for name in _copied(type(data)):
            if name not in own:
                own[name] = getattr(data, name)
        if own.get("name", "") is None:  # a model that relaxes `name`: the id names it, as written
            own["name"] = self.id.rsplit("/", 1)[-1]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "data":
            raise AttributeError(name)
        return getattr(self.data, name)

    @property
    def url(self) -> str:
        """The page's path under docs_dir (with an anchor for entities shown on another page)."""
        if self.kind == "handbook":
            return "index.md"
        if self.kind == "pillars":
            return f"pillars/{self.id}.md"
        return f"{self.kind}/{self.id}.md"

    def targets(self, field_name: str) -> list["Entity"]:
        """Entities this one references through `field_name`, in the order written."""
        return [r.target for r in self.refs if r.field == field_name]

    def sources(self, reverse: str) -> list["Entity"]:
        """Entities that reference this one through the reverse relation `reverse`, without repeats."""
        unique = {id(r.source): r.source for r in self.backrefs.get(reverse, ())}
        return sorted(unique.values(), key=lambda e: e.name.lower())

    def position(self, loc: tuple = (), key: bool = False) -> tuple[int, int]:
        return self.doc.position(self.loc + tuple(loc), key=key) if self.doc else (0, 0)

    def text_position(self, loc: tuple, text: str, offset: int) -> tuple[int, int]:
        """Where character `offset` of the text at `loc` stands. A text of several lines is a
        block (`|`, `>`, which keep their last line break) whose lines start below its key,
        indented by two. (Validated data is stripped: pass the text as read, `doc.data`.)"""
        line, col = self.position(loc)
        if "\n" not in text:
            return line, col + offset
        start = text.rfind("\n", 0, offset) + 1
        return line + 1 + text.count("\n", 0, offset), self.position(loc, key=True)[1] + 2 + offset - start

    def review_due(self, default_days: int) -> date | None:
        last = getattr(self.data, "last_reviewed", None)
        if last is None:
            return None
        return last + timedelta(days=getattr(self.data, "review_every_days", None) or default_days)


@dataclass(eq=False)
class Relation:
    source: Entity
    field: str  # top-level field of the source that holds the reference
    target: Entity
    loc: tuple  # path to the reference inside the source's data
    item: Any  # the object holding the reference (a Participant, or a dict value such as a percentage)


@dataclass
class Handbook:
    meta: Entity
    entities: dict[str, dict[str, Entity]]  # kind -> id -> entity, each kind sorted by name
    model: Model
    evidence: Any = None  # evidence.Evidence: allocation measured from the tracker's exports, if declared

    def all(self) -> Iterator[Entity]:
        for kind in self.model.kinds:
            yield from self.entities.get(kind, {}).values()

    def of(self, kind: str) -> list[Entity]:
        return list(self.entities.get(kind, {}).values())

    def get(self, kind: str, entity_id: str) -> Entity | None:
        return self.entities.get(kind, {}).get(entity_id)

    def target(self, spec, value: str) -> Entity | None:
        """The entity a value of the reference field `spec` names (None for a role in words)."""
        return self.model.ref(spec).locate(value, self.entities)

    @cached_property
    def short_names(self) -> ShortNames:
        """Entities by the last segment of their id, for links in prose (mentions.resolve)."""
        return short_names(self.entities)

    @cached_property
    def required_interfaces(self) -> list[Entity]:
        """Active interfaces every team must provide."""
        return [i for i in self.of("interfaces") if i.conformance == "required" and i.status == "active"]

    @property
    def pillars(self) -> list[Entity]:
        return self.of("pillars")

    def __len__(self) -> int:
        return sum(len(v) for k, v in self.entities.items() if k in self.model.kinds)

    def parent(self, entity: Entity) -> Entity | None:
        """The entity's parent in a hierarchy: what its kind's `parent: true` field names."""
        kind = self.model.kinds.get(entity.kind)
        spec = kind.parent if kind is not None else None
        return next(iter(entity.targets(spec.name)), None) if spec is not None else None

    def ancestors(self, entity: Entity) -> list[Entity]:
        """The path from the top of its hierarchy down to the entity's parent (division, department,
        …). A cycle (an error `handbook check` reports) ends the path where it would repeat."""
        path: list[Entity] = []
        seen = {id(entity)}
        current = self.parent(entity)
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            path.append(current)
            current = self.parent(current)
        return path[::-1]

    def in_cycle(self, entity: Entity) -> list[Entity] | None:
        """The entities of a `parent` cycle through `entity` (starting with it), if it is in one."""
        path, current = [entity], self.parent(entity)
        seen = {id(entity)}
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            path.append(current)
            current = self.parent(current)
        return path if current is entity else None


# --- references ----------------------------------------------------------------------------------

def iter_refs(value: Any, shape: tuple, loc: tuple, item: Any) -> Iterator[tuple[tuple, Ref, str, Any, bool]]:
    """Yield (loc, Ref, target id, holder, is_dict_key) for every reference in `value`."""
    tag = shape[0]
    if value is None or tag == "leaf":
        return
    if tag == "ref":
        yield loc, shape[1], value, item, False
    elif tag == "list":
        for i, v in enumerate(value):
            yield from iter_refs(v, shape[1], loc + (i,), item)
    elif tag == "dict":
        for k, v in value.items():
            if shape[1][0] == "ref":
                yield loc + (k,), shape[1][1], k, v, True
            yield from iter_refs(v, shape[2], loc + (k,), v)
    elif tag == "model":
        for name, inner in ref_fields(type(value)):
            yield from iter_refs(getattr(value, name), inner, loc + (name,), value)


def _suggest(target_id: str, known: dict[str, Entity]) -> str:
    """A close id, or the id of an entity written by its display name (`Product Operations`)."""
    close = did_you_mean(target_id, known)
    if close:
        return close
    wanted = str(target_id).strip().lower()
    named = next((e.id for e in known.values() if e.name.lower() == wanted or e.id == slugify(wanted)), None)
    return f" (did you mean '{named}'? references use the id, not the name)" if named else ""


def _unknown(path: str, position: tuple[int, int], ref: Ref, target_id: str,
             index: dict[str, dict[str, Entity]], model: Model, unread: Unread) -> Diagnostic:
    kinds, name = ref.split(target_id)
    words = " or ".join(model.kinds[k].singular if k in model.kinds else k.rstrip("s") for k in kinds)
    where = unread.where(kinds, name)
    if where is not None:
        return broken_reference(path, position, f"{words} '{excerpt(target_id)}'", where)
    known = {i: e for k in kinds for i, e in index.get(k, {}).items()}
    # While some files of a kind are unread, the ids that loaded are not all there are: say so.
    listed = "; ".join(f"known {k}: {', '.join(sorted(index.get(k, {}))[:12]) or 'none'}"
                       f"{' …' if len(index.get(k, {})) > 12 else ''}{unread.not_counted(k)}" for k in kinds)
    where = " or ".join("in handbook.yaml" if k == "pillars" else f"under {k}/" for k in kinds)
    role = "; a role is written in words (e.g. 'Head of Finance'), an id in lower case" if ref.roles else ""
    return Diagnostic(path, position[0], position[1], "error", "unknown-reference",
                      f"unknown {words} '{excerpt(target_id)}'{_suggest(name, known)}",
                      f"{listed}; or create it {where}{role}")


def _excused(ref: Ref, value: str, unknowable: set[str]) -> bool:
    """Whether a reference that found no entity is left unreported: a whole kind could not be
    read (the pillars, when handbook.yaml has errors)."""
    kinds, _ = ref.split(value)
    return any(k in unknowable for k in kinds)


def raw_refs(value: Any, shape: tuple, loc: tuple) -> Iterator[tuple[tuple, Ref, str, bool]]:
    """(loc, Ref, target id, is_dict_key) for every reference in data that failed validation:
    what can be read as one is checked too, so that a file's unknown ids show in the same run
    as its schema errors."""
    tag = shape[0]
    if tag == "ref" and isinstance(value, str):
        yield loc, shape[1], value, False
    elif tag == "list" and isinstance(value, list):
        for i, v in enumerate(value):
            yield from raw_refs(v, shape[1], loc + (i,))
    elif tag == "dict" and isinstance(value, dict):
        for k, v in value.items():
            if shape[1][0] == "ref" and isinstance(k, str):
                yield loc + (k,), shape[1][1], k, True
            yield from raw_refs(v, shape[2], loc + (k,))
    elif tag == "model" and isinstance(value, dict):
        for name, inner in ref_fields(shape[1]):
            yield from raw_refs(value.get(name), inner, loc + (name,))


def _check_invalid(files: list[tuple[str, Document, str]], index: dict[str, dict[str, Entity]],
                   unread: Unread, unknowable: set[str], model: Model, ids: Ids) -> list[Diagnostic]:
    """Unknown references in files whose schema errors kept them out of the graph."""
    diags: list[Diagnostic] = []
    for path, doc, kind in files:
        validator = model.validator(kind)
        for loc, ref, target_id, is_key in raw_refs(doc.data, ("model", validator), ()):
            if ref.is_role(target_id):
                continue
            found = ids.find(ref, target_id)
            if len(found) > 1:
                continue  # ambiguous: validation said so
            kind, name = found[0] if found else (None, target_id)
            if kind is not None and name in index.get(kind, {}):
                continue
            if kind is not None and (kind, name) in unread.at:
                diags.append(broken_reference(path, doc.position(loc, key=is_key), f"{model.kinds[kind].singular} "
                                              f"'{excerpt(target_id)}'", unread.at[(kind, name)]))
                continue
            if kind is None and (ref.locate(target_id, index) or _excused(ref, target_id, unknowable)):
                continue  # pillars are not files: they are found in the index only
            diags.append(_unknown(path, doc.position(loc, key=is_key), ref, target_id, index, model, unread))
    return diags


def _link(entities: list[Entity], index: dict[str, dict[str, Entity]], unread: Unread,
          unknowable: set[str], model: Model) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    for entity in entities:
        data = entity.data
        for name, shape in ref_fields(type(data)):
            for loc, ref, target_id, item, is_key in iter_refs(getattr(data, name), shape, (name,), data):
                target = ref.locate(target_id, index)  # first: a role in words is never an entity's id
                if target is None and (ref.is_role(target_id) or _excused(ref, target_id, unknowable)):
                    continue
                if target is None:
                    diags.append(_unknown(entity.path, entity.position(loc, key=is_key), ref, target_id, index, model,
                                          unread))
                    continue
                relation = Relation(entity, name, target, loc, item)
                entity.refs.append(relation)
                target.backrefs[ref.reverse].append(relation)
    return diags


def _mention(source: Entity, field: str, target: Entity, loc: tuple) -> None:
    relation = Relation(source, field, target, loc, None)
    source.refs.append(relation)
    target.backrefs[MENTIONED_IN].append(relation)


# --- reading a whole handbook ---------------------------------------------------------------------

@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building thousands of small dicts and models makes Python's cyclic collector rescan the
    growing heap again and again (half the load time at 10,000 files). Pause it while building,
    then freeze the result, which lives until the next read, out of future scans. The next read
    unfreezes it first, so that a long `mkdocs serve` still collects old handbooks."""
    was_enabled = gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


# path -> ((mtime_ns, size), what load_and_validate returned): lets `mkdocs serve` re-read only
# the files an edit touched.
ParseCache = dict[Path, tuple[tuple[int, int], tuple]]


def read_handbook(handbook_dir: Path, project_dir: Path | None = None,
                  cache: ParseCache | None = None) -> tuple[Handbook | None, list[Diagnostic]]:
    """Load, validate and resolve every file. Returns the handbook (None if any error) and all
    diagnostics found, so that one run reports every problem. With `cache`, files whose
    modification time and size are unchanged are not read again."""
    # Its files are never read through links (validate.py); nor is the folder itself one.
    problems = folder_problems(handbook_dir, project_dir or Path.cwd(), "handbook", links="none")
    if problems:
        return None, problems
    with _gc_paused():
        return _read_handbook(handbook_dir, project_dir, cache)


def _load_cached(source, cache: ParseCache | None, model: Model, ids: Ids, ids_digest: int) -> tuple:
    if cache is None:
        return load_and_validate(source, model, ids)
    try:
        stat = source.path.lstat()
        # A changed model, or a file added or removed (short names), re-validates every file.
        stamp = (stat.st_mtime_ns, stat.st_size, model.digest, ids_digest)
    except OSError:
        return load_and_validate(source, model, ids)
    hit = cache.get(source.path)
    if hit is None or hit[0] != stamp:
        hit = cache[source.path] = (stamp, load_and_validate(source, model, ids))
    return hit[1]


def _read_handbook(handbook_dir: Path, project_dir: Path | None,
                   cache: ParseCache | None) -> tuple[Handbook | None, list[Diagnostic]]:
    project_dir = project_dir or handbook_dir.parent
    model, diags = load_model(handbook_dir, project_dir)
    if model is None:  # the model's own problems; no file can be checked without it
        return None, diags
    unread = Unread.empty()  # files that could not be read or validated
    sources, diags = discover(handbook_dir, project_dir, model, unread)
    index: dict[str, dict[str, Entity]] = {kind: {} for kind in ("pillars", *model.kinds)}
    meta: Entity | None = None
    unknowable: set[str] = set()  # kinds whose ids cannot be known in this run
    unlinked: list[tuple[str, Document, str]] = []  # files read but not valid
    ids = Ids.of(sources)
    ids_digest = ids.digest()
    for source in sources:
        doc, data, problems = _load_cached(source, cache, model, ids, ids_digest)
        diags.extend(problems)  # cached lists are never changed: extend copies
        if data is None or source.duplicate_of:
            if doc is not None:
                unlinked.append((source.rel, doc, source.kind))
            if source.duplicate_of:
                continue
            first = next((d for d in problems if d.severity == "error"), None)
            unread.add(source.kind, source.id, first.location if first is not None else source.rel)
            if source.kind == "handbook":
                # Its pillars are unknown, not missing: references to them are not errors of their own.
                unknowable.add("pillars")
            continue
        entity = Entity(source.kind, source.id, data, source.rel, doc)
        if source.kind == "handbook":
            meta = entity
            for i, pillar in enumerate(data.pillars):
                if pillar.id in index["pillars"]:
                    line, col = entity.position(("pillars", i, "id"))
                    diags.append(Diagnostic(source.rel, line, col, "error", "duplicate-id",
                                            f"pillar id '{pillar.id}' is used twice", "give each pillar its own id"))
                index["pillars"][pillar.id] = Entity("pillars", pillar.id, pillar, source.rel, doc, ("pillars", i))
        else:
            index[source.kind][source.id] = entity
    linkable = [e for kind in model.kinds for e in index[kind].values()] + ([meta] if meta else [])
    if meta is None:
        unknowable.add("pillars")
    diags.extend(_link(linkable, index, unread, unknowable, model))
    diags.extend(link_mentions(linkable, index, model, _mention, unread))
    diags.extend(_check_invalid(unlinked, index, unread, unknowable, model, ids))
    if errors(diags) or meta is None:
        return None, diags
    for kind in model.kinds:
        index[kind] = dict(sorted(index[kind].items(), key=lambda kv: kv[1].name.lower()))
    handbook = Handbook(meta, index, model)
    if model.evidence is not None:
        found = _read_evidence(handbook, project_dir)
        diags.extend(found)
        if errors(found):  # no site on a half-read export
            return None, diags
    return handbook, diags


# --- evidence ----------------------------------------------------------------------------------

def _read_evidence(handbook: Handbook, project_dir: Path) -> list[Diagnostic]:
    """Measure allocation from the exports model.yaml declares, for the handbook's periods (every
    period a team states an allocation for); sets `handbook.evidence`. Declarations naming no team
    or category are errors at their line in model.yaml."""
    model, decl = handbook.model, handbook.model.evidence
    doc = model.positions
    rel = model.source or "handbook/model.yaml"

    def at(loc: tuple) -> tuple[str, int, int]:
        line, col = doc.position(loc) if doc is not None else (0, 0)
        return rel, line, col

    diags: list[Diagnostic] = []
    teams = {t.id for t in handbook.of("teams")}
    categories = {f.id for f in handbook.of("funding")}

    def unknown(loc: tuple, what: str, value: str, known: set[str]) -> None:
        diags.append(Diagnostic(*at(loc), "error", "evidence-declaration",
                                f"{what} '{excerpt(value)}' is not a {'team' if known is teams else 'funding category'}"
                                f"{did_you_mean(value, known, 0.6)}", f"known: {', '.join(sorted(known)) or 'none'}"))

    for i, rule in enumerate(decl.categories):
        if rule.category not in categories:
            unknown(("evidence", "categories", i, "category"), "category", rule.category, categories)
    for i, source in enumerate(decl.sources):
        if isinstance(source.team, str):
            if source.team not in teams:
                unknown(("evidence", "sources", i, "team"), "team", source.team, teams)
        else:
            for value, team in source.team.map.items():
                if team not in teams:
                    unknown(("evidence", "sources", i, "team", "map", value), "team", team, teams)
    if diags:
        return diags
    periods = {a.period.text: PeriodSpan(a.period.text, a.period.start, a.period.end)
               for t in handbook.of("teams") for a in (getattr(t, "allocations", None) or [])}
    spans = sorted(periods.values(), key=lambda p: (p.start, p.end))
    handbook.evidence, found = measure(decl, project_dir, spans, teams, at)
    return found
