"""Model: kinds of entity as declarations, and the validators built from them.

A kind is one declaration: its folder, labels, blurb, templates, nav order, diagram style and
fields (type, required, description, default; references with the label of their reverse side).
The built-in kinds are declarations shipped in `kinds/`, read by the same code as a handbook's own
`model.yaml`, which can add fields to any kind, extend or replace vocabularies, make fields
optional or required, set the tag pattern, switch lints off or to errors, and declare new kinds.
Everything downstream (validation, JSON Schema, starters, pages, nav, API, Changes) reads the
resulting `Model`; pydantic validators are built from it with `create_model`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, RootModel

from ..codes import LINT_CODES
from ..evidence import EvidenceDecl
from ..diagnostics import Diagnostic, excerpt
from .versions import model_version_problem
from .loader import Document, YamlProblem, load_file, parse_text, read_regular
from . import types as t
from .located import did_you_mean, validate_data
from .validators import compile_validators

BUILTIN_DIR = Path(__file__).parent / "kinds"
MODEL_FILE = "model.yaml"  # a handbook's own model, beside handbook.yaml
META_FILE = "handbook.yaml"
MODEL_VERSION = 1

def _off(value: Any) -> Any:
    return "off" if value is False else value  # YAML 1.1 reads a bare `off` as false


LintSetting = Annotated[Literal[tuple("off warning error".split())], BeforeValidator(_off)]  # type: ignore[misc]
NodeStyle = Literal["principle", "ritual", "interface", "funding", "team", "person", "teal", "blue", "purple", "amber", "red",
                    "green", "grey", "pink"]
TypeName = Literal["text", "markdown", "integer", "number", "percent", "boolean", "date", "datetime", "duration",
                   "url", "email", "enum", "list", "map", "object", "ref", "cadence", "target", "timezone", "slug", "weekday", "time",
                   "tags", "period"]
# What a handbook may change in a field it did not declare: never its type or what it refers to.
CHANGEABLE = {"required", "required_when", "default", "description", "example", "label", "reverse_label", "parent"}
# Folder names the site needs for itself, and names an entity already has as attributes.
RESERVED_KINDS = {"api", "assets", "calendar", "search", "tags", "changes", "reviews", "map", "index", "pillars",
                  "handbook", "model", "templates", "schemas"}
RESERVED_FIELDS = {n for n in dir(BaseModel) if not n.startswith("_")} | {
    "kind", "id", "data", "path", "doc", "loc", "refs", "backrefs", "url", "targets", "sources", "position",
    "review_due"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\.md\.j2$")
# The reverse relation of a link written in prose (`[[teams/checkout]]`, model/mentions.py).
MENTIONED_IN = "mentioned_in"


# --- the declaration format (also the JSON Schema of model.yaml) --------------------------------

class _Decl(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldDecl(_Decl):
    """One field: its type and, by type, what it holds."""

    type: Optional[TypeName] = Field(None, description="the value type; leave out to change a field declared elsewhere")
    required: Optional[bool] = Field(None, description="must every file write it? (default: no)")
    required_when: Optional[dict[str, str]] = Field(
        None, description="required only when another field has this value, e.g. {type: meeting}")
    default: Any = Field(None, description="value when the file does not write it")
    description: Optional[str] = Field(None, description="shown in editors, starters and hints")
    example: Any = Field(None, description="value used in `handbook new` starters")
    label: Optional[str] = Field(None, description="heading on pages (default: the field name, humanised)")
    of: Optional["FieldDecl"] = Field(None, description="list: the type of each item")
    key: Optional["FieldDecl"] = Field(None, description="map: the type of the keys (text or ref)")
    value: Optional["FieldDecl"] = Field(None, description="map: the type of the values")
    fields: Optional[dict[str, "FieldDecl"]] = Field(None, description="object: its fields")
    one_of: Optional[list[str]] = Field(None, description="object: exactly one of these fields is written")
    title: Optional[str] = Field(None, description="object: its name in the JSON Schema")
    to: Optional[Union[str, list[str]]] = Field(
        None, description="ref: the kind referred to (a folder name, or pillars), or a list of kinds (an owner is a "
                          "team or a person); a value may then name its kind, e.g. person:jdoe")
    roles: Optional[bool] = Field(None, description="ref: a value not written as an id (\"Head of Finance\") is a "
                                                    "role in words rather than a reference")
    reverse: Optional[str] = Field(None, description="ref: name of the relation seen from the target")
    reverse_label: Optional[str] = Field(None, description="ref: label of the relation on the target's page")
    flow: Optional[Literal["in", "out"]] = Field(
        None, description="ref: how work passes along it, for diagrams: in (the target feeds this entity, e.g. a "
                          "ritual's inputs) or out (this entity feeds the target, e.g. its outputs); leave out for "
                          "other relations (owner, principles), drawn as plain links")
    parent: Optional[bool] = Field(
        None, description="ref: the entity it names is this one's parent in a hierarchy (teams in a department, a "
                          "team in a team): index pages draw the tree, entity pages the path to the top")
    values: Optional[list[str]] = Field(None, description="enum: the allowed values")
    vocabulary: Optional[str] = Field(None, description="enum: a named vocabulary the model can extend")
    min: Optional[float] = Field(None, description="integer, number: smallest value")
    max: Optional[float] = Field(None, description="integer, number: largest value")
    min_items: Optional[int] = Field(None, ge=0, description="list: fewest items")
    many: Optional[bool] = Field(None, description="takes one value or several: a file writes one value or a list of "
                                                   "them, read as a list (e.g. a group with two product managers); on a "
                                                   "built-in field, widens it from one to many")
    max_length: Optional[int] = Field(None, ge=1, description="text: most characters")


class TemplatesDecl(_Decl):
    page: Optional[str] = Field(None, description="template of each entity's page (default: entity.md.j2)")
    index: Optional[str] = Field(None, description="template of the kind's index page (default: index.md.j2)")


class KindDecl(_Decl):
    """A kind of entity: a folder of YAML files, one per entity."""

    singular: Optional[str] = Field(None, description="one entity, in words, e.g. forum")
    title: Optional[str] = Field(None, description="the kind's heading in the nav and on the home page, e.g. Forums")
    blurb: Optional[str] = Field(None, description="one sentence on the home page's card")
    schema_stem: Optional[str] = Field(None, alias="schema", description="file stem of its JSON Schema")
    node: Optional[NodeStyle] = Field(None, description="diagram style: a built-in kind's or a colour")
    order: Optional[int] = Field(None, description="place in the nav and on the home page (built-ins: 10-50)")
    templates: Optional[TemplatesDecl] = None
    common: bool = Field(True, description="whether it has the fields every kind has (name, owner, last_reviewed…)")
    index_columns: Optional[list[str]] = Field(
        None, description="columns of the index page: fields, or relations that point at the kind (provided_by); "
                          "a built-in kind's too")
    fields: dict[str, FieldDecl] = Field({}, description="its fields, in page order")


class VocabularyChange(_Decl):
    add: list[str] = Field([], description="values to allow as well")
    remove: list[str] = Field([], description="values to refuse from now on")


class TagsDecl(_Decl):
    pattern: str = Field(description="regular expression every tag must match (markup characters stay refused)")
    description: Optional[str] = None


class ThresholdsDecl(_Decl):
    """When the percentages lie: the limits of the computed allocation lints (`handbook explain <code>`)."""

    unchanged_periods: int = Field(2, ge=1, description="allocation-unchanged: an allocation the same for more than "
                                                          "this many periods in a row")
    drift_points: float = Field(10, ge=0, le=100, description="allocation-drift: planned and actual differ by more "
                                                              "than this many percentage points")
    max_categories: int = Field(4, ge=1, description="too-many-categories: a team split across more categories")
    catch_all_percent: float = Field(30, ge=0, le=100, description="catch-all-absorbs: a catch-all category (role: "
                                                                   "catch-all) takes more than this share")
    small_team_headcount: int = Field(4, ge=1, description="hidden-dependency: teams of at most this many people")
    rebuild_periods: int = Field(2, ge=1, description="rebuild-without-exit: a rebuild allocation for more than this "
                                                      "many periods in a row")
    red_checks: int = Field(1, ge=1, description="red-without-rebuild: this many latest health checks red")
    expiry_days: int = Field(45, ge=0, le=t.MAX_SPAN_DAYS,
                             description="allocation-expired: days after a period's end before its "
                                         "allocation is stale, unless it says `expires`")
    measured_points: float = Field(15, ge=0, le=100, description="reported-vs-measured, planned-vs-measured: a "
                                   "category's reported (else planned) and measured shares differ by more points")
    uncategorised_percent: float = Field(25, ge=0, le=100, description="low-coverage: more than this share of a "
                                         "team's measured effort matches no rule")
    evidence_days: int = Field(30, ge=0, le=t.MAX_SPAN_DAYS, description="evidence-stale: the newest record of "
                                                                          "the exports is older than this many days")
    meeting_hours: float = Field(15, ge=0, le=168, description="meeting-load: a team or person required in "
                                                               "rituals for more than this many hours a week")
    working_hours: str = Field("08:00-18:00", pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]-(?:[01][0-9]|2[0-4]):[0-5][0-9]$",
                               description="outside-working-hours: a person's working day in their own `timezone`, "
                                           "HH:MM-HH:MM")


class FolderDecl(_Decl):
    title: str = Field(description="the folder's heading on its kind's index page and in the nav, e.g. R&D")


class ModelDecl(_Decl):
    """handbook/model.yaml: the handbook's own fields, vocabularies, lints and kinds."""

    version: Literal[1] = Field(1, description="version of this file's format")
    vocabularies: dict[str, list[str] | VocabularyChange] = Field(
        {}, description="a list declares a new vocabulary or replaces one; {add, remove} changes one that exists")
    tags: Optional[TagsDecl] = None
    lints: dict[str, LintSetting] = Field({}, description="lint code -> off, warning or error")
    thresholds: ThresholdsDecl = Field(ThresholdsDecl(), description="limits of the computed allocation lints")
    kinds: dict[str, KindDecl] = Field({}, description="a built-in kind to extend, or a new kind, by folder name")
    evidence: Optional[EvidenceDecl] = Field(None, description="allocation measured from the work tracker's exports")
    folders: dict[str, FolderDecl] = Field(
        {}, description="sub-folders of a kind by path (rituals/rnd) -> their title; a folder without one is "
                        "headed by its name as written")


# --- the resolved model ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    """One field of a kind, resolved: what the page, the validator and the starter need."""

    name: str
    type: str
    required: bool = False
    required_when: tuple[tuple[str, str], ...] = ()  # (field, value): required when that field has that value
    default: Any = None
    has_default: bool = False
    description: str = ""
    example: Any = None
    label: str = ""
    of: "Spec | None" = None
    key: "Spec | None" = None
    value: "Spec | None" = None
    fields: tuple["Spec", ...] = ()
    one_of: tuple[str, ...] = ()
    title: str = ""
    to: tuple[str, ...] = ()  # the kinds a reference may name
    roles: bool = False  # a reference that may be a role in words instead
    reverse: str = ""
    reverse_label: str = ""
    flow: str = ""  # "in", "out" or "" (see FieldDecl.flow)
    parent: bool = False  # a reference to this entity's parent in a hierarchy (see FieldDecl.parent)
    values: tuple[str, ...] = ()
    vocabulary: str = ""
    min: float | None = None
    max: float | None = None
    min_items: int | None = None
    max_length: int | None = None
    many: bool = False  # a list (type list, `of` its items) declared `many: true`: one value stands for a list of one
    declared_in: str = ""  # the file that declared it (built-in or the handbook's model)


@dataclass(eq=False)
class Kind:
    """A kind of entity: the folder it lives in, its fields, its validator and its pages."""

    name: str  # folder under handbook/, URL prefix
    singular: str
    title: str
    blurb: str
    schema: str  # file stem of its JSON Schema, e.g. "ritual"
    node: str  # diagram style
    order: int
    page_template: str
    index_template: str
    index_columns: tuple[str, ...]
    fields: dict[str, Spec]
    model: type[BaseModel] = field(repr=False, default=None)  # type: ignore[assignment]
    builtin: bool = True
    template_lines: tuple[tuple[str, str, int, int], ...] = ()  # declared templates: (name, file, line, col)
    columns_from: str = ""  # the file that set index_columns (for its errors)

    @cached_property
    def parent(self) -> Spec | None:
        """The field naming each entity's parent in a hierarchy (`parent: true`), if the kind has one."""
        return next((spec for spec in self.fields.values() if spec.parent), None)

    @cached_property
    def prose_fields(self) -> tuple[Spec, ...]:
        """The fields that can hold Markdown at any depth (where links in prose are looked for)."""
        def has_prose(spec: Spec) -> bool:
            return spec.type == "markdown" or any(has_prose(inner) for inner in (spec.of, spec.key, spec.value,
                                                                                    *spec.fields) if inner is not None)
        return tuple(spec for spec in self.fields.values() if has_prose(spec))

    @property
    def references(self) -> list[Spec]:
        """Every reference this kind can hold, at any depth, for reverse labels."""
        found: list[Spec] = []

        def walk(spec: Spec) -> None:
            if spec.type == "ref":
                found.append(spec)
            for inner in (spec.of, spec.key, spec.value, *spec.fields):
                if inner is not None:
                    walk(inner)
        for spec in self.fields.values():
            walk(spec)
        return found


@dataclass(eq=False)
class Model:
    """The effective model of one handbook: built-in declarations plus its own model.yaml."""

    kinds: dict[str, Kind]  # folder -> kind, in nav order
    meta: Kind  # handbook.yaml
    vocabularies: dict[str, tuple[str, ...]]
    lints: dict[str, str]
    tag_pattern: str
    source: str | None = None  # the handbook's model file, when it has one
    digest: str = ""  # identifies the declarations this model was built from
    thresholds: ThresholdsDecl = field(default_factory=ThresholdsDecl)  # limits of the allocation lints
    evidence: EvidenceDecl | None = None  # the tracker exports to measure allocation from
    positions: Any = field(default=None, compare=False, repr=False)  # model.yaml's Document, to place problems
    folders: dict[str, str] = field(default_factory=dict)  # "rituals/rnd" -> its declared title

    def folder_title(self, kind: str, entity_id: str) -> str:
        """The heading of an entity's sub-folder: its declared title, else its path as written
        (`rnd`, `sales / emea`); "" at the top of the kind folder."""
        if "/" not in entity_id:
            return ""
        folder = entity_id.rsplit("/", 1)[0]
        return self.folders.get(f"{kind}/{folder}") or folder.replace("/", " / ")

    def find(self, word: str) -> Kind | None:
        """A kind by folder name, schema stem or singular (`handbook new ritual`)."""
        word = word.lower().strip()
        return next((k for k in self.kinds.values() if word in (k.name, k.schema, k.singular)), None)

    def validator(self, kind: str) -> type[BaseModel]:
        return self.meta.model if kind == "handbook" else self.kinds[kind].model

    @cached_property
    def reverse_labels(self) -> dict[str, str]:
        """Relation name -> label, for the reverse side of every reference."""
        labels: dict[str, str] = {MENTIONED_IN: "Mentioned in"}
        for kind in [self.meta, *self.kinds.values()]:
            for spec in kind.references:
                labels.setdefault(spec.reverse, spec.reverse_label)
        return labels

    @cached_property
    def flows(self) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
        """How work passes along each relation, for diagrams: (kind, top-level field) -> flow and
        reverse name -> flow, "in" or "out" as the reference field declares it (see FieldDecl.flow)."""
        forward: dict[tuple[str, str], str] = {}
        backward: dict[str, str] = {}

        def walk(kind: str, top: str, spec: Spec) -> None:
            if spec.type == "ref" and spec.flow:
                forward.setdefault((kind, top), spec.flow)
                backward.setdefault(spec.reverse, spec.flow)
            for inner in (spec.of, spec.key, spec.value, *spec.fields):
                if inner is not None:
                    walk(kind, top, inner)
        for kind in self.kinds.values():
            for spec in kind.fields.values():
                walk(kind.name, spec.name, spec)
        return forward, backward

    def ref(self, spec: Spec) -> t.Ref:
        """What a reference field holds: the kinds it may name, by folder and by singular."""
        singulars = tuple(self.kinds[k].singular if k in self.kinds else k.rstrip("s") for k in spec.to)
        return t.Ref(spec.to, spec.reverse, singulars, spec.roles)

    def node_style(self, entity) -> str:
        """The diagram style of an entity's node (a CSS class suffix)."""
        kind = self.kinds.get(entity.kind)
        return kind.node if kind is not None else entity.kind.rstrip("s")  # pillars, handbook

    def severity(self, code: str, default: str) -> str | None:
        """A lint's severity as the model sets it; None when switched off."""
        setting = self.lints.get(code)
        return None if setting == "off" else (setting or default)


# --- reading declarations ----------------------------------------------------------------------------

class ModelError(Exception):
    """Declarations that cannot make a model; carries located diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.format_text() for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class _Source:
    """A declaration file being read: its document, for positions, and its path for messages."""

    rel: str
    doc: Document
    prefix: tuple = ()
    problems: list[Diagnostic] = field(default_factory=list)

    def error(self, loc: tuple, message: str, hint: str | None = None, code: str = "model") -> None:
        line, col = self.doc.position(self.prefix + tuple(loc), key=True)
        self.problems.append(Diagnostic(self.rel, line, col, "error", code, message, hint))


def _humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _read_builtin(name: str) -> tuple[_Source, Any]:
    rel = f"generator/model/kinds/{name}.yaml"
    doc, problems = load_file(BUILTIN_DIR / f"{name}.yaml", rel)
    if doc is None:
        raise ModelError(problems)
    return _Source(rel, doc), doc.data


def builtin_kind_names() -> list[str]:
    return [p.stem for p in sorted(BUILTIN_DIR.glob("*.yaml")) if p.stem not in ("common", "handbook")]


class _Builder:
    """Turns declarations into a Model: merges the handbook's changes into the built-in kinds,
    resolves vocabularies, checks every reference and name, and builds the validators."""

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []
        self.vocabularies: dict[str, list[str]] = {}
        self.vocabulary_home: dict[str, str] = {}

    # Specs ------------------------------------------------------------------------------------
    def spec(self, src: _Source, loc: tuple, name: str, decl: FieldDecl) -> Spec | None:
        if decl.many and decl.type is not None:
            if decl.type == "list":
                src.error(loc + ("many",), f"field '{name}' is a list already; `many: true` is for a field of one "
                          "value that may take several", "remove `many:`, or write the item's type with `many: true` "
                          "instead of `type: list`")
                return None
            one = self.spec(src, loc, name, decl.model_copy(update={"many": None}))
            return None if one is None else _many(one)
        if decl.type is None:
            src.error(loc, f"field '{name}' has no type", "give it one of: " + ", ".join(TypeName.__args__))
            return None
        kw: dict[str, Any] = {"name": name, "type": decl.type, "required": bool(decl.required),
                              "required_when": tuple((decl.required_when or {}).items()),
                              "description": decl.description or "", "example": decl.example,
                              "label": decl.label or _humanise(name), "declared_in": src.rel}
        if "default" in decl.model_fields_set:
            kw.update(default=decl.default, has_default=True)
        for attr in ("min", "max", "min_items", "max_length", "title", "vocabulary"):
            if getattr(decl, attr) is not None:
                kw[attr] = getattr(decl, attr)
        wrong = self._misplaced(decl)
        if wrong:
            src.error(loc + (wrong,), f"'{wrong}' does not apply to a field of type {decl.type}",
                      "see `handbook explain model` for what each type takes")
        if decl.type == "list":
            if decl.of is None:
                src.error(loc, f"list field '{name}' needs `of:`, the type of its items", "e.g. of: {type: text}")
                return None
            inner = self.spec(src, loc + ("of",), name, decl.of)
            if inner is None:
                return None
            kw["of"] = inner
        elif decl.type == "map":
            if decl.key is None or decl.value is None:
                src.error(loc, f"map field '{name}' needs `key:` and `value:`", "e.g. key: {type: ref, to: funding}")
                return None
            key, value = self.spec(src, loc + ("key",), name, decl.key), self.spec(src, loc + ("value",), name, decl.value)
            if key is None or value is None:
                return None
            if key.type not in ("text", "ref", "slug"):
                src.error(loc + ("key",), f"map keys are text or references, not {key.type}")
            kw.update(key=key, value=value)
        elif decl.type == "object":
            if not decl.fields:
                src.error(loc, f"object field '{name}' needs `fields:`")
                return None
            inner = [self.spec(src, loc + ("fields", n), n, d) for n, d in decl.fields.items()]
            if None in inner:
                return None
            kw["fields"] = tuple(inner)  # type: ignore[arg-type]
            for i, other in enumerate(decl.one_of or []):
                if other not in decl.fields:
                    src.error(loc + ("one_of", i), f"one_of names '{other}', which is not one of its fields")
            kw["one_of"] = tuple(decl.one_of or ())
        elif decl.type == "ref":
            if not decl.to:
                src.error(loc, f"reference field '{name}' needs `to:`, the kind it refers to")
                return None
            to = (decl.to,) if isinstance(decl.to, str) else tuple(dict.fromkeys(decl.to))
            kw.update(to=to, roles=bool(decl.roles), reverse=decl.reverse or "", reverse_label=decl.reverse_label or "",
                      flow=decl.flow or "", parent=bool(decl.parent))
        elif decl.type == "enum":
            values = list(decl.values or [])
            if decl.vocabulary:
                if values:
                    self.vocabularies.setdefault(decl.vocabulary, values)
                    self.vocabulary_home.setdefault(decl.vocabulary, src.rel)
                elif decl.vocabulary not in self.vocabularies:
                    src.error(loc + ("vocabulary",), f"unknown vocabulary '{excerpt(decl.vocabulary)}'"
                              f"{did_you_mean(decl.vocabulary, self.vocabularies, 0.6)}",
                              f"name a vocabulary ({', '.join(sorted(self.vocabularies))}), give `values:`, or declare "
                              f"it at the top of model.yaml: `vocabularies: {{{excerpt(decl.vocabulary)}: [a, b]}}`")
                    return None
            elif not values:
                src.error(loc, f"enum field '{name}' needs `values:` or a `vocabulary:`")
                return None
            kw["values"] = tuple(values)
        return Spec(**kw)

    @staticmethod
    def _misplaced(decl: FieldDecl) -> str | None:
        allowed = {"list": {"of", "min_items"}, "map": {"key", "value"}, "object": {"fields", "one_of", "title"},
                   "ref": {"to", "roles", "reverse", "reverse_label", "flow", "parent"}, "enum": {"values", "vocabulary"},
                   "integer": {"min", "max"}, "number": {"min", "max"}, "text": {"max_length"}}.get(decl.type or "", set())
        specific = {"of", "min_items", "key", "value", "fields", "one_of", "title", "to", "roles", "reverse", "reverse_label",
                    "flow", "parent", "values", "vocabulary", "min", "max", "max_length"}
        return next((k for k in decl.model_fields_set & specific if k not in allowed), None)

    def change(self, src: _Source, loc: tuple, existing: Spec, decl: FieldDecl) -> Spec:
        """A handbook's change to a field declared elsewhere: its wording and whether it is
        required, or a wider type (every value the field took stays valid); never a narrower one."""
        one = existing.of if existing.many and existing.of is not None else existing  # the type of each value
        if decl.type is not None and decl.type != one.type:
            if (one.type, decl.type) not in WIDENINGS:
                narrower = (decl.type, one.type) in WIDENINGS
                src.error(loc + ("type",), f"field '{existing.name}' is declared by {existing.declared_in} as "
                          f"{_type_words(existing)}; " + (f"{decl.type} would narrow it" if narrower else
                                                          f"a handbook cannot make it {decl.type}"),
                          _WIDEN_HINT + ("; for one value or several write `many: true` instead of `type: list`"
                                         if decl.type == "list" else ""))
                return existing
            kept = {"max_length": None} if decl.type == "markdown" else {}
            if decl.type == "text":
                kept = {"values": (), "vocabulary": ""}
            one = replace(one, type=decl.type, **kept)
        changed = replace(existing, of=one) if existing.many else one
        if decl.many is False and existing.many:
            src.error(loc + ("many",), f"field '{existing.name}' is declared by {existing.declared_in} to take several "
                      "values; a handbook cannot narrow it to one", _WIDEN_HINT)
        elif decl.many and existing.type != "list":
            changed = _many(one)
        existing = changed
        other = sorted(k for k in decl.model_fields_set - CHANGEABLE if k not in ("type", "many"))
        if other:
            src.error(loc + (other[0],), f"'{other[0]}' of field '{existing.name}' cannot be changed here",
                      f"a handbook can change: {', '.join(sorted(CHANGEABLE))}; vocabularies are changed under "
                      "`vocabularies:`")
        kw: dict[str, Any] = {k: getattr(decl, k) for k in CHANGEABLE & decl.model_fields_set
                              if k not in ("default", "required_when")}
        if "required_when" in decl.model_fields_set:
            kw["required_when"] = tuple((decl.required_when or {}).items())
        elif "required" in decl.model_fields_set:
            kw["required_when"] = ()  # `required: false` relaxes a field entirely
        if "default" in decl.model_fields_set:
            kw.update(default=decl.default, has_default=True)
        return replace(existing, **kw)

    # Kinds ------------------------------------------------------------------------------------
    def kind(self, src: _Source, loc: tuple, name: str, decl: KindDecl, common: dict[str, Spec],
             builtin: bool, base: Kind | None = None) -> Kind | None:
        if base is None and not builtin and (not re.match(t.SLUG_PATTERN, name) or name in RESERVED_KINDS):
            src.error(loc, f"'{excerpt(name)}' cannot be a kind's folder name",
                      "use a lower-case slug that the site does not use itself: not "
                      + ", ".join(sorted(RESERVED_KINDS)))
            return None
        fields: dict[str, Spec] = dict(base.fields) if base else (dict(common) if decl.common else {})
        for fname, fdecl in decl.fields.items():
            floc = loc + ("fields", fname)
            if fname in fields:
                fields[fname] = self.change(src, floc, fields[fname], fdecl)
                continue
            if not NAME_RE.match(fname) or fname in RESERVED_FIELDS:
                src.error(floc, f"'{excerpt(fname)}' cannot be a field name",
                          "use lower-case letters, digits and underscores, starting with a letter, and not a name an "
                          "entity already has (" + ", ".join(sorted(RESERVED_FIELDS & {"id", "kind", "url", "path"})) + "…)")
                continue
            spec = self.spec(src, floc, fname, fdecl)
            if spec is not None:
                fields[fname] = spec
        if base is not None:
            for attr in ("singular", "title", "blurb", "node", "order", "templates"):
                if attr in decl.model_fields_set:
                    src.error(loc + (attr,), f"'{attr}' of the built-in kind '{name}' cannot be changed here",
                              "override its templates in the project's templates/ folder instead")
            # A handbook picks the index columns of a built-in kind as of its own kinds.
            columns = tuple(decl.index_columns) if decl.index_columns is not None else base.index_columns
            return replace(base, fields=fields, model=None, index_columns=columns,
                           columns_from=src.rel if decl.index_columns is not None else base.columns_from)
        singular = decl.singular or (name[:-1] if name.endswith("s") else name)
        templates = decl.templates or TemplatesDecl()
        # Declared names are names, never paths: a schema file's stem, a template in the templates folder.
        if decl.schema_stem is not None and not re.match(t.SLUG_PATTERN, decl.schema_stem):
            src.error(loc + ("schema",), f"'{excerpt(decl.schema_stem)}' cannot be a schema name",
                      "a lower-case slug such as 'forum': `handbook schema` writes <name>.schema.json")
        template_lines = []
        for attr in ("page", "index"):
            value = getattr(templates, attr)
            if value is None:
                continue
            if not TEMPLATE_NAME_RE.match(value):
                src.error(loc + ("templates", attr), f"'{excerpt(value)}' cannot be a template name",
                          "the name of a file in the templates folder, no folders: e.g. forum.md.j2")
                continue
            template_lines.append((value, src.rel, *src.doc.position(src.prefix + loc + ("templates", attr))))
        columns = tuple(decl.index_columns or [n for n, s in fields.items()
                                                if n not in common and s.type in ("text", "enum", "ref", "date")][:3])
        return Kind(name=name, singular=singular, title=decl.title or _humanise(name), blurb=decl.blurb or "",
                    schema=decl.schema_stem or re.sub(r"[^a-z0-9]+", "-", singular.lower()).strip("-") or name,
                    node=decl.node or "grey", order=decl.order if decl.order is not None else 100,
                    page_template=templates.page or "entity.md.j2", index_template=templates.index or "index.md.j2",
                    index_columns=columns, fields=fields, builtin=builtin, template_lines=tuple(template_lines),
                    columns_from=src.rel)


# Widening a built-in field, (declared type, the handbook's type): every value the field took
# stays valid and keeps its meaning. The reverse is narrowing, which would break files.
WIDENINGS = {("text", "markdown"), ("integer", "number"), ("percent", "integer"), ("percent", "number"),
             ("slug", "text"), ("enum", "text")}
_WIDEN_HINT = ("a handbook may widen a built-in field (text to markdown, integer or percent to number, slug or enum to "
               "text, one value to several with `many: true`), never narrow it; add a field of your own under another "
               "name instead")


def _type_words(spec: Spec) -> str:
    return f"several {spec.of.type} values (many: true)" if spec.many and spec.of else spec.type


def _many(one: Spec) -> Spec:
    """A field of one value declared `many: true`: a list of such values, where a file may write one."""
    item = replace(one, required=False, required_when=(), default=None, has_default=False, example=None)
    return Spec(name=one.name, type="list", required=one.required, required_when=one.required_when,
                default=one.default, has_default=one.has_default, description=one.description,
                example=one.example, label=one.label, of=item, many=True, declared_in=one.declared_in)


def _read(src: _Source, decl_model: type[BaseModel], data: Any) -> BaseModel | None:
    result, problems = validate_data(src.rel, src.doc, decl_model, data)
    src.problems.extend(problems)
    return result


def build_model(model_text: bytes | None = None, model_rel: str = f"handbook/{MODEL_FILE}") -> Model:
    """The effective model: the built-in declarations, changed by a handbook's model.yaml (its
    bytes, or None when the handbook has none). Raises ModelError with every problem found."""
    return _build_cached(model_text, model_rel)


@lru_cache(maxsize=8)
def _build_cached(model_text: bytes | None, model_rel: str) -> Model:
    builder = _Builder()
    sources: list[_Source] = []
    common_src, common_data = _read_builtin("common")
    sources.append(common_src)
    common_decls = _read(common_src, _CommonFields, common_data)
    common: dict[str, Spec] = {}
    if common_decls is not None:
        for name, decl in common_decls.root.items():  # type: ignore[attr-defined]
            spec = builder.spec(common_src, (name,), name, decl)
            if spec is not None:
                common[name] = spec
    kinds: dict[str, Kind] = {}
    meta_src, meta_data = _read_builtin("handbook")
    sources.append(meta_src)
    meta_decl = _read(meta_src, KindDecl, meta_data)
    meta = builder.kind(meta_src, (), "handbook", meta_decl, common, True, None) if meta_decl else None
    for name in builtin_kind_names():
        src, data = _read_builtin(name)
        sources.append(src)
        decl = _read(src, KindDecl, data)
        kind = builder.kind(src, (), name, decl, common, True) if decl else None
        if kind is not None:
            kinds[name] = kind
    lints: dict[str, str] = {}
    thresholds = ThresholdsDecl()
    tag_pattern = t.TAG_PATTERN
    own: ModelDecl | None = None
    folders: dict[str, str] = {}
    if model_text is not None:
        doc, problems = parse_text(model_text, model_rel)
        if doc is None:
            raise ModelError(problems)
        src = _Source(model_rel, doc)
        sources.append(src)
        if (version_problem := model_version_problem(model_rel, doc)) is not None:  # upgrades: say what to do
            raise ModelError([version_problem])
        # Each part is checked on its own, so that one broken field hides no other mistake.
        raw_kinds = doc.data.get("kinds") if isinstance(doc.data.get("kinds"), dict) else {}
        own = _read(src, _Settings, {**doc.data, "kinds": {}})  # type: ignore[assignment]
        for name, values in (own.vocabularies.items() if own is not None else ()):
            if name not in builder.vocabularies and isinstance(values, list):  # a new vocabulary, for the kinds below
                builder.vocabularies[name] = list(values)
                builder.vocabulary_home[name] = src.rel
        for name, raw in raw_kinds.items():
            loc = ("kinds", name)
            decl = _read_kind(src, raw, loc)
            if decl is None:
                continue
            if name == "handbook" or name in kinds:  # a change to a built-in declaration
                base = meta if name == "handbook" else kinds[name]
                changed = builder.kind(src, loc, name, decl, common, False, base) if base else None
                if changed is not None and name == "handbook":
                    meta = changed
                elif changed is not None:
                    kinds[name] = changed
            else:
                kind = builder.kind(src, loc, name, decl, common, False)
                if kind is not None:
                    kinds[name] = kind
        if own is not None:
            _vocabularies(src, own, builder)
            lints = _lints(src, own)
            thresholds = own.thresholds
            if own.tags is not None:
                tag_pattern = _tag_pattern(src, own.tags.pattern)
            folders = _folders(src, own, kinds)
    problems = [p for s in sources for p in s.problems]
    if meta is None:
        raise ModelError(problems)
    kinds = dict(sorted(kinds.items(), key=lambda kv: (kv[1].order, list(kinds).index(kv[0]))))
    vocabularies = {k: tuple(v) for k, v in builder.vocabularies.items()}
    model = Model(kinds, meta, vocabularies, lints, tag_pattern, model_rel if model_text is not None else None,
                  hashlib.blake2b(model_text or b"", digest_size=8).hexdigest(), thresholds,
                  own.evidence if own is not None else None, sources[-1].doc if model_text is not None else None,
                  folders)
    problems += _check_references(model, sources[-1] if model_text is not None else None)
    if problems:
        raise ModelError(sorted(problems))
    compile_validators(model)
    return model


_CommonFields = RootModel[dict[str, FieldDecl]]


class _Settings(ModelDecl):
    kinds: dict[str, Any] = {}  # read kind by kind: _read_kind


class _LooseKind(KindDecl):
    fields: dict[str, Any] = {}  # read field by field


def _read_kind(src: _Source, raw: Any, loc: tuple) -> KindDecl | None:
    """A kind's declaration, keeping every field that is right and reporting every one that is not."""
    result, problems = validate_data(src.rel, src.doc, _LooseKind, raw, loc)
    src.problems.extend(problems)
    if result is None:
        return None
    fields: dict[str, FieldDecl] = {}
    for name, field_raw in result.fields.items():
        spec, problems = validate_data(src.rel, src.doc, FieldDecl, field_raw, loc + ("fields", name))
        src.problems.extend(problems)
        if spec is not None:
            fields[name] = spec
    return result.model_copy(update={"fields": fields})


def _vocabularies(src: _Source, own: ModelDecl, builder: _Builder) -> None:
    for name, change in own.vocabularies.items():
        loc = ("vocabularies", name)
        if name not in builder.vocabularies:
            src.error(loc, f"unknown vocabulary '{excerpt(name)}'{did_you_mean(name, builder.vocabularies, 0.6)}: "
                      "`add:` and `remove:` change a vocabulary that exists",
                      f"to declare a new one, give its values as a list (`{excerpt(name)}: [low, high]`); to change "
                      f"one that exists, write `{{add: [...], remove: [...]}}` or a list that replaces it. "
                      f"Vocabularies: {', '.join(sorted(builder.vocabularies))}")
            continue
        if isinstance(change, list):
            values = list(dict.fromkeys(change))
        else:
            current = builder.vocabularies[name]
            for i, value in enumerate(change.remove):
                if value not in current:
                    src.error(loc + ("remove", i), f"'{excerpt(value)}' is not in vocabulary '{name}'")
            values = [v for v in current if v not in change.remove] + [v for v in change.add if v not in current]
        if not values:
            src.error(loc, f"vocabulary '{name}' would be empty")
        for i, value in enumerate(values):
            if not isinstance(value, str) or not re.match(t.LINE_PATTERN, value) or not value.strip():
                src.error(loc, f"vocabulary '{name}': {excerpt(value)!r} is not a one-line value")
        builder.vocabularies[name] = values


def _folders(src: _Source, own: ModelDecl, kinds: dict[str, Kind]) -> dict[str, str]:
    """`folders:` -> {"rituals/rnd": "R&D"}; a path names a sub-folder of a kind."""
    out: dict[str, str] = {}
    for path, decl in own.folders.items():
        kind, _, folder = path.strip("/").partition("/")
        if kind not in kinds or not folder or any(p in ("", ".", "..") for p in folder.split("/")):
            src.error(("folders", path), f"'{excerpt(path)}' is not a sub-folder of a kind",
                      f"write the kind's folder, then the sub-folder: {next(iter(kinds), 'rituals')}/rnd")
            continue
        out[f"{kind}/{folder}"] = decl.title
    return out


def _lints(src: _Source, own: ModelDecl) -> dict[str, str]:
    for code in own.lints:
        if code not in LINT_CODES:
            src.error(("lints", code), f"'{excerpt(code)}' is not a lint{did_you_mean(code, LINT_CODES, 0.6)}",
                      "`handbook explain` lists the codes; lints are: " + ", ".join(sorted(LINT_CODES)))
    return {code: setting for code, setting in own.lints.items() if code in LINT_CODES}


def _tag_pattern(src: _Source, pattern: str) -> str:
    """The pattern, compiled by the engine that runs it: pydantic's (Rust's `regex`, which matches in
    linear time, so no pattern can backtrack for ever, and which has no look-around or back-references)."""
    problem = t.pattern_problem(pattern)
    if problem is not None:
        src.error(("tags", "pattern"), f"tags.pattern is not a regular expression the validator can run: {problem}",
                  "write it without look-ahead, look-behind or back-references (Rust regex syntax), "
                  "e.g. '^[a-z]+(:[a-z-]+)?$'")
        return t.TAG_PATTERN
    return pattern


def _check_references(model: Model, src: _Source | None) -> list[Diagnostic]:
    """Every `to:` names a kind; every reverse name is unique per target kind; enums resolved."""
    problems: list[Diagnostic] = []
    targets = set(model.kinds) | {"pillars"}
    for kind in [model.meta, *model.kinds.values()]:
        for spec in kind.references:
            where = f"{kind.name}.{spec.name}"
            unknown = next((to for to in spec.to if to not in targets), None)
            if unknown is not None:
                problems.append(_at(src, kind, spec, f"field '{where}' refers to unknown kind "
                                    f"'{excerpt(unknown)}'{did_you_mean(unknown, targets, 0.6)}",
                                    f"kinds: {', '.join(sorted(targets))}"))
                continue
            # Specs are frozen for everyone else; the defaults of a reference are settled here, once.
            if not spec.reverse:
                object.__setattr__(spec, "reverse", f"{kind.name}_{spec.name}")
            if not spec.reverse_label:
                object.__setattr__(spec, "reverse_label", f"{kind.title} ({_humanise(spec.name).lower()})")
    # A hierarchy: one parent field per kind, a single reference to one kind.
    for kind in model.kinds.values():
        parents = [spec for spec in kind.fields.values() if spec.parent]
        for spec in parents:
            if spec.type != "ref" or len(spec.to) != 1 or spec.to[0] not in model.kinds:
                problems.append(_at(src, kind, spec, f"parent field '{kind.name}.{spec.name}' must refer to one kind",
                                    "a parent is a single reference to one kind: `to: departments` (or to the "
                                    "kind itself)"))
        for spec in parents[1:]:
            problems.append(_at(src, kind, spec, f"'{kind.name}' has two parent fields: '{parents[0].name}' and "
                                f"'{spec.name}'", "an entity has one parent: mark one field `parent: true`"))
    # An index column is a field of the kind or a relation that points at it (`provided_by`).
    for kind in model.kinds.values():
        reverses = {spec.reverse for other in [model.meta, *model.kinds.values()] for spec in other.references
                    if kind.name in spec.to}
        for i, column in enumerate(kind.index_columns):
            if column in kind.fields or column in reverses:
                continue
            message = (f"index column '{excerpt(column)}' is neither a field of '{kind.name}' nor a relation that "
                       f"points at it{did_you_mean(column, [*kind.fields, *reverses], 0.6)}")
            hint = f"fields: {', '.join(kind.fields)}; relations: {', '.join(sorted(reverses)) or 'none'}"
            if src is not None and kind.columns_from == src.rel:
                line, col = src.doc.position(("kinds", kind.name, "index_columns", i))
                problems.append(Diagnostic(src.rel, line, col, "error", "model", message, hint))
            else:
                problems.append(Diagnostic(kind.columns_from, 0, 0, "error", "model", message, hint))
    return problems


def _at(src: _Source | None, kind: Kind, spec: Spec, message: str, hint: str) -> Diagnostic:
    if src is not None and spec.declared_in == src.rel:
        line, col = src.doc.position(("kinds", kind.name, "fields", spec.name), key=True)
        return Diagnostic(src.rel, line, col, "error", "model", message, hint)
    return Diagnostic(spec.declared_in, 0, 0, "error", "model", message, hint)


# --- a handbook's model ---------------------------------------------------------------------------

def load_model(handbook_dir: Path, project_dir: Path) -> tuple[Model | None, list[Diagnostic]]:
    """The handbook's effective model, or None and every problem in its model.yaml."""
    path = handbook_dir / MODEL_FILE
    try:
        rel = path.relative_to(project_dir).as_posix()
    except ValueError:
        rel = path.as_posix()
    text: bytes | None = None
    if path.exists() or path.is_symlink():
        try:
            text = read_regular(path)
        except YamlProblem as exc:
            return None, [exc.diagnostic(rel)]
        except OSError as exc:
            return None, [Diagnostic(rel, 0, 0, "error", "unreadable", f"cannot read file: {exc.strerror or exc}")]
    try:
        return build_model(text, rel), []
    except ModelError as exc:
        return None, exc.diagnostics


def default_model() -> Model:
    """The built-in model alone (for tools that have no handbook at hand)."""
    return build_model(None)
