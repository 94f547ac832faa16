"""Where the package keeps what a handbook project gets from it: the default templates and the
Fernhill example.

In a wheel they are package data (`generator/templates/`, `generator/example/`, mapped from the
repository's top-level `templates/` and `handbook/` by pyproject.toml). In a source checkout or
an editable install (`pip install -e .`) they are those top-level folders themselves, so editing
`templates/` in this repository changes the defaults at once.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_IN_CHECKOUT = {"templates": "templates", "example": "handbook", "example_evidence": "evidence"}


def packaged_dir(name: str) -> Path:
    """`templates`, `example` or `example_evidence` (its tracker exports): the folder inside the installed package, else the checkout's."""
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / _IN_CHECKOUT[name]


def packaged_templates() -> Path:
    return packaged_dir("templates")


def example_handbook() -> Path:
    return packaged_dir("example")
