"""Authoring: write a commented starter file for a new entity, derived from the kind's schema."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..diagnostics import excerpt
from .declare import Kind
from .types import LINE_PATTERN, MAX_ID_CHARS, MAX_NAME_CHARS, Cadence, Ref, Target, field_shape, slugify

SCHEMA_DIR_FROM_ENTITY = "../../schemas"


def _ref_in(shape: tuple) -> Ref | None:
    """The reference a field holds, directly or as list items (see schema.field_shape)."""
    if shape[0] == "list":
        shape = shape[1]
    return shape[1] if shape[0] == "ref" else None


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class Starter:
    """Builds the YAML lines of a starter file; `known` maps kind -> existing ids, for references."""

    def __init__(self, known: dict[str, list[str]], today: date):
        self.known, self.today = known, today

    def ref_value(self, ref: Ref) -> str:
        ids = next((self.known[k] for k in ref.kinds if self.known.get(k)), None) or [f"TODO-{ref.kinds[0]}-id"]
        return ids[0]

    def scalar(self, name: str, info: FieldInfo, annotation: Any, ref: Ref | None) -> str:
        if ref:
            return self.ref_value(ref)
        origin = get_origin(annotation)
        if origin is Literal:
            return str(get_args(annotation)[0])
        if annotation is date:
            return self.today.isoformat()
        if annotation is Cadence:
            return "weekly"
        if annotation is Target:
            return _yaml_str("10-20%")
        if annotation is bool:
            return "true"
        if annotation is int:
            low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
            return str(max(low or 0, 30 if "minutes" in name else 1))
        return _yaml_str(f"TODO: {info.description or name.replace('_', ' ')}")

    def lines(self, model: type[BaseModel], values: dict[str, str], needed: set[str] | None = None, *,
              examples: dict[str, str] | None = None, describe_values: bool = False) -> list[str]:
        """The fields as YAML lines: those in `needed` (default: the required ones) written out,
        the others commented out. `values` are YAML text after `field:` (a block when it starts
        with a line break), described too with `describe_values`; `examples` replace the generic
        value of a field."""
        needed = needed if needed is not None else {n for n, i in model.model_fields.items() if i.is_required()}
        examples = examples or {}
        out: list[str] = []
        for name, info in model.model_fields.items():
            if name in values and not describe_values:
                out.append(f"{name}: {values[name]}")
                continue
            annotation = _unwrap(info.annotation)
            comment = info.description or ""
            if get_origin(annotation) is Literal:
                comment = (comment + "; " if comment else "") + "one of: " + ", ".join(map(str, get_args(annotation)))
            if comment:
                out.append(f"# {comment}")
            if name in values:
                value = values[name]
                out.append(f"{name}:{value}" if value.startswith("\n") else f"{name}: {value}")
                continue
            value = [f"{name}: {examples[name]}"] if name in examples else \
                self.value(name, info, annotation, _ref_in(field_shape(model, name)), name in needed)
            if name in needed:
                out.extend(value)
            else:
                out.extend(f"# {line}" for line in value)
        return out

    def value(self, name: str, info: FieldInfo, annotation: Any, ref: Ref | None, needed: bool) -> list[str]:
        if info.examples:  # the schema's own example, as flow-style YAML (JSON is valid YAML)
            return [f"{name}: {json.dumps(info.examples[0], ensure_ascii=False)}"]
        origin = get_origin(annotation)
        if origin is list:
            return [f"{name}: [{self.ref_value(ref)}]" if ref and needed else f"{name}: []"]
        if origin is dict:
            return [f"{name}: {{}}"]
        if "markdown" in info.metadata or "Markdown" in (info.description or ""):
            return [f"{name}: |", f"  TODO: {info.description or name}"]
        return [f"{name}: {self.scalar(name, info, annotation, ref)}"]


def _unwrap(annotation: Any) -> Any:
    """`X | None` -> X."""
    if get_origin(annotation) is not None and type(None) in get_args(annotation):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def needed_fields(kind: Kind) -> set[str]:
    """Fields a new file must write: the required ones, and those required by another field's
    default value (a ritual is a meeting unless it says otherwise)."""
    def by_default(field: str, value: str) -> bool:
        other = kind.fields.get(field)
        return other is not None and other.has_default and other.default == value
    return {name for name, spec in kind.fields.items()
            if (spec.required and not spec.has_default) or any(by_default(f, v) for f, v in spec.required_when)}


def starter_text(kind: Kind, name: str, known: dict[str, list[str]], today: date) -> str:
    body = Starter(known, today).lines(kind.model, {"name": _yaml_str(name)}, needed_fields(kind))
    header = [
        f"# yaml-language-server: $schema={SCHEMA_DIR_FROM_ENTITY}/{kind.schema}.schema.json",
        f"# A new {kind.singular}. Lines starting with '#' are optional fields: remove the '# ' to use one.",
        "# Replace every TODO. Text fields accept Markdown. Check with: handbook check",
    ]
    return "\n".join(header + body) + "\n"


def create_entity(handbook_dir: Path, kind: Kind, name: str, known: dict[str, list[str]], today: date) -> Path:
    """Write the starter file and return its path. Never overwrites: raises FileExistsError."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS or not re.match(LINE_PATTERN, name):
        raise ValueError(f"a name is one line of at most {MAX_NAME_CHARS} printable characters")
    slug = slugify(name)
    if not slug:
        raise ValueError(f"cannot make an id from {excerpt(name)!r}: use letters or digits")
    if len(slug) > MAX_ID_CHARS:  # the file name; the full name stays in the file
        slug = slug[:MAX_ID_CHARS].rsplit("-", 1)[0] if "-" in slug[:MAX_ID_CHARS] else slug[:MAX_ID_CHARS]
    path = handbook_dir / kind.name / f"{slug}.yaml"
    existing = [p for p in (path, path.with_suffix(".yml")) if p.exists()]
    if existing:
        raise FileExistsError(str(existing[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race
        fh.write(starter_text(kind, name, known, today))
    return path
