"""Adapter: the `handbook` MkDocs plugin.

Thin hooks over the pipeline. Everything that can fail (load, validate, render, a docs page in
the place of a generated one) runs in `on_config`, before MkDocs cleans `site_dir`, so a broken
handbook leaves the last good site alone. Under `mkdocs serve` a broken handbook is shown as an
error page instead (error_page.py). Pages are added as virtual files; nothing is ever written
into docs_dir or handbook/.
"""

from __future__ import annotations

import os
import posixpath
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Link, Section

from ...diagnostics import Diagnostic, errors, excerpt, format_report, summary
from ...folders import site_dir_problem
from ...model import ParseCache
from ...model.history import head_revision, recent_commits
from ...render.feeds import FeedCache
from ...render.fragments import SEARCHABLE, UNSEARCHED, restore
from ...render.pages import RenderedPage
from ...site import (ASSET_DIR, ASSETS, OPTIONS, REQUIRED_EXTENSIONS, OptionError, as_date, build_nav, group_links,
                     index_uri, produce, section_title)
from .error_page import ErrorPages, likely_pages
from .guard import find_collisions, stop_on_sigterm, unsafe_docs
from .internals import can_request_rebuild, check_versions, custom_dir, quiet_dirty_warning
from .preview import Preview

log = get_plugin_logger("handbook")


class HandbookConfig(Config):
    # Defaults and meanings: site.OPTIONS, shared with `handbook export`.
    handbook_dir = c.Type(str, default=OPTIONS["handbook_dir"])
    templates_dir = c.Type(str, default=OPTIONS["templates_dir"])
    nav_threshold = c.Type(int, default=OPTIONS["nav_threshold"])
    changes_limit = c.Type(int, default=OPTIONS["changes_limit"])
    today = c.Optional(c.Type((str, date)))


class HandbookPlugin(BasePlugin[HandbookConfig]):
    def __init__(self) -> None:
        self.pages: list[RenderedPage] = []
        self.extra_files: dict[str, bytes] = {}  # calendar feeds, JSON API
        self.group_links: dict[str, list[tuple[str, str]]] = {}  # kind -> its groups, when too long for the nav
        self.held: dict[str, str] = {}  # placeholder key -> finished HTML block, for every page
        self._history: tuple[str | None, list | None] = ("", None)  # (HEAD it was read at, commits)
        self.parse_cache: ParseCache | None = None  # only under `mkdocs serve`, kept across rebuilds
        self.feed_cache: FeedCache | None = None
        self.handbook_dir: Path | None = None
        self.templates_dir: Path | None = None
        self.model = None  # the effective model of the last good build (model.declare.Model)
        self.preview: Preview | None = None  # `mkdocs serve --dirty`: rebuild only what an edit changes
        self.error_pages: ErrorPages | None = None  # `mkdocs serve`: problems shown in the browser
        self._restore_sigterm = lambda: None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defining this hook makes MkDocs keep one plugin instance across `mkdocs serve` rebuilds,
        so that the parse cache and the git history survive between edits."""
        if command == "serve":
            self.parse_cache = {}
            self.feed_cache = FeedCache()
            self.error_pages = ErrorPages()
            self._restore_sigterm = stop_on_sigterm()  # so that on_shutdown runs on `kill` too
            if dirty:
                self.preview = Preview()
                quiet_dirty_warning()  # the preview keeps dirty builds equal to full ones

    def on_shutdown(self) -> None:
        if self.preview is not None:
            self.preview.close()
        self._restore_sigterm()

    @property
    def failing(self) -> bool:
        return self.error_pages is not None and self.error_pages.failing

    def on_config(self, config):
        try:
            return self._configure(config)
        except PluginError:
            raise
        except OptionError as exc:
            raise PluginError(f"handbook plugin option {exc}") from None
        except Exception as exc:  # a bug of ours: one escaped line and exit 1, never a traceback
            raise PluginError(f"handbook: internal error: {type(exc).__name__}: {excerpt(exc, 300)}; "
                              "please report this with the command you ran") from None

    def _configure(self, config):
        check_versions()
        project_dir = Path(config.config_file_path or ".").resolve().parent
        self.project_dir = project_dir
        # Never resolved: a link in the place of a folder is refused (folders.py), not followed.
        self.handbook_dir = Path(os.path.abspath(project_dir / self.config.handbook_dir))
        self.templates_dir = Path(os.path.abspath(project_dir / self.config.templates_dir))
        # MkDocs empties site_dir before writing it: never a link, a source folder or one holding one.
        theme_dir = custom_dir(config)
        sources = {"handbook": self.handbook_dir, "templates": self.templates_dir, "docs": Path(config.docs_dir),
                   **({"theme custom_dir": Path(theme_dir)} if theme_dir else {}), "git": project_dir / ".git"}
        problem = site_dir_problem(Path(config.site_dir), sources, project_dir)
        if problem is not None:
            raise PluginError(f"{excerpt(problem, 600)}; nothing was built or deleted")
        self.use_directory_urls = config.use_directory_urls
        for name in REQUIRED_EXTENSIONS:
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
        for uri in ASSETS:
            extra = config.extra_css if uri.endswith(".css") else config.extra_javascript
            if uri not in extra:
                extra.append(uri)
        if self.error_pages is not None:
            self.error_pages.succeed()
        output = self._produce()
        problems = errors(output.diagnostics)
        if not problems:
            pages = output.pages if self.preview is None else self.preview.merge(output, self.pages)
            problems = find_collisions(config, self._generated(pages, output.files), project_dir) \
                + unsafe_docs(config, project_dir)
        if problems:
            self._fail(config, output.diagnostics if errors(output.diagnostics) else problems)
            return config
        self.pages, self.extra_files, self.model = pages, output.files, output.handbook.model
        self.held = {key: block for page in self.pages for key, block in page.held.items()}
        return config

    def _produce(self):
        assert self.handbook_dir and self.templates_dir
        select = self.preview.selector(self.templates_dir) if self.preview is not None else None
        output = produce(self.handbook_dir, self.project_dir, self.templates_dir,
                         today=as_date(self.config.today) or date.today(),
                         use_directory_urls=self.use_directory_urls, commits=self._commits,
                         cache=self.parse_cache, feed_cache=self.feed_cache, select=select)
        warnings = [d for d in output.diagnostics if d.severity == "warning"]
        if warnings:  # advice for `handbook check`, not build failures (nor `--strict` ones)
            log.info(f"{len(warnings)} handbook warnings; run `handbook check` to see them")
        return output

    @staticmethod
    def _generated(pages: list[RenderedPage], files: dict[str, bytes]) -> list[tuple[str, str | None]]:
        return [(p.src_uri, p.source) for p in pages] + [(uri, None) for uri in [*ASSETS, *files]]

    def _fail(self, config, problems: list) -> None:
        """`mkdocs build`: stop with every problem. `mkdocs serve`: show them instead of the site
        (the server would answer no request after a failed build), and start afresh after."""
        if self.error_pages is None:
            fail(problems)
            return
        self.error_pages.fail(problems)
        if self.preview is not None:
            self.preview.reset()
        message = f"{describe(problems)}\nThe preview shows them until they are fixed."
        (log.info if config.strict else log.warning)(message)  # a warning would abort a --strict serve

    def _commits(self) -> list | None:
        """The Changes page's commits, read again only when HEAD moves (serve rebuilds often)."""
        assert self.handbook_dir
        head = head_revision(self.handbook_dir)
        if head is None or head != self._history[0]:
            self._history = (head, recent_commits(self.handbook_dir, self.config.changes_limit))
        return self._history[1]

    def on_files(self, files: Files, *, config) -> Files:
        if self.failing:
            config.nav = []  # no pages this time (error_page.py)
            return self.error_pages.strip(files)
        if self.error_pages is not None:
            self.error_pages.clear(config.site_dir)
        docs_dir = Path(config.docs_dir).resolve()
        for page in self.pages:
            existing = files.get_file_from_path(page.src_uri)
            if existing is not None and existing.inclusion == InclusionLevel.EXCLUDED:
                files.remove(existing)  # not part of the site (exclude_docs, dot-files)
            elif existing is not None and not existing.generated_by:  # found in on_config, unless a plugin added it
                raise PluginError(f"{existing.src_uri} in docs_dir collides with the generated page of the same "
                                  "name; rename or remove it")
            file = self._file(config, page.src_uri, page.markdown)
            if page.source:
                # Point "edit this page" at the YAML file behind it (relative to the edit_uri base).
                file.edit_uri = Path(os.path.relpath(self.project_dir / page.source, docs_dir)).as_posix()
            files.append(file)
        for uri, name in ASSETS.items():
            files.append(self._file(config, uri, (ASSET_DIR / name).read_bytes()))
        for uri, content in self.extra_files.items():
            files.append(self._file(config, uri, content))
        if config.nav is None:
            generated = {p.src_uri for p in self.pages}
            own = sorted(f.src_uri for f in files.documentation_pages() if f.src_uri not in generated)
            config.nav = build_nav(self.model, self.pages, self.config.nav_threshold, own)
            self.group_links = group_links(self.model, self.pages, self.config.nav_threshold)
        # A generated page the nav does not list (an entity of a long kind, reached from its index)
        # is left out of the nav by design: say so to MkDocs, so that its log keeps to what a person
        # acts on instead of naming every such page (validation.nav.not_in_nav).
        listed = _nav_uris(config.nav)
        for page in self.pages:
            file = files.get_file_from_path(page.src_uri)
            if file is not None and page.src_uri not in listed and file.inclusion in (InclusionLevel.UNDEFINED,
                                                                                     InclusionLevel.INCLUDED):
                file.inclusion = InclusionLevel.NOT_IN_NAV
        if self.preview is not None:
            self.preview.remove_stale(files, config)
            self.preview.check_nav([config.nav, self.group_links], self.pages, files)
        if self.error_pages is not None:
            self.error_pages.remember(files)
        return files

    # The hooks below keep dirty rebuilds equal to full builds (see preview.Preview).
    def on_nav(self, nav, *, config, files):
        # A kind too long to list in the nav lists its groups instead, as links to its index page.
        sections = {item.title: item for item in nav.items if isinstance(item, Section)}
        for kind, links in self.group_links.items():
            section = sections.get(section_title(self.model.kinds[kind]))
            index = files.get_file_from_path(index_uri(kind))
            if section is None or index is None:
                continue
            for title, target in links:
                link = Link(title, f"{index.url}#{target.partition('#')[2]}")
                link.parent = section
                section.children.append(link)
        if self.preview is not None:
            self.preview.read_titles(nav, config)
        return nav

    @event_priority(110)  # before Material's tags plugin populates its listings (priority 100)
    def on_env(self, env, *, config, files):
        if self.preview is not None:
            self.preview.feed_tags(config, files)
        return env

    def _file(self, config, uri: str, content: str | bytes) -> File:
        if self.preview is None:
            return File.generated(config, uri, content=content)
        return self.preview.file(config, uri, content)

    def on_pre_build(self, *, config) -> None:
        if self.preview is not None:
            self.preview.start_build()

    def on_page_markdown(self, markdown, *, page, config, files):
        if self.preview is not None:
            self.preview.processed(page)
        return markdown

    @event_priority(100)  # before the search plugin writes its index
    def _search_before(self, *, config) -> None:
        if self.preview is not None and not self.failing:
            self.preview.search_before(config)

    @event_priority(-100)  # after it, and after every page and theme template is written
    def _search_after(self, *, config) -> None:
        if self.failing:
            assert self.handbook_dir
            self.error_pages.write(config, likely_pages(config, self.handbook_dir))
        elif self.preview is not None:
            self.preview.search_after(config)

    on_post_build = CombinedEvent(_search_before, _search_after)

    # Finished HTML blocks go back into generated pages (see fragments): searchable ones before the
    # search plugin indexes the page, drawings it would skip anyway after. Early in each event, so
    # that other plugins see the page as finished as it can be.
    @event_priority(100)
    def on_page_content(self, html, *, page, config, files):
        return restore(html, self.held, SEARCHABLE)

    @event_priority(100)
    def on_post_page(self, output, *, page, config):
        return restore(output, self.held, UNSEARCHED)

    def on_pre_page(self, page, *, config, files):
        # docs/../handbook/x.yaml: an absolute edit_uri is not normalised by MkDocs; GitHub wants it clean.
        if page.edit_url and "/../" in page.edit_url:
            parts = urlsplit(page.edit_url)
            page.edit_url = urlunsplit(parts._replace(path=posixpath.normpath(parts.path)))
        return page

    def on_serve(self, server, *, config, builder):
        if self.templates_dir and self.templates_dir.is_dir():
            server.watch(str(self.templates_dir))
        if self.handbook_dir and self.handbook_dir.is_dir():
            if self.preview is not None and can_request_rebuild(server):
                self.preview.watch(server, self.handbook_dir)
                log.info(f"Watching '{self.handbook_dir.name}' for changes (file events; incremental rebuilds)")
            else:
                server.watch(str(self.handbook_dir))
        evidence = self.model.evidence if self.model is not None else None
        for folder in evidence.folders(self.project_dir) if evidence is not None else ():
            server.watch(str(folder))  # a new or changed export moves the measured shares
        return server


def fail(problems: list) -> None:
    """Abort with one error listing every problem if there is any error. Lint warnings (stale
    pages, zombie rituals…) are advice for `handbook check`, not build failures."""
    if errors(problems):
        raise PluginError(describe(problems))


def describe(problems: list) -> str:
    """The errors among diagnostics of the handbook's files, or among problems found beside them
    (guard.Problem: a docs page in the place of a generated one)."""
    diagnostics = [p for p in problems if isinstance(p, Diagnostic)]
    if errors(diagnostics):
        return f"the handbook has problems ({summary(diagnostics)}):\n" + format_report(errors(diagnostics))
    return "\n".join(p.format_text() for p in errors(problems))


def _nav_uris(nav) -> set[str]:
    """The page paths a nav (as in mkdocs.yml: lists of titles to paths or sections) lists."""
    found: set[str] = set()
    stack = [nav]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
