"""Site: the plan of the published handbook, declared once, and the whole pipeline in one call.

The plan says what every engine needs to publish the handbook: the whole-handbook pages beside
each kind's index and entity pages, the nav, the assets, the Markdown extensions the generated
pages rely on and the options' defaults. The MkDocs plugin and `handbook export` both read it, so
they can never disagree about what is built or what counts as an error. No MkDocs import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

import markupsafe

from .diagnostics import Diagnostic, errors, excerpt
from .folders import folder_problems
from .model import Entity, Handbook, ParseCache, read_handbook
from .model.declare import Model
from .model.lints import run_lints
from .model.types import FIRST_DATE, LAST_DATE
from .model.rhythm import attendance
from .render.feeds import FeedCache, site_files
from .render.pages import RenderedPage, Renderer, RenderOptions, group_anchor, render_error, site_url
from .render.templates import missing_templates

ASSET_DIR = Path(__file__).parent / "assets"
ASSETS = {"assets/handbook.css": "handbook.css", "assets/handbook.js": "handbook.js"}  # site URI -> file
# Extensions the generated Markdown relies on (anchors, card grids, notices, tables).
REQUIRED_EXTENSIONS = ["attr_list", "md_in_html", "admonition", "tables", "toc"]
# The plugin's options (mkdocs.yml, `plugins: [handbook: {...}]`) and their defaults.
OPTIONS: dict[str, Any] = {
    "handbook_dir": "handbook",
    "templates_dir": "templates",
    "nav_threshold": 50,  # a section lists its entities in the nav up to this many (every page renders the nav)
    "changes_limit": 20,  # commits shown on the Changes page
    "today": None,  # YYYY-MM-DD: fixes "today" for review badges (tests, reproducible builds)
}


@dataclass(frozen=True)
class SitePage:
    """A page made from the whole handbook. `section` places it in the nav: "start", "end" or the
    kind whose section it opens (after the kind's index); `position` orders it there."""

    template: str
    uri: str
    title: str
    section: str
    position: int = 0


# In the order they are rendered (and indexed for search); the nav orders them by section.
PAGES = [
    SitePage("home.md.j2", "index.md", "Home", "start", 1),
    SitePage("map.md.j2", "map.md", "Interface map", "start", 2),
    SitePage("conformance.md.j2", "interfaces/conformance.md", "Conformance matrix", "interfaces"),
    SitePage("rhythm.md.j2", "rituals/rhythm.md", "Rhythm", "rituals"),
    SitePage("tags.md.j2", "tags.md", "Tags", "end", 3),
    SitePage("reviews.md.j2", "reviews.md", "Reviews", "end", 1),
    SitePage("changes.md.j2", "changes.md", "Changes", "end", 2),
]
PILLAR_TEMPLATE = "pillar.md.j2"  # a page per strategic pillar of handbook.yaml, at pillars/<id>.md
WHOLE_HANDBOOK = {p.uri for p in PAGES}  # rendered again after every edit under `mkdocs serve`
TAGS_PAGE = "tags.md"


def options(given: dict[str, Any] | None) -> dict[str, Any]:
    """The plugin's options with their defaults filled in."""
    return {**OPTIONS, **{k: v for k, v in (given or {}).items() if k in OPTIONS}}


class OptionError(ValueError):
    """An option in mkdocs.yml the tool cannot use; its text is one escaped line."""


def as_date(value: str | date | None, option: str = "today") -> date | None:
    """A date from mkdocs.yml, where YAML may already have read it as one, inside the dates the
    tool reads (types.FIRST_DATE to LAST_DATE)."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        raise OptionError(f"{option}: '{excerpt(value)}' is not a date (YYYY-MM-DD)") from None
    if day is not None and not FIRST_DATE <= day <= LAST_DATE:
        raise OptionError(f"{option}: {day} is outside the dates this tool reads ({FIRST_DATE} to {LAST_DATE})")
    return day


def index_uri(kind: str) -> str:
    return f"{kind}/index.md"


def section_title(kind) -> str:
    """A kind's title as its nav section's title: MkDocs' themes print section titles unescaped
    (nav, 404 page), as they do page titles, so a declared word is given as HTML-escaped text."""
    return str(markupsafe.escape(kind.title))


def shadowed_pages(handbook: Handbook) -> list[Diagnostic]:
    """Entities whose page would take the place of a generated page (an interface `conformance`,
    a team `index`) or of another entity's page (`a` and `a/index`): an error at the file, naming
    the page it would shadow. Compared by address with directory URLs, where more paths meet."""
    taken: dict[str, str] = {}
    for uri in [p.uri for p in PAGES] + [index_uri(k) for k in handbook.model.kinds] + \
            [p.url for p in handbook.pillars]:
        taken[site_url(uri, True)] = f"the generated page {uri}"
    problems = []
    for entity in handbook.all():
        address = site_url(entity.url, True)
        if address in taken:
            line, col = entity.position()
            problems.append(Diagnostic(entity.path, line, col, "error", "shadows-page",
                                       f"{entity.kind}/{entity.id} would be published at {address}, the place "
                                       f"of {taken[address]}", "rename the file: its id is its file name"))
        else:
            taken[address] = f"the page of {entity.kind}/{entity.id} ({entity.path})"
    return problems


def build_nav(model: Model, pages: list[RenderedPage], threshold: int, own_pages: list[str]) -> list:
    """Home and the start pages, a section per kind with its index page first, the end pages,
    then the project's own pages. A section lists its entities only while it has at most
    `threshold` of them: every page renders the whole nav, so a long nav makes the build quadratic
    (above it, the adapter adds links to the index page's groups: `group_links`)."""
    by_kind: dict[str, list[RenderedPage]] = {kind: [] for kind in model.kinds}
    for page in pages:
        if page.entity is not None and page.entity.kind in by_kind:
            by_kind[page.entity.kind].append(page)
    placed = sorted(PAGES, key=lambda p: p.position)
    nav: list = [{p.title: p.uri} for p in placed if p.section == "start"]
    pillars = [p.src_uri for p in pages if p.entity is None and p.src_uri.startswith("pillars/")]
    if pillars:
        nav.append({"Pillars": pillars})
    for kind, members in by_kind.items():
        shown = _grouped(model, members) if len(members) <= threshold else []
        extra = [{p.title: p.uri} for p in placed if p.section == kind]
        nav.append({section_title(model.kinds[kind]): [index_uri(kind), *extra, *shown]})
    nav += [{p.title: p.uri} for p in placed if p.section == "end"]
    return nav + own_pages


def group_links(model: Model, pages: list[RenderedPage], threshold: int) -> dict[str, list[tuple[str, str]]]:
    """For each kind too long to list its entities in the nav: its sub-folders, as (title, the
    index page's uri#anchor), so that the nav still shows a department at a time."""
    links: dict[str, dict[str, str]] = {}
    counts: dict[str, int] = {}
    for page in pages:
        entity = page.entity
        if entity is None or entity.kind not in model.kinds:
            continue
        counts[entity.kind] = counts.get(entity.kind, 0) + 1
        if "/" in entity.id:
            links.setdefault(entity.kind, {})[model.folder_title(entity.kind, entity.id)] = \
                f"{index_uri(entity.kind)}#{group_anchor(entity.id)}"
    return {kind: sorted(groups.items()) for kind, groups in links.items() if counts[kind] > threshold}


def _grouped(model: Model, members: list[RenderedPage]) -> list:
    """Entities at the top of the kind folder first, then a nav group per sub-folder."""
    top = [p.src_uri for p in members if "/" not in p.entity.id]
    groups: dict[str, list[str]] = {}
    for p in members:
        if "/" in p.entity.id:
            groups.setdefault(model.folder_title(p.entity.kind, p.entity.id), []).append(p.src_uri)
    return top + [{title: uris} for title, uris in sorted(groups.items())]


# --- what an edit affects (every engine's preview) ---------------------------------------------

def _neighbours(entity: Entity) -> set[str]:
    urls = {r.target.url for r in entity.refs}
    urls |= {r.source.url for relations in entity.backrefs.values() for r in relations}
    # A team page lists the rituals that read an interface it provides (render/pages.py,
    # rituals_of_team): a ritual's edit reaches the teams providing its inputs, two steps away.
    urls |= {t.url for i in entity.targets("inputs") for t in i.sources("provided_by")}
    return urls


def affected_pages(old: Handbook | None, new: Handbook) -> set[str] | None:
    """Entity pages that can differ between two versions of the handbook, or None for "all".

    An entity page shows the entity, its neighbours (names, and the data of the relation) and the
    set of required interfaces (team pages); a ritual also changes the meeting load its teams' members
    show. With the parse cache, an unchanged file yields the
    very same data object, so `is` tells what changed."""
    if old is None or old.meta.data is not new.meta.data or old.evidence != new.evidence:
        return None  # the home page, handbook.yaml or the tracker's exports: every page may differ
    if [(e.kind, e.id) for e in old.all()] != [(e.kind, e.id) for e in new.all()]:
        # Added, removed or reordered (renamed) entities change the nav, indexes and links: all
        # pages, in the order a full render gives them (the nav follows the page order).
        return None
    pages: set[str] = set()
    for entity in new.all():
        before = old.get(entity.kind, entity.id)
        if before is not None and before.data is entity.data:
            continue
        pages |= {entity.url} | _neighbours(entity) | (_neighbours(before) if before else set())
        if entity.kind == "rituals":  # meeting load: the members of its teams show it too
            pages |= {a.who.url for a in attendance(new, entity)}
            pages |= {a.who.url for a in attendance(old, before)} if before else set()
    if [i.id for i in old.required_interfaces] != [i.id for i in new.required_interfaces]:
        pages |= {t.url for t in new.of("teams")}
    return {p for p in pages if not p.startswith("index.md")}


# --- the pipeline ---------------------------------------------------------------------------------

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


def render_site(renderer: Renderer, handbook: Handbook, commits: list | None,
                only: set[str] | None = None) -> Iterator[RenderedPage]:
    """Every page of the plan, or with `only` the whole-handbook pages, the index pages and the
    entity pages listed there."""
    for page in PAGES:
        extra = {"commits": commits} if page.uri == "changes.md" else {}
        source = handbook.meta.path if page.uri == "index.md" else None
        yield renderer.render_page(handbook, page.template, page.uri, source=source, **extra)
    for pillar in handbook.pillars:  # whole-handbook pages too: they sum every team's allocations
        yield renderer.render_page(handbook, PILLAR_TEMPLATE, pillar.url, source=handbook.meta.path, entity=pillar)
    for kind in handbook.model.kinds.values():
        yield renderer.render_page(handbook, kind.index_template, index_uri(kind.name), kind=kind,
                                   entities=handbook.of(kind.name))
        template = renderer.env.get_template(kind.page_template)
        for entity in handbook.of(kind.name):
            if only is None or entity.url in only:
                yield renderer.render_entity(handbook, entity, template)


def produce(handbook_dir: Path, project_dir: Path, templates_dir: Path, *, today: date,
            use_directory_urls: bool, commits: Callable[[], list | None],
            cache: ParseCache | None = None, feed_cache: FeedCache | None = None,
            select: Callable[[Handbook], set[str] | None] | None = None) -> Output:
    """Every page and file of the site, or the diagnostics that prevent it (pages empty).
    `select` may limit which entity pages are rendered (None from it: all). The caches belong to
    a `mkdocs serve` session: parsed files by modification time, and feed parts."""
    handbook, diagnostics = read_handbook(handbook_dir, project_dir, cache)
    diagnostics += folder_problems(templates_dir, project_dir, "templates", links="all")
    if handbook is not None:
        diagnostics += run_lints(handbook, today) + missing_templates(handbook.model, templates_dir) \
            + shadowed_pages(handbook)
    if handbook is None or errors(diagnostics):
        return Output(diagnostics=diagnostics)
    if cache is None:  # one-shot build: positions were only needed for diagnostics; free them
        for entity in [handbook.meta, *handbook.pillars, *handbook.all()]:
            entity.doc = None
    try:
        renderer = Renderer(templates_dir, RenderOptions(today, use_directory_urls))
        only = select(handbook) if select else None
        pages = list(render_site(renderer, handbook, commits(), only))
        files = site_files(handbook, use_directory_urls, feed_cache)
    except Exception as exc:  # a template bug: reported like any other problem
        return Output(diagnostics=diagnostics + [render_error(exc, templates_dir)])
    return Output(pages, files, diagnostics, handbook, partial=only is not None)
