"""Model: pydantic validators built from kind declarations (`create_model`), as fast as
hand-written models. A value type is one entry here and one in declare.TypeName."""

from __future__ import annotations

import re
from weakref import WeakKeyDictionary
from datetime import date
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, create_model, model_validator
from pydantic_core import PydanticCustomError

from . import types as t

# Types that need nothing from the declaration but their name.
SIMPLE: dict[str, Any] = {
    "percent": t.Percent, "boolean": bool, "date": t.DateField, "datetime": t.LocalTime, "duration": t.DurationField,
    "url": t.Url, "email": t.Email, "cadence": t.CadenceField, "target": t.TargetField, "timezone": t.Timezone,
    "period": t.PeriodField, "weekday": t.DayField, "time": t.TimeField,
    "slug": Annotated[str, Field(pattern=t.SLUG_PATTERN)],
}


def _camel(word: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", word) if part)


def compile_validators(model: Model) -> None:
    """Give every kind of `model` its pydantic validator, built from its declared fields."""
    tag = t.tag_type(model.tag_pattern)
    for kind in [model.meta, *model.kinds.values()]:
        kind.model = _model_class(_camel(kind.title if kind.name == "handbook" else kind.schema), kind.fields.values(),
                                  model, tag, (), kind.blurb)
        KIND_OF[kind.model] = kind.name


# Validator class -> the kind it checks, so that a message can say where in model.yaml to change it.
KIND_OF: "WeakKeyDictionary[type, str]" = WeakKeyDictionary()


def _model_class(name: str, specs, model: Model, tag, one_of: tuple[str, ...], doc: str = "") -> type[BaseModel]:
    specs = list(specs)
    definitions = {spec.name: _field(spec, model, tag) for spec in specs}
    validators = {}
    extra: dict[str, Any] = {}
    if one_of:
        extra["oneOf"] = [{"required": [n]} for n in one_of]
        validators["_one_of"] = model_validator(mode="after")(_one_of_check(one_of))
    conditions: dict[tuple[str, str], list[str]] = {}
    for spec in specs:
        for condition in spec.required_when:
            conditions.setdefault(condition, []).append(spec.name)
    if conditions:
        extra["allOf"] = [{"if": {"properties": {field: {"const": value}}}, "then": {"required": names}}
                          for (field, value), names in conditions.items()]
        validators["_required_when"] = model_validator(mode="after")(_required_when_check(conditions))
    extra = extra or None
    # Unknown keys are errors: they are nearly always typos of a real field.
    config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, json_schema_extra=extra)
    made = create_model(name, __config__=config, __validators__=validators, __doc__=doc or None, **definitions)
    if conditions:
        REQUIRED_WHEN[made] = conditions
    return made


# Model class -> its conditional requirements, to report them along with a file's other errors
# (the `after` check runs only once everything else is valid): `required_when_errors`.
REQUIRED_WHEN: "WeakKeyDictionary[type, dict]" = WeakKeyDictionary()


def required_when_errors(model: type[BaseModel], data: Any) -> list[dict]:
    """The conditional requirements `data` (as written) misses, as validation error details."""
    conditions = REQUIRED_WHEN.get(model)
    if not conditions or not isinstance(data, dict):
        return []
    found = []
    for (field, value), names in conditions.items():
        absent = [n for n in names if data.get(n) in (None, [], {}, "")]
        if data.get(field, model.model_fields[field].default) == value and absent:
            fields = ", ".join(f"`{n}`" for n in absent)
            found.append({"type": "required_when", "loc": (), "input": data, "msg": f"a {field} `{value}` needs {fields}",
                          "ctx": {"hint": f"add {', '.join(f'`{n}:`' for n in absent)}; or, if it is not a {value}, "
                                          f"say so with `{field}:`"}})
    return found


def _required_when_check(conditions: dict[tuple[str, str], list[str]]):
    def check(self):
        for (field, value), names in conditions.items():
            missing = [n for n in names if getattr(self, n) in (None, [], {})]
            if getattr(self, field) == value and missing:
                raise PydanticCustomError(
                    "required_when", "a {field} `{value}` needs {fields}",
                    {"field": field, "value": value, "fields": ", ".join(f"`{n}`" for n in missing),
                     "hint": f"add {', '.join(f'`{n}:`' for n in missing)}; or, if it is not a {value}, say so "
                             f"with `{field}:`"})
        return self
    return check


def _full_id(ref: t.Ref):
    """A reference by short name (`weekly-review` for `sales/weekly-review`) as the full id, while
    exactly one entity has that name; an ambiguous one is an error listing them."""
    kinds = ref.kinds

    def full(value: str, info: ValidationInfo) -> str:
        ids = (info.context or {}).get("ids")
        if ids is None:
            return value
        if ":" not in value:  # the common case, a full id of exactly one kind: nothing to rewrite
            full_ids = ids.full
            if len(kinds) == 1:
                if value in full_ids.get(kinds[0], ()):
                    return value
            elif [value in full_ids.get(k, ()) for k in kinds].count(True) == 1:
                return value
        if ref.is_role(value):
            return value
        found = ids.find(ref, value)
        if len(found) > 1:
            raise PydanticCustomError("ambiguous", "'{value}' could be any of: {candidates}",
                                      {"value": value, "candidates": ", ".join(sorted(ref.prefixed(*f) for f in found)),
                                       "hint": "write the full id, with its folder" if len({k for k, _ in found}) == 1
                                               else f"write it with its kind, e.g. `{ref.prefixed(*found[0])}`"})
        if not found:
            return value
        kind, entity_id = found[0]
        return ref.prefixed(kind, entity_id) if len(ref.split(value)[0]) == 1 and len(ref.kinds) > 1 else entity_id
    return full


def _one_of_check(names: tuple[str, ...]):
    quoted = [f"`{n}`" for n in names]
    listed = f"either {quoted[0]} or {quoted[1]}, not both or neither" if len(names) == 2 else \
        f"exactly one of {', '.join(quoted[:-1])} or {quoted[-1]}"
    example = " or ".join(f"`- {n}: …`" for n in names)

    def check(self):
        written = [n for n in names if getattr(self, n) is not None]
        if len(written) != 1:
            raise PydanticCustomError("one_of", f"write {listed}", {"hint": f"write {example}"})
        return self
    return check


def _field(spec: Spec, model: Model, tag) -> tuple[Any, Any]:
    annotation = _annotation(spec, model, tag)
    kw: dict[str, Any] = {}
    if spec.description:
        kw["description"] = spec.description
    if spec.example is not None:
        kw["examples"] = [spec.example]
    if spec.type == "list" and spec.min_items:
        kw["min_length"] = spec.min_items
    if spec.required and not spec.has_default and not spec.required_when:
        return annotation, Field(**kw)
    if spec.has_default:
        default = spec.default
    elif spec.type in ("list", "tags"):
        default = []
    elif spec.type == "map":
        default = {}
    else:
        default = None
    if default is None:
        annotation = Optional[annotation]
    else:  # `field:` with nothing after it means "not set", as for a text or a date: the default
        annotation = Annotated[annotation, BeforeValidator(_not_set(default))]
    return annotation, Field(default, **kw)


def _not_set(default: Any):
    def empty_is_default(value: Any) -> Any:
        if value is None:
            return type(default)(default) if isinstance(default, (list, dict)) else default
        return value
    return empty_is_default


def _as_list(value: Any) -> Any:
    """A field of one value or several (`many: true`): one value is a list of one."""
    return value if isinstance(value, list) or value is None else [value]


def _annotation(spec: Spec, model: Model, tag) -> Any:
    kind = spec.type
    if kind == "text":
        return Annotated[str, Field(min_length=1, max_length=spec.max_length, pattern=t.LINE_PATTERN)]
    if kind == "markdown":
        return Annotated[str, Field(min_length=1, description="Markdown text"), "markdown"]
    if kind in ("integer", "number"):
        base = int if kind == "integer" else float
        low, high = (None if v is None else base(v) for v in (spec.min, spec.max))
        return Annotated[base, Field(ge=low, le=high)]
    if kind in SIMPLE:
        return SIMPLE[kind]
    if kind == "tags":
        return list[tag]
    if kind == "enum":
        values = model.vocabularies.get(spec.vocabulary, spec.values) if spec.vocabulary else spec.values
        return Literal[tuple(values)]  # type: ignore[valid-type]
    if kind == "ref":
        ref = model.ref(spec)
        words = " or ".join(ref.singulars)
        text = Field(min_length=1, pattern=t.LINE_PATTERN) if spec.roles else Field(min_length=1)
        return Annotated[str, ref, text, Field(description=spec.description or (
            f"id of a {words}" + (", or a role in words" if spec.roles else ""))), AfterValidator(_full_id(ref))]
    if kind == "list" and spec.many:
        item = _annotation(spec.of, model, tag)
        return Annotated[list[item], BeforeValidator(_as_list, json_schema_input_type=Union[item, list[item]])]
    if kind == "list":
        return list[_annotation(spec.of, model, tag)]  # type: ignore[arg-type]
    if kind == "map":
        return dict[_annotation(spec.key, model, tag), _annotation(spec.value, model, tag)]  # type: ignore[misc]
    if kind == "object":
        return _model_class(spec.title or _camel(spec.name), spec.fields, model, tag, spec.one_of)
    raise AssertionError(kind)
