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

NODE_W, NODE_H, GAP_Y, GAP_X, PAD, HEADER = 200, 30, 10, 110, 8, 26
MAX_PER_COLUMN = 60  # beyond this a column is summarised, so a huge handbook stays drawable
MAX_LABEL = 27


@dataclass
class Node:
    key: str
    label: str
    kind: str  # CSS modifier: team, interface, ritual, funding, principle, pillar, handbook, more
    href: str | None = None
    note: str = ""  # shown after the label, e.g. "every team"
    y: float = 0.0
    x: float = 0.0


@dataclass
class Column:
    title: str
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


def _cap(column: Column) -> Column:
    if len(column.nodes) <= MAX_PER_COLUMN:
        return column
    kept = column.nodes[: MAX_PER_COLUMN - 1]
    more = Node(f"more:{column.title}", f"+ {len(column.nodes) - len(kept)} more", "more")
    return Column(column.title, kept + [more])


def layered_svg(columns: list[Column], edges: list[Edge], *, label: str) -> Markup:
    """Draw columns of nodes left to right with curved edges between them."""
    columns = [_cap(c) for c in columns if c.nodes]
    if not columns:
        return Markup("")
    heights = [len(c.nodes) * (NODE_H + GAP_Y) - GAP_Y for c in columns]
    height = max(heights) + 2 * PAD + HEADER
    width = len(columns) * NODE_W + (len(columns) - 1) * GAP_X + 2 * PAD
    for ci, (column, col_h) in enumerate(zip(columns, heights)):
        x = PAD + ci * (NODE_W + GAP_X)
        top = PAD + HEADER + (height - 2 * PAD - HEADER - col_h) / 2
        for ni, node in enumerate(column.nodes):
            node.x, node.y = x, top + ni * (NODE_H + GAP_Y)
    out = [f'<svg class="hb-diagram__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(label)}">',
           f"<title>{escape(label)}</title>"]
    for ci, column in enumerate(columns):
        x = PAD + ci * (NODE_W + GAP_X)
        out.append(f'<text class="hb-diagram__heading" x="{x + NODE_W / 2:.0f}" y="{PAD + 14}" '
                   f'text-anchor="middle">{escape(column.title)}</text>')
    placed = [{n.key: n for n in c.nodes} for c in columns]
    for edge in edges:
        src = _find(placed, edge.src)
        dst = _find(placed, edge.dst, after=src[0]) if src else None
        if dst is None:  # an edge only runs rightwards, between columns that are drawn
            continue
        (_, src), (_, dst) = src, dst
        x1, y1 = src.x + NODE_W, src.y + NODE_H / 2
        x2, y2 = dst.x, dst.y + NODE_H / 2
        mid = (x1 + x2) / 2
        title = f"<title>{escape(edge.label)}</title>" if edge.label else ""
        out.append(f'<path class="hb-diagram__edge" d="M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} '
                   f'{x2 - 4:.0f},{y2:.0f}" marker-end="url(#hb-arrow)">{title}</path>')
    out.insert(2, '<defs><marker id="hb-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
                  'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="hb-diagram__arrow"/></marker></defs>')
    for column in columns:
        for node in column.nodes:
            text = _short(node.label) + (f" · {node.note}" if node.note else "")
            box = (f'<g class="hb-node hb-node--{node.kind}"><title>{escape(node.label)}</title>'
                   f'<rect x="{node.x:.0f}" y="{node.y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                   f'<text x="{node.x + 10:.0f}" y="{node.y + NODE_H / 2 + 4:.0f}">{escape(text)}</text></g>')
            out.append(f'<a href="{escape(node.href)}">{box}</a>' if node.href else box)
    out.append("</svg>")
    return Markup(f'\n<div class="hb-diagram" data-search-exclude>{"".join(out)}</div>\n')


def _find(placed: list[dict[str, Node]], key: str, after: int = -1) -> tuple[int, Node] | None:
    """The first column after `after` that holds the node `key`."""
    for ci in range(after + 1, len(placed)):
        if key in placed[ci]:
            return ci, placed[ci][key]
    return None


# --- the diagrams the templates use ---------------------------------------------------------------

Href = Callable[[Entity], str]
Style = Callable[[Entity], str]  # an entity's node style, as its kind declares it


def _node(entity: Entity, href: Href, style: Style, note: str = "") -> Node:
    return Node(f"{entity.kind}:{entity.id}", entity.name, style(entity), href(entity), note)


def neighbourhood(entity: Entity, href: Href, style: Style) -> Markup:
    """What references this entity (left), the entity (middle), what it references (right)."""
    incoming: dict[str, tuple[Entity, list[str]]] = {}
    for reverse, relations in sorted(entity.backrefs.items()):
        for r in relations:
            incoming.setdefault(f"{r.source.kind}:{r.source.id}", (r.source, []))[1].append(reverse.replace("_", " "))
    outgoing: dict[str, tuple[Entity, list[str]]] = {}
    for r in entity.refs:
        outgoing.setdefault(f"{r.target.kind}:{r.target.id}", (r.target, []))[1].append(r.field.replace("_", " "))
    if not incoming and not outgoing:
        return Markup("")
    centre = Node("centre", entity.name, style(entity))
    left = Column("Referenced by", [_node(e, href, style) for e, _ in sorted(incoming.values(), key=_order)])
    right = Column("References", [_node(e, href, style) for e, _ in sorted(outgoing.values(), key=_order)])
    edges = [Edge(key, "centre", ", ".join(dict.fromkeys(labels))) for key, (_, labels) in incoming.items()]
    edges += [Edge("centre", key, ", ".join(dict.fromkeys(labels))) for key, (_, labels) in outgoing.items()]
    return layered_svg([left, Column(entity.name, [centre]), right], edges, label=f"Neighbourhood of {entity.name}")


def _order(item: tuple[Entity, list[str]]) -> tuple[str, str]:
    return item[0].kind, item[0].name.lower()


def interface_map(handbook: Handbook, href: Href, style: Style) -> Markup:
    """Teams → the interfaces they provide → the rituals that consume them → what those rituals output.
    Required interfaces are provided by every team, so their many edges are replaced by a note."""
    interfaces = [i for i in handbook.of("interfaces") if i.status not in ("deprecated", "sunset")]
    teams = Column("Teams", [_node(t, href, style) for t in handbook.of("teams")])
    inputs = Column("Interfaces", [_node(i, href, style, "every team" if i.conformance == "required" else "")
                                   for i in interfaces])
    rituals = Column("Rituals", [_node(r, href, style) for r in handbook.of("rituals") if r.status != "sunset"])
    produced = {o.id: o for r in handbook.of("rituals") for o in r.targets("outputs")}
    outputs = Column("Outputs", [Node(f"out:{o.id}", o.name, "interface", href(o)) for o in
                                 sorted(produced.values(), key=lambda e: e.name.lower())])
    edges: list[Edge] = []
    for i in interfaces:
        if i.conformance != "required":
            edges += [Edge(f"teams:{t.id}", f"interfaces:{i.id}", "provides") for t in i.sources("provided_by")]
        edges += [Edge(f"interfaces:{i.id}", f"rituals:{r.id}", "input to") for r in i.sources("input_to")]
    for r in handbook.of("rituals"):
        edges += [Edge(f"rituals:{r.id}", f"out:{o.id}", "outputs") for o in r.targets("outputs")]
    return layered_svg([teams, inputs, rituals, outputs], edges, label="Interface map")


def funding_chart(rows: list[dict]) -> Markup:
    """Horizontal bars: each category's target range (band) and the teams' reported share (bar)."""
    label_w, bar_w, row_h, top = 220, 420, 34, 30
    height = top + len(rows) * row_h + 24
    width = label_w + bar_w + 120
    scale = bar_w / max(100, max((max(r["high"], r["actual"]) for r in rows), default=100))
    out = [f'<svg class="hb-chart__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-label="Funding: target and reported allocation">',
           "<title>Funding: target and reported allocation</title>",
           f'<text class="hb-chart__legend" x="{label_w}" y="16"><tspan class="hb-chart__legend-target">■</tspan> '
           f'target range  <tspan class="hb-chart__legend-actual">■</tspan> reported by teams</text>']
    for i, row in enumerate(rows):
        y = top + i * row_h
        out.append(f'<a href="{escape(row["href"])}"><text class="hb-chart__label" x="{label_w - 10}" y="{y + 18}" '
                   f'text-anchor="end">{escape(_short(row["name"]))}</text></a>')
        band_w = max((row["high"] - row["low"]) * scale, 2)
        out.append(f'<rect class="hb-chart__target" x="{label_w + row["low"] * scale:.1f}" y="{y + 2}" '
                   f'width="{band_w:.1f}" height="{row_h - 8}"><title>target {row["target"]}</title></rect>')
        state = "off" if not row["low"] <= row["actual"] <= row["high"] else "ok"
        out.append(f'<rect class="hb-chart__actual hb-chart__actual--{state}" x="{label_w}" y="{y + 9}" '
                   f'width="{row["actual"] * scale:.1f}" height="{row_h - 22}"><title>reported {row["actual"]:.1f} %'
                   f'</title></rect>')
        out.append(f'<text class="hb-chart__value" x="{label_w + bar_w + 10}" y="{y + 18}">'
                   f'{row["actual"]:.1f} % / {escape(row["target"])}</text>')
    axis_y = top + len(rows) * row_h
    for pct in range(0, 101, 25):
        x = label_w + pct * scale
        out.append(f'<text class="hb-chart__axis" x="{x:.0f}" y="{axis_y + 14}" text-anchor="middle">{pct} %</text>')
    out.append("</svg>")
    return Markup(f'\n<div class="hb-chart" data-search-exclude>{"".join(out)}</div>\n')
