"""Server-rendered SVG charts: readable without JavaScript, printable, DESIGN §1 colours."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

from .status import COLOURS, TimeStatus, label

UNIT_SERIES = [
    TimeStatus.DONE_ON_TIME,
    TimeStatus.DONE_LATE,
    TimeStatus.IN_TIME,
    TimeStatus.OVERDUE,
    TimeStatus.NO_DEADLINE_OPEN,
    TimeStatus.NO_DEADLINE_DONE,
]
TREND_SERIES = [TimeStatus.DONE_ON_TIME, TimeStatus.DONE_LATE, TimeStatus.OVERDUE]


def _value(counts, status: TimeStatus) -> int:
    return {
        TimeStatus.DONE_ON_TIME: counts.done_on_time,
        TimeStatus.DONE_LATE: counts.done_late,
        TimeStatus.IN_TIME: counts.in_time,
        TimeStatus.OVERDUE: counts.overdue,
        TimeStatus.NO_DEADLINE_OPEN: counts.no_deadline_open,
        TimeStatus.NO_DEADLINE_DONE: counts.no_deadline_done,
    }[status]


def _legend(series, y: int) -> list[str]:
    parts, x = [], 10
    for status in series:
        text = label(status)
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{COLOURS[status]}"/>'
            f'<text x="{x + 16}" y="{y}" font-size="12">{escape(text)}</text>'
        )
        x += 24 + 7 * len(text)
    return parts


def unit_bars(rows, title: str = "Tình trạng nhiệm vụ theo đơn vị chủ trì", limit=25) -> Markup:
    """Horizontal stacked bars, one per lead unit (GroupRow), by time status."""
    # A bar holds the tasks with a deadline and, after them, those without.
    rows = sorted(rows, key=lambda r: -(r.counts.total + r.counts.no_deadline))[:limit]
    label_width, bar_width, bar_height, gap = 200, 480, 16, 6
    top = 48
    height = top + len(rows) * (bar_height + gap) + 10
    peak = max((r.counts.total + r.counts.no_deadline for r in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {label_width + bar_width + 60} {height}" '
        f'font-family="Arial, sans-serif" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        *_legend(UNIT_SERIES, 36),
    ]
    for i, row in enumerate(rows):
        y = top + i * (bar_height + gap)
        name = row.label if len(row.label) <= 30 else row.label[:29] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" font-size="11" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        x = float(label_width)
        for status in UNIT_SERIES:
            value = _value(row.counts, status)
            if not value:
                continue
            w = bar_width * value / peak
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" '
                f'fill="{COLOURS[status]}"><title>{escape(row.label)}: '
                f"{escape(label(status))} {value}</title></rect>"
            )
            x += w
        c = row.counts
        figure = f"{c.total} + {c.no_deadline}" if c.no_deadline else f"{c.total}"
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 12}" font-size="11">{figure}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: list[tuple[date, object]], title: str = "Diễn biến 12 tháng") -> Markup:
    """Stacked columns at each month end: completed on time, completed late, overdue."""
    left, width, height, top, bottom = 50, 620, 300, 48, 40
    peak = max((sum(_value(c, s) for s in TREND_SERIES) for _, c in points), default=0) or 1
    plot_h = height - top - bottom
    step = width / max(len(points), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {left + width + 10} {height}" font-family="Arial, sans-serif" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="10" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        *_legend(TREND_SERIES, 36),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + width}" y2="{top + plot_h}" '
        f'stroke="#5f6368"/>',
        f'<text x="{left - 6}" y="{top + 10}" font-size="11" text-anchor="end">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" font-size="11" text-anchor="end">0</text>',
    ]
    for i, (day, counts) in enumerate(points):
        x = left + i * step + step * 0.15
        y = float(top + plot_h)
        for status in TREND_SERIES:
            value = _value(counts, status)
            h = plot_h * value / peak
            if value:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[status]}"><title>{day:%d/%m/%Y}: {escape(label(status))} '
                    f"{value}</title></rect>"
                )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{top + plot_h + 16}" font-size="11" '
            f'text-anchor="middle">{day:%m/%Y}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
