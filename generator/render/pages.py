"""Render: the resolved handbook through Jinja templates into Markdown pages (in memory)."""

from __future__ import annotations

import dataclasses
import json
import posixpath
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from markupsafe import Markup

from . import charts, diagrams
from .templates import PACKAGED_PREFIX, TemplateVersionError, make_loader
from ..packaged import packaged_templates
from ..diagnostics import Diagnostic
from .fragments import hold, in_use, standalone
from ..model import Entity, Handbook, allocation
from ..model.mentions import MENTION, resolve as resolve_mention
from .text import escape_plain, render_block, render_inline
from ..model.types import day_words, recurrence


@dataclass
class RenderedPage:
    src_uri: str  # path under docs_dir, e.g. "rituals/wbr.md"
    markdown: str  # what MkDocs gets: finished HTML blocks appear as placeholders (see fragments)
    source: str | None  # project-relative YAML file the page comes from, for edit links
    entity: Entity | None = None
    held: dict[str, str] = field(default_factory=dict)  # placeholder key -> HTML block

    @property
    def content(self) -> str:
        """The page as self-contained Markdown."""
        return standalone(self.markdown, self.held)


@dataclass
class RenderOptions:
    today: date
    use_directory_urls: bool = True  # as in mkdocs.yml: raw-HTML links (diagrams) need final URLs


def _finalize(value: Any) -> Any:
    """Every `{{ … }}` goes through here: plain values are escaped for Markdown and HTML;
    values already rendered safe (Markup) pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return escape_plain(value)


def relative_path(target: str, base_dir: str) -> str:
    """`posixpath.relpath(target, base_dir)` for the clean relative paths used here ("a/b.md",
    "" for the root), without its calls to abspath: links are the hottest path in rendering."""
    to = target.split("/")
    base = base_dir.split("/") if base_dir else []
    common = 0
    while common < len(base) and common < len(to) - 1 and to[common] == base[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:])


@jinja2.pass_context
def _url(context, uri: str) -> Markup:
    """A relative URL from the page being rendered to another page under docs_dir (an anchor in
    the last segment is kept)."""
    return Markup(relative_path(uri, posixpath.dirname(context["page_uri"])))


@jinja2.pass_context
def _link(context, target: Entity, text: Any = None) -> Markup:
    """A Markdown link from the page being rendered to `target`'s page."""
    return Markup(f"[{_finalize(target.name if text is None else text)}]({_url(context, target.url)})")


def site_url(src_uri: str, use_directory_urls: bool) -> str:
    """The URL MkDocs gives the page built from `src_uri` (relative to the site root)."""
    path, _, anchor = src_uri.partition("#")
    stem = path[:-3] if path.endswith(".md") else path
    if not use_directory_urls:
        url = stem + ".html"
    elif stem == "index" or stem.endswith("/index"):
        url = stem[:-5]
    else:
        url = stem + "/"
    return url + (f"#{anchor}" if anchor else "")


def relative_url(from_uri: str, to_uri: str, use_directory_urls: bool) -> str:
    """A link from the page built from `from_uri` to the page built from `to_uri`, as in the site."""
    here = site_url(from_uri, use_directory_urls)
    base = here[:-1] if here.endswith("/") else posixpath.dirname(here)
    target, _, anchor = site_url(to_uri, use_directory_urls).partition("#")
    rel = relative_path(target.rstrip("/"), base) + ("/" if target.endswith("/") else "")
    return (rel or "./") + (f"#{anchor}" if anchor else "")


def _join(values: Any, separator: str = "") -> Markup:
    return Markup(_finalize(separator)).join(_finalize(v) for v in values)


def _json_text(value: Any) -> Markup:
    """A value for YAML front matter (JSON is valid YAML)."""
    return Markup(json.dumps(value, ensure_ascii=False, default=str))


def _page_title(name: str) -> Markup:
    """A page title for front matter. MkDocs and its themes treat page titles as HTML (a title
    taken from a heading keeps its entities) and print them unescaped in the nav, the header,
    <title> and the tags and search listings, so a name is written as HTML-escaped text."""
    return _json_text(str(markupsafe.escape(name)))


@lru_cache(maxsize=8)
def make_environment(templates_dir: Path) -> jinja2.Environment:
    """One environment per templates folder, kept across `mkdocs serve` rebuilds so that templates
    are compiled once; Jinja's auto_reload recompiles a template whose file changed. The project's
    folder is searched first, the packaged templates behind it (render/templates.py)."""
    env = jinja2.Environment(
        loader=make_loader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
    )
    # `join` is replaced because Jinja's own marks the result safe after HTML escaping only.
    env.filters.update(md=_prose, md_inline=_prose_inline, front=_json_text, page_title=_page_title, join=_join,
                       lookup=_lookup, first_session=_first_session, plural=plural, when=_when,
                       rituals_of_team=_rituals_of_team)
    env.tests.update(given=given, section=is_section)
    env.filters["groups"] = _groups
    env.filters["owner"] = _owner
    env.filters["declared_relations"] = _declared_relations
    env.globals.update(declared_reverses=declared_reverses, declared_fields=_declared_fields, tree=_tree)
    env.filters["by_owner"] = _by_owner
    env.globals.update(link=_link, url=_url, href=_page_href, held=_held, neighbourhood=_neighbourhood,
                       interface_map=_interface_map, funding_chart=_funding_chart, pillar_chart=_pillar_chart,
                       allocation=allocation)
    return env


def given(value: Any) -> bool:
    """`v is given`: absent is a value, decided here once: None, "", [] and {} are "not given", and
    what is not given has no column, row or section on any page."""
    return value is not None and value != "" and value != [] and value != {}


SECTION_TYPES = ("markdown", "object", "map")


def is_section(spec) -> bool:
    """`spec is section`: a field shown as a section of its own (Markdown, objects, maps, lists of
    them) rather than as a fact in a table cell."""
    return spec.type in SECTION_TYPES or (spec.type == "list" and spec.of.type in SECTION_TYPES)


def plural(count: int, word: str, many: str | None = None) -> str:
    """`n | plural("team")`: "1 team", "0 teams", "3 categories"; the last word of a phrase is the
    one made plural ("2 required interfaces"); `many` for an irregular plural."""
    if count == 1:
        return f"{count} {word}"
    if many is None:
        head, _, last = word.rpartition(" ")
        if last.endswith("y") and last[-2:-1] not in ("a", "e", "i", "o", "u"):
            last = last[:-1] + "ies"
        elif last.endswith(("s", "x", "ch", "sh")):
            last += "es"
        else:
            last += "s"
        many = f"{head} {last}" if head else last
    return f"{count} {many}"


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@dataclass(frozen=True)
class When:
    """When a ritual happens, in words (see `_when`)."""

    regular: bool
    words: str  # "Mondays 10:00, Europe/London"; "" when nothing says when
    next: str  # the next session from the build's today, in words; "" when none can be known


@jinja2.pass_context
def _when(context, ritual: Entity) -> When:
    """`ritual | when`: the day, time and time zone of a ritual's sessions and the next one on or
    after the build's `today` (the plugin's `today` option makes it reproducible), from its cadence
    and `starts` (a date alone: all-day sessions). An event-driven ritual, or one with no `starts`,
    has no dates to tell."""
    from dateutil.rrule import rrulestr
    from icalendar.prop import vRecur

    cadence, starts, tz = ritual.cadence, ritual.data.starts, context["meta"].timezone
    if not cadence.is_regular or starts is None:
        return When(cadence.is_regular, "", "")
    timed = isinstance(starts, datetime)
    first = starts if timed else datetime.combine(starts, datetime.min.time())
    rule = recurrence(cadence, first.date())
    hour = f"{first:%H:%M}, {tz}" if timed else "all day"
    days = rule.get("BYDAY")
    if isinstance(days, str):
        day = day_words(days) + (" of the month" if rule["FREQ"] == "MONTHLY" and days[:-2] else "")
    elif days:
        names = [WEEKDAY_NAMES[RRULE_DAYS.index(d)] + "s" for d in days]
        day = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    elif rule["FREQ"] == "WEEKLY":
        day = f"{WEEKDAY_NAMES[first.weekday()]}s"
    elif rule["FREQ"] == "MONTHLY" and rule.get("BYMONTHDAY"):
        day = " and ".join(f"the {_ordinal(d)}" for d in rule["BYMONTHDAY"])
    elif rule["FREQ"] == "MONTHLY":
        day = f"the {_ordinal(first.day)}"
    elif rule["FREQ"] == "YEARLY":
        day = f"{first.day} {first:%B}"
    else:
        day = ""
    words = f"{day} {hour}" if day and timed else f"{day}, {hour}" if day else hour
    text = vRecur(rule).to_ical().decode()
    today = datetime.combine(context["today"], datetime.min.time())
    upcoming = rrulestr(f"RRULE:{text}", dtstart=first).after(today, inc=True)
    if upcoming is None:
        return When(True, words[0].upper() + words[1:], "")
    when = f"{WEEKDAY_NAMES[upcoming.weekday()]} {upcoming:%Y-%m-%d}"
    return When(True, words[0].upper() + words[1:], f"{when} {upcoming:%H:%M} ({tz})" if timed else f"{when} (all day)")


@dataclass(frozen=True)
class TeamRitual:
    ritual: Entity
    takes_part: str  # "required", "optional" or "" (not a named participant)
    owns: bool
    reads: list[Entity]  # interfaces the team provides that the ritual takes as input


def _rituals_of_team(team: Entity) -> list[TeamRitual]:
    """`team | rituals_of_team`: every ritual a team is part of: as a named participant, as its
    owner, or because the ritual reads an interface the team provides; by ritual name."""
    found: dict[int, dict] = {}

    def entry(r: Entity) -> dict:
        return found.setdefault(id(r), {"ritual": r, "takes_part": "", "owns": False, "reads": []})
    for relation in team.backrefs.get("takes_part_in", ()):
        e = entry(relation.source)
        required = getattr(relation.item, "required", True)
        e["takes_part"] = "required" if required or e["takes_part"] == "required" else "optional"
    for r in team.sources("owns"):
        if r.kind == "rituals":
            entry(r)["owns"] = True
    for interface in team.targets("provides"):
        for r in interface.sources("input_to"):
            if interface not in entry(r)["reads"]:
                entry(r)["reads"].append(interface)
    return [TeamRitual(**e) for e in sorted(found.values(), key=lambda e: e["ritual"].name.lower())]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _first_session(value: date | datetime, timezone: str) -> str:
    """`starts` in words: "2026-01-05 10:00 (Europe/London)", or "2026-01-05 (all day)"."""
    if isinstance(value, datetime):
        return f"{value:%A} {value:%Y-%m-%d %H:%M} ({timezone})"
    return f"{value:%A} {value:%Y-%m-%d} (all day)"


def group_anchor(entity_id: str) -> str:
    """The anchor of an entity's group on its kind's index page (the nav links to it)."""
    return "group-" + entity_id.rsplit("/", 1)[0].replace("/", "--") if "/" in entity_id else ""


@dataclass(frozen=True)
class Group:
    """Entities of one sub-folder of a kind (title "" for the top of the kind folder)."""

    title: str
    anchor: str
    members: list[Entity]


@jinja2.pass_context
def _groups(context, entities: list[Entity]) -> list[Group]:
    """`entities | groups`: a group per sub-folder, the top of the kind folder first."""
    out: dict[str, list[Entity]] = {}
    model = context["model"]
    for e in entities:
        out.setdefault(model.folder_title(e.kind, e.id), []).append(e)
    return [Group(title, group_anchor(members[0].id), members)
            for title, members in sorted(out.items(), key=lambda kv: (kv[0] != "", kv[0]))]


# A group longer than this is split by owner into collapsible tables, so that a department's
# hundred rows are read a team at a time.
LONG_GROUP = 25


def _by_owner(entities: list[Entity], limit: int = LONG_GROUP) -> list[tuple[Entity | None, list[Entity]]]:
    """`entities | by_owner`: [(None, all)] for a short list, else (owner, theirs) by owner name."""
    owners: dict[int, tuple[Entity | None, list[Entity]]] = {}
    for e in entities:
        owner = next(iter(e.targets("owner")), None)
        owners.setdefault(id(owner), (owner, []))[1].append(e)
    if len(entities) <= limit or len(owners) < 2:
        return [(None, entities)]
    return sorted(owners.values(), key=lambda pair: (pair[0] is None, pair[0].name.lower() if pair[0] else ""))


@dataclass
class TreeNode:
    """One entity in the tree of a hierarchy, with how many of the index's entities it holds."""

    entity: Entity
    children: list["TreeNode"] = field(default_factory=list)
    count: int = 0  # entities of the index's kind beneath it, itself included


@jinja2.pass_context
def _tree(context, entities: list[Entity]) -> list[TreeNode]:
    """`tree(entities)`: the hierarchy above the entities of an index page (their parents, the
    parents' parents, of any kind), as trees from each top; [] when no entity has a parent."""
    handbook: Handbook = context["handbook"]
    paths = [handbook.ancestors(e) + [e] for e in entities]
    if all(len(p) == 1 for p in paths):
        return []
    nodes: dict[int, TreeNode] = {}
    roots: list[TreeNode] = []
    for path in paths:
        above = None
        for e in path:
            node = nodes.get(id(e))
            if node is None:
                node = nodes[id(e)] = TreeNode(e)
                (above.children if above is not None else roots).append(node)
            node.count += 1
            above = node
    for node in nodes.values():
        node.children.sort(key=lambda n: n.entity.name.lower())
    return sorted(roots, key=lambda n: n.entity.name.lower())


@jinja2.pass_context
def _owner(context, entity: Entity) -> Entity | None:
    """`entity | owner`: who keeps it current. Left out, an entity of a kind that can own (a team,
    a person) owns itself; anything else has no owner to show (absent, not itself)."""
    owner = next(iter(entity.targets("owner")), None)
    if owner is not None:
        return owner
    kind = context["model"].kinds.get(entity.kind) or context["model"].meta
    spec = kind.fields.get("owner")
    return entity if spec is not None and entity.kind in spec.to else None


@lru_cache(maxsize=8)
def declared_reverses(model) -> frozenset[str]:
    """The relations a handbook's own model.yaml declares (their reverse names): its pages show
    them as sections of their own, labelled by their `reverse_label`."""
    if not model.source:
        return frozenset()
    return frozenset({spec.reverse for kind in [model.meta, *model.kinds.values()] for spec in kind.references
            if spec.declared_in == model.source and spec.reverse})


@jinja2.pass_context
def _declared_fields(context, kind) -> list[str]:
    """`declared_fields(kind)`: the fields a handbook's own model.yaml adds to a kind, in order."""
    source = context["model"].source
    return [name for name, spec in kind.fields.items() if source and spec.declared_in == source]


@jinja2.pass_context
def _declared_relations(context, entity: Entity) -> list[tuple[str, list[Entity]]]:
    """`entity | declared_relations`: (reverse label, entities) of each declared relation that
    points at `entity`, in the order of the labels."""
    model = context["model"]
    names = declared_reverses(model) & set(entity.backrefs)
    return sorted(((model.reverse_labels.get(n) or n, entity.sources(n)) for n in names if entity.sources(n)),
                  key=lambda pair: pair[0].lower())


@jinja2.pass_context
def _lookup(context, value: str, spec) -> Entity | None:
    """`values | map("lookup", spec)`: the entities behind the values of a reference field, as the
    model resolved them (None for a role in words)."""
    return context["handbook"].target(spec, value)


@jinja2.pass_context
def _prose(context, text: str | None) -> Markup:
    return hold(context["held_blocks"], _with_links(context, text, render_block))


@jinja2.pass_context
def _prose_inline(context, text: str | None) -> Markup:
    return _with_links(context, text, render_inline)


_LINK_MARK = "\ue0f0{}\ue0f1"  # private-use characters: Markdown and the sanitiser leave them be


def _with_links(context, text: str | None, render) -> Markup:
    """Prose rendered by `render`, with each `[[kind/id|words]]` a link to the entity's page
    (model/mentions.py; `handbook check` reports those that name nothing)."""
    if not text or "[[" not in text:
        return render(text)
    handbook: Handbook = context["handbook"]
    targets: list[tuple[Entity, str | None]] = []

    def mark(match) -> str:
        target, _, _ = resolve_mention(match.group(1), handbook.entities, handbook.model)
        if target is None:
            return match.group(0)
        targets.append((target, match.group(2)))
        return _LINK_MARK.format(len(targets) - 1)

    html = str(render(MENTION.sub(mark, text)))
    href = _href(context)
    for i, (target, words) in enumerate(targets):
        link = f'<a href="{markupsafe.escape(href(target))}">{escape_plain(words.strip() if words else target.name)}</a>'
        html = html.replace(_LINK_MARK.format(i), link)
    return Markup(html)


@jinja2.pass_context
def _held(context, caller) -> Markup:
    """`{% call held() %}…{% endcall %}`: a block of finished HTML, kept out of MkDocs' Markdown pass."""
    return hold(context["held_blocks"], caller())


def _href(context) -> Any:
    page, use_dirs = context["page_uri"], context["use_directory_urls"]
    return lambda entity: relative_url(page, entity.url, use_dirs)


@jinja2.pass_context
def _page_href(context, entity: Entity) -> Markup:
    """The URL of `entity`'s page as in the built site, for links in HTML that MkDocs leaves alone."""
    return Markup(_href(context)(entity))


@jinja2.pass_context
def _neighbourhood(context, entity: Entity) -> Markup:
    return hold(context["held_blocks"], diagrams.neighbourhood(entity, _href(context), context["model"]))


@jinja2.pass_context
def _interface_map(context) -> Markup:
    return hold(context["held_blocks"], diagrams.interface_map(context["handbook"], _href(context),
                                                               context["model"]))


@jinja2.pass_context
def _funding_chart(context) -> Markup:
    handbook: Handbook = context["handbook"]
    href = _href(context)
    actual = allocation.reported_allocation(handbook)
    rows = [{"name": f.name, "href": href(f), "low": f.target.low if f.target else None,
             "high": f.target.high if f.target else None, "target": f.target.label if f.target else None,
             "actual": actual[f.id]} for f in handbook.of("funding")]
    return hold(context["held_blocks"], diagrams.funding_chart(rows))


@jinja2.pass_context
def _pillar_chart(context, periods: list | None = None, pillar: Entity | None = None) -> Markup:
    """`pillar_chart()`: time by strategic pillar, planned against actual, for every period (or
    `periods`), of every pillar (or only `pillar`, on its own page)."""
    handbook: Handbook = context["handbook"]
    periods = allocation.pillar_time(handbook) if periods is None else periods
    if pillar is not None:
        periods = [dataclasses.replace(p, pillars=[r for r in p.pillars if r.pillar is pillar]) for p in periods]
    return hold(context["held_blocks"], charts.pillar_chart(periods, _href(context),
                                                            handbook.model.thresholds.drift_points))


DUE_SOON_DAYS = 30
MAX_MATRIX_COLUMNS = 30  # beyond this many interfaces the conformance matrix shows the required ones


class Renderer:
    def __init__(self, templates_dir: Path, options: RenderOptions):
        self.env = make_environment(templates_dir)
        self.options = options

    def _context(self, handbook: Handbook, page_uri: str, **extra: Any) -> dict[str, Any]:
        meta = handbook.meta.data
        return {
            "handbook": handbook,
            "model": handbook.model,
            "meta": meta,
            "page_uri": page_uri,
            "today": self.options.today,
            "review_period_days": meta.review_period_days,
            "use_directory_urls": self.options.use_directory_urls,
            "due_soon_days": DUE_SOON_DAYS,
            "max_matrix_columns": MAX_MATRIX_COLUMNS,
            "held_blocks": {},  # filled while rendering: the page's finished HTML blocks
            **extra,
        }

    def render_page(self, handbook: Handbook, template: str, uri: str, source: str | None = None,
                    **extra: Any) -> RenderedPage:
        context = self._context(handbook, uri, **extra)
        return _page(uri, self.env.get_template(template), context, source)

    def render_entity(self, handbook: Handbook, entity: Entity, template=None) -> RenderedPage:
        kind = handbook.model.kinds[entity.kind]
        template = template or self.env.get_template(kind.page_template)
        due = entity.review_due(handbook.meta.data.review_period_days)
        context = self._context(handbook, entity.url, entity=entity, kind=kind,
                                review_due=due, stale=bool(due and due < self.options.today))
        return _page(entity.url, template, context, entity.path, entity)


def _page(uri: str, template: jinja2.Template, context: dict[str, Any], source: str | None,
          entity: Entity | None = None) -> RenderedPage:
    markdown = template.render(context)
    return RenderedPage(uri, markdown, source, entity, in_use(context["held_blocks"], markdown))


def render_error(exc: Exception, templates_dir: Path) -> Diagnostic:
    """A template problem as a diagnostic, pointing at the template line when Jinja knows it: the
    project's own template where the problem is in one, else the packaged one."""
    if isinstance(exc, TemplateVersionError):
        return Diagnostic(_rel(exc.filename, templates_dir), exc.lineno, 1, "error", "template-version",
                          str(exc), exc.hint)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = exc.filename or exc.name or "templates"
        return Diagnostic(_rel(path, templates_dir), exc.lineno or 0, 1, "error", "template", exc.message or str(exc),
                          _override_hint(path, templates_dir))
    line, path = 0, str(templates_dir)
    roots = (str(templates_dir), str(packaged_templates()))
    tb = exc.__traceback__
    while tb is not None:  # the innermost frame that belongs to a template
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(roots):
            path, line = filename, tb.tb_lineno
        tb = tb.tb_next
    hint = "a template uses a name the handbook does not define" if isinstance(exc, jinja2.UndefinedError) else None
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, jinja2.TemplateNotFound):
        missing = exc.name or str(exc)
        if str(missing).startswith(PACKAGED_PREFIX + "/"):
            message = f"template '{missing}' not found: the package ships no template of that name"
            hint = "`handbook templates` lists the packaged templates; see README, \"Upgrading\""
        else:
            message = (f"template '{missing}' not found in {_rel(str(templates_dir), templates_dir)}/ "
                       "nor among the packaged templates")
            hint = f"create {_rel(str(templates_dir / str(missing)), templates_dir)}, or use a packaged one " \
                   "(`handbook templates` lists them)"
    return Diagnostic(_rel(path, templates_dir), line, 1 if line else 0, "error", "template", message,
                      hint or _override_hint(path, templates_dir))


def _override_hint(path: str, templates_dir: Path) -> str | None:
    """For a project's own template, where its packaged original is to compare after an upgrade."""
    try:
        name = Path(path).resolve().relative_to(templates_dir.resolve()).as_posix()
    except ValueError:
        return None
    if templates_dir.resolve() == packaged_templates().resolve():
        return None
    return (f"this is the project's own {name}; if it worked before an upgrade, compare it with the packaged "
            f"one (`handbook templates copy {name} --to -`) and see README, \"Upgrading\"")


def _rel(path: str, templates_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(templates_dir.resolve().parent).as_posix()
    except ValueError:
        return path
