"""The metric page at provider level, ``metric_<id>.html``: definition, data-quality caveats,
and for each provider the SPC charts of the provider and its localities (each linking down
to the locality's page) and funnel plots across localities, wards and teams."""

from html import escape

from pipelines.dashboard.figures import (
    CHART_KEY,
    RUN_KEY,
    basis_text,
    funnel_figures,
    spc_figure,
)
from pipelines.dashboard.fmt import (
    DIRECTION_LABELS,
    MISSING,
    SUPPRESSED,
    format_dq,
    format_target,
    is_missing,
    month_label,
)
from pipelines.dashboard.icons import legend_html
from pipelines.dashboard.layout import COST_METHODS, DOMAIN_TITLES, Site, breadcrumb
from pipelines.dashboard.model import Metric, Model, Provider
from pipelines.dashboard.variation import FunnelIndex


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def metric_anchor(m: Metric) -> str:
    """The id of a metric's section on the locality and ward/team pages."""
    return "m-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in m.metric_id)


def unit_hrefs(model: Model, p: Provider, m: Metric) -> dict[str, str]:
    """Unit code -> the metric's section on that unit's page (localities, wards, teams)."""
    anchor = metric_anchor(m)
    return {u.code: f"{u.page}#{anchor}" for u in [*p.localities, *p.wards_and_teams()]}


def metric_caveats(model: Model, m: Metric, site: Site) -> list[str]:
    """Short caveats for the definition shown on hover (the metric page has the full list)."""
    out = []
    bed = model.bed_type(m.metric_id)
    if bed != "all":
        out.append(f"shown for bed type group {bed.replace('_', ' ')}")
    if site.mode == "public":
        out.append("public publication: small counts suppressed (*), others rounded")
    if model.capacity_applies(m):
        out.append("available bed days from MHS903 where submitted, else commissioned beds")
    if model.cost_applies(m):
        out.append("costs from PLICS where supplied, else the ledger")
    return out


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


def _drill_links(model: Model, m: Metric, p: Provider, u) -> str:
    """Under a chart on the metric page: up to the headline, down to the locality's page."""
    if u.level == "provider":
        return (f'<a href="{_e(p.page)}">Headline measures for {_e(p.name)}</a>')
    kids = [k for k in p.children.get(u.code, []) if model.has_series(m, k)]
    what = (f"{len(kids)} ward(s) and team(s)" if kids else "locality page")
    return (f'<a href="{_e(u.page)}#{_e(metric_anchor(m))}">{_e(u.name)}: {_e(what)} '
            f'\u203a</a>')


def metric_body(model: Model, m: Metric, site: Site, funnels: FunnelIndex) -> str:
    domain = DOMAIN_TITLES.get(m.domain, m.domain.title())
    direction = DIRECTION_LABELS.get(m.better or "", "")
    parts = [
        breadcrumb([("Overview", "index.html"), (domain, None), (m.name, None)]),
        f'<h1>{_e(m.name)}</h1>',
        f'<p class="lede">{_e(domain)} \u00b7 unit: {_e(m.unit or MISSING)}'
        + (f" \u00b7 {_e(direction)}" if direction else "")
        + (f" \u00b7 target {_e(format_target(m.target, m.target_type, m.unit))}"
           if m.target is not None else "")
        + " \u00b7 provider level: select a locality\u2019s chart for its wards and teams</p>",
        '<div class="panels">' + _definition(m) + _caveats(model, m, site) + "</div>",
        '<details class="key" open><summary>Key to the icons</summary>' + legend_html()
        + "</details>",
    ]
    has_values = False
    cross = funnel_figures(model, m, funnels.of(m, "", ("provider",)))
    for p in model.providers:
        figures = "".join(spc_figure(model, m, p, u, links=_drill_links(model, m, p, u))
                          for u in p.units)
        if not figures:
            continue
        has_values = True
        kind = "SPC charts" if model.data.spc is not None else "Run charts"
        sec = [f'<section class="provider" data-provider="{_e(p.code)}">',
               f'<h2>{_e(p.label)}</h2>',
               f'<h3>{kind} by month</h3>',
               CHART_KEY if model.data.spc is not None else RUN_KEY,
               f'<div class="chart-grid">{figures}</div>']
        plots = [f for f in funnels.all(m) if f.provider_code == p.code]
        fun = funnel_figures(model, m, plots, hrefs=unit_hrefs(model, p, m))
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
