"""The exported JSON Schema and the validator accept and reject the same files."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path

import jsonschema
import pytest

from generator.model.loader import load_file
from generator.model.declare import load_model
from generator.model.jsonschema import all_schemas
from generator.model.validate import SourceFile, validate_document

from conftest import FIXTURE

MODEL = load_model(FIXTURE / "handbook", FIXTURE)[0]
SCHEMAS = all_schemas(MODEL)
STEM = {name: kind.schema for name, kind in MODEL.kinds.items()}  # the handbook's own kinds too


def as_json(value):
    """What a YAML 1.2 editor sees: dates are strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def shipped():
    for path in sorted((FIXTURE / "handbook").rglob("*.yaml")):
        if path.name == "model.yaml":  # the model itself, not an entity
            continue
        kind = "handbook" if path.name == "handbook.yaml" else path.relative_to(FIXTURE / "handbook").parts[0]
        yield kind, path


def mutations(data: dict, kind: str):
    """Broken variants of a good file: each one is invalid for a reason the schema can express."""
    schema = SCHEMAS["handbook" if kind == "handbook" else STEM[kind]]
    yield "unknown key", {**data, "cadnce": "weekly"}
    for name in schema.get("required", []):
        yield f"without {name}", {k: v for k, v in data.items() if k != name}
    for condition in schema.get("allOf", []):  # fields required by another field's value
        for name in condition["then"]["required"]:
            yield f"without {name} (conditionally required)", {k: v for k, v in data.items() if k != name}
    for name, prop in schema["properties"].items():
        if name not in data:
            continue
        # An optional field is `anyOf: [its type, null]`: mutate against its type.
        prop = next((p for p in prop.get("anyOf", []) if p.get("type") != "null" and "$ref" not in p), prop)
        if "enum" in prop:
            yield f"{name} not in enum", {**data, name: "not-an-option"}
        if prop.get("type") == "string":
            yield f"{name} as bool", {**data, name: False}
            yield f"{name} as number", {**data, name: 1.1}
            if prop.get("minLength"):
                yield f"{name} empty", {**data, name: ""}
        if prop.get("type") == "array":
            yield f"{name} as text", {**data, name: "a, b"}
    if "cadence" in data:
        yield "cadence not text", {**data, "cadence": 42}  # any words are a cadence (a period, or a trigger)
        yield "cadence trigger with extra key", {**data, "cadence": {"trigger": "x", "when": "y"}}
    if data.get("participants"):
        both = copy.deepcopy(data)
        both["participants"][0] = {"team": "x", "role": "y"}
        yield "participant with team and role", both
        neither = copy.deepcopy(data)
        neither["participants"][0] = {"required": True}
        yield "participant with neither", neither
    if "target" in data:
        yield "target not a percentage", {**data, "target": "lots"}
        yield "target over 100", {**data, "target": 150}


CASES = []
for kind, path in shipped():
    doc, _ = load_file(path, path.name)
    CASES.append(pytest.param(kind, doc.data, True, id=f"{path.stem}-valid"))
    for label, variant in mutations(doc.data, kind):
        CASES.append(pytest.param(kind, variant, False, id=f"{path.stem}-{label}"))


@pytest.mark.parametrize("kind, data, expected", CASES)
def test_schema_and_validator_agree(kind, data, expected):
    from generator.model.loader import Document
    schema = SCHEMAS["handbook" if kind == "handbook" else STEM[kind]]
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    by_schema = not list(validator.iter_errors(as_json(data)))
    source = SourceFile(kind, "x", Path("x.yaml"), "x.yaml")
    model, _ = validate_document(source, Document("x.yaml", data), MODEL)
    by_validator = model is not None
    assert (by_schema, by_validator) == (expected, expected)


def test_corpus_is_substantial():
    assert sum(1 for c in CASES if c.values[2]) >= 40 and sum(1 for c in CASES if not c.values[2]) >= 500
