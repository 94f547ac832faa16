"""Model: the version of the model.yaml format, and what to do when a handbook's says another.

A handbook's `model.yaml` starts with `version: N`. This package reads `MODEL_VERSION`. A file of
a newer format (written for a newer handbook-generator) or of a format this package no longer
reads gets one diagnostic saying what to do, before anything else is checked against it. When the
format changes incompatibly, bump MODEL_VERSION, keep reading the old one where possible, and say
in MIGRATIONS what a handbook must change (README, "Upgrading").
"""

from __future__ import annotations

from importlib import metadata

from ..diagnostics import Diagnostic

MODEL_VERSION = 1
SUPPORTED = {1}  # versions of model.yaml this package reads
MIGRATIONS: dict[int, str] = {}  # version -> what a model.yaml of the version before must change


def _package() -> str:
    try:
        return f"handbook-generator {metadata.version('handbook-generator')}"
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "this handbook-generator"


def model_version_problem(rel: str, doc) -> Diagnostic | None:
    """A diagnostic when model.yaml declares a format version this package cannot read."""
    version = doc.data.get("version", MODEL_VERSION) if isinstance(doc.data, dict) else MODEL_VERSION
    if not isinstance(version, int) or isinstance(version, bool) or version in SUPPORTED:
        return None  # a missing, supported or malformed version (the schema reports that one)
    line, col = doc.position(("version",))
    if version > MODEL_VERSION:
        return Diagnostic(rel, line, col, "error", "model-version",
                          f"model.yaml is format version {version}, but {_package()} reads version "
                          f"{MODEL_VERSION}: it was written for a newer handbook-generator",
                          "upgrade the package (raise the range in requirements.txt; README, \"Upgrading\")")
    steps = [MIGRATIONS[v] for v in range(version + 1, MODEL_VERSION + 1) if v in MIGRATIONS]
    return Diagnostic(rel, line, col, "error", "model-version",
                      f"model.yaml is format version {version}, which {_package()} no longer reads "
                      f"(it reads version {MODEL_VERSION})" + (": " + " ".join(steps) if steps else ""),
                      f"make these changes and write version: {MODEL_VERSION}; or install the version the "
                      "project was made with (README, \"Upgrading\")")
