"""Diagnostics: one problem found in the handbook, and the ways to print many of them.

Every stage of the pipeline reports problems as `Diagnostic` objects instead of raising, so that a
single run can show all of them at once, ruff-style: `path:line:col: error[code]: message`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str  # relative to the project root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file or folder
    col: int  # 1-based; 0 when unknown
    severity: Severity = field(compare=False)
    code: str = field(compare=False)
    message: str = field(compare=False)
    hint: str | None = field(default=None, compare=False)

    @property
    def location(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path

    def format_text(self) -> str:
        text = f"{self.location}: {self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  = hint: {self.hint}"
        return text

    def format_github(self) -> str:
        # Workflow commands: newlines and % must be URL-encoded in the message.
        message = self.message + (f" (hint: {self.hint})" if self.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        parts = [f"file={self.path}"]
        if self.line:
            parts += [f"line={self.line}", f"col={self.col or 1}"]
        parts.append(f"title={self.code}")
        return f"::{self.severity} {','.join(parts)}::{message}"

    def to_dict(self) -> dict:
        return asdict(self)


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


def format_report(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    """All diagnostics, sorted by place, in one of the formats `text`, `github` or `json`."""
    ordered = sorted(diagnostics)
    if fmt == "json":
        return json.dumps([d.to_dict() for d in ordered], indent=2)
    if fmt == "github":
        return "\n".join(d.format_github() for d in ordered)
    return "\n".join(d.format_text() for d in ordered)


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    diagnostics = list(diagnostics)
    n_err = len(errors(diagnostics))
    n_warn = len(diagnostics) - n_err
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    return f"{plural(n_err, 'error')}, {plural(n_warn, 'warning')}"
