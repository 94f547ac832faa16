"""Render: diagrams as inline SVG, drawn at build time.

No JavaScript and no CDN: the site must work offline on an intranet, and an SVG drawn here is
also readable by search engines and screen readers (each node has a title and is a link).
The layout is layered: nodes in columns, edges as curves from left to right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from markupsafe import Markup

from .text import escape_plain as escape  # numeric references: valid XML, inert to Markdown

from ..model import Entity, Handbook
from ..model.declare import Model

NODE_W, NODE_H, GAP_Y, GAP_X, PAD, HEADER = 172, 30, 8, 64, 8, 24
GROUP_H, LINE_H, TEXT_X = 18, 14, 9
CHAR_W = 6.9  # a wide average for 12 px sans-serif text: lines are wrapped to fit NODE_W with room to spare
MAX_PER_GROUP = 60  # beyond this a group is summarised, so a huge handbook stays drawable
MAX_LINES = 4  # a longer label ends in "…"; the node's <title> and its page carry the whole name
MANY_TEAMS = 12  # above this, the interface map draws "every team" as one node instead of every team's edges


@dataclass
class Node:
    key: str
    label: str
    kind: str  # CSS modifier: team, interface, ritual, funding, principle, pillar, handbook, more, or a colour
    href: str | None = None
    note: str = ""  # a smaller line under the label, e.g. "required of every team"
    y: float = 0.0
    x: float = 0.0
    lines: list[str] = field(default_factory=list)
    note_lines: list[str] = field(default_factory=list)
    centre: bool = False

    @property
    def height(self) -> float:
        return max(NODE_H, 12 + LINE_H * (len(self.lines) + len(self.note_lines)))


@dataclass
class Group:
    title: str  # "" for none
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Column:
    title: str
    groups: list[Group] = field(default_factory=list)

    @property
    def nodes(self) -> list[Node]:
        return [n for g in self.groups for n in g.nodes]


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""
    style: str = "flow"  # flow: an arrow, work passing; link: a dashed line, another relation; soft: a faint arrow


def wrap(text: str, width: float = NODE_W - 2 * TEXT_X, max_lines: int = MAX_LINES) -> list[str]:
    """A label in lines that fit `width` pixels (by a wide estimate of each character), breaking at
    spaces, inside a word only when it is longer than a line."""
    per_line = max(4, int(width / CHAR_W))
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > per_line:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: per_line - 1] + "-")
            word = word[per_line - 1:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= per_line:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[: max_lines - 1] + [(last if len(last) < per_line else last[: per_line - 1].rstrip()) + "…"]
    return lines


def _cap(group: Group) -> Group:
    if len(group.nodes) <= MAX_PER_GROUP:
        return group
    kept = group.nodes[: MAX_PER_GROUP - 1]
    more = Node(f"more:{group.title}:{id(group)}", f"+ {len(group.nodes) - len(kept)} more", "more")
    return Group(group.title, kept + [more])


def _column_height(column: Column) -> float:
    height = 0.0
    for group in column.groups:
        height += (GROUP_H if group.title else 0) + sum(n.height + GAP_Y for n in group.nodes)
    return max(height - GAP_Y, 0)


def layered_svg(columns: list[Column], edges: list[Edge], *, label: str, legend: list[tuple[str, str]] = ()) -> Markup:
    """Draw columns of (grouped) nodes left to right, with curves between them from left to right.
    Labels wrap inside their boxes; group headings say what relation their nodes stand in."""
    columns = [Column(c.title, [_cap(g) for g in c.groups if g.nodes]) for c in columns]
    columns = [c for c in columns if c.groups]
    if not columns:
        return Markup("")
    for node in (n for c in columns for n in c.nodes):
        node.lines = wrap(node.label)
        node.note_lines = wrap(node.note, max_lines=2) if node.note else []
    header = HEADER if any(c.title for c in columns) else 0
    heights = [_column_height(c) for c in columns]
    height = max(heights) + 2 * PAD + header
    width = len(columns) * NODE_W + (len(columns) - 1) * GAP_X + 2 * PAD
    out = [f'<svg class="hb-diagram__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}">',
           f"<title>{escape(label)}</title>",
           '<defs><marker id="hb-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="hb-diagram__arrow"/></marker></defs>']
    labels: list[str] = []
    placed: list[dict[str, Node]] = []
    for ci, (column, col_h) in enumerate(zip(columns, heights)):
        x = PAD + ci * (NODE_W + GAP_X)
        if column.title:
            out.append(f'<text class="hb-diagram__heading" x="{x + NODE_W / 2:.0f}" y="{PAD + 14}" '
                       f'text-anchor="middle">{escape(column.title)}</text>')
        y = PAD + header + (height - 2 * PAD - header - col_h) / 2
        for group in column.groups:
            if group.title:
                labels.append(f'<text class="hb-diagram__group" x="{x + 2:.0f}" y="{y + 12:.0f}">'
                              f'{escape(group.title)}</text>')
                y += GROUP_H
            for node in group.nodes:
                node.x, node.y = x, y
                y += node.height + GAP_Y
        placed.append({n.key: n for n in column.nodes})
    for edge in edges:
        src = _find(placed, edge.src)
        dst = _find(placed, edge.dst, after=src[0]) if src else None
        if dst is None:  # an edge only runs rightwards, between columns that are drawn
            continue
        (_, src), (_, dst) = src, dst
        x1, y1 = src.x + NODE_W, src.y + src.height / 2
        x2, y2 = dst.x, dst.y + dst.height / 2
        mid = (x1 + x2) / 2
        title = f"<title>{escape(edge.label)}</title>" if edge.label else ""
        arrow = ' marker-end="url(#hb-arrow)"' if edge.style != "link" else ""
        end = x2 - 4 if arrow else x2
        out.append(f'<path class="hb-diagram__edge hb-diagram__edge--{edge.style}" d="M{x1:.0f},{y1:.0f} '
                   f'C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {end:.0f},{y2:.0f}"{arrow}>{title}</path>')
    out += labels
    for column in columns:
        for node in column.nodes:
            out.append(_draw(node))
    out.append("</svg>")
    keys = "".join(f'<li><span class="hb-legend__swatch hb-node--{escape(style)}"></span>{escape(words)}</li>'
                   for style, words in legend)
    legend_html = f'<ul class="hb-legend">{keys}</ul>' if keys else ""
    # one element around the drawing and its legend, so that Markdown sees one HTML block; excluded
    # from search as a <figure>, so that it may sit inside an excluded <section> (see _macros.md.j2)
    return Markup(f'\n<figure class="hb-figure" data-search-exclude><div class="hb-diagram">{"".join(out)}</div>'
                  f'{legend_html}</figure>\n')


def _draw(node: Node) -> str:
    spans = "".join(f'<tspan x="{node.x + TEXT_X:.0f}" y="{node.y + 6 + LINE_H * (i + 1) - 3:.0f}">{escape(line)}</tspan>'
                    for i, line in enumerate(node.lines))
    for i, line in enumerate(node.note_lines, start=len(node.lines)):
        spans += (f'<tspan class="hb-node__note" x="{node.x + TEXT_X:.0f}" '
                  f'y="{node.y + 6 + LINE_H * (i + 1) - 3:.0f}">{escape(line)}</tspan>')
    centre = " hb-node--centre" if node.centre else ""
    box = (f'<g class="hb-node hb-node--{escape(node.kind)}{centre}"><title>{escape(node.label)}'
           f'{" · " + escape(node.note) if node.note else ""}</title>'
           f'<rect x="{node.x:.0f}" y="{node.y:.0f}" width="{NODE_W}" height="{node.height:.0f}" rx="6"/>'
           f'<text>{spans}</text></g>')
    return f'<a href="{escape(node.href)}">{box}</a>' if node.href else box


def _find(placed: list[dict[str, Node]], key: str, after: int = -1) -> tuple[int, Node] | None:
    """The first column after `after` that holds the node `key`."""
    for ci in range(after + 1, len(placed)):
        if key in placed[ci]:
            return ci, placed[ci][key]
    return None


# --- the diagrams the templates use ---------------------------------------------------------------

Href = Callable[[Entity], str]


def _node(entity: Entity, href: Href, model: Model, key: str = "", note: str = "") -> Node:
    return Node(key or f"{entity.kind}:{entity.id}", entity.name, model.node_style(entity), href(entity), note)


def _kind_words(model: Model, entities: list[Entity]) -> list[tuple[str, str]]:
    """The legend: one entry per node style drawn, in words (the kind's title)."""
    seen: dict[str, str] = {}
    for e in entities:
        kind = model.kinds.get(e.kind)
        seen.setdefault(model.node_style(e), kind.singular.capitalize() if kind else e.kind.rstrip("s").capitalize())
    return sorted(seen.items(), key=lambda kv: kv[1])


def neighbourhood(entity: Entity, href: Href, model: Model) -> Markup:
    """How work passes through this entity: what feeds it on the left, what it feeds on the right
    (as the reference fields' `flow:` declares: a ritual's inputs → the ritual → its outputs; the
    teams and rituals producing an interface → the interface → those consuming it). Other relations
    (owner, principles, …) are drawn as dashed lines: what this entity refers to on the right, what
    refers to it on the left. Every group is headed by the relation's label."""
    forward, backward = model.flows
    left_flow: dict[str, list[Entity]] = {}
    right_flow: dict[str, list[Entity]] = {}
    left_link: dict[str, list[Entity]] = {}
    right_link: dict[str, list[Entity]] = {}
    kind = model.kinds.get(entity.kind)
    for name in dict.fromkeys(r.field for r in entity.refs):
        targets = list({id(t): t for t in entity.targets(name)}.values())
        spec = kind.fields.get(name) if kind else None
        title = spec.label if spec else name.replace("_", " ").capitalize()
        flow = forward.get((entity.kind, name), "")
        {"in": left_flow, "out": right_flow}.get(flow, right_link)[title] = targets
    for reverse in sorted(entity.backrefs):
        sources = entity.sources(reverse)
        title = model.reverse_labels.get(reverse) or reverse.replace("_", " ").capitalize()
        flow = backward.get(reverse, "")
        # a reference that flows out of its source flows into this entity, and the other way round
        {"out": left_flow, "in": right_flow}.get(flow, left_link)[title] = sources
    if not (left_flow or right_flow or left_link or right_link):
        return Markup("")
    centre = Node("centre", entity.name, model.node_style(entity), centre=True)
    edges: list[Edge] = []
    drawn: list[Entity] = [entity]

    on_side: dict[tuple[str, int], Node] = {}  # an entity drawn where work flows, by side

    def groups(side: str, by_title: dict[str, list[Entity]], style: str) -> list[Group]:
        out = []
        for title, members in by_title.items():
            nodes = []
            for e in members:
                if style == "link" and (side, id(e)) in on_side:  # drawn once per side: its other
                    shown = on_side[(side, id(e))]  # relations become a note
                    shown.note = f"{shown.note}, {title.lower()}" if shown.note else f"also: {title.lower()}"
                    continue
                key = f"{side}:{title}:{e.kind}:{e.id}"
                node = _node(e, href, model, key)
                nodes.append(node)
                if style == "flow":
                    on_side.setdefault((side, id(e)), node)
                drawn.append(e)
                edges.append(Edge(key, "centre", title, style) if side == "l" else Edge("centre", key, title, style))
            out.append(Group(title, nodes))
        return out

    left = Column("", groups("l", left_flow, "flow") + groups("l", left_link, "link"))
    right = Column("", groups("r", right_flow, "flow") + groups("r", right_link, "link"))
    legend = _kind_words(model, drawn)
    if left_flow or right_flow:
        legend.append(("flow", "Arrow: what passes from one to the next"))
    if left_link or right_link:
        legend.append(("link", "Dashed line: another relation, named above its group"))
    return layered_svg([left, Column("", [Group("", [centre])]), right], edges,
                       label=f"Neighbourhood of {entity.name}", legend=legend)


def interface_map(handbook: Handbook, href: Href, model: Model) -> Markup:
    """Who produces each live interface (teams providing it, rituals outputting it) → the interface →
    who consumes it (rituals taking it as input, teams consuming it). An interface required of every
    team gets an arrow from each team that provides it (faint, as they are many); above MANY_TEAMS
    teams, one "every team" node stands for them."""
    interfaces = [i for i in handbook.of("interfaces") if i.status not in ("deprecated", "sunset")]
    if not interfaces:
        return Markup("")
    teams = handbook.of("teams")
    many = len(teams) > MANY_TEAMS
    required = [i for i in interfaces if i.conformance == "required"]
    edges: list[Edge] = []
    producer_teams: dict[str, Node] = {}
    producer_rituals: dict[str, Node] = {}
    consumer_rituals: dict[str, Node] = {}
    consumer_teams: dict[str, Node] = {}
    middle = []
    for i in sorted(interfaces, key=lambda i: (i.conformance != "required", i.name.lower())):
        key = f"interfaces:{i.id}"
        middle.append(_node(i, href, model, key, "required of every team" if i.conformance == "required" else ""))
        soft = "soft" if i.conformance == "required" else "flow"
        if not (many and i.conformance == "required"):
            for t in i.sources("provided_by"):
                producer_teams.setdefault(t.id, _node(t, href, model, f"p:teams:{t.id}"))
                edges.append(Edge(f"p:teams:{t.id}", key, f"{t.name} provides {i.name}", soft))
        for r in i.sources("output_of"):
            producer_rituals.setdefault(r.id, _node(r, href, model, f"p:rituals:{r.id}"))
            edges.append(Edge(f"p:rituals:{r.id}", key, f"{r.name} outputs {i.name}"))
        for r in i.sources("input_to"):
            if r.status == "sunset":
                continue
            consumer_rituals.setdefault(r.id, _node(r, href, model, f"c:rituals:{r.id}"))
            edges.append(Edge(key, f"c:rituals:{r.id}", f"{r.name} takes {i.name} as input"))
        for t in i.sources("consumed_by"):
            consumer_teams.setdefault(t.id, _node(t, href, model, f"c:teams:{t.id}"))
            edges.append(Edge(key, f"c:teams:{t.id}", f"{t.name} consumes {i.name}"))
    every = []
    if many and required:
        every = [Node("p:every", f"Every team ({len(teams)})", "team", None)]
        edges += [Edge("p:every", f"interfaces:{i.id}", "required of every team", "soft") for i in required]
    by_name = lambda nodes: sorted(nodes.values(), key=lambda n: n.label.lower())  # noqa: E731
    producers = Column("Produced by", [Group("Teams", every + by_name(producer_teams)),
                                       Group("Rituals", by_name(producer_rituals))])
    consumers = Column("Consumed by", [Group("Rituals", by_name(consumer_rituals)),
                                       Group("Teams", by_name(consumer_teams))])
    drawn = teams[:1] + handbook.of("rituals")[:1] + interfaces[:1]
    legend = _kind_words(model, drawn) + [("flow", "Arrow: produced by → interface → consumed by"),
                                          ("soft", "Faint arrow: a team providing an interface required of every team")]
    return layered_svg([producers, Column("Interfaces", [Group("", middle)]), consumers], edges,
                       label="Interface map: who produces and who consumes each interface", legend=legend)


def funding_chart(rows: list[dict]) -> Markup:
    """Horizontal bars: each category's target range (band) and the teams' reported share (bar).
    A name is never cut: it wraps onto as many lines as it needs, and its row grows to hold them.
    A category without a target (a model that relaxes it) has a bar and no band."""
    label_w, bar_w, row_h, top, line_h = 220, 420, 34, 30, 14
    labels = [wrap(r["name"], label_w - 14, max_lines=len(r["name"])) for r in rows]
    heights = [max(row_h, line_h * len(lines) + 12) for lines in labels]
    height = top + sum(heights) + 24
    width = label_w + bar_w + 120
    scale = bar_w / max(100, max((max(r["high"] or 0, r["actual"]) for r in rows), default=100))
    out = [f'<svg class="hb-chart__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Funding: target and reported allocation">',
           "<title>Funding: target and reported allocation</title>",
           f'<text class="hb-chart__legend" x="{label_w}" y="16"><tspan class="hb-chart__legend-target">■</tspan> '
           f'target range  <tspan class="hb-chart__legend-actual">■</tspan> reported by teams</text>']
    top_of_row = top
    for row, lines, h in zip(rows, labels, heights):
        y = top_of_row + (h - row_h) / 2  # bars sit in the middle of a tall row
        first = y + 18 - (len(lines) - 1) * line_h / 2
        spans = "".join(f'<tspan x="{label_w - 10}" y="{first + i * line_h:.1f}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        out.append(f'<a href="{escape(row["href"])}"><text class="hb-chart__label" text-anchor="end">{spans}</text></a>')
        if row["low"] is not None:
            band_w = max((row["high"] - row["low"]) * scale, 2)
            out.append(f'<rect class="hb-chart__target" x="{label_w + row["low"] * scale:.1f}" y="{y + 2}" '
                       f'width="{band_w:.1f}" height="{row_h - 8}"><title>target {escape(row["target"])}</title></rect>')
        state = "off" if row["low"] is not None and not row["low"] <= row["actual"] <= row["high"] else "ok"
        out.append(f'<rect class="hb-chart__actual hb-chart__actual--{state}" x="{label_w}" y="{y + 9}" '
                   f'width="{row["actual"] * scale:.1f}" height="{row_h - 22}"><title>reported {row["actual"]:.1f} %'
                   f'</title></rect>')
        out.append(f'<text class="hb-chart__value" x="{label_w + bar_w + 10}" y="{y + 18}">'
                   f'{row["actual"]:.1f} % / {escape(row["target"] or "no target")}</text>')
        top_of_row += h
    axis_y = top_of_row
    for pct in range(0, 101, 25):
        x = label_w + pct * scale
        out.append(f'<text class="hb-chart__axis" x="{x:.0f}" y="{axis_y + 14}" text-anchor="middle">{pct} %</text>')
    out.append("</svg>")
    return Markup(f'\n<div class="hb-chart" data-search-exclude>{"".join(out)}</div>\n')
