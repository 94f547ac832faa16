"""Model: check data against a pydantic model and turn every pydantic error into a diagnostic
at the file, line and column it concerns, with a hint. Used for entity files and for the model's
own declarations alike."""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostic, excerpt, middle
from .loader import Document
from .validators import required_when_errors
from .types import EMAIL_PATTERN, LINE_PATTERN, TAG_PATTERN, URL_PATTERN, Duration, field_shape, url_problem


# Words people write for a field under another name. Suggested only where the field exists.
SYNONYMS = {
    "description": ("summary", "purpose", "mission", "statement"), "desc": ("summary", "purpose"),
    "dri": ("owner",), "owned_by": ("owner",), "responsible": ("owner",), "accountable": ("owner",),
    "frequency": ("cadence",), "recurrence": ("cadence",), "schedule": ("cadence", "starts"), "when": ("cadence",),
    "title": ("name",), "label": ("name",), "duration": ("duration_minutes",), "length": ("duration_minutes",),
    "attendees": ("participants",), "attendance": ("participants",), "start": ("starts",), "date": ("starts",),
    "reviewed": ("last_reviewed",), "review_date": ("last_reviewed",), "team": ("owner",), "tag": ("tags",),
    "labels": ("tags",), "goal": ("purpose",), "objective": ("purpose",), "type": ("format",),
}


def did_you_mean(word: str, candidates, cutoff: float = 0.8) -> str:
    """A suggestion only for a close match (a typo): a loose one misleads more than it helps.
    Among a few names unlike each other (kinds, vocabularies, codes) a looser cutoff helps."""
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=cutoff)
    return f" (did you mean '{match[0]}'?)" if match else ""


def did_you_mean_field(word: str, fields) -> str:
    """A typo of a field, or the field a common synonym stands for (`description` -> `summary`)."""
    close = did_you_mean(word, fields)
    if close:
        return close
    meant = [f for f in SYNONYMS.get(str(word).lower(), ()) if f in fields]
    return f" (did you mean {' or '.join(repr(f) for f in meant)}?)" if meant else ""


def validate_data(rel: str, doc: Document, model: type[BaseModel], data: Any = None,
                  prefix: tuple = (), context: dict | None = None) -> tuple[Any, list[Diagnostic]]:
    """`data` (default: the document's) validated by `model`, or None and located diagnostics.
    `prefix` says where `data` sits in the document, for positions and messages."""
    try:
        return model.model_validate(doc.data if data is None else data, context=context), []
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        if not any(e["type"] == "required_when" for e in errs) and data is None:
            errs += required_when_errors(model, doc.data)
        return None, [_diagnostic(rel, doc, model, err, prefix) for err in errs if not _explained_by_typo(err, errs)]


def _explained_by_typo(err: dict, errs: list[dict]) -> bool:
    """A missing field whose name an unknown field nearby is a misspelling of: report the typo only."""
    if err["type"] != "missing":
        return False
    parent, name = err["loc"][:-1], err["loc"][-1]
    return any(e["type"] == "extra_forbidden" and e["loc"][:-1] == parent
               and did_you_mean_field(str(e["loc"][-1]), [name]) for e in errs)


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


_LIST_ERRORS = {"list_type", "tuple_type", "too_short", "too_long", "extra_forbidden", "missing"}


def _takes_list(info) -> bool:
    return _shape_is_list(info.annotation)


def _shape_is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _shape_is_list(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return any(_shape_is_list(a) for a in get_args(annotation))
    return origin in (list, tuple)


def _one(owner: type[BaseModel], name: str) -> str:
    """What one value of a field is, in words: "one person", "one value"."""
    shape = field_shape(owner, name)
    if shape[0] == "ref":
        return "one " + " or ".join(dict.fromkeys(shape[1].singulars))
    return "one value"


def _many_hint(model: type[BaseModel], owner: type[BaseModel] | None, loc: tuple) -> str:
    from .validators import KIND_OF  # validators are built from declarations, which import this module
    kind = KIND_OF.get(model)
    if kind is not None and owner is model and len(loc) == 1:
        where = f"`kinds: {{{kind}: {{fields: {{{loc[0]}: {{many: true}}}}}}}}`"
        return f"keep one value, or, if it takes several, declare it in model.yaml: {where}"
    return "keep one value, or, if it takes several, declare the field with `many: true` in model.yaml"


def _diagnostic(rel: str, doc: Document, model: type[BaseModel], err: dict, prefix: tuple = ()) -> Diagnostic:
    # pydantic adds "[key]" after a dict key that failed, and "function-…" for custom validators.
    raw_loc = err["loc"]
    on_key = "[key]" in raw_loc
    loc = tuple(p for p in raw_loc if p != "[key]" and not str(p).startswith("function-"))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    field = ".".join(str(p) for p in prefix + loc) or "(file)"
    owner = _model_at(model, loc)
    name = loc[-1] if loc else None
    info = owner.model_fields.get(name) if owner is not None and isinstance(name, str) else None
    described = f" ({info.description})" if info is not None and info.description else ""

    def at(code: str, message: str, hint: str | None = None, *, key: bool = on_key, where=loc) -> Diagnostic:
        line, col = doc.position(prefix + tuple(where), key=key)
        return Diagnostic(rel, line, col, "error", code, message, hint)

    if isinstance(value, list) and kind not in _LIST_ERRORS and owner is not None and info is not None \
            and not _takes_list(info):
        return at("wrong-type", f"'{field}' takes {_one(owner, name)}; this file gives a list of {len(value)}",
                  _many_hint(model, owner, loc), key=True)
    if kind == "extra_forbidden":
        allowed = list(owner.model_fields) if owner is not None else []
        return at("unknown-field", f"unknown field '{excerpt(name)}'{did_you_mean_field(name, allowed)}",
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
        hint = None
        if kind == "int_parsing" and isinstance(value, str):
            try:  # a length of time as people write it (2h, 1h30, 90 min): say what to write
                minutes = Duration.parse(value).minutes
                hint = f"'{excerpt(value)}' is {minutes} minutes: write `{name}: {minutes}`"
            except ValueError:
                pass
        return at("wrong-type", f"{field}: expected {want}, found {_yaml_kind(value)} '{excerpt(value)}'", hint)
    if kind == "string_too_short":
        return at("invalid-value", f"{field}: must not be empty", "write a value, or remove the field if it is optional")
    if kind == "too_short":
        return at("invalid-value", f"{field}: needs at least {ctx.get('min_length', 1)} item(s)")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == LINE_PATTERN:
        return at("invalid-value", f"{field}: must be one line of text, without line breaks or control characters",
                  "this field is shown as plain text in headings, tables and menus; join the lines (a `>-` block "
                  "folds them), or put longer text in a Markdown field")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == URL_PATTERN:
        problem, hint = url_problem(value)
        return at("invalid-value", f"{field}: '{middle(value)}' is not a web address: {problem}", hint)
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == TAG_PATTERN:
        return at("invalid-value", f"{field}: tag '{excerpt(value)}' may contain only letters, digits, spaces, dots and hyphens",
                  "tags are short labels such as `planning` or `on-call`")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == EMAIL_PATTERN:
        return at("invalid-value", f"{field}: '{excerpt(value)}' is not an e-mail address",
                  "write the address alone, e.g. jane.doe@example.com: no ?cc= or &body= parts, spaces or quotes")
    if kind == "string_pattern_mismatch" and len(loc) == 2 and loc[0] == "tags":  # the handbook's own tag pattern
        return at("invalid-value", f"{field}: tag '{excerpt(value)}' does not match the tag pattern of "
                  "handbook/model.yaml", f"tags.pattern is {excerpt(ctx.get('pattern', ''), 80)}")
    if kind == "string_pattern_mismatch":
        return at("invalid-value", f"{field}: '{excerpt(value)}' is not a valid id",
                  "use lower-case letters and digits, words joined by single hyphens or underscores, e.g. "
                  "grow-the-core")
    message = err["msg"].removeprefix("Value error, ")
    return at("invalid-value", f"{field}: {message}" if loc else message, ctx.get("hint"))
