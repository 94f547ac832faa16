"""Diagnostics: one problem found in the handbook, and the ways to print many of them.

Every stage of the pipeline reports problems as `Diagnostic` objects instead of raising, so that a
single run can show all of them at once, ruff-style: `path:line:col: error[code]: message`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal

Severity = Literal["error", "warning"]

# What a diagnostic may quote from a file: one short line, control characters written as escapes,
# so that a hostile file can neither fill a CI log with its contents nor forge lines in it.
EXCERPT_CHARS = 40
MESSAGE_CHARS = 600


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A value from a file as diagnostics may quote it: one line, at most `limit` characters."""
    text = _printable(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def middle(value: Any, limit: int = 120) -> str:
    """A long value (a web address) as diagnostics quote it: whole when short, else cut in the
    middle, so that both its start (the site) and its end (the part that differs) show."""
    text = _printable(str(value))
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str  # relative to the project root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file or folder
    col: int  # 1-based; 0 when unknown
    severity: Severity = field(compare=False)
    code: str = field(compare=False)
    message: str = field(compare=False)
    hint: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # The last line of defence: whatever a stage put in, one printable line of bounded length.
        object.__setattr__(self, "path", excerpt(self.path, 1000))
        object.__setattr__(self, "message", excerpt(self.message, MESSAGE_CHARS))
        if self.hint is not None:
            object.__setattr__(self, "hint", excerpt(self.hint, MESSAGE_CHARS))

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
        # Workflow commands: the message escapes %, CR and LF; property values also `:` and `,`,
        # or a file name could end the property list and forge another command or location.
        message = _github_escape(self.message + (f" (hint: {self.hint})" if self.hint else ""))
        parts = [f"file={_github_escape(self.path, True)}"]
        if self.line:
            parts += [f"line={self.line}", f"col={self.col or 1}"]
        parts.append(f"title={_github_escape(self.code, True)}")
        return f"::{self.severity} {','.join(parts)}::{message}"

    def to_dict(self) -> dict:
        return asdict(self)


def _github_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


SHOWN_PER_CODE = 10  # of one code in one file, this many are printed; the rest are counted


def first_of_each(diagnostics: Iterable[Diagnostic], shown: int = SHOWN_PER_CODE) -> list[Diagnostic]:
    """Sorted by place, the first `shown` diagnostics of each code in each file, and for the rest
    one that counts them: a file with 60,000 mistakes prints a dozen lines, not 60,000."""
    kept: list[Diagnostic] = []
    counts: dict[tuple[str, str], list] = {}
    for d in sorted(diagnostics):
        seen = counts.setdefault((d.path, d.code), [0, d.severity])
        seen[0] += 1
        if seen[0] <= shown:
            kept.append(d)
    for (path, code), (count, severity) in counts.items():
        if count > shown:
            kept.append(Diagnostic(path, 0, 0, severity, code, f"{count - shown} more {code} in this file",
                                   "fix the ones shown, then run the check again"))
    return sorted(kept)


def format_report(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    """The diagnostics, sorted by place (the first few of each code in each file: `first_of_each`),
    in one of the formats `text`, `github` or `json`."""
    ordered = first_of_each(diagnostics)
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
