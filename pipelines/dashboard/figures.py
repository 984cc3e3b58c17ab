"""Chart cards: an SPC (or run) chart of one unit, funnel plots across units, the keys to
them, and under each chart the numbers behind it (CSV download and table view)."""

from html import escape

from pipelines.dashboard.charts import SpcPoint, funnel_chart, phase_breaks, spc_chart
from pipelines.dashboard.fmt import format_value, is_missing, month_label, short_month
from pipelines.dashboard.icons import BLUE, GREY, ORANGE, PURPLE, icon_svg
from pipelines.dashboard.layout import COST_METHODS, LEVEL_TITLES
from pipelines.dashboard.model import Metric, Model, Provider, Unit
from pipelines.dashboard.numbers import numbers
from pipelines.dashboard.svg import INK, LINE, TARGET, key_marker
from pipelines.dashboard.variation import Funnel


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _line(colour: str, width: float = 1.5, dash: str | None = None) -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="28" height="10" aria-hidden="true" focusable="false"><line x1="0" '
            f'x2="28" y1="5" y2="5" stroke="{colour}" stroke-width="{width}"{d}/></svg>')


def _key(label: str, items: list[tuple[str, str]]) -> str:
    return (f'<ul class="chart-key" aria-label="{_e(label)}">'
            + "".join(f"<li>{mark}{_e(text)}</li>" for mark, text in items) + "</ul>")


RUN_KEY = _key("Chart key", [
    (_line(LINE) , "value"), (_line(INK), "mean"), (_line(TARGET, 2, "8 4"), "target")])

CHART_KEY = _key("Chart key", [
    (key_marker("circle", GREY), "value (common cause)"), (_line(INK), "mean"),
    (_line(GREY, 1.5, "5 4"), "process limits"), (_line(TARGET, 2, "8 4"), "target"),
    (key_marker("diamond", ORANGE), "special cause: concern"),
    (key_marker("square", BLUE), "special cause: improvement"),
    (key_marker("triangle", PURPLE), "special cause: neither"),
    (_line(INK, 1.5, "2 2"), "phase change (limits recalculated; reason labelled)")])

FUNNEL_KEY = _key("Funnel plot key", [
    (_line(INK), "overall value"), (_line(LINE, 1.3, "6 4"), "95% limits"),
    (_line(LINE, 1.3, "2 3"), "99.8% limits"), (key_marker("circle", GREY), "within limits"),
    (key_marker("diamond", ORANGE), "outside: worse"),
    (key_marker("square", BLUE), "outside: better"),
    (key_marker("triangle", PURPLE), "outside (neither better nor worse)")])

POINT_WORDS = {"common_cause": "common cause", "special_cause_improvement": "improvement",
               "special_cause_concern": "concern", "special_cause_neither": "special cause"}


def basis_text(n_mhs903: int, n_all: int, noun: str) -> str:
    """Where the available bed days of ``n_all`` wards or ward-months came from."""
    if n_mhs903 == n_all:
        return f"from MHS903 (AvailBedDays) for all {noun} ({n_all:,})"
    if n_mhs903 == 0:
        return f"from commissioned beds for all {noun} ({n_all:,}): no MHS903 submitted"
    return (f"from MHS903 (AvailBedDays) for {n_mhs903:,} of {n_all:,} {noun}; "
            "commissioned beds otherwise")


def spc_numbers(m: Metric, u: Unit, points: list[SpcPoint], full: bool) -> str:
    """CSV and table of an SPC chart's series."""
    phases = full and any(pt.phase is not None for pt in points)
    header = ["month", "value"]
    if full:
        header += ["mean", "lower_process_limit", "upper_process_limit", "point_type"]
    if phases:
        header += ["phase", "phase_reason"]
    rows, table = [], []
    for pt in points:
        row = [pt.period, pt.value]
        cells = [month_label(pt.period), format_value(pt.value, m.unit)]
        if full:
            row += [pt.mean, pt.lower, pt.upper, pt.point_type]
            cells += [format_value(pt.mean, m.unit), format_value(pt.lower, m.unit),
                      format_value(pt.upper, m.unit),
                      POINT_WORDS.get(str(pt.point_type), str(pt.point_type or ""))]
        if phases:
            row += [pt.phase, pt.phase_reason]
            cells += [str(pt.phase or "") + (f": {pt.phase_reason}" if pt.phase_reason else "")]
        rows.append(row)
        table.append(cells)
    theader = ["Month", "Value"] + (["Mean", "Lower limit", "Upper limit", "Point"] if full
                                    else []) + (["Phase"] if phases else [])
    name = f"{m.metric_id}_{u.provider_code}_{u.code}.csv"
    caption = f"{m.name}: {u.name} by month"
    return numbers(name, caption, header, rows, theader, table)


def _phase_notes(m: Metric, points: list[SpcPoint], rows: list[dict]) -> list[str]:
    notes = []
    breaks = phase_breaks(points)
    for i, phase, reason in breaks:
        notes.append(f"Phase {phase} from {short_month(points[i].period)}: "
                     f"{reason or 'no reason given'} (limits recalculated).")
    last = rows[-1]
    which = f"Phase {points[-1].phase}: mean" if breaks else "Mean"
    notes.append(f"{which} {format_value(last.get('mean'), m.unit)}; process limits "
                 f"{format_value(last.get('lower_process_limit'), m.unit)} to "
                 f"{format_value(last.get('upper_process_limit'), m.unit)}.")
    return notes


def spc_figure(model: Model, m: Metric, p: Provider, u: Unit, *, links: str = "",
               anchor: str = "") -> str:
    """The SPC chart card of ``m`` for ``u``, with notes, ``links`` and the numbers."""
    points, full = model.spc_points(m, u)
    if not points:
        return ""
    run = not full
    level = u.level
    title = f"{m.name}: {u.name} ({level})"
    svg = spc_chart(points, unit=m.unit, title=title, target=m.target, run_chart=run)
    cell = model.cell(m, u, p.latest_month)
    latest = format_value(cell.value, m.unit, suppressed=cell.suppressed)
    icons = icon_svg(cell.variation, 30) + icon_svg(cell.assurance, 30)
    notes = []
    rows = model.spc_rows(m, u)
    if rows:
        notes += _phase_notes(m, points, rows)
        if cell.too_few_points:
            notes.append("Too few points for reliable limits: read the icons with care.")
    elif run:
        notes.append("Run chart: no SPC published for this unit; the line is the mean.")
    if model.cost_applies(m):
        methods = model.cost_methods(p, u)
        if methods:
            notes.append("Cost method: " + " and ".join(COST_METHODS.get(x, x) for x in methods)
                         + ".")
    if model.capacity_applies(m):
        counts = model.capacity_counts(p, u, p.latest_month)
        if counts is not None:
            noun = "ward" if u.level == "ward" else "wards"
            notes.append(f"Available bed days, {month_label(p.latest_month)}: "
                         f"{basis_text(*counts, noun)}.")
    attr = f' data-locality="{_e(u.locality)}"' if u.level != "provider" else ""
    ident = f' id="{_e(anchor)}"' if anchor else ""
    return (f'<figure class="chart-card" data-provider="{_e(p.code)}"{attr}{ident}>'
            f'<figcaption><span class="unit-name">{_e(u.name)}'
            f'<span class="sub">{_e(level)}</span></span>'
            f'<span class="latest">{_e(month_label(p.latest_month))}: '
            f'<strong>{_e(latest)}</strong></span><span class="icons">{icons}</span>'
            f'</figcaption>{svg}'
            + "".join(f'<p class="chart-note">{_e(n)}</p>' for n in notes)
            + (f'<p class="drill">{links}</p>' if links else "")
            + spc_numbers(m, u, points, full) + "</figure>")


def funnel_numbers(m: Metric, f: Funnel, where: str) -> str:
    header = ["unit_code", "unit_name", "denominator", "value", "overall_value", "lower_95",
              "upper_95", "lower_998", "upper_998", "outside_95", "outside_998"]
    rows = [[p.code, p.label, p.denominator, p.value, f.overall, p.lower_95, p.upper_95,
             p.lower_998, p.upper_998, p.outside_95, p.outside_998] for p in f.points]
    table = [[p.label, format_value(p.denominator, "count"), format_value(p.value, m.unit),
              f"{format_value(p.lower_95, m.unit)} to {format_value(p.upper_95, m.unit)}",
              f"{format_value(p.lower_998, m.unit)} to {format_value(p.upper_998, m.unit)}",
              "outside 99.8%" if p.outside_998 else "outside 95%" if p.outside_95
              else "within"] for p in f.points]
    name = f"{m.metric_id}_{f.provider_code or 'all'}_{f.level}_{f.period_type}_funnel.csv"
    caption = f"{m.name} across {where}, {f.when}"
    return numbers(name, caption, header, rows,
                   ["Unit", "Denominator", "Value", "95% limits", "99.8% limits", "Position"],
                   table)


def funnel_figures(model: Model, m: Metric, plots: list[Funnel], *,
                   hrefs: dict[str, str] | None = None, scope: str = "",
                   bare: bool = False) -> str:
    """Funnel plot cards (with the key); units outside the limits are named under each plot,
    linked to their pages through ``hrefs`` (unit code -> href). ``bare``: the cards only,
    for the caller's own grid."""
    plots = [f for f in plots if f.points]
    if not plots:
        return ""
    hrefs = hrefs or {}
    den = m.info.get("denominator_definition")
    x_label = "Denominator" if is_missing(den) or not str(den).strip() else str(den)

    def name(pt) -> str:
        text = f"{_e(pt.label)} ({_e(format_value(pt.value, m.unit))})"
        href = hrefs.get(pt.code)
        return f'<a href="{_e(href)}">{text}</a>' if href else text

    out = []
    for f in plots:
        where = LEVEL_TITLES.get(f.level, f.level) + (f" {scope}" if scope else "")
        title = f"{m.name} across {where}, {f.when}"
        svg = funnel_chart(f.points, overall=f.overall, unit=m.unit, better=m.better,
                           title=title, x_label=f"{x_label} (size of unit)")
        outside = [pt for pt in f.points if pt.outside_998]
        near = [pt for pt in f.points if pt.outside_95 and not pt.outside_998]
        centre = "Overall (the provider)" if scope else "Overall"
        notes = [_e(f"{centre} {format_value(f.overall, m.unit)}; {len(f.points)} {where}."
                    + (f" Method: {f.method}." if f.method else ""))]
        if outside:
            notes.append("Outside 99.8% limits: " + ", ".join(name(pt) for pt in outside) + ".")
        if near:
            notes.append("Outside 95% only: " + ", ".join(name(pt) for pt in near) + ".")
        if not outside and not near:
            notes.append("All units within the 95% limits.")
        out.append(f'<figure class="chart-card funnel-card">'
                   f'<figcaption><span class="unit-name">Across {_e(where)}'
                   f'<span class="sub">{_e(f.when)}</span></span></figcaption>{svg}'
                   + "".join(f'<p class="chart-note">{n}</p>' for n in notes)
                   + funnel_numbers(m, f, where) + "</figure>")
    if bare:
        return "".join(out)
    return FUNNEL_KEY + '<div class="chart-grid">' + "".join(out) + "</div>"
