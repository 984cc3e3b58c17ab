"""HTML for the overview page and the metric pages (plain strings, everything escaped).

Layout: an NHS-style header with the publication line, a nav bar (hidden in print),
a provider/locality filter that only appears when JavaScript runs, and the content.
Without JavaScript every provider and locality is shown.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape

from pipelines.dashboard.charts import funnel_chart, spc_chart
from pipelines.dashboard.fmt import (
    DIRECTION_LABELS,
    MISSING,
    SUPPRESSED,
    format_dq,
    format_target,
    format_value,
    is_missing,
    month_label,
    period_label,
)
from pipelines.dashboard.icons import icon_svg, legend_html
from pipelines.dashboard.model import Cell, Metric, Model, Provider, Unit

CSS = "static/dashboard.css"
JS = "static/dashboard.js"
TITLE = "Mental health productivity"

DOMAIN_TITLES = {
    "cost": "Cost", "activity": "Activity", "quality": "Quality", "flow": "Flow",
    "workforce": "Workforce", "productivity": "Productivity", "other": "Other",
}
LEVEL_TITLES = {"provider": "providers", "locality": "localities", "ward": "wards",
                "team": "teams"}
COST_METHODS = {"plics": "PLICS (patient-level costing)", "ledger": "ledger (general ledger)"}

# Records script errors (and console.error calls) on <html data-js-errors>, so a test
# reading the DOM can see them; runs before anything else on the page.
ERROR_HOOK = (
    "<script>(function(){var n=0,h=document.documentElement;function rec(m){n+=1;"
    "h.setAttribute('data-js-errors',String(n));h.setAttribute('data-js-last-error',"
    "String(m).slice(0,300));}window.addEventListener('error',function(e){rec(e.message||"
    "'resource error')},true);window.addEventListener('unhandledrejection',function(e){"
    "rec(e.reason)});var ce=console.error;console.error=function(){rec([].join.call("
    "arguments,' '));return ce.apply(console,arguments)};h.setAttribute('data-js-errors','0');"
    "})();</script>"
)


@dataclass(frozen=True)
class Site:
    """Page furniture shared by every page."""

    published_line: str
    mode: str
    doc_links: list[tuple[str, str]]  # (label, relative href) of docs that exist
    generated_at: datetime
    notes: list[str]


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _filter_json(model: Model) -> str:
    data = {"providers": [
        {"code": p.code, "name": p.label,
         "localities": [{"code": u.code, "name": u.name} for u in p.localities]}
        for p in model.providers]}
    return json.dumps(data).replace("</", "<\\/")


def page(site: Site, model: Model, *, title: str, body: str, kind: str) -> str:
    nav = ['<a href="index.html">Overview</a>']
    nav += [f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in site.doc_links]
    mode_badge = (f'<span class="badge badge-{_e(site.mode)}">{_e(site.mode)} publication'
                  f'</span>')
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} \u2013 {TITLE}</title>
{ERROR_HOOK}
<link rel="stylesheet" href="{CSS}">
<script src="{JS}" defer></script>
</head>
<body data-page="{_e(kind)}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="wrap">
    <p class="site-title">{TITLE} dashboard</p>
    <p class="published">{_e(site.published_line)} {mode_badge}</p>
  </div>
</header>
<nav class="site-nav" aria-label="Dashboard"><div class="wrap">{"".join(nav)}</div></nav>
<form class="filters wrap" hidden aria-label="Filter by provider and locality">
  <label>Provider <select id="filter-provider"></select></label>
  <label>Locality <select id="filter-locality"></select></label>
  <span class="filter-hint">Showing one provider; choose \u201cAll\u201d to print everything.</span>
</form>
<script type="application/json" id="filter-data">{_filter_json(model)}</script>
<main id="main" class="wrap">
{body}
</main>
<footer class="site-footer"><div class="wrap">
  Generated {_e(site.generated_at.strftime("%d %b %Y %H:%M UTC"))} from the published
  <code>marts.duckdb</code>. Icons follow NHS England\u2019s <em>Making Data Count</em>
  conventions. Values marked {SUPPRESSED} are suppressed; {MISSING} means no value.
</div></footer>
</body>
</html>
"""


# ---- overview ---------------------------------------------------------------------------

def _metric_hint(m: Metric) -> str:
    bits = []
    if m.better in DIRECTION_LABELS and m.better != "neither":
        bits.append(DIRECTION_LABELS[m.better].lower())
    target = format_target(m.target, m.target_type, m.unit)
    if target:
        bits.append(f"target {target}")
    return "; ".join(bits)


def _cell_html(cell: Cell, metric: Metric) -> str:
    value = format_value(cell.value, metric.unit, suppressed=cell.suppressed)
    cls = "val suppressed" if cell.suppressed else "val"
    icons = icon_svg(cell.variation, 26) + icon_svg(cell.assurance, 26)
    few = ('<span class="few" title="Too few points for reliable SPC limits">few points'
           '</span>') if cell.too_few_points else ""
    return (f'<span class="{cls}">{_e(value)}</span>'
            + (f'<span class="icons">{icons}</span>' if icons else "") + few)


def overview_body(model: Model, site: Site) -> str:
    parts = ['<h1>Overview</h1>',
             '<p class="lede">The latest month\u2019s value of every metric for each '
             'provider and its localities, with the Making Data Count icons from the '
             'statistical process control (SPC) chart of that metric. Select a metric for its '
             'charts, definition and caveats. Bed type: all beds unless stated.</p>']
    parts.append(_notes(site.notes))
    parts.append('<details class="key" open><summary>Key to the icons</summary>'
                 + legend_html() + "</details>")
    domains = model.domains()
    if not model.providers or not domains:
        parts.append('<p class="empty">No metric values have been published.</p>')
    for p in model.providers:
        parts.append(_provider_summary(model, p, domains))
    missing = model.metrics_without_values()
    if missing:
        names = ", ".join(_e(m.name) for m in missing)
        parts.append(f'<p class="note">No values published for: {names}.</p>')
    return "\n".join(parts)


def _provider_summary(model: Model, p: Provider, domains: list[tuple[str, list[Metric]]]
                      ) -> str:
    month = p.latest_month
    dq = (format_dq(model.dq_score(p)) if model.dq_available
          else "not available")
    out = [f'<section class="provider" data-provider="{_e(p.code)}" id="provider-{_e(p.code)}">',
           f'<h2>{_e(p.label)}</h2>',
           f'<p class="meta-line">Latest month: <strong>{_e(month_label(month, long=True))}'
           f'</strong> \u00b7 Data-quality score: <strong class="dq">{_e(dq)}</strong></p>']
    head = ['<th scope="col" class="metric-col">Metric</th>',
            f'<th scope="col" class="unit-col">{_e(p.name)}<span class="sub">provider</span>'
            f'</th>']
    head += [f'<th scope="col" class="unit-col" data-locality="{_e(u.code)}">{_e(u.name)}'
             f'<span class="sub">locality</span></th>' for u in p.localities]
    ncols = len(head)
    out.append('<div class="table-scroll"><table class="summary">'
               f'<caption class="visually-hidden">Metrics for {_e(p.label)}, '
               f'{_e(month_label(month))}</caption>'
               f'<thead><tr>{"".join(head)}</tr></thead>')
    for domain, metrics in domains:
        title = DOMAIN_TITLES.get(domain, domain.title())
        out.append(f'<tbody data-domain="{_e(domain)}"><tr class="domain-row">'
                   f'<th scope="colgroup" colspan="{ncols}">{_e(title)}</th></tr>')
        for m in metrics:
            hint = _metric_hint(m)
            bed = model.bed_type(m.metric_id)
            if bed != "all":
                hint = "; ".join(x for x in (hint, f"bed type {bed.replace('_', ' ')}") if x)
            row = [f'<th scope="row"><a class="metric-link" href="{_e(m.page)}">{_e(m.name)}'
                   f'</a>' + (f'<span class="sub">{_e(hint)}</span>' if hint else "") + "</th>"]
            for u in p.units:
                attr = f' data-locality="{_e(u.code)}"' if u.level == "locality" else ""
                row.append(f'<td{attr}>{_cell_html(model.cell(m, u, month), m)}</td>')
            out.append(f'<tr data-metric="{_e(m.metric_id)}">{"".join(row)}</tr>')
        out.append("</tbody>")
    out.append("</table></div>")
    out.append("</section>")
    return "\n".join(out)


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"


# ---- metric pages -------------------------------------------------------------------------

def _definition(m: Metric) -> str:
    info = m.info

    def field(key: str) -> str:
        v = info.get(key)
        return "\u2013" if is_missing(v) or str(v).strip() == "" else str(v)

    target = format_target(m.target, m.target_type, m.unit) or "none"
    rows = [
        ("Definition", field("description")),
        ("Numerator", field("numerator_definition")),
        ("Denominator", field("denominator_definition")),
        ("Unit", field("unit")),
        ("Better", DIRECTION_LABELS.get(m.better or "", field("better_direction"))),
        ("National measure ID", field("national_measure_id")),
        ("Target", target),
        ("Source tables", field("source_tables")),
        ("Metric ID", m.metric_id),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return f'<section class="panel definition"><h2>Definition</h2><dl>{dl}</dl></section>'


def _caveats(model: Model, m: Metric, site: Site) -> str:
    items: list[str] = []
    for p in model.providers:
        if model.dq_available:
            dq = format_dq(model.dq_score(p))
            items.append(f'<li data-provider="{_e(p.code)}">{_e(p.label)}: data-quality score '
                         f'<strong>{_e(dq)}</strong> for {_e(month_label(p.latest_month))}.</li>')
    if not model.dq_available:
        items.append("<li>Data-quality score not available in this publication.</li>")
    n_supp = model.data.suppressed_counts.get(m.metric_id, 0)
    if site.mode == "public":
        items.append(
            "<li>Public publication: counts under 5 are suppressed (shown as "
            f"{SUPPRESSED}) and other counts rounded to the nearest 5; percentages and means "
            "with a numerator or denominator under 5 are suppressed, the rest rounded to whole "
            f"numbers. {n_supp:,} published value(s) of this metric are suppressed; "
            "suppressed months are gaps in the charts.</li>")
    else:
        items.append("<li>Internal publication: exact, unsuppressed figures.</li>")
    bed = model.bed_type(m.metric_id)
    if bed != "all":
        items.append(f"<li>Shown for bed type group <strong>{_e(bed.replace('_', ' '))}"
                     "</strong> (no all-beds figure is published).</li>")
    if model.cost_applies(m):
        if model.data.costs is None:
            items.append("<li>Cost method (PLICS or ledger) not published.</li>")
        for p in model.providers:
            methods = model.cost_methods(p)
            if methods:
                text = " and ".join(COST_METHODS.get(x, x) for x in methods)
                items.append(f'<li data-provider="{_e(p.code)}">{_e(p.label)}: costs from '
                             f'<strong>{_e(text)}</strong>.</li>')
    items += _capacity_caveats(model, m)
    if model.data.spc is None:
        items.append("<li>No SPC table was published: the charts are run charts with the "
                     "mean only (no process limits, no icons).</li>")
    if model.data.funnel is None:
        items.append("<li>No funnel table was published: funnel plots are omitted.</li>")
    return ('<section class="panel caveats"><h2>Data quality and caveats</h2><ul>'
            + "".join(items) + "</ul></section>")


def basis_text(n_mhs903: int, n_all: int, noun: str) -> str:
    """Where the available bed days of ``n_all`` wards or ward-months came from."""
    if n_mhs903 == n_all:
        return f"from MHS903 (AvailBedDays) for all {noun} ({n_all:,})"
    if n_mhs903 == 0:
        return f"from commissioned beds for all {noun} ({n_all:,}): no MHS903 submitted"
    return (f"from MHS903 (AvailBedDays) for {n_mhs903:,} of {n_all:,} {noun}; "
            "commissioned beds otherwise")


def _capacity_caveats(model: Model, m: Metric) -> list[str]:
    """For metrics on available or closed bed days: each provider's capacity basis."""
    if not model.capacity_applies(m):
        return []
    if not model.capacity_available:
        return ["<li>The basis of the available bed days (MHS903 or commissioned beds) is "
                "not published.</li>"]
    items = []
    for p in model.providers:
        overall = model.capacity_counts(p)
        if overall is None:
            continue
        text = f"{p.label}: available bed days {basis_text(*overall, 'ward-months')}."
        latest = model.capacity_counts(p, month=p.latest_month)
        if latest is not None:
            text += f" {month_label(p.latest_month)}: {basis_text(*latest, 'wards')}."
        items.append(f'<li data-provider="{_e(p.code)}" data-basis="capacity">{_e(text)}</li>')
    items.append("<li>Closed bed days are known only where MHS903 was submitted; the "
                 "commissioned beds come from the reference file wards.csv.</li>")
    return items


RUN_KEY = (
    '<ul class="chart-key" aria-label="Chart key">'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#425563" stroke-width="1.5"/><circle cx="14" cy="5" r="3" fill="#425563"/></svg>'
    "value</li>"
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#212B32" stroke-width="1.5"/></svg>mean</li>'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#DA291C" stroke-width="2" stroke-dasharray="8 4"/></svg>target</li>'
    "</ul>"
)

CHART_KEY = (
    '<ul class="chart-key" aria-label="Chart key">'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#425563" stroke-width="1.5"/><circle cx="14" cy="5" r="3" fill="#768692"/></svg>'
    "value</li>"
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#212B32" stroke-width="1.5"/></svg>mean</li>'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#768692" stroke-width="1.5" stroke-dasharray="5 4"/></svg>process limits</li>'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#DA291C" stroke-width="2" stroke-dasharray="8 4"/></svg>target</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#ED8B00"/></svg>special cause: concern</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#005EB8"/></svg>special cause: improvement</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#330072"/></svg>special cause: neither</li>'
    "</ul>"
)


def _spc_figure(model: Model, m: Metric, p: Provider, u: Unit) -> str:
    points, full = model.spc_points(m, u)
    if not points:
        return ""
    run = not full
    level = "provider" if u.level == "provider" else "locality"
    title = f"{m.name}: {u.name} ({level})"
    svg = spc_chart(points, unit=m.unit, title=title, target=m.target, run_chart=run)
    cell = model.cell(m, u, p.latest_month)
    latest = format_value(cell.value, m.unit, suppressed=cell.suppressed)
    icons = icon_svg(cell.variation, 30) + icon_svg(cell.assurance, 30)
    notes = []
    rows = model.spc_rows(m, u)
    if rows:
        last = rows[-1]
        mean = last.get("mean")
        lo, hi = last.get("lower_process_limit"), last.get("upper_process_limit")
        notes.append(f"Mean {format_value(mean, m.unit)}; process limits "
                     f"{format_value(lo, m.unit)} to {format_value(hi, m.unit)}.")
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
            notes.append(f"Available bed days, {month_label(p.latest_month)}: "
                         f"{basis_text(*counts, 'wards')}.")
    attr = f' data-locality="{_e(u.code)}"' if u.level == "locality" else ""
    return (f'<figure class="chart-card" data-provider="{_e(p.code)}"{attr}>'
            f'<figcaption><span class="unit-name">{_e(u.name)}'
            f'<span class="sub">{_e(level)}</span></span>'
            f'<span class="latest">{_e(month_label(p.latest_month))}: '
            f'<strong>{_e(latest)}</strong></span><span class="icons">{icons}</span>'
            f'</figcaption>{svg}'
            + "".join(f'<p class="chart-note">{_e(n)}</p>' for n in notes)
            + "</figure>")


FUNNEL_KEY = (
    '<ul class="chart-key" aria-label="Funnel plot key">'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#212B32" stroke-width="1.5"/></svg>overall value</li>'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#425563" stroke-width="1.3" stroke-dasharray="6 4"/></svg>95% limits</li>'
    '<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" '
    'stroke="#425563" stroke-width="1.3" stroke-dasharray="2 3"/></svg>99.8% limits</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#768692"/></svg>within limits</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#ED8B00"/></svg>outside: worse</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#005EB8"/></svg>outside: better</li>'
    '<li><svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" '
    'fill="#330072"/></svg>outside (neither better nor worse)</li>'
    "</ul>"
)


def _funnel_figures(model: Model, m: Metric, p: Provider | None, funnels: list[dict]) -> str:
    mine = [f for f in funnels if f["provider_code"] == (p.code if p else "")]
    if not mine:
        return ""
    den = m.info.get("denominator_definition")
    x_label = "Denominator" if is_missing(den) or not str(den).strip() else str(den)
    out = []
    for f in mine:
        where = LEVEL_TITLES.get(f["level"], f["level"])
        when = period_label(f["period_start"], f["period_type"])
        title = f"{m.name} across {where}, {when}"
        svg = funnel_chart(f["points"], overall=f["overall"], unit=m.unit, better=m.better,
                           title=title, x_label=f"{x_label} (size of unit)")
        outside = [pt for pt in f["points"] if pt.outside_998]
        near = [pt for pt in f["points"] if pt.outside_95 and not pt.outside_998]
        notes = [f"Overall {format_value(f['overall'], m.unit)}; "
                 f"{len(f['points'])} {where}." + (f" Method: {f['method']}." if f["method"]
                                                    else "")]
        if outside:
            notes.append("Outside 99.8% limits: " + ", ".join(
                f"{pt.label} ({format_value(pt.value, m.unit)})" for pt in outside) + ".")
        if near:
            notes.append("Outside 95% only: " + ", ".join(
                f"{pt.label} ({format_value(pt.value, m.unit)})" for pt in near) + ".")
        if not outside and not near:
            notes.append("All units within the 95% limits.")
        out.append(f'<figure class="chart-card funnel-card">'
                   f'<figcaption><span class="unit-name">Across {_e(where)}'
                   f'<span class="sub">{_e(when)}</span></span></figcaption>{svg}'
                   + "".join(f'<p class="chart-note">{_e(n)}</p>' for n in notes)
                   + "</figure>")
    return FUNNEL_KEY + '<div class="chart-grid">' + "".join(out) + "</div>"


def metric_body(model: Model, m: Metric, site: Site) -> str:
    domain = DOMAIN_TITLES.get(m.domain, m.domain.title())
    direction = DIRECTION_LABELS.get(m.better or "", "")
    parts = [
        '<p class="breadcrumb"><a href="index.html">Overview</a> \u203a '
        f'{_e(domain)}</p>',
        f'<h1>{_e(m.name)}</h1>',
        f'<p class="lede">{_e(domain)} \u00b7 unit: {_e(m.unit or MISSING)}'
        + (f" \u00b7 {_e(direction)}" if direction else "")
        + (f" \u00b7 target {_e(format_target(m.target, m.target_type, m.unit))}"
           if m.target is not None else "") + "</p>",
        '<div class="panels">' + _definition(m) + _caveats(model, m, site) + "</div>",
        '<details class="key" open><summary>Key to the icons</summary>' + legend_html()
        + "</details>",
    ]
    funnels = model.funnels(m)
    has_values = False
    cross = _funnel_figures(model, m, None, funnels)
    for p in model.providers:
        figures = "".join(_spc_figure(model, m, p, u) for u in p.units)
        if not figures:
            continue
        has_values = True
        kind = "SPC charts" if model.data.spc is not None else "Run charts"
        sec = [f'<section class="provider" data-provider="{_e(p.code)}">',
               f'<h2>{_e(p.label)}</h2>',
               f'<h3>{kind} by month</h3>',
               CHART_KEY if model.data.spc is not None else RUN_KEY,
               f'<div class="chart-grid">{figures}</div>']
        fun = _funnel_figures(model, m, p, funnels)
        if model.data.funnel is not None:
            sec.append("<h3>Comparison across units: funnel plots</h3>")
            sec.append(fun or '<p class="note">No funnel plot for this metric and provider '
                       "(funnel plots need a numerator and denominator).</p>")
        sec.append("</section>")
        parts.append("\n".join(sec))
    if cross:
        parts.append('<section class="cross"><h2>Comparison across providers</h2>'
                     + cross + "</section>")
    if not has_values:
        parts.append('<p class="empty">No values published for this metric.</p>')
    return "\n".join(parts)
