"""Render: charts of allocation as inline SVG, drawn at build time (offline, no JavaScript).

`pillar_chart` draws time by strategic pillar: for each pillar, one pair of bars per period, the
planned share (hollow) and the actual share (solid), with the same numbers in people
(headcount-weighted) as text. Every text is escaped and shortened to fit its column, so nothing
written in YAML can overflow the drawing or become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from markupsafe import Markup

from ..model import Entity
from ..model.allocation import PeriodTime
from .text import escape_plain as escape

LABEL_W, BAR_W, VALUE_W, ROW_H, GROUP_GAP, TOP = 230, 360, 300, 18, 14, 34
CHAR_W = 7.2  # a generous average width of a 12px system-font character
MAX_LABEL = int((LABEL_W - 20) / CHAR_W)  # characters that fit in the label column
MAX_PERIOD = 16


def fit(text: str, limit: int) -> str:
    """`text` shortened with an ellipsis to at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _people(value: float) -> str:
    return f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


def pillar_chart(periods: list[PeriodTime], href: Callable[[Entity], str], drift_points: float,
                 title: str = "Time by strategic pillar: planned against actual") -> Markup:
    """Grouped bars: a group per pillar, a planned and an actual bar per period."""
    if not periods or not periods[0].pillars:
        return Markup("")
    pillars = [row.pillar for row in periods[0].pillars]
    per_group = ROW_H + len(periods) * 2 * ROW_H  # a heading row, then two bars per period
    height = TOP + len(pillars) * (per_group + GROUP_GAP) + 24
    width = LABEL_W + BAR_W + VALUE_W
    scale = BAR_W / 100
    out = [f'<svg class="hb-chart__svg hb-pillars__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text class="hb-chart__legend" x="{LABEL_W}" y="16"><tspan class="hb-pillars__legend-planned">□</tspan>'
           f' planned  <tspan class="hb-chart__legend-actual">■</tspan> actual (reported)  '
           f'<tspan class="hb-pillars__legend-off">■</tspan> off plan by more than {drift_points:.0f} points</text>']
    y = TOP
    for index, pillar in enumerate(pillars):
        out.append(f'<g class="hb-pillars__group" data-pillar="{escape(pillar.id)}">')
        out.append(f'<a href="{escape(href(pillar))}"><text class="hb-chart__label hb-pillars__name" x="{LABEL_W - 10}"'
                   f' y="{y + 13}" text-anchor="end">{escape(fit(pillar.name, MAX_LABEL))}<title>{escape(pillar.name)}'
                   f'</title></text></a>')
        y += ROW_H
        for period in periods:
            row = period.pillars[index]
            out.append(f'<text class="hb-chart__axis hb-pillars__period" x="{LABEL_W - 10}" y="{y + ROW_H + 4}" '
                       f'text-anchor="end">{escape(fit(period.label, MAX_PERIOD))}</text>')
            planned = row.planned or 0.0
            out.append(f'<rect class="hb-pillars__planned" x="{LABEL_W}" y="{y + 3}" width="{planned * scale:.1f}" '
                       f'height="{ROW_H - 5}" data-period="{escape(period.label)}" data-planned="{planned:.1f}">'
                       f'<title>{escape(pillar.name)}, {escape(period.label)}: planned {_pct(row.planned)} '
                       f'({_people(row.planned_people)} people)</title></rect>')
            if row.actual is not None:
                off = row.planned is not None and abs(row.actual - row.planned) > drift_points
                out.append(f'<rect class="hb-chart__actual hb-chart__actual--{"off" if off else "ok"} hb-pillars__actual"'
                           f' x="{LABEL_W}" y="{y + ROW_H + 2}" width="{row.actual * scale:.1f}" height="{ROW_H - 5}" '
                           f'data-period="{escape(period.label)}" data-actual="{row.actual:.1f}"><title>'
                           f'{escape(pillar.name)}, {escape(period.label)}: actual {_pct(row.actual)} '
                           f'({_people(row.actual_people)} people)</title></rect>')
            if row.actual is None:
                value = f"planned {_pct(row.planned)} · {_people(row.planned_people)} people"
            else:
                value = (f"{_pct(row.planned)} → {_pct(row.actual)} · {_people(row.planned_people)} → "
                         f"{_people(row.actual_people)} people")
            out.append(f'<text class="hb-chart__value hb-pillars__value" x="{LABEL_W + BAR_W + 10}" '
                       f'y="{y + ROW_H + 4}">{value}</text>')
            y += 2 * ROW_H
        out.append("</g>")
        y += GROUP_GAP
    for pct in range(0, 101, 25):
        x = LABEL_W + pct * scale
        out.append(f'<text class="hb-chart__axis" x="{x:.0f}" y="{y + 10}" text-anchor="middle">{pct} %</text>')
    out.append("</svg>")
    return Markup(f'\n<div class="hb-chart hb-pillars" data-search-exclude>{"".join(out)}</div>\n')


# --- planned, reported and measured side by side ------------------------------------------------

@dataclass
class ChartRow:
    """One category (or team, pillar, period) of an allocation chart: its three shares in percent,
    None where not stated."""

    label: str
    href: str | None
    planned: float | None
    reported: float | None
    measured: float | None


MARKS = (("planned", "planned"), ("reported", "reported"), ("measured", "measured"))
A_LABEL_W, A_BAR_W, A_VALUE_W, MARK_H, A_GAP = 210, 260, 70, 11, 10
A_MAX_LABEL = int((A_LABEL_W - 14) / CHAR_W)


def allocation_chart(rows: list[ChartRow], title: str, off_points: float) -> Markup:
    """A group per row and three marks in it: planned (hollow), reported (solid) and measured from
    the tracker (dark, outlined in red where it differs from the reported share, else the planned
    one, by more than `off_points`). Values are written beside each mark."""
    if not rows:
        return Markup("")
    per_group = 3 * MARK_H + A_GAP
    top = 30
    height = top + len(rows) * per_group + 20
    width = A_LABEL_W + A_BAR_W + A_VALUE_W
    scale = A_BAR_W / 100
    out = [f'<svg class="hb-chart__svg hb-alloc__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text class="hb-chart__legend" x="4" y="14"><tspan class="hb-alloc__key--planned">□</tspan> planned  '
           f'<tspan class="hb-alloc__key--reported">■</tspan> reported  <tspan class="hb-alloc__key--measured">■'
           f'</tspan> measured (tracker)  <tspan class="hb-alloc__key--off">□</tspan> measured off by more than '
           f'{off_points:.0f} points</text>']
    y = top
    for row in rows:
        said = row.reported if row.reported is not None else row.planned
        out.append(f'<g class="hb-alloc__group" data-label="{escape(row.label)}">')
        name = (f'<text class="hb-chart__label" x="{A_LABEL_W - 8}" y="{y + 2 * MARK_H - 1}" text-anchor="end">'
                f'{escape(fit(row.label, A_MAX_LABEL))}<title>{escape(row.label)}</title></text>')
        out.append(f'<a href="{escape(row.href)}">{name}</a>' if row.href else name)
        for i, (mark, word) in enumerate(MARKS):
            value = getattr(row, mark)
            my = y + i * MARK_H
            if value is not None:
                off = mark == "measured" and said is not None and abs(value - said) > off_points
                out.append(f'<rect class="hb-alloc__mark hb-alloc__{mark}{" hb-alloc__off" if off else ""}" '
                           f'x="{A_LABEL_W}" y="{my + 1}" width="{max(value * scale, 0.5):.1f}" height="{MARK_H - 3}" '
                           f'data-mark="{mark}" data-value="{value:.1f}"><title>{escape(row.label)}: {word} '
                           f'{_pct(value)}</title></rect>')
            out.append(f'<text class="hb-chart__value hb-alloc__value" x="{A_LABEL_W + A_BAR_W + 6}" '
                       f'y="{my + MARK_H - 2}" font-size="10">{word[0]} {_pct(value)}</text>')
        out.append("</g>")
        y += per_group
    for pct in range(0, 101, 25):
        x = A_LABEL_W + pct * scale
        out.append(f'<text class="hb-chart__axis" x="{x:.0f}" y="{y + 8}" text-anchor="middle" font-size="10">'
                   f'{pct} %</text>')
    out.append("</svg>")
    return Markup(f'\n<div class="hb-chart hb-alloc" data-search-exclude>{"".join(out)}</div>\n')
# --- the operating rhythm: the quarter at a glance ----------------------------------------------

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]  # not the locale's
R_LABEL_W, WEEK_W, R_ROW_H, R_TOP = 220, 49, 22, 44
R_MAX_LABEL = int((R_LABEL_W - 16) / CHAR_W)


def rhythm_chart(q, href: Callable[[Entity], str]) -> Markup:
    """Weeks across, rituals down (grouped), a mark per session at its day; planning and review
    rituals drawn as diamonds in a strong colour; the current week shaded and labelled."""
    rows = sum(len(r) for _, r in q.groups)
    if not rows:
        return Markup("")
    title = f"The operating rhythm, {q.label}: every session of every ritual, week by week"
    width = R_LABEL_W + q.weeks * WEEK_W + 10
    height = R_TOP + (rows + len(q.groups)) * R_ROW_H + 10
    out = [f'<svg class="hb-chart__svg hb-rhythm__svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<text class="hb-chart__legend" x="4" y="14"><tspan class="hb-rhythm__legend-planning">◆</tspan> planning '
           f'or review  <tspan class="hb-rhythm__legend-session">●</tspan> other ritual</text>']
    if 0 <= q.current_week < q.weeks:
        x = R_LABEL_W + q.current_week * WEEK_W
        out.append(f'<rect class="hb-rhythm__today" x="{x}" y="{R_TOP - 16}" width="{WEEK_W}" height="{height - R_TOP + 10}">'
                   f'<title>This week (today: {q.today.isoformat()})</title></rect>'
                   f'<text class="hb-chart__axis hb-rhythm__today-label" x="{x + WEEK_W / 2:.0f}" y="14" '
                   f'text-anchor="middle">this week</text>')
    for w in range(q.weeks):
        day = q.start + timedelta(weeks=w)
        out.append(f'<text class="hb-chart__axis hb-rhythm__week" x="{R_LABEL_W + w * WEEK_W + WEEK_W / 2:.0f}" '
                   f'y="{R_TOP - 4}" text-anchor="middle">{day.day} {MONTHS[day.month - 1]}</text>')
        out.append(f'<line class="hb-rhythm__grid" x1="{R_LABEL_W + w * WEEK_W}" x2="{R_LABEL_W + w * WEEK_W}" '
                   f'y1="{R_TOP}" y2="{height - 6}"/>')
    y = R_TOP
    for group, members in q.groups:
        out.append(f'<text class="hb-diagram__group hb-rhythm__group" x="4" y="{y + 15}">{escape(fit(group, R_MAX_LABEL))}</text>')
        y += R_ROW_H
        for row in members:
            r = row.ritual
            kind = "planning" if row.planning else "session"
            out.append(f'<g class="hb-rhythm__row hb-rhythm__row--{kind}" data-ritual="{escape(r.id)}">'
                       f'<a href="{escape(href(r))}"><text class="hb-chart__label hb-rhythm__name" x="{R_LABEL_W - 8}" '
                       f'y="{y + 15}" text-anchor="end">{escape(fit(r.name, R_MAX_LABEL))}<title>{escape(r.name)}</title>'
                       f'</text></a>')
            for d in row.sessions:
                days = (d.date() - q.start).days
                cx, cy = R_LABEL_W + days * WEEK_W / 7 + WEEK_W / 14, y + 11
                label = escape(f"{r.name}: {session_words(d, row.schedule.timed)}")
                shape = (f'<path d="M{cx:.1f} {cy - 6} l6 6 l-6 6 l-6 -6 z"' if row.planning
                         else f'<circle cx="{cx:.1f}" cy="{cy}" r="4.5"')
                out.append(f'{shape} class="hb-rhythm__mark hb-rhythm__mark--{kind}"><title>{label}</title>'
                           f'{"</path>" if row.planning else "</circle>"}')
            out.append("</g>")
            y += R_ROW_H
    out.append("</svg>")
    return Markup(f'\n<div class="hb-chart hb-rhythm" data-search-exclude>{"".join(out)}</div>\n')


def session_words(d, timed: bool) -> str:
    """A session in words, local to its zone: "Monday 2026-11-23 10:00 (Europe/London)"."""
    day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][d.weekday()]
    return f"{day} {d:%Y-%m-%d} {d:%H:%M} ({d.tzinfo})" if timed else f"{day} {d:%Y-%m-%d} (all day)"
