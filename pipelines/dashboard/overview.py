"""The overview page, ``index.html``: for each provider a link to its headline page and a
table with a row per metric (its definition on hover and focus) and a column for the
provider and each locality (linking to the locality's page)."""

from html import escape

from pipelines.dashboard.fmt import (
    DIRECTION_LABELS,
    format_dq,
    format_target,
    format_value,
    month_label,
)
from pipelines.dashboard.icons import icon_svg, legend_html
from pipelines.dashboard.layout import DOMAIN_TITLES, Site, notes_html
from pipelines.dashboard.metric_page import metric_caveats
from pipelines.dashboard.model import Cell, Metric, Model, Provider
from pipelines.dashboard.numbers import defined_name, definition_lines


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def metric_name_html(model: Model, m: Metric, site: Site, href: str | None = None,
                     label: str | None = None) -> str:
    """The metric's name (a link when ``href``) with its definition and caveats on hover and
    keyboard focus."""
    lines = definition_lines(m.info, m.unit, m.better, m.target, m.target_type,
                             metric_caveats(model, m, site))
    return defined_name(label or m.name, lines, href)


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
             'statistical process control (SPC) chart of that metric. Start from a provider\u2019s '
             '<strong>headline measures</strong>; select a metric for its charts, a locality '
             'for its wards and teams. Hover over or tab to a metric name for its definition. '
             'Bed type: all beds unless stated.</p>']
    parts.append(notes_html(site.notes))
    parts.append('<details class="key" open><summary>Key to the icons</summary>'
                 + legend_html() + "</details>")
    domains = model.domains()
    if not model.providers or not domains:
        parts.append('<p class="empty">No metric values have been published.</p>')
    for p in model.providers:
        parts.append(_provider_summary(model, p, domains, site))
    missing = model.metrics_without_values()
    if missing:
        names = ", ".join(_e(m.name) for m in missing)
        parts.append(f'<p class="note">No values published for: {names}.</p>')
    return "\n".join(parts)


def _provider_summary(model: Model, p: Provider, domains: list[tuple[str, list[Metric]]],
                      site: Site) -> str:
    month = p.latest_month
    dq = (format_dq(model.dq_score(p)) if model.dq_available
          else "not available")
    out = [f'<section class="provider" data-provider="{_e(p.code)}" id="provider-{_e(p.code)}">',
           f'<h2>{_e(p.label)}</h2>',
           f'<p class="headline-link"><a href="{_e(p.page)}">Headline measures for '
           f'{_e(p.label)}</a>: the inpatient productivity story on one screen</p>',
           f'<p class="meta-line">Latest month: <strong>{_e(month_label(month, long=True))}'
           f'</strong> \u00b7 Data-quality score: <strong class="dq">{_e(dq)}</strong></p>']
    head = ['<th scope="col" class="metric-col">Metric</th>',
            f'<th scope="col" class="unit-col">{_e(p.name)}<span class="sub">provider</span>'
            f'</th>']
    head += [f'<th scope="col" class="unit-col" data-locality="{_e(u.code)}">'
             f'<a href="{_e(u.page)}">{_e(u.name)}</a>'
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
            row = [f'<th scope="row">{metric_name_html(model, m, site, m.page)}'
                   + (f'<span class="sub">{_e(hint)}</span>' if hint else "") + "</th>"]
            for u in p.units:
                attr = f' data-locality="{_e(u.code)}"' if u.level == "locality" else ""
                row.append(f'<td{attr}>{_cell_html(model.cell(m, u, month), m)}</td>')
            out.append(f'<tr data-metric="{_e(m.metric_id)}">{"".join(row)}</tr>')
        out.append("</tbody>")
    out.append("</table></div>")
    out.append("</section>")
    return "\n".join(out)
