"""Drill-down pages below the provider: one per locality (``locality_<provider>_<code>.html``)
and one per ward or team (``ward_<provider>_<code>.html``, ``team_...``).

Provider (headline page, metric pages) -> locality -> ward and team. Each page: breadcrumbs
up the hierarchy, the headline tiles of the unit, then for every metric with a series for
the unit a section (``#m-<metric_id>``) with the unit's own SPC chart and funnel plots:
on a locality page across its wards and teams (each linking down to its page), on a ward or
team page across the provider's wards or teams with this one ringed. Links go back up to
the locality's section of the same metric and to the provider-level metric page.
"""

from html import escape

from pipelines.dashboard.data import DOMAIN_ORDER
from pipelines.dashboard.figures import CHART_KEY, FUNNEL_KEY, RUN_KEY, funnel_figures, spc_figure
from pipelines.dashboard.fmt import format_value, month_label
from pipelines.dashboard.headline import Tiles
from pipelines.dashboard.icons import icon_svg, legend_html
from pipelines.dashboard.layout import DOMAIN_TITLES, breadcrumb
from pipelines.dashboard.metric_page import metric_anchor, unit_hrefs
from pipelines.dashboard.model import Metric, Provider, Unit
from pipelines.dashboard.overview import metric_name_html
from pipelines.dashboard.variation import NOUNS, position, preferred

LEVEL_WORDS = {"ward": "Ward", "team": "Team", "locality": "Locality"}


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _trail(p: Provider, *units: Unit) -> str:
    trail: list[tuple[str, str | None]] = [("Overview", "index.html"), (p.label, p.page)]
    trail += [(u.name, u.page) for u in units]
    return breadcrumb(trail)


def _grouped(metrics: list[Metric]) -> list[tuple[str, list[Metric]]]:
    order: list[str] = []
    groups: dict[str, list[Metric]] = {}
    for m in metrics:
        if m.domain not in groups:
            order.append(m.domain)
        groups.setdefault(m.domain, []).append(m)
    order.sort(key=lambda d: (DOMAIN_ORDER.index(d) if d in DOMAIN_ORDER else 99, d))
    return [(d, groups[d]) for d in order]


def _contents(groups: list[tuple[str, list[Metric]]]) -> str:
    items = []
    for domain, metrics in groups:
        links = ", ".join(f'<a href="#{_e(metric_anchor(m))}">{_e(m.name)}</a>' for m in metrics)
        items.append(f"<li><strong>{_e(DOMAIN_TITLES.get(domain, domain.title()))}:</strong> "
                     f"{links}</li>")
    return ('<nav class="contents" aria-label="Measures on this page"><h2>All measures</h2>'
            f'<ul>{"".join(items)}</ul></nav>')


def _child_links(tiles: Tiles, m: Metric, p: Provider, kids: list[Unit]) -> str:
    """Under the locality's chart: each ward and team with its latest value and icon."""
    model = tiles.model
    items = []
    for k in kids:
        cell = model.cell(m, k, p.latest_month)
        value = format_value(cell.value, m.unit, suppressed=cell.suppressed)
        items.append(f'<li><a href="{_e(k.page)}#{_e(metric_anchor(m))}">{_e(k.name)}</a> '
                     f'<span class="sub-inline">{_e(k.level)}</span> '
                     f'<strong>{_e(value)}</strong>{icon_svg(cell.variation, 22)}</li>')
    return f'<ul class="child-list">{"".join(items)}</ul>'


def locality_body(tiles: Tiles, p: Provider, loc: Unit) -> str:
    model, funnels = tiles.model, tiles.funnels
    kids = p.children.get(loc.code, [])
    codes = {k.code for k in kids}
    metrics = model.metrics_for(loc)
    groups = _grouped(metrics)
    wards = [k for k in kids if k.level == "ward"]
    teams = [k for k in kids if k.level == "team"]

    def unit_list(units: list[Unit], word: str) -> str:
        if not units:
            return f"<p>No {word}s with published values.</p>"
        return (f'<p><strong>{_e(word.capitalize())}s:</strong> '
                + ", ".join(f'<a href="{_e(u.page)}">{_e(u.name)}</a>' for u in units) + "</p>")

    parts = [
        _trail(p, loc),
        f"<h1>{_e(loc.name)}</h1>",
        f'<p class="lede">Locality of {_e(p.label)} \u00b7 latest month '
        f"<strong>{_e(month_label(p.latest_month, long=True))}</strong>. Its own SPC chart "
        "for every measure, and its wards and teams compared in funnel plots.</p>",
        '<div class="panel drill-units">' + unit_list(wards, "ward") + unit_list(teams, "team")
        + "</div>",
        '<details class="key"><summary>Key to the icons and charts</summary>' + legend_html()
        + (CHART_KEY if model.data.spc is not None else RUN_KEY) + FUNNEL_KEY + "</details>",
    ]
    tiles_html = tiles.tiles(p, loc, local=True)
    if tiles_html:
        parts.append("<h2>Headline measures</h2>" + tiles_html)
    parts.append(_contents(groups))
    for domain, ms in groups:
        parts.append(f'<h2 class="domain-title">{_e(DOMAIN_TITLES.get(domain, domain))}</h2>')
        for m in ms:
            hrefs = unit_hrefs(model, p, m)
            mine = [k for k in kids if model.has_series(m, k)]
            up = (f'<a href="{_e(m.page)}">All of {_e(p.name)} (provider level) \u203a</a>')
            card = spc_figure(model, m, p, loc, links=up)
            plots = [f.only(codes) for level in ("ward", "team")
                     if (f := preferred(funnels.of(m, p.code, (level,)))) is not None]
            fun = funnel_figures(model, m, plots, hrefs=hrefs, scope=f"in {loc.name}",
                                 bare=True)
            parts.append(
                f'<section class="metric-section" id="{_e(metric_anchor(m))}">'
                f'<h3>{metric_name_html(model, m, tiles.site, m.page)}</h3>'
                f'<div class="chart-grid">{card}'
                + (f'<div class="children"><h4>Wards and teams</h4>'
                   f"{_child_links(tiles, m, p, mine)}</div>" if mine else "")
                + "</div>" + (f'<div class="chart-grid">{fun}</div>' if fun else "")
                + "</section>")
    if not metrics:
        parts.append('<p class="empty">No values published for this locality.</p>')
    return "\n".join(parts)


def unit_body(tiles: Tiles, p: Provider, u: Unit) -> str:
    """A ward's or team's page."""
    model, funnels = tiles.model, tiles.funnels
    loc = p.locality_of(u)
    noun = NOUNS.get(u.level, (u.level, u.level + "s"))[1]
    metrics = model.metrics_for(u)
    groups = _grouped(metrics)
    where = f"in {loc.name}, " if loc else ""
    parts = [
        _trail(p, *([loc] if loc else []), u),
        f"<h1>{_e(u.name)}</h1>",
        f'<p class="lede">{_e(LEVEL_WORDS.get(u.level, u.level))} {_e(where)}{_e(p.label)} '
        f"\u00b7 latest month <strong>{_e(month_label(p.latest_month, long=True))}</strong>. "
        f"Its own SPC chart for every measure, and where it sits among the provider\u2019s "
        f"{_e(noun)} in the funnel plots (ringed).</p>",
        '<details class="key"><summary>Key to the icons and charts</summary>' + legend_html()
        + (CHART_KEY if model.data.spc is not None else RUN_KEY) + FUNNEL_KEY + "</details>",
    ]
    tiles_html = tiles.tiles(p, u, local=True)
    if tiles_html:
        parts.append("<h2>Headline measures</h2>" + tiles_html)
    parts.append(_contents(groups))
    for domain, ms in groups:
        parts.append(f'<h2 class="domain-title">{_e(DOMAIN_TITLES.get(domain, domain))}</h2>')
        for m in ms:
            links = [f'<a href="{_e(m.page)}">All of {_e(p.name)} (provider level) \u203a</a>']
            if loc is not None:
                links.insert(0, f'<a href="{_e(loc.page)}#{_e(metric_anchor(m))}">'
                                f"{_e(loc.name)} (locality) \u203a</a>")
            card = spc_figure(model, m, p, u, links=" \u00b7 ".join(links))
            plots = funnels.of(m, p.code, (u.level,))
            text, _f = position(plots, u.code, m.better, noun)
            best = preferred(plots)
            fun = ""
            if best is not None and any(pt.code == u.code for pt in best.points):
                fun = funnel_figures(model, m, [best.marked(u.code)],
                                     hrefs=unit_hrefs(model, p, m), bare=True)
            parts.append(
                f'<section class="metric-section" id="{_e(metric_anchor(m))}">'
                f'<h3>{metric_name_html(model, m, tiles.site, m.page)}</h3>'
                + (f'<p class="position">{_e(text)}</p>' if text else "")
                + f'<div class="chart-grid">{card}{fun}</div></section>')
    if not metrics:
        parts.append('<p class="empty">No values published for this unit.</p>')
    return "\n".join(parts)
