"""The whole pipeline in one call: load → validate → model → lints → render pages and feeds.

Both adapters that publish the handbook (the MkDocs plugin and `handbook export`) use this, so
they can never disagree about what is built or what counts as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from .diagnostics import Diagnostic, errors
from .feeds import FeedCache, site_files
from .lints import run_lints
from .model import Handbook, ParseCache, read_handbook
from .render import RenderedPage, Renderer, RenderOptions, render_error


@dataclass
class Output:
    pages: list[RenderedPage] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # calendar feeds, JSON API
    diagnostics: list[Diagnostic] = field(default_factory=list)
    handbook: Handbook | None = None
    partial: bool = False  # only the pages `select` chose were rendered

    @property
    def ok(self) -> bool:
        return not errors(self.diagnostics)


def produce(handbook_dir: Path, project_dir: Path, templates_dir: Path, *, today: date,
            use_directory_urls: bool, commits: Callable[[], list | None],
            cache: ParseCache | None = None, feed_cache: FeedCache | None = None,
            select: Callable[[Handbook], set[str] | None] | None = None) -> Output:
    """Every page and file of the site, or the diagnostics that prevent it (pages empty).
    `select` may limit which entity pages are rendered (None from it: all). The caches belong to
    a `mkdocs serve` session: parsed files by modification time, and feed parts."""
    handbook, diagnostics = read_handbook(handbook_dir, project_dir, cache)
    if handbook is not None:
        diagnostics += run_lints(handbook, today)
    if handbook is None or errors(diagnostics):
        return Output(diagnostics=diagnostics)
    if cache is None:  # one-shot build: positions were only needed for diagnostics; free them
        for entity in [handbook.meta, *handbook.pillars, *handbook.all()]:
            entity.doc = None
    try:
        renderer = Renderer(templates_dir, RenderOptions(today, use_directory_urls))
        only = select(handbook) if select else None
        pages = list(renderer.pages(handbook, commits(), only))
        files = site_files(handbook, use_directory_urls, feed_cache)
    except Exception as exc:  # a template bug: reported like any other problem
        return Output(diagnostics=diagnostics + [render_error(exc, templates_dir)])
    return Output(pages, files, diagnostics, handbook, partial=only is not None)
