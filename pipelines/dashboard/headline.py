"""Headline measures: the provider's landing page ``headline_<provider>.html``, and the same
tiles at the top of each locality, ward and team page.

Which measures are headline is configuration (``headline.yml`` next to this file), checked
against the published metric catalogue: an unknown metric id stops the build with an error
naming the file. Each tile: the latest value, the Making Data Count icons, a sparkline (with
its numbers), the unit with the widest unwarranted variation below it in words (or, for a
ward or team, where it sits among the provider's wards or teams) and, when the published
``peer_comparison`` table exists and the entry names a ``peer_measure``, the provider's
position among England's providers.
"""

from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path

import yaml

from pipelines.dashboard.charts import sparkline
from pipelines.dashboard.data import DashboardError
from pipelines.dashboard.fmt import DIRECTION_LABELS, format_dq, format_value, month_label
from pipelines.dashboard.icons import icon_svg, legend_html
from pipelines.dashboard.layout import DOMAIN_TITLES, Site, breadcrumb
from pipelines.dashboard.metric_page import metric_anchor
from pipelines.dashboard.model import Metric, Model, Provider, Unit
from pipelines.dashboard.numbers import numbers
from pipelines.dashboard.overview import metric_name_html
from pipelines.dashboard.variation import NOUNS, FunnelIndex, peer_text, position, widest

CONFIG_NAME = "headline.yml"
KEYS = {"metric_id", "peer_measure", "label"}


def _e(x: object) -> str:
    return escape(str(x), quote=True)


@dataclass(frozen=True)
class Headline:
    metric_id: str
    peer_measure: str | None = None
    label: str | None = None


def catalogue_ids(published: set[str]) -> set[str]:
    """The metric ids a headline entry may name: the project's catalogue (the dbt seed, the
    single source of truth) and whatever the published catalogue has."""
    try:
        from pipelines.catalogue import load_catalogue

        return published | {m.metric_id for m in load_catalogue()}
    except (OSError, ValueError, KeyError):
        return published


def default_config() -> Path:
    return Path(str(resources.files("pipelines.dashboard") / CONFIG_NAME))


def load_headline(path: Path | None, known: set[str]) -> list[Headline]:
    """The configured headline measures, in order; DashboardError naming the file when the
    file is malformed or names a metric the catalogue does not have."""
    path = path or default_config()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DashboardError(f"{path}: cannot read the headline measures: {exc}") from exc
    items = doc.get("measures") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise DashboardError(f"{path}: expected a non-empty list under 'measures'")
    out: list[Headline] = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("metric_id"), str):
            raise DashboardError(f"{path}: measure {i}: expected a mapping with a metric_id")
        unknown_keys = set(item) - KEYS
        if unknown_keys:
            raise DashboardError(f"{path}: measure {i} ({item['metric_id']}): unknown key(s) "
                                 f"{', '.join(sorted(unknown_keys))}; allowed: "
                                 f"{', '.join(sorted(KEYS))}")
        mid = item["metric_id"]
        if mid not in known:
            raise DashboardError(f"{path}: measure {i}: metric_id {mid!r} is not in the "
                                 "metric catalogue (dbt_project/seeds/metric_catalogue.csv)")
        if any(h.metric_id == mid for h in out):
            raise DashboardError(f"{path}: measure {i}: metric_id {mid!r} is listed twice")
        peer = item.get("peer_measure")
        label = item.get("label")
        out.append(Headline(mid, str(peer) if peer else None, str(label) if label else None))
    return out


class Tiles:
    """Renders headline tiles for any unit."""

    def __init__(self, model: Model, site: Site, funnels: FunnelIndex,
                 headline: list[Headline]) -> None:
        self.model, self.site, self.funnels = model, site, funnels
        by_id = {m.metric_id: m for m in model.metrics}
        self.items = [(h, by_id[h.metric_id]) for h in headline if h.metric_id in by_id]
        # configured, but not in this publication's catalogue: said on the headline page
        self.missing = [h.metric_id for h in headline if h.metric_id not in by_id]
        # provider code -> its peers page and the measures on it (peers.py), when published
        self.peer_pages: dict[str, tuple[str, list[str]]] = {}
        # provider code -> links to its reconciliation and peers pages (headline page)
        self.national_links: dict[str, str] = {}

    def variation(self, m: Metric, p: Provider, u: Unit) -> str:
        """The sentence on unwarranted variation below ``u`` (HTML, with its link)."""
        return self._variation(m, p, u)

    def _variation(self, m: Metric, p: Provider, u: Unit) -> str:
        """The sentence on unwarranted variation below ``u`` (or ``u``'s own position)."""
        f = self.funnels
        if u.level == "provider":
            plots = f.of(m, p.code, ("locality",))
            noun = "locality"
        elif u.level == "locality":
            kids = {k.code for k in p.children.get(u.code, [])}
            plots = [x.only(kids) for x in f.of(m, p.code, ("ward", "team"))]
            levels = {x.level for x in plots if x.points}
            noun = " or ".join(NOUNS[lv][0] for lv in ("ward", "team") if lv in levels)
        else:
            text, _ = position(f.of(m, p.code, (u.level,)), u.code, m.better,
                               NOUNS.get(u.level, (u.level, u.level + "s"))[1])
            return text or "Not in a funnel plot for this measure"
        text, point, _ = widest(plots, m.better, noun or "unit")
        if not text:
            return "No funnel plot for this measure"
        if point is not None:
            target = self.model.unit_by_key(p.code, "locality" if u.level == "provider"
                                            else _level_of(p, point.code), point.code)
            if target is not None:
                name = _e(point.label)
                link = f'<a href="{_e(target.page)}#{_e(metric_anchor(m))}">{name}</a>'
                return _e(text).replace(name, link, 1)
        return _e(text)

    def tile(self, h: Headline, m: Metric, p: Provider, u: Unit, href: str) -> str:
        model = self.model
        cell = model.cell(m, u, p.latest_month)
        points, _full = model.spc_points(m, u)
        series = [(pt.period, pt.value) for pt in points]
        label = h.label or m.name
        value = format_value(cell.value, m.unit, suppressed=cell.suppressed)
        icons = icon_svg(cell.variation, 30) + icon_svg(cell.assurance, 30)
        domain = DOMAIN_TITLES.get(m.domain, m.domain.title())
        direction = DIRECTION_LABELS.get(m.better or "", "")
        parts = [f'<li class="tile" data-metric="{_e(m.metric_id)}">',
                 f'<h3 class="tile-name">{metric_name_html(model, m, self.site, href, label)}'
                 "</h3>",
                 f'<p class="tile-meta">{_e(domain)}'
                 + (f" \u00b7 {_e(direction.lower())}" if direction else "") + "</p>"]
        if not series:
            parts.append('<p class="empty">No values published for this unit.</p></li>')
            return "".join(parts)
        parts.append(f'<p class="tile-value"><span class="val">{_e(value)}</span>'
                     f'<span class="tile-month">{_e(month_label(p.latest_month))}</span>'
                     + (f'<span class="icons">{icons}</span>' if icons else "") + "</p>")
        parts.append(sparkline(series, f"{label}, {u.name}", unit=m.unit, width=260,
                               height=48))
        parts.append(f'<p class="tile-line"><span class="tile-label">Variation</span> '
                     f"{self._variation(m, p, u)}</p>")
        if u.level == "provider":
            peers = peer_text(model, p.code, h.peer_measure, m.unit)
            if peers:
                text = _e(peers)
                target, ids = self.peer_pages.get(p.code, ("", []))
                if h.peer_measure in ids:
                    text = f'<a href="{_e(target)}#peer-{_e(h.peer_measure)}">{text}</a>'
                parts.append(f'<p class="tile-line tile-peers"><span class="tile-label">'
                             f"Peers</span> {text}</p>")
        rows = [[pt.period, pt.value] for pt in points]
        table = [[month_label(pt.period), format_value(pt.value, m.unit)] for pt in points]
        parts.append(numbers(f"{m.metric_id}_{u.provider_code}_{u.code}.csv",
                             f"{label}: {u.name} by month", ["month", "value"], rows,
                             ["Month", "Value"], table))
        parts.append("</li>")
        return "".join(parts)

    def tiles(self, p: Provider, u: Unit, *, local: bool) -> str:
        """The tiles of ``u``; the names link to the metric page (provider) or to the
        metric's section on the same page (``local``)."""
        out = []
        for h, m in self.items:
            if u.level != "provider" and not self.model.has_series(m, u):
                continue
            href = f"#{metric_anchor(m)}" if local else m.page
            out.append(self.tile(h, m, p, u, href))
        if not out:
            return ""
        return ('<ul class="tiles" aria-label="Headline measures">' + "".join(out) + "</ul>")


def _level_of(p: Provider, code: str) -> str:
    return next((k.level for k in p.wards_and_teams() if k.code == code), "ward")


def headline_body(tiles: Tiles, p: Provider) -> str:
    model = tiles.model
    dq = format_dq(model.dq_score(p)) if model.dq_available else "not available"
    locs = []
    for loc in p.localities:
        kids = p.children.get(loc.code, [])
        wards = sum(1 for k in kids if k.level == "ward")
        teams = sum(1 for k in kids if k.level == "team")
        locs.append(f'<li><a href="{_e(loc.page)}">{_e(loc.name)}</a>'
                    f'<span class="sub">{wards} ward(s), {teams} team(s)</span></li>')
    return "\n".join([
        breadcrumb([("Overview", "index.html"), (p.label, None)]),
        f"<h1>{_e(p.label)}: headline measures</h1>",
        f'<p class="lede">Latest month <strong>{_e(month_label(p.latest_month, long=True))}'
        f"</strong> \u00b7 data-quality score <strong>{_e(dq)}</strong>. For each measure: the "
        "latest value, the SPC icons (variation and assurance), the trend, and the locality "
        "with the widest unwarranted variation (from the funnel plot). Select a measure for "
        "its charts; hover over or tab to its name for the definition.</p>",
        (f'<p class="national-link rec-links">{tiles.national_links[p.code]}</p>'
         if tiles.national_links.get(p.code) else ""),
        '<details class="key"><summary>Key to the icons</summary>' + legend_html()
        + "</details>",
        '<h2 class="visually-hidden">Headline measures</h2>',
        tiles.tiles(p, p.unit, local=False)
        or '<p class="empty">None of the headline measures is published.</p>',
        (f'<p class="note">Headline measures not in this publication: '
         f'{_e(", ".join(tiles.missing))}.</p>' if tiles.missing else ""),
        '<section class="drill-list"><h2>Drill down by locality</h2>'
        + (f'<ul class="unit-list">{"".join(locs)}</ul>' if locs
           else '<p class="note">No localities published.</p>')
        + f'<p><a href="index.html#provider-{_e(p.code)}">Every measure for {_e(p.label)} '
        "(overview)</a></p></section>",
    ])
