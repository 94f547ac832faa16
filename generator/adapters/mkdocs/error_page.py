"""Adapter: under `mkdocs serve`, a handbook with errors is shown as an error page, not a stuck server.

MkDocs' live-reload server answers no request while the last build failed ("The server will
appear stuck until build errors are resolved"). So under serve the plugin does not fail the
build: it lets MkDocs build no pages at all and then writes one self-contained page listing the
problems, as `handbook check` prints them, at every page URL the browser may be on (those of the
last good build, those the handbook's files and docs_dir would give, the home page and 404.html).
The server injects its live-reload script into each, so the page reloads by itself once a fix is
saved; that good build first removes every error page, so that even a `--dirty` build rebuilds
every page. `mkdocs build` is unchanged: it fails, and leaves the previous site alone.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Iterable, Sequence

from mkdocs.structure.files import Files

from ...diagnostics import Diagnostic, first_of_each
from ...site import WHOLE_HANDBOOK
from .guard import dest_uri, docs_files, remove_output


TITLE = "The handbook has problems"

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#fafafa;color:#222}
main{max-width:60rem;margin:2rem auto;padding:0 1.25rem}
h1{font-size:1.6rem;color:#b3261e;margin:0 0 .5rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
ol{padding:0;list-style:none}
li{background:#fff;border-left:4px solid #b3261e;margin:0 0 .75rem;padding:.6rem .9rem;box-shadow:0 1px 2px #0002}
li.warning{border-color:#b06d00}
code{font:14px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.where{font-weight:600}.severity{color:#b3261e}.warning .severity{color:#b06d00}
.hint{color:#555;margin-top:.25rem}
"""


def _item(problem) -> str:
    e = lambda text: html.escape(str(text), quote=True)  # noqa: E731
    label = f"{problem.severity}[{problem.code}]" if problem.code else problem.severity
    hint = f'<div class="hint">= hint: {e(problem.hint)}</div>' if problem.hint else ""
    return (f'<li class="{e(problem.severity)}"><code><span class="where">{e(problem.location)}</span>: '
            f'<span class="severity">{e(label)}</span>: {e(problem.message)}</code>{hint}</li>')


def error_html(problems: Sequence) -> str:
    """The error page: every problem (path:line:col, severity[code], message, hint), HTML-escaped;
    no file content beyond what the diagnostics quote. Needs nothing from the site."""
    place = lambda p: (p.path, getattr(p, "line", 0), getattr(p, "col", 0))  # noqa: E731
    total = sum(1 for p in problems if p.severity == "error")
    # As in every report: the first few of a code per file, then a count of the rest.
    shown = first_of_each([p for p in problems if isinstance(p, Diagnostic)]) \
        + [p for p in problems if not isinstance(p, Diagnostic)]
    errors = sorted((p for p in shown if p.severity == "error"), key=place)
    warnings = sorted((p for p in shown if p.severity != "error"), key=place)
    count = "1 error stops" if total == 1 else f"{total} errors stop"
    parts = [f"<h1>{TITLE}</h1>",
             f"<p>{count} the preview. It comes back by itself when you save a fix; "
             "<code>handbook check</code> lists the same problems.</p>",
             "<ol>", *map(_item, errors), "</ol>"]
    if warnings:
        parts += ["<h2>Warnings</h2>", "<ol>", *map(_item, warnings), "</ol>"]
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{TITLE}</title><style>{STYLE}</style></head>\n'
            f'<body><main>{"".join(parts)}</main></body></html>\n')


def likely_pages(config, handbook_dir: Path) -> set[str]:
    """Pages a browser may be on besides the last good build's: those the handbook's files and
    docs_dir would give (the first build may have failed, an entity may be new)."""
    uris = set(WHOLE_HANDBOOK) | {f.src_uri for f in docs_files(config) if f.is_documentation_page()}
    # Every folder that may be a kind: the model itself may be what is broken.
    for folder in handbook_dir.iterdir() if handbook_dir.is_dir() else []:
        if folder.is_dir() and not folder.is_symlink() and not folder.name.startswith(("_", ".")):
            uris.add(f"{folder.name}/index.md")
            uris |= {f"{folder.name}/{path.stem}.md" for path in folder.glob("*.yaml")}
    return uris


class ErrorPages:
    """The error pages of one `mkdocs serve` session."""

    def __init__(self) -> None:
        self.problems: list | None = None  # this build's problems; None while the handbook is good
        self.good_pages: set[str] = set()  # dest_uri of every page of the last good build
        self.written: set[str] = set()  # error pages in site_dir, removed by the next good build

    @property
    def failing(self) -> bool:
        return self.problems is not None

    def fail(self, problems: list) -> None:
        self.problems = problems

    def succeed(self) -> None:
        self.problems = None

    def strip(self, files: Files) -> Files:
        """A failing build's files: no pages (nothing for MkDocs to render); assets and theme stay."""
        return Files([f for f in files if not f.is_documentation_page()])

    def remember(self, files: Files) -> None:
        """A good build's pages: where the error page goes should the next build fail."""
        self.good_pages = {f.dest_uri for f in files.documentation_pages()}

    def write(self, config, likely: Iterable[str]) -> None:
        """The error page at every page of the last good build, every `likely` page (src_uri), the
        home page and 404.html (what the server answers for any other URL)."""
        content = error_html(self.problems or []).encode("utf-8")
        root = Path(config.site_dir)
        likely = {dest_uri(uri, config.use_directory_urls) for uri in likely}
        for uri in sorted(self.good_pages | set(likely) | {"index.html", "404.html"}):
            path = root / uri
            if not path.resolve().is_relative_to(root.resolve()):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            self.written.add(uri)

    def clear(self, site_dir: str) -> None:
        """Remove the error pages: a dirty build then rebuilds every page, and none is left where
        the good build has no page."""
        for uri in self.written:
            remove_output(site_dir, uri)
        self.written = set()
