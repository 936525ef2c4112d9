"""Charts drawn on the server as inline SVG: readable without JavaScript, no outside files.

Every text that goes into a chart (unit names, labels) is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

INK, MUTED, LINE, BAR, BRAND = "#1d2733", "#5b6776", "#d9dee5", "#1b7f3b", "#b3261e"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def trend_chart(
    title: str, points: Sequence[tuple[str, float | None]], width: int = 640, height: int = 220
) -> Markup:
    """A line of rates (0–1) over periods; a missing value breaks the line."""
    left, right, top, bottom = 48, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top + plot_h * (1 - max(0.0, min(1.0, value)))

    parts = [_open(title, width, height), _text(left, 18, title, weight="600")]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{LINE}"/>'
        )
        parts.append(_text(left - 6, y(tick) + 4, f"{tick * 100:.0f}%", anchor="end", size=11))
    segments: list[list[str]] = [[]]
    for i, (_, value) in enumerate(points):
        if value is None:
            segments.append([])
        else:
            segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{BRAND}" stroke-width="2" '
                f'points="{" ".join(segment)}"/>'
            )
    every = max(1, len(points) // 6)
    for i, (label, value) in enumerate(points):
        if value is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{BRAND}">'
                f"<title>{escape(label)}: {_percent(value)}</title></circle>"
            )
        last = len(points) - 1
        if i == last or (i % every == 0 and last - i >= every / 2):
            parts.append(_text(x(i), height - bottom + 16, label, anchor="middle", size=11))
    if not points:
        parts.append(_text(width / 2, top + plot_h / 2, "—", anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))


def ranking_chart(
    title: str, rows: Sequence[tuple[str, float | None]], width: int = 640, bar_height: int = 18
) -> Markup:
    """Horizontal bars of rates (0–1), in the order given (best first, say)."""
    label_w, value_w, top = 200, 60, 28
    bar_w = width - label_w - value_w
    height = top + len(rows) * (bar_height + 6) + 8
    parts = [_open(title, width, height), _text(0, 18, title, weight="600")]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + 6)
        name = label if len(label) <= 14 else label[:13] + "…"
        parts.append(_text(label_w - 8, y + bar_height - 4, name, anchor="end", size=12))
        length = bar_w * max(0.0, min(1.0, value or 0.0))
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{BAR}"><title>{escape(label)}: {_percent(value)}</title></rect>'
        )
        parts.append(_text(label_w + length + 6, y + bar_height - 4, _percent(value), size=12))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _text(
    x: float, y: float, text: str, anchor: str = "start", size: int = 13, weight: str = "400"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{INK if weight != "400" else MUTED}">{escape(text)}</text>'
    )
