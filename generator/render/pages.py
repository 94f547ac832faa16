"""Render: the resolved handbook through Jinja templates into Markdown pages (in memory)."""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
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
from ..model import Entity, Handbook, allocation, rhythm
from ..model.mentions import MAX_LINKS_PER_FILE, MENTION, resolve as resolve_mention
from .text import escape_plain, render_block, render_inline
from ..model.types import day_words


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
                       allocation=allocation, allocation_chart=_allocation_chart, rhythm_chart=_rhythm_chart,
                       rhythm=_rhythm, load_of=_load_of, session_words=charts.session_words)
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
    words: str  # "Mondays 10:00, America/Los_Angeles (written “Pacific Time”)"; "" when nothing says when
    next: str  # the next session from the build's today, in words; "" when none can be known
    first: str = ""  # the first session, when the handbook states one
    phase: str = ""  # what the page says when the cycle's weeks are chosen, not stated


def day_in_words(rule: dict, first: datetime) -> str:
    """The days a rule meets on: "Tuesdays", "the first Wednesday of the month", "the 5th"."""
    days = rule.get("BYDAY")
    if isinstance(days, str):
        return day_words(days) + (" of the month" if rule["FREQ"] == "MONTHLY" and days[:-2] else "")
    if days:
        names = [WEEKDAY_NAMES[RRULE_DAYS.index(d)] + "s" for d in days]
        return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    if rule["FREQ"] == "WEEKLY":
        return f"{WEEKDAY_NAMES[first.weekday()]}s"
    if rule["FREQ"] == "MONTHLY" and rule.get("BYMONTHDAY"):
        return " and ".join(f"the {_ordinal(d)}" for d in rule["BYMONTHDAY"])
    if rule["FREQ"] == "MONTHLY":
        return f"the {_ordinal(first.day)}"
    if rule["FREQ"] == "YEARLY":
        return f"{first.day} {first:%B}"
    return ""


@jinja2.pass_context
def _when(context, ritual: Entity) -> When:
    """`ritual | when`: the day, time and time zone of a ritual's sessions and the next one on or
    after the build's `today` (the plugin's `today` option makes it reproducible), from
    model/rhythm.py. An event-driven ritual, or one that names no day, has no dates to tell."""
    s = rhythm.schedule(ritual, context["handbook"])
    if s is None or not s.placed:
        return When(s is not None, "", "")
    day = day_in_words(s.rule, s.first)
    hour = f"{s.first:%H:%M}" if s.timed else "all day"
    hour = f"{hour}, {s.zone.understood}" if s.timed else hour
    words = f"{day} {hour}" if day and s.timed else f"{day}, {hour}" if day else hour
    upcoming = s.next(datetime.combine(context["today"], datetime.min.time(), tzinfo=s.tz))
    if upcoming is None:
        following = ""
    else:
        when = f"{WEEKDAY_NAMES[upcoming.weekday()]} {upcoming:%Y-%m-%d}"
        following = f"{when} {upcoming:%H:%M} ({s.zone})" if s.timed else f"{when} (all day)"
    stated = rhythm.first_date(ritual)
    first = "" if stated is None else (f"{stated:%A} {stated:%Y-%m-%d}" + (f" {s.first:%H:%M} ({s.zone})" if s.timed
                                                                          else " (all day)"))
    phase = "" if s.phase_known else ("which weeks of the cycle it meets in is not stated: the calendar counts "
                                      "from the week of 1 January 2001 until `starts` gives the first session")
    return When(True, words[0].upper() + words[1:], following, first, phase)


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
_LINK_MARKS = re.compile("\ue0f0([0-9]+)\ue0f1")


def _with_links(context, text: str | None, render) -> Markup:
    """Prose rendered by `render`, with each `[[kind/id|words]]` a link to the entity's page
    (model/mentions.py; `handbook check` reports those that name nothing)."""
    if not text or "[[" not in text:
        return render(text)
    handbook: Handbook = context["handbook"]
    targets: list[tuple[Entity, str | None]] = []

    short = handbook.short_names

    def mark(match) -> str:
        if len(targets) >= MAX_LINKS_PER_FILE:  # `check` reports the rest (too-many-links)
            return match.group(0)
        target, _, _ = resolve_mention(match.group(1), handbook.entities, handbook.model, short)
        if target is None:
            return match.group(0)
        targets.append((target, match.group(2)))
        return _LINK_MARK.format(len(targets) - 1)

    html = str(render(MENTION.sub(mark, text)))
    href = _href(context)

    def link(match) -> str:  # one pass over the page, whatever the number of links
        target, words = targets[int(match.group(1))]
        return f'<a href="{markupsafe.escape(href(target))}">{escape_plain(words.strip() if words else target.name)}</a>'
    return Markup(_LINK_MARKS.sub(link, html))


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
def _rhythm(context) -> rhythm.Quarter:
    """`rhythm()`: the quarter holding the build's today, its rituals grouped, with their sessions."""
    return rhythm.quarter(context["handbook"], context["today"])


@jinja2.pass_context
def _rhythm_chart(context, quarter: rhythm.Quarter) -> Markup:
    """`rhythm_chart(quarter)`: the quarter at a glance, as SVG."""
    return hold(context["held_blocks"], charts.rhythm_chart(quarter, _href(context)))


@jinja2.pass_context
def _load_of(context, entity: Entity | None = None):
    """`load_of(entity)`: the team's or person's meeting load (None when it attends no meeting);
    `load_of()`: every load, teams first, most hours first."""
    handbook = context["handbook"]
    loads = context.get("_loads")
    if loads is None:
        loads = rhythm.meeting_load(handbook)
    if entity is not None:
        return loads.get((entity.kind, entity.id))
    return sorted(loads.values(), key=lambda l: (l.who.kind != "teams", -l.required, l.who.name.lower()))


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


def _category_rows(handbook: Handbook, href, a) -> list:
    """A team's period: a row per category it planned, reported or was measured in; `uncategorised` last."""
    measured = a.measured.percent if a.measured else {}
    order = list(dict.fromkeys([*a.planned, *(a.actual or {}), *(c for c in measured if c != allocation.UNCATEGORISED)]))
    rows = []
    for c in order:
        category = handbook.get("funding", c)
        rows.append(charts.ChartRow(category.name if category else c, href(category) if category else None,
                                    a.planned.get(c) if a.planned else None,
                                    a.actual.get(c, 0) if a.actual else None, measured.get(c, 0.0) if a.measured else None))
    if a.measured:
        rows.append(charts.ChartRow("Uncategorised", None, None, None, measured.get(allocation.UNCATEGORISED, 0.0)))
    return rows


@jinja2.pass_context
def _allocation_chart(context, entity: Entity | None = None, period: Any = None) -> Markup:
    """`allocation_chart(…)`: planned, reported and measured side by side, three marks per row.
    A team and one of its periods (`allocation.timeline`): a row per category. A funding category:
    a row per team funded by it, in the team's latest measured period. A pillar: a row per period.
    Nothing (the home page): a row per pillar, in the latest period measured."""
    handbook: Handbook = context["handbook"]
    href = _href(context)
    off = handbook.model.thresholds.measured_points
    if handbook.evidence is None:
        return Markup("")
    if entity is not None and entity.kind == "teams":
        rows, title = _category_rows(handbook, href, period), f"{entity.name}, {period.label}: planned, reported, measured"
    elif entity is not None and entity.kind == "funding":
        rows = []
        for team in entity.sources("funds") + [t for t in handbook.of("teams") if t not in entity.sources("funds")]:
            measured = [a for a in allocation.timeline(handbook, team) if a.measured]
            if not measured:
                continue
            a = measured[-1]
            if not (entity.id in a.planned or entity.id in (a.actual or {}) or entity.id in a.measured.percent):
                continue
            rows.append(charts.ChartRow(f"{team.name} ({a.label})", href(team), a.planned.get(entity.id, 0) if a.planned
                                        else None, a.actual.get(entity.id, 0) if a.actual else None,
                                        a.measured.percent.get(entity.id, 0.0)))
        title = f"{entity.name}: each team's share, planned, reported, measured"
    else:
        periods = allocation.pillar_time(handbook)
        if entity is not None:  # a pillar
            rows = []
            for p in periods:
                row = next(r for r in p.pillars if r.pillar is entity)
                if p.period is not None:
                    rows.append(charts.ChartRow(p.label, None, row.planned, row.actual, row.measured))
            title = f"{entity.name}: time per period, planned, reported, measured"
        else:
            last = [p for p in periods if p.measured_teams]
            if not last:
                return Markup("")
            p = last[-1]
            rows = [charts.ChartRow(r.pillar.name, href(r.pillar), r.planned, r.actual, r.measured) for r in p.pillars]
            title = f"Time by pillar, {p.label}: planned, reported, measured"
    return hold(context["held_blocks"], charts.allocation_chart(rows, title, off))


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
