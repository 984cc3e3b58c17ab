"""Drawing helpers shared by the charts: axis ticks, the plot frame, paths and point markers.

Markers differ by shape as well as colour (WCAG 1.4.1, no colour-only meaning): common
cause or within the limits a small circle, improvement (or better) a square, concern (or
worse) a diamond, neither a triangle. Every colour has at least 3:1 contrast on white.
"""

import math
from collections.abc import Sequence
from html import escape

from pipelines.dashboard.fmt import format_tick, is_missing

INK = "#212B32"  # NHS black
LINE = "#425563"  # NHS dark grey
TARGET = "#DA291C"  # NHS red
GRID = "#E8EDEE"  # NHS pale grey
FONT = 'font-family="Arial, Helvetica, sans-serif"'

# point type -> marker shape
SHAPES = {"common_cause": "circle", "special_cause_improvement": "square",
          "special_cause_concern": "diamond", "special_cause_neither": "triangle"}


def num(x: object) -> float | None:
    if is_missing(x):
        return None
    f = float(x)  # type: ignore[arg-type]
    return f if math.isfinite(f) else None


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks: list[float] = []
    t = start
    # up to the first tick at or above hi, so the top of the axis never cuts off a value
    while (not ticks or ticks[-1] < hi - 1e-9 * max(abs(hi), 1.0)) and len(ticks) < 50:
        ticks.append(round(t, 10))
        t += step
    return ticks


def domain(values: Sequence[float], *, non_negative: bool, upper_cap: float | None
           ) -> tuple[float, float, list[float]]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or (abs(hi) * 0.1 or 1.0)
    lo, hi = lo - pad, hi + pad
    if non_negative:
        lo = max(lo, 0.0)
    if upper_cap is not None:
        hi = min(hi, upper_cap)
    ticks = nice_ticks(lo, hi)
    return ticks[0], ticks[-1], ticks


class Frame:
    """Pixel geometry of one plot area."""

    def __init__(self, width: int, height: int, left: int = 64, right: int = 16,
                 top: int = 16, bottom: int = 40) -> None:
        self.w, self.h = width, height
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = top, height - bottom

    def y(self, v: float, lo: float, hi: float) -> float:
        v = min(max(v, lo), hi)
        return self.y1 - (v - lo) / (hi - lo) * (self.y1 - self.y0)

    def x(self, v: float, lo: float, hi: float) -> float:
        return self.x0 + (v - lo) / ((hi - lo) or 1) * (self.x1 - self.x0)


def svg_open(kind: str, frame: Frame, title: str, desc: str, n_points: int) -> str:
    return (f'<svg class="chart chart-{kind}" data-chart="{kind}" data-points="{n_points}" '
            f'viewBox="0 0 {frame.w} {frame.h}" width="100%" role="img" '
            f'preserveAspectRatio="xMidYMid meet" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<desc>{escape(desc)}</desc>'
            f'<rect x="0" y="0" width="{frame.w}" height="{frame.h}" fill="#fff"/>')


def y_axis(frame: Frame, ticks: list[float], lo: float, hi: float, unit: str | None) -> str:
    out = []
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for t in ticks:
        y = frame.y(t, lo, hi)
        out.append(f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{frame.x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                   f'{FONT} fill="{INK}">{escape(format_tick(t, unit, step))}</text>')
    out.append(f'<line x1="{frame.x0}" x2="{frame.x0}" y1="{frame.y0}" y2="{frame.y1}" '
               f'stroke="{LINE}" stroke-width="1"/>')
    out.append(f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{frame.y1}" y2="{frame.y1}" '
               f'stroke="{LINE}" stroke-width="1"/>')
    return "".join(out)


def path(xs: Sequence[float], ys: Sequence[float | None]) -> str:
    """An SVG path through the points, broken where a value is missing."""
    d, pen = [], False
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            pen = False
            continue
        d.append(f"{'L' if pen else 'M'}{x:.1f},{y:.1f}")
        pen = True
    return " ".join(d)


def empty(frame: Frame, kind: str, title: str, message: str) -> str:
    return (svg_open(kind, frame, title, message, 0)
            + f'<text x="{frame.w / 2}" y="{frame.h / 2}" text-anchor="middle" font-size="13" '
              f'{FONT} fill="{INK}">{escape(message)}</text></svg>')


def marker(shape: str, x: float, y: float, r: float, fill: str, cls: str, tip: str) -> str:
    """One data point: circle, square, diamond or triangle, with a text title."""
    common = f'class="{escape(cls)}" fill="{fill}" stroke="#fff" stroke-width="1"'
    title = f"<title>{escape(tip)}</title>"
    if shape == "square":
        s = r * 0.9
        return (f'<rect {common} x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
                f'height="{2 * s:.1f}">{title}</rect>')
    if shape == "diamond":
        s = r * 1.25
        pts = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
        return f'<polygon {common} points="{pts}">{title}</polygon>'
    if shape == "triangle":
        s = r * 1.2
        pts = (f"{x:.1f},{y - s:.1f} {x + s:.1f},{y + s * 0.8:.1f} "
               f"{x - s:.1f},{y + s * 0.8:.1f}")
        return f'<polygon {common} points="{pts}">{title}</polygon>'
    return f'<circle {common} cx="{x:.1f}" cy="{y:.1f}" r="{r}">{title}</circle>'


def key_marker(shape: str, fill: str) -> str:
    """A marker for a chart key (12 x 12, hidden from screen readers: the text says it)."""
    inner = marker(shape, 6, 6, 4.5, fill, "key", "").replace("<title></title>", "")
    return f'<svg width="12" height="12" aria-hidden="true" focusable="false">{inner}</svg>'
