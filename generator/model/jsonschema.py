"""Adapter: JSON Schema (draft 2020-12) for every kind of the handbook's effective model, generated
from the validators themselves, and for the model file (model.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .declare import Model, ModelDecl

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(model: type[BaseModel], stem: str) -> dict:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": f"{stem}.schema.json", **schema}


def all_schemas(model: Model) -> dict[str, dict]:
    """File stem -> schema, for handbook.yaml, model.yaml and each kind."""
    schemas = {"handbook": json_schema(model.meta.model, "handbook"), "model": json_schema(ModelDecl, "model")}
    schemas.update({kind.schema: json_schema(kind.model, kind.schema) for kind in model.kinds.values()})
    return schemas


def write_schemas(model: Model, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, schema in all_schemas(model).items():
        path = out_dir / f"{stem}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
