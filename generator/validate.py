"""Validate: find the handbook's files, check each against its kind's schema, and turn every
pydantic error into a located diagnostic with a hint."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, excerpt
from .loader import NOT_REGULAR, Document, load_file
from .schema import (KINDS, LINE_PATTERN, MAX_ID_CHARS, META_FILE, SLUG_RE, TAG_PATTERN, URL_PATTERN, HandbookMeta,
                     field_shape, slugify)

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class SourceFile:
    kind: str  # a KINDS key, or "handbook" for handbook.yaml
    id: str
    path: Path
    rel: str  # project-relative path for messages and edit links


def did_you_mean(word: str, candidates) -> str:
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def discover(handbook_dir: Path, project_dir: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    """List the entity files under `handbook_dir`. Kind comes from the folder, id from the file name.

    The walk never follows a symbolic link and never opens anything but regular files: a pull
    request could otherwise make CI read (and print) files from anywhere on the machine."""
    files: list[SourceFile] = []
    diags: list[Diagnostic] = []

    def rel(path: Path) -> str:
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
        if entry.name.startswith(".") or entry.name == META_FILE:
            continue
        if entry.is_symlink():
            refuse(path, True)
        elif entry.is_dir(follow_symlinks=False):
            if entry.name not in KINDS:
                _unknown_kind(path, rel, diags)
                continue
            seen: dict[str, SourceFile] = {}
            for path, problem in _walk(path):
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
                entity_id = path.stem
                if not SLUG_RE.match(entity_id):
                    suggestion = slugify(entity_id)
                    diags.append(Diagnostic(rel(path), 0, 0, "error", "invalid-id",
                                            f"'{excerpt(entity_id)}' is not a valid id: the file name must be a "
                                            "lower-case slug",
                                            f"rename the file to '{suggestion[:MAX_ID_CHARS] or 'my-entity'}"
                                            f"{path.suffix}' (letters, digits and single hyphens)"))
                    continue
                if entity_id in seen:
                    diags.append(Diagnostic(rel(path), 0, 0, "error", "duplicate-id",
                                            f"id '{entity_id}' is already used by {seen[entity_id].rel}",
                                            "each entity needs its own file name; rename one of them"))
                    continue
                seen[entity_id] = SourceFile(entry.name, entity_id, path, rel(path))
                files.append(seen[entity_id])
        elif not entry.is_file(follow_symlinks=False):
            refuse(path, False)
        elif path.suffix in YAML_SUFFIXES:
            diags.append(Diagnostic(rel(path), 0, 0, "error", "misplaced-file",
                                    f"'{excerpt(entry.name)}' is outside any kind folder",
                                    f"move it into one of: {', '.join(KINDS)}"))
    return files, diags


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


def _unknown_kind(folder: Path, rel, diags: list[Diagnostic]) -> None:
    """A folder that is not a kind, reported on each YAML file in it (an annotation needs a file)."""
    message = f"folder '{excerpt(folder.name)}' is not a kind of entity{did_you_mean(folder.name, KINDS)}"
    hint = f"entities live in one of: {', '.join(KINDS)}"
    inside = [p for p, problem in _walk(folder) if problem is None and p.suffix in YAML_SUFFIXES]
    for path in inside or [folder]:
        diags.append(Diagnostic(rel(path), 1 if inside else 0, 1 if inside else 0, "error", "unknown-kind",
                                message, hint))


def model_for(kind: str) -> type[BaseModel]:
    return HandbookMeta if kind == "handbook" else KINDS[kind].model


def validate_document(source: SourceFile, doc: Document) -> tuple[BaseModel | None, list[Diagnostic]]:
    model = model_for(source.kind)
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        return None, [_diagnostic(source.rel, doc, model, err) for err in errs if not _explained_by_typo(err, errs)]


def _explained_by_typo(err: dict, errs: list[dict]) -> bool:
    """A missing field whose name an unknown field nearby is a misspelling of: report the typo only."""
    if err["type"] != "missing":
        return False
    parent, name = err["loc"][:-1], err["loc"][-1]
    return any(e["type"] == "extra_forbidden" and e["loc"][:-1] == parent
               and difflib.get_close_matches(str(e["loc"][-1]), [name], n=1, cutoff=0.6) for e in errs)


def load_and_validate(source: SourceFile) -> tuple[Document | None, BaseModel | None, list[Diagnostic]]:
    doc, diags = load_file(source.path, source.rel)
    if doc is None:
        return None, None, diags
    data, diags = validate_document(source, doc)
    return doc, data, diags


# --- pydantic error -> diagnostic ---------------------------------------------------------------

def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last part of `loc`, following nested models, lists and dicts."""
    shape: tuple = ("model", model)
    for part in loc[:-1]:
        if shape[0] in ("list", "dict"):  # part is an index or a key
            shape = shape[1] if shape[0] == "list" else shape[2]
        elif shape[0] == "model" and part in shape[1].model_fields:
            shape = field_shape(shape[1], part)
        else:
            return None
    return shape[1] if shape[0] == "model" else None


def _yaml_kind(value: Any) -> str:
    return {bool: "a yes/no value", int: "a number", float: "a number", type(None): "nothing",
            list: "a list", dict: "a mapping"}.get(type(value), "a date" if hasattr(value, "isoformat") else "text")


def _diagnostic(rel: str, doc: Document, model: type[BaseModel], err: dict) -> Diagnostic:
    # pydantic adds "[key]" after a dict key that failed, and "function-…" for custom validators.
    raw_loc = err["loc"]
    on_key = "[key]" in raw_loc
    loc = tuple(p for p in raw_loc if p != "[key]" and not str(p).startswith("function-"))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    field = ".".join(str(p) for p in loc) or "(file)"
    owner = _model_at(model, loc)
    name = loc[-1] if loc else None
    info = owner.model_fields.get(name) if owner is not None and isinstance(name, str) else None
    described = f" ({info.description})" if info is not None and info.description else ""

    def at(code: str, message: str, hint: str | None = None, *, key: bool = on_key, where=loc) -> Diagnostic:
        line, col = doc.position(where, key=key)
        return Diagnostic(rel, line, col, "error", code, message, hint)

    if kind == "extra_forbidden":
        allowed = list(owner.model_fields) if owner is not None else []
        return at("unknown-field", f"unknown field '{excerpt(name)}'{did_you_mean(name, allowed)}",
                  f"fields allowed here: {', '.join(allowed)}" if allowed else None, key=True)
    if kind == "missing":
        return at("missing-field", f"missing required field '{name}'{described}",
                  f"add `{name}:` to this {'item' if len(loc) > 1 else 'file'}", where=loc[:-1])
    if kind == "literal_error":
        hint = "YAML reads yes/no/on/off as true/false: quote such words" if isinstance(value, bool) else None
        value = excerpt(doc.source_text(loc) or value)
        options = [o.strip(" '") for o in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        return at("invalid-value", f"{field}: '{value}' is not one of: {', '.join(options)}{did_you_mean(value, options)}",
                  hint)
    if kind in ("string_type", "string_sub_type"):
        source = doc.source_text(loc)
        if source is not None:
            return at("wrong-type", f"{field}: expected text, but YAML read `{excerpt(source)}` as {_yaml_kind(value)}",
                      f'quote it: {name}: "{excerpt(source)}"')
        return at("wrong-type", f"{field}: expected text, found {_yaml_kind(value)}",
                  "write a single line of text, or a `|` block for several lines")
    if kind in ("list_type", "tuple_type"):
        return at("wrong-type", f"{field}: expected a list, found {_yaml_kind(value)}",
                  "write each item on its own line starting with `- `, or [a, b]")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return at("wrong-type", f"{field}: expected a mapping of fields, found {_yaml_kind(value)}",
                  "write `field: value` lines, indented under this key")
    if kind.startswith("date") or kind.startswith("datetime"):
        return at("invalid-date", f"{field}: '{excerpt(value)}' is not a date", "write dates as YYYY-MM-DD, e.g. 2026-03-31")
    if kind in ("int_type", "int_parsing", "int_from_float", "bool_type", "bool_parsing"):
        want = "a whole number" if kind.startswith("int") else "true or false"
        return at("wrong-type", f"{field}: expected {want}, found {_yaml_kind(value)} '{excerpt(value)}'")
    if kind == "string_too_short":
        return at("invalid-value", f"{field}: must not be empty", "write a value, or remove the field if it is optional")
    if kind == "too_short":
        return at("invalid-value", f"{field}: needs at least {ctx.get('min_length', 1)} item(s)")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == LINE_PATTERN:
        return at("invalid-value", f"{field}: must be one line of text, without line breaks or control characters",
                  "this field is shown as plain text in headings, tables and menus; join the lines (a `>-` block "
                  "folds them), or put longer text in a Markdown field")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == URL_PATTERN:
        return at("invalid-value", f"{field}: '{excerpt(value)}' is not a web address",
                  "write the full address, e.g. https://handbook.example.com/ (no spaces, quotes, angle brackets "
                  "or line breaks)")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == TAG_PATTERN:
        return at("invalid-value", f"{field}: tag '{excerpt(value)}' may contain only letters, digits, spaces, dots and hyphens",
                  "tags are short labels such as `planning` or `on-call`")
    if kind == "string_pattern_mismatch":
        return at("invalid-value", f"{field}: '{excerpt(value)}' is not a valid id",
                  "use lower-case letters, digits and single hyphens, e.g. grow-the-core")
    message = err["msg"].removeprefix("Value error, ")
    return at("invalid-value", f"{field}: {message}", ctx.get("hint"))
