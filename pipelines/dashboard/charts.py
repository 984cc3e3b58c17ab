"""Server-side SVG charts: SPC (or run) charts and funnel plots, as inline SVG strings.

No JavaScript and no external resources: every chart is complete, printable markup
with a ``<title>``/``<desc>`` for screen readers and ``data-chart`` / ``data-points``
attributes that tests (and curious readers) can count.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from pipelines.dashboard.fmt import format_tick, format_value, short_month
from pipelines.dashboard.icons import BLUE, GREY, ORANGE, POINT_COLOURS, PURPLE
from pipelines.dashboard.svg import (
    FONT,
    GRID,
    INK,
    LINE,
    SHAPES,
    TARGET,
    Frame,
    domain,
    empty,
    marker,
    nice_ticks,
    path,
    svg_open,
    y_axis,
)
from pipelines.dashboard.svg import num as _num

__all__ = ["FunnelPoint", "SpcPoint", "funnel_chart", "nice_ticks", "sparkline", "spc_chart",
           "GRID", "INK", "LINE"]

@dataclass(frozen=True)
class SpcPoint:
    period: object  # date-like
    value: float | None
    mean: float | None = None
    lower: float | None = None
    upper: float | None = None
    point_type: str | None = None
    phase: int | None = None  # 1..n when the published spc table has phases
    phase_reason: str | None = None  # on the first point of a new phase


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
    code: str = ""
    highlight: bool = False  # the unit whose page this is: ringed and labelled


def spc_chart(points: Sequence[SpcPoint], *, unit: str | None, title: str,
              target: float | None = None, run_chart: bool = False,
              width: int = 620, height: int = 240) -> str:
    """An SPC chart (value, mean, process limits, coloured special-cause points, target).

    ``run_chart`` draws the values and their mean only (when no SPC table exists).
    """
    pts = [p for p in points if p.period is not None]
    frame = Frame(width, height)
    vals = [v for p in pts if (v := _num(p.value)) is not None]
    if not vals:
        return empty(frame, "spc" if not run_chart else "run", title, "No values to chart.")
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
    lo, hi, ticks = domain(extents, non_negative=non_negative, upper_cap=cap)
    n = len(pts)
    xs = [frame.x(i, -0.5, n - 0.5) for i in range(n)]

    def ys(attr: str) -> list[float | None]:
        out: list[float | None] = []
        for p in pts:
            v = _num(getattr(p, attr))
            out.append(None if v is None else frame.y(v, lo, hi))
        return out

    kind = "run" if run_chart else "spc"
    breaks = [] if run_chart else phase_breaks(pts)
    desc = (f"{'Run' if run_chart else 'SPC'} chart of {n} months"
            + (f", target {format_value(t, unit)}" if t is not None else "")
            + "".join(f"; phase {ph} from {short_month(pts[i].period)}: {why or 'no reason given'}"
                      for i, ph, why in breaks))
    out = [svg_open(kind, frame, title, desc, n), y_axis(frame, ticks, lo, hi, unit)]
    step = max(1, math.ceil(n / 8))
    for i in range(n - 1, -1, -step):  # label the latest month and every step-th before it
        out.append(f'<text x="{xs[i]:.1f}" y="{frame.y1 + 16}" text-anchor="middle" '
                   f'font-size="11" {FONT} fill="{INK}">{escape(short_month(pts[i].period))}'
                   f'</text>')
    # each phase has its own mean and limits: the lines stop at a phase change
    cuts = [0, *[i for i, _, _ in breaks], n]
    for a, b in zip(cuts, cuts[1:], strict=False):
        seg = slice(a, b)
        if not run_chart:
            for attr in ("lower", "upper"):
                d = path(xs[seg], ys(attr)[seg])
                if d:
                    out.append(f'<path class="limit" d="{d}" fill="none" stroke="{GREY}" '
                               f'stroke-width="1.5" stroke-dasharray="5 4"/>')
        d = path(xs[seg], ys("mean")[seg])
        if d:
            out.append(f'<path class="mean" d="{d}" fill="none" stroke="{INK}" '
                       f'stroke-width="1.5"/>')
    out += _phase_marks(breaks, xs, pts, frame)
    if t is not None:
        ty = frame.y(t, lo, hi)
        out.append(f'<line class="target" x1="{frame.x0}" x2="{frame.x1}" y1="{ty:.1f}" '
                   f'y2="{ty:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="8 4"/>')
    vy = ys("value")
    d = path(xs, vy)
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
        shape = SHAPES.get(ptype, "circle") if special else "circle"
        out.append(marker(shape, x, y, r, colour, f"point {ptype}", label))
    out.append("</svg>")
    return "".join(out)


def phase_breaks(points: Sequence[SpcPoint]) -> list[tuple[int, int, str | None]]:
    """(index, phase, reason) of every point that starts a new phase (not the first)."""
    out = []
    for i in range(1, len(points)):
        now, before = points[i].phase, points[i - 1].phase
        if now is not None and before is not None and now != before:
            out.append((i, now, points[i].phase_reason))
    return out


def _phase_marks(breaks: list[tuple[int, int, str | None]], xs: list[float],
                 pts: Sequence[SpcPoint], frame: Frame) -> list[str]:
    """A vertical line before each new phase, labelled with its reason (shortened; the full
    reason is in the line's title, the chart's description and the note under the chart)."""
    out = []
    for i, phase, reason in breaks:
        x = (xs[i - 1] + xs[i]) / 2
        why = reason or "no reason given"
        short = why if len(why) <= 28 else why[:27] + "\u2026"
        anchor = "end" if x > (frame.x0 + frame.x1) / 2 else "start"
        dx = -4 if anchor == "end" else 4
        tip = f"Phase {phase} from {short_month(pts[i].period)}: {why}"
        out.append(f'<g class="phase-break" data-phase="{phase}"><title>{escape(tip)}</title>'
                   f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.y0}" y2="{frame.y1}" '
                   f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="2 2"/>'
                   f'<text x="{x + dx:.1f}" y="{frame.y0 + 10}" text-anchor="{anchor}" '
                   f'font-size="11" font-weight="700" {FONT} fill="{INK}">'
                   f'{escape(short)}</text></g>')
    return out


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
    frame = Frame(width, height, bottom=44)
    pts = [p for p in points if _num(p.value) is not None and _num(p.denominator) is not None]
    if not pts:
        return empty(frame, "funnel", title, "No units with a value and denominator.")
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
    lo, hi, ticks = domain(extents, non_negative=non_negative, upper_cap=cap)
    xticks = nice_ticks(0, n_max, 5)
    x_hi = xticks[-1]
    x_step = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    out = [svg_open("funnel", frame, title, f"Funnel plot of {len(pts)} units", len(pts)),
           y_axis(frame, ticks, lo, hi, unit)]
    for t in xticks:
        x = frame.x(t, 0, x_hi)
        out.append(f'<text x="{x:.1f}" y="{frame.y1 + 16}" text-anchor="middle" font-size="11" '
                   f'{FONT} fill="{INK}">{escape(format_tick(t, "count", x_step))}</text>')
    out.append(f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{frame.h - 6}" '
               f'text-anchor="middle" font-size="11" {FONT} fill="{INK}">'
               f'{escape(x_label)}</text>')
    for attr, curve in curves.items():
        dash = "6 4" if attr.endswith("95") else "2 3"
        d = path([frame.x(n, 0, x_hi) for n, _ in curve], [frame.y(v, lo, hi) for _, v in curve])
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
        shape = _FUNNEL_SHAPES[colour] if p.outside_95 else "circle"
        if p.highlight:
            tip += " (this unit)"
            out.append(f'<circle class="this-unit" cx="{x:.1f}" cy="{y:.1f}" r="{r + 5}" '
                       f'fill="none" stroke="{INK}" stroke-width="2"/>')
        out.append(marker(shape, x, y, r, colour, "unit", tip))
        if p.outside_95 or p.highlight:
            anchor = "end" if x > frame.x1 - 120 else "start"
            gap = 13 if p.highlight else 7  # clear of the ring
            dx = -gap if anchor == "end" else gap
            out.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" '
                       f'font-size="11" {FONT} fill="{INK}">{escape(p.label[:36])}</text>')
    out.append("</svg>")
    return "".join(out)


_FUNNEL_SHAPES = {GREY: "circle", BLUE: "square", ORANGE: "diamond", PURPLE: "triangle"}


def _funnel_colour(p: FunnelPoint, centre: float | None, better: str | None) -> str:
    if not p.outside_95:
        return GREY
    if centre is None or better not in {"higher", "lower"}:
        return PURPLE
    above = p.value > centre
    good = above if better == "higher" else not above
    return BLUE if good else ORANGE


def sparkline(points: Sequence[tuple[object, float | None]], label: str, *, unit: str | None = None,
              width: int = 120, height: int = 30) -> str:
    """A small inline SVG line of the values (gaps where missing), the last point marked."""
    vals = [v for _, v in points if v is not None]
    if not vals:
        return '<span class="sub">no values to chart</span>'
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    pad, n = 4, len(points)
    xs = [pad + i * (width - 2 * pad) / max(n - 1, 1) for i in range(n)]
    ys = [None if v is None else height - pad - (v - lo) / (hi - lo) * (height - 2 * pad)
          for _, v in points]
    known = [(p, v) for p, v in points if v is not None]
    desc = (f"{label}: {len(points)} months, {short_month(known[0][0])} "
            f"{format_value(known[0][1], unit)} to {short_month(known[-1][0])} "
            f"{format_value(known[-1][1], unit)}; lowest {format_value(min(vals), unit)}, "
            f"highest {format_value(max(vals), unit)}")
    last = next(i for i in range(n - 1, -1, -1) if ys[i] is not None)
    return (f'<svg class="sparkline" data-chart="sparkline" data-points="{len(vals)}" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{escape(desc)}"><title>{escape(desc)}</title>'
            f'<path d="{path(xs, ys)}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
            f'<circle cx="{xs[last]:.1f}" cy="{ys[last]:.1f}" r="2.5" fill="{INK}"/></svg>')
