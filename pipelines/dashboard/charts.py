"""Server-side SVG charts: SPC (or run) charts and funnel plots, as inline SVG strings.

No JavaScript and no external resources: every chart is complete, printable markup
with a ``<title>``/``<desc>`` for screen readers and ``data-chart`` / ``data-points``
attributes that tests (and curious readers) can count.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from pipelines.dashboard.fmt import format_tick, format_value, is_missing, short_month
from pipelines.dashboard.icons import BLUE, GREY, ORANGE, POINT_COLOURS, PURPLE

INK = "#212B32"  # NHS black
LINE = "#425563"  # NHS dark grey
TARGET = "#DA291C"  # NHS red
GRID = "#E8EDEE"  # NHS pale grey
FONT = 'font-family="Arial, Helvetica, sans-serif"'


@dataclass(frozen=True)
class SpcPoint:
    period: object  # date-like
    value: float | None
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    point_type: str | None = None


@dataclass(frozen=True)
class FunnelPoint:
    label: str
    denominator: float
    value: float
    outside_95: bool
    outside_998: bool
    lower_95: float | None = None
    upper_95: float | None = None
    lower_998: float | None = None
    upper_998: float | None = None


def _num(x: object) -> float | None:
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
    ticks = []
    t = start
    while t <= hi + step * 0.5 and len(ticks) < 50:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _domain(values: Sequence[float], *, non_negative: bool, upper_cap: float | None
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


class _Frame:
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


def _svg_open(kind: str, frame: _Frame, title: str, desc: str, n_points: int) -> str:
    return (f'<svg class="chart chart-{kind}" data-chart="{kind}" data-points="{n_points}" '
            f'viewBox="0 0 {frame.w} {frame.h}" width="100%" role="img" '
            f'preserveAspectRatio="xMidYMid meet" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<desc>{escape(desc)}</desc>'
            f'<rect x="0" y="0" width="{frame.w}" height="{frame.h}" fill="#fff"/>')


def _y_axis(frame: _Frame, ticks: list[float], lo: float, hi: float, unit: str | None) -> str:
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


def _path(xs: Sequence[float], ys: Sequence[float | None]) -> str:
    """An SVG path through the points, broken where a value is missing."""
    d, pen = [], False
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            pen = False
            continue
        d.append(f"{'L' if pen else 'M'}{x:.1f},{y:.1f}")
        pen = True
    return " ".join(d)


def spc_chart(points: Sequence[SpcPoint], *, unit: str | None, title: str,
              target: float | None = None, run_chart: bool = False,
              width: int = 620, height: int = 240) -> str:
    """An SPC chart (value, mean, process limits, coloured special-cause points, target).

    ``run_chart`` draws the values and their mean only (when no SPC table exists).
    """
    pts = [p for p in points if p.period is not None]
    frame = _Frame(width, height)
    vals = [v for p in pts if (v := _num(p.value)) is not None]
    if not vals:
        return _empty(frame, "spc" if not run_chart else "run", title, "No values to chart.")
    if run_chart:
        m = sum(vals) / len(vals)
        pts = [SpcPoint(p.period, p.value, m) for p in pts]
    extents = list(vals)
    for p in pts:
        extents += [v for v in (_num(p.mean), _num(p.lower), _num(p.upper)) if v is not None]
    t = _num(target)
    if t is not None:
        extents.append(t)
    non_negative = min(vals) >= 0
    cap = 100.0 if (unit == "percent" and max(vals) <= 100) else None
    lo, hi, ticks = _domain(extents, non_negative=non_negative, upper_cap=cap)
    n = len(pts)
    xs = [frame.x(i, -0.5, n - 0.5) for i in range(n)]

    def ys(attr: str) -> list[float | None]:
        out: list[float | None] = []
        for p in pts:
            v = _num(getattr(p, attr))
            out.append(None if v is None else frame.y(v, lo, hi))
        return out

    kind = "run" if run_chart else "spc"
    desc = (f"{'Run' if run_chart else 'SPC'} chart of {n} months"
            + (f", target {format_value(t, unit)}" if t is not None else ""))
    out = [_svg_open(kind, frame, title, desc, n), _y_axis(frame, ticks, lo, hi, unit)]
    step = max(1, math.ceil(n / 8))
    for i in range(n - 1, -1, -step):  # label the latest month and every step-th before it
        out.append(f'<text x="{xs[i]:.1f}" y="{frame.y1 + 16}" text-anchor="middle" '
                   f'font-size="11" {FONT} fill="{INK}">{escape(short_month(pts[i].period))}'
                   f'</text>')
    if not run_chart:
        for attr in ("lower", "upper"):
            d = _path(xs, ys(attr))
            if d:
                out.append(f'<path class="limit" d="{d}" fill="none" stroke="{GREY}" '
                           f'stroke-width="1.5" stroke-dasharray="5 4"/>')
    d = _path(xs, ys("mean"))
    if d:
        out.append(f'<path class="mean" d="{d}" fill="none" stroke="{INK}" stroke-width="1.5"/>')
    if t is not None:
        ty = frame.y(t, lo, hi)
        out.append(f'<line class="target" x1="{frame.x0}" x2="{frame.x1}" y1="{ty:.1f}" '
                   f'y2="{ty:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="8 4"/>')
    vy = ys("value")
    d = _path(xs, vy)
    if d:
        out.append(f'<path class="values" d="{d}" fill="none" stroke="{LINE}" '
                   f'stroke-width="1.5"/>')
    for p, x, y in zip(pts, xs, vy, strict=True):
        if y is None:
            continue
        ptype = str(p.point_type or "common_cause")
        colour = POINT_COLOURS.get(ptype, GREY) if not run_chart else LINE
        special = ptype != "common_cause" and not run_chart
        r = 4.5 if special else 3
        label = f"{short_month(p.period)}: {format_value(p.value, unit)}"
        if special:
            label += " (" + ptype.replace("special_cause_", "special cause ") + ")"
        out.append(f'<circle class="point {escape(ptype)}" cx="{x:.1f}" cy="{y:.1f}" r="{r}" '
                   f'fill="{colour}" stroke="#fff" stroke-width="1"><title>{escape(label)}'
                   f'</title></circle>')
    out.append("</svg>")
    return "".join(out)


def _empty(frame: _Frame, kind: str, title: str, message: str) -> str:
    return (_svg_open(kind, frame, title, message, 0)
            + f'<text x="{frame.w / 2}" y="{frame.h / 2}" text-anchor="middle" font-size="13" '
              f'{FONT} fill="{INK}">{escape(message)}</text></svg>')


def _spread(points: Sequence[FunnelPoint], centre: float, level: str) -> float | None:
    """k in limit(n) = centre +/- k / sqrt(n): the median over the points' published limits.

    Each point gives k from whichever of its two limits is further from the centre (a
    limit clipped at 0 or 100% is nearer); the median ignores the odd exact-method point.
    """
    ks = []
    for p in points:
        lo, hi = _num(getattr(p, f"lower_{level}")), _num(getattr(p, f"upper_{level}"))
        gaps = [abs(v - centre) for v in (lo, hi) if v is not None]
        if gaps and p.denominator > 0:
            ks.append(max(gaps) * math.sqrt(p.denominator))
    if not ks:
        return None
    ks.sort()
    mid = len(ks) // 2
    return ks[mid] if len(ks) % 2 else (ks[mid - 1] + ks[mid]) / 2


def funnel_chart(points: Sequence[FunnelPoint], *, overall: float | None, unit: str | None,
                 better: str | None, title: str, x_label: str = "Denominator",
                 width: int = 620, height: int = 280) -> str:
    """A funnel plot: value against denominator, overall line and 95% / 99.8% limits.

    Points are coloured from the published ``outside_95`` / ``outside_998`` flags;
    the limit curves are drawn through the published limits, assuming they narrow
    with the square root of the denominator (normal approximation).
    """
    frame = _Frame(width, height, bottom=44)
    pts = [p for p in points if _num(p.value) is not None and _num(p.denominator) is not None]
    if not pts:
        return _empty(frame, "funnel", title, "No units with a value and denominator.")
    centre = _num(overall)
    n_max = max(p.denominator for p in pts) * 1.08 or 1.0
    n_min = max(min(p.denominator for p in pts) * 0.3, n_max / 400, 1e-9)
    curves: dict[str, list[tuple[float, float]]] = {}
    extents = [p.value for p in pts]
    if centre is not None:
        extents.append(centre)
        samples = [n_min * (n_max / n_min) ** (i / 60) for i in range(61)]
        floor = 0.0 if min(p.value for p in pts) >= 0 else -math.inf
        ceiling = 100.0 if unit == "percent" else math.inf
        smallest = min(p.denominator for p in pts)
        for level in ("95", "998"):
            k = _spread(pts, centre, level)
            if k is None:
                continue
            for side, sign in (("lower", -1), ("upper", 1)):
                curve = [(n, min(max(centre + sign * k / math.sqrt(n), floor), ceiling))
                         for n in samples]
                curves[f"{side}_{level}"] = curve
                # keep the axis about the points: limits at tiny denominators can be huge
                extents += [v for n, v in curve if n >= smallest * 0.8]
    non_negative = min(p.value for p in pts) >= 0
    cap = 100.0 if unit == "percent" else None
    lo, hi, ticks = _domain(extents, non_negative=non_negative, upper_cap=cap)
    xticks = nice_ticks(0, n_max, 5)
    x_hi = xticks[-1]
    x_step = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    out = [_svg_open("funnel", frame, title, f"Funnel plot of {len(pts)} units", len(pts)),
           _y_axis(frame, ticks, lo, hi, unit)]
    for t in xticks:
        x = frame.x(t, 0, x_hi)
        out.append(f'<text x="{x:.1f}" y="{frame.y1 + 16}" text-anchor="middle" font-size="11" '
                   f'{FONT} fill="{INK}">{escape(format_tick(t, "count", x_step))}</text>')
    out.append(f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{frame.h - 6}" '
               f'text-anchor="middle" font-size="11" {FONT} fill="{INK}">'
               f'{escape(x_label)}</text>')
    for attr, curve in curves.items():
        dash = "6 4" if attr.endswith("95") else "2 3"
        d = _path([frame.x(n, 0, x_hi) for n, _ in curve], [frame.y(v, lo, hi) for _, v in curve])
        out.append(f'<path class="funnel-{attr.replace("_", "-")}" d="{d}" fill="none" '
                   f'stroke="{LINE}" stroke-width="1.3" stroke-dasharray="{dash}"/>')
    if centre is not None:
        cy = frame.y(centre, lo, hi)
        out.append(f'<line class="overall" x1="{frame.x0}" x2="{frame.x1}" y1="{cy:.1f}" '
                   f'y2="{cy:.1f}" stroke="{INK}" stroke-width="1.5"/>')
    for p in pts:
        x, y = frame.x(p.denominator, 0, x_hi), frame.y(p.value, lo, hi)
        colour = _funnel_colour(p, centre, better)
        r = 5 if p.outside_998 else 4
        status = ("outside 99.8% limits" if p.outside_998 else
                  "outside 95% limits" if p.outside_95 else "within limits")
        tip = (f"{p.label}: {format_value(p.value, unit)} "
               f"(denominator {format_value(p.denominator, 'count')}, {status})")
        out.append(f'<circle class="unit" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}" '
                   f'stroke="#fff" stroke-width="1"><title>{escape(tip)}</title></circle>')
        if p.outside_95:
            anchor = "end" if x > frame.x1 - 120 else "start"
            dx = -7 if anchor == "end" else 7
            out.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                       f'font-size="11" {FONT} fill="{INK}">{escape(p.label[:36])}</text>')
    out.append("</svg>")
    return "".join(out)


def _funnel_colour(p: FunnelPoint, centre: float | None, better: str | None) -> str:
    if not p.outside_95:
        return GREY
    if centre is None or better not in {"higher", "lower"}:
        return PURPLE
    above = p.value > centre
    good = above if better == "higher" else not above
    return BLUE if good else ORANGE
