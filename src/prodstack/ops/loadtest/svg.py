"""A `Figure` as inline SVG: axes with round ticks, lines or staircases or dots, dashed red
marker lines (scaling events), dashed orange limit lines (SLOs), grey stage boundaries, and a
legend. No dependency; long series are thinned to MAX_POINTS for the drawing only."""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from prodstack.ops.loadtest.figures import ORANGE, RED, Figure, Series

WIDTH, HEIGHT = 880, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 64
MAX_POINTS = 800


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [round(math.floor(low / step) * step, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _thin(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(points) <= MAX_POINTS:
        return points
    every = math.ceil(len(points) / MAX_POINTS)
    return [*points[::every], points[-1]]


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.2e}"


def render(figure: Figure) -> str:
    xs = [x for s in figure.series for x, _ in s.points] + [x for x, _ in figure.markers]
    ys = [y for s in figure.series for _, y in s.points] + [y for y, _ in figure.limits]
    x_ticks = nice_ticks(min(xs, default=0.0), max(xs, default=1.0))
    y_ticks = nice_ticks(min(0.0, *ys) if ys else 0.0, max(ys, default=1.0) or 1.0)
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return round(LEFT + (x - x0) / ((x1 - x0) or 1) * plot_w, 1)

    def py(y: float) -> float:
        return round(TOP + plot_h - (y - y0) / ((y1 - y0) or 1) * plot_h, 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
           f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{escape(figure.title)}" font-family="sans-serif" font-size="11" '
           'fill="#333">',
           f'<text x="{LEFT}" y="20" font-size="14" font-weight="600">'
           f'{escape(figure.title)}</text>']
    for y in y_ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(y)}" y2="{py(y)}" '
                   'stroke="#e6e6e6"/>')
        out.append(f'<text x="{LEFT - 6}" y="{py(y) + 4}" '
                   f'text-anchor="end">{_fmt(y)}</text>')
    for x in x_ticks:
        out.append(f'<text x="{px(x)}" y="{TOP + plot_h + 16}" '
                   f'text-anchor="middle">{_fmt(x)}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 30}" font-size="12" '
               f'text-anchor="middle">{escape(figure.x_label)}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2}" font-size="12" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2})">{escape(figure.y_label)}</text>')
    for x in figure.bands:
        out.append(f'<line x1="{px(x)}" x2="{px(x)}" y1="{TOP}" y2="{TOP + plot_h}" '
                   'stroke="#bbb" stroke-dasharray="2 3"/>')
    for series in figure.series:
        out.append(_series(series, px, py))
    for y, label in figure.limits:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py(y)}" y2="{py(y)}" '
                   f'stroke="{ORANGE}" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 4}" y="{py(y) - 4}" '
                   f'text-anchor="end" fill="{ORANGE}">{escape(label)}</text>')
    for x, label in figure.markers:
        out.append(f'<line x1="{px(x)}" x2="{px(x)}" y1="{TOP}" y2="{TOP + plot_h}" '
                   f'stroke="{RED}" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{px(x) + 4}" y="{TOP + 12}" fill="{RED}">'
                   f'{escape(label)}</text>')
    legend_x = LEFT
    for series in figure.series:
        out.append(f'<rect x="{legend_x}" y="{HEIGHT - 16}" width="12" height="8" '
                   f'fill="{series.colour}"/>')
        out.append(f'<text x="{legend_x + 16}" y="{HEIGHT - 8}">'
                   f'{escape(series.label)}</text>')
        legend_x += 24 + 7 * len(series.label)
    out.append("</svg>")
    return "\n".join(out)


def _series(series: Series, px: Callable[[float], float], py: Callable[[float], float]) -> str:
    points = _thin(series.points)
    title = f"<title>{escape(series.label)}</title>"
    dots = ""
    if series.dots:
        dots = "".join(f'<circle cx="{px(x)}" cy="{py(y)}" r="3.5" fill="{series.colour}">'
                       f"<title>{escape(series.label)}: {_fmt(y)} at {_fmt(x)}</title>"
                       "</circle>" for x, y in points)
    if series.dots and not series.line:
        return dots
    coords: list[str] = []
    for i, (x, y) in enumerate(points):
        if series.step and i:
            coords.append(f"{px(x)},{py(points[i - 1][1])}")
        coords.append(f"{px(x)},{py(y)}")
    return (f'<polyline fill="none" stroke="{series.colour}" stroke-width="1.8" '
            f'points="{" ".join(coords)}">{title}</polyline>' + dots)
