"""National measures pages: one per provider, ``national_<provider>.html`` (issue #15).

The published ``national_measures`` table holds the national MHSDS measures as NHS England
computes them (each month from that month's own submission), with
``national_measure_catalogue`` defining them. For the provider's latest reporting month the
page lists every measure at breakdown ``Provider`` (and ``Sending Provider`` where the
provider is the sender), grouped by family: the published (rounded, suppressed) value, the
exact value (internal publications only) and a sparkline over the months loaded; then a
compact table per family by locality. Ward breakdowns are not shown (they stay in the
published table). Without both tables there are no pages and no links.
"""

import re
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.dashboard.charts import sparkline
from pipelines.dashboard.data import PublishedData
from pipelines.dashboard.fmt import (
    MISSING,
    MONTHS,
    SUPPRESSED,
    as_date,
    format_value,
    is_missing,
    month_label,
)
from pipelines.dashboard.layout import Site, page
from pipelines.dashboard.model import Model
from pipelines.national.model import national_breakdown_names

FAMILIES = {"los": "Length of stay", "followup_72h": "72-hour follow-up",
            "oaps": "Out-of-area placements", "monthly": "Activity and inpatients"}
OTHER_FAMILY = "other"
WINDOWS = {"M": "Month", "Q": "Rolling quarter", "Y": "Rolling 12 months"}
# the national breakdowns (pipelines/national/breakdowns.yml): Provider, Provider of
# Responsibility (72-hour follow-up), Receiving Provider and Sending Provider (OAPs)
MAIN_BREAKDOWNS = tuple(national_breakdown_names())
SENDING = "Sending Provider"
LOCALITY = "Provider; Locality"
CSV_DIR = "csv/national"  # in the publish folder, written by pipelines/publish/national.py
TIP_FIELDS = [("Definition", "description"), ("Filter", "filter"), ("Aggregate", "aggregate"),
              ("Numerator", "numerator_id"), ("Denominator", "denominator_id"),
              ("Suppression", "suppression"), ("Suppressed on", "suppress_on"),
              ("National source", "national_source")]


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _s(v: Any) -> str:
    return "" if is_missing(v) else str(v).strip()


def page_name(provider_code: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(provider_code))
    return f"national_{safe}.html"


def available(data: PublishedData) -> bool:
    return data.national is not None and data.national_catalogue is not None


def provider_codes(data: PublishedData) -> list[str]:
    """The providers whose submissions the measures come from (a sending provider that
    does not submit here gets no page)."""
    if not available(data):
        return []
    nat = data.national
    rows = nat[nat["breakdown"].isin(MAIN_BREAKDOWNS) & (nat["breakdown"] != SENDING)]
    return sorted(set(rows["primary_level"].dropna().astype(str)))


def _label(model: Model, code: str) -> str:
    return next((p.label for p in model.providers if p.code == code), code)


def nav_links(model: Model) -> list[tuple[str, str]]:
    codes = provider_codes(model.data)
    return [("National measures" + (f" {c}" if len(codes) > 1 else ""), page_name(c))
            for c in codes]


def link_overview(html: str, model: Model) -> str:
    """Add a link to each provider's national page under its heading on the overview."""
    for code in provider_codes(model.data):
        link = (f'<p class="national-link"><a href="{_e(page_name(code))}">National MHSDS '
                f'measures for {_e(_label(model, code))}</a>, computed as NHS England does</p>')
        pattern = re.compile(r'(<section class="provider" data-provider="' + re.escape(code)
                             + r'"[^>]*>\s*<h2>.*?</h2>)', re.S)
        html = pattern.sub(lambda m, link=link: m.group(1) + "\n" + link, html, count=1)
    return html


def pages(model: Model, site: Site, publish_dir: Path,
          links: dict[str, str] | None = None) -> dict[str, str]:
    """The national measures page of each provider (none without the tables); ``links``:
    provider code -> links shown under the page's introduction (reconciliation, peers)."""
    if not available(model.data):
        return {}
    view = _View(model.data)
    links = links or {}
    return {page_name(c): page(site, model, title=f"National measures: {_label(model, c)}",
                               body=view.body(c, _label(model, c), site, publish_dir,
                                              links.get(c, "")),
                               kind="national")
            for c in provider_codes(model.data)}


def _day(value: Any) -> str:
    d = as_date(value)
    return MISSING if d is None else f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _number(text: Any) -> float | None:
    try:
        return None if is_missing(text) else float(text)
    except (TypeError, ValueError):
        return None  # '*'


class _View:
    """The national tables prepared once for every provider's page."""

    def __init__(self, data: PublishedData) -> None:
        nat = data.national.copy()
        # the contract's exact column (measure_value_rounded) is published internal only
        self.internal = data.publication_mode != "public"
        if self.internal:
            nat["_published"] = nat["measure_value_rounded"].map(_s)
            nat["_exact"] = pd.to_numeric(nat["measure_value"], errors="coerce")
        else:  # public: measure_value is the rounded text, '*' when suppressed
            nat["_published"] = nat["measure_value"].map(_s)
            nat["_exact"] = None
        nat["_trend"] = nat["_exact"] if self.internal else nat["_published"].map(_number)
        for col in ("primary_level", "measure_id", "breakdown", "secondary_level"):
            nat[col] = nat[col].astype(str)
        self.nat = nat
        cat = data.national_catalogue.drop_duplicates("measure_id")
        self.cat = {str(r["measure_id"]): r for r in cat.to_dict("records")}
        self.order = {m: i for i, m in enumerate(self.cat)}

    def family(self, measure_id: str) -> str:
        fam = _s(self.cat.get(measure_id, {}).get("family"))
        return fam if fam in FAMILIES else OTHER_FAMILY

    def _families(self, ids: list[str]) -> list[tuple[str, list[str]]]:
        ids = sorted(set(ids), key=lambda m: (self.order.get(m, len(self.order)), m))
        return [(f, [m for m in ids if self.family(m) == f])
                for f in [*FAMILIES, OTHER_FAMILY] if any(self.family(m) == f for m in ids)]

    def name_cell(self, measure_id: str, name: str, key: str) -> str:
        """The measure name; its definition shows on hover and on keyboard focus."""
        info = self.cat.get(measure_id, {})
        lines = [f'<span class="tip-line"><b>{_e(k)}:</b> {_e(_s(info.get(c)))}</span>'
                 for k, c in TIP_FIELDS if _s(info.get(c))]
        if not lines:
            return f"<td>{_e(name)}</td>"
        unit = _s(info.get("unit"))
        return (f'<td><div class="nat-def"><span class="nat-name" tabindex="0" '
                f'aria-describedby="def-{key}">{_e(name)}</span>'
                f'<div class="nat-tip" role="tooltip" id="def-{key}">{"".join(lines)}</div>'
                f"</div>" + (f'<span class="sub">Unit: {_e(unit)}</span>' if unit else "")
                + "</td>")

    @staticmethod
    def value_html(text: str) -> str:
        if text == SUPPRESSED:
            return (f'<span class="val suppressed">{SUPPRESSED}</span>'
                    '<span class="visually-hidden"> (suppressed)</span>')
        return f'<span class="val">{_e(text or MISSING)}</span>'

    def body(self, code: str, label: str, site: Site, publish_dir: Path,
             links: str = "") -> str:
        nat = self.nat
        mine = nat[(nat["primary_level"] == code) & nat["breakdown"].isin(MAIN_BREAKDOWNS)]
        latest = mine["period_month"].max()
        now = mine[mine["period_month"] == latest]
        months = sorted(mine["period_month"].dropna().unique())
        statuses = ", ".join(sorted({_s(s) for s in now["status"] if _s(s)})) or MISSING
        ym = as_date(latest).strftime("%Y-%m")
        csv_name = f"national_measures_{ym}.csv"
        csv = f"{CSV_DIR}/{csv_name}"
        csv_html = (f'<a href="../{_e(csv)}"><code>{_e(csv)}</code></a>'
                    if (publish_dir / CSV_DIR / csv_name).is_file() else f"<code>{_e(csv)}</code>")
        parts = [
            '<p class="breadcrumb"><a href="index.html">Overview</a> \u203a National measures</p>',
            f"<h1>National measures: {_e(label)}</h1>",
            f'<p class="lede">Reporting month <strong>{_e(month_label(latest, long=True))}'
            f"</strong> \u00b7 status <strong>{_e(statuses)}</strong> \u00b7 "
            f"{len(months)} month(s) loaded. Hover over or tab to a measure name for its "
            "definition.</p>",
            f'<p class="national-link rec-links">{links}</p>' if links else "",
            '<div class="notes national-note"><p>These are the national MHSDS measures, '
            "computed from each month\u2019s own submission as NHS England does (a later "
            "month\u2019s corrections are not applied). They can therefore differ from the "
            "trust\u2019s local metrics on the other pages, which use the corrected, latest "
            "data. The same figures in NHS England\u2019s CSV layout are in the publish "
            f"folder: {csv_html} (one file per month, <code>{CSV_DIR}/national_measures_"
            "&lt;YYYY-MM&gt;.csv</code>).</p><p>"
            + ("Published value: as NHS England would publish it (counts under 5 "
               f"{SUPPRESSED}, others to the nearest 5; percentages, means and medians "
               f"{SUPPRESSED} when their count is under 5, else whole numbers). Exact value: "
               "unrounded, internal publication only. The trend is of the exact values."
               if self.internal else
               "Public publication: values as NHS England publishes them (counts under 5 "
               f"{SUPPRESSED}, others to the nearest 5; percentages, means and medians "
               f"{SUPPRESSED} when their count is under 5, else whole numbers); zero values "
               "are not published. The trend is of these published values, with gaps where "
               "suppressed.") + "</p></div>",
        ]
        keys = sorted(set(zip(mine["measure_id"], mine["breakdown"], strict=True)))
        by_key = {k: g for k, g in mine.groupby(["measure_id", "breakdown"])}
        fams = self._families([m for m, _ in keys])
        for fam, ids in fams:
            title = FAMILIES.get(fam, "Other measures")
            rows = []
            for mid in ids:
                for bd in [b for b in MAIN_BREAKDOWNS if (mid, b) in by_key]:
                    rows.append(self._row(mid, bd, by_key[(mid, bd)], latest, months))
            head = ['ID', 'Measure', 'Window', 'Status', 'Published value']
            head += ["Exact value"] if self.internal else []
            head += ["Trend"]
            ths = "".join(f'<th scope="col" class="col-{h.split()[0].lower()}">{h}</th>'
                          for h in head)
            parts.append(
                f'<section class="national-family" id="family-{_e(fam)}"><h2>{_e(title)}</h2>'
                '<div class="table-wide"><table class="summary national">'
                f'<caption class="visually-hidden">{_e(title)} measures for {_e(label)}, '
                f'{_e(month_label(latest))}</caption><thead><tr>{ths}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>'
                + self._localities(code, fam, latest, label) + "</section>")
        if not fams:
            parts.append('<p class="empty">No national measures published for this provider.'
                         "</p>")
        parts.append('<p class="note">Ward breakdowns (<code>Provider; Ward</code>) are not '
                     "shown here; they are in the published table <code>national_measures"
                     "</code>.</p>")
        return "\n".join(parts)

    def _row(self, mid: str, breakdown: str, g: pd.DataFrame, latest: Any,
             months: list) -> str:
        g = g.sort_values("period_month")
        now = g[g["period_month"] == latest]
        r = now.iloc[0].to_dict() if len(now) else {}
        name = _s(r.get("measure_name")) or _s(self.cat.get(mid, {}).get("measure_name")) or mid
        key = re.sub(r"[^A-Za-z0-9_-]", "_", f"{mid}-{breakdown}")
        sub = ('<span class="sub">as sending provider</span>'
               if breakdown == "Sending Provider" else "")
        freq = _s(r.get("measure_frequency")) or _s(self.cat.get(mid, {}).get("frequency"))
        window = (f'{_e(WINDOWS.get(freq, freq or MISSING))}<span class="sub">'
                  f'{_e(_day(r.get("reporting_period_start")))} \u2013 '
                  f'{_e(_day(r.get("reporting_period_end")))}</span>') if r else MISSING
        cells = [f'<th scope="row">{_e(mid)}{sub}</th>', self.name_cell(mid, name, key),
                 f"<td>{window}</td>", f"<td>{_e(_s(r.get('status')) or MISSING)}</td>",
                 f'<td class="num">{self.value_html(_s(r.get("_published")))}</td>']
        if self.internal:
            exact = r.get("_exact")
            cells.append(f'<td class="num"><span class="val exact">'
                         f'{_e(format_value(exact, None))}</span></td>')
        trend = dict(zip(g["period_month"], g["_trend"], strict=True))
        points = [(m, None if is_missing(trend.get(m)) else float(trend[m])) for m in months]
        cells.append(f"<td>{sparkline(points, f'Trend of {mid}')}</td>")
        return (f'<tr data-measure="{_e(mid)}" data-breakdown="{_e(breakdown)}">'
                f'{"".join(cells)}</tr>')

    def _localities(self, code: str, fam: str, latest: Any, label: str) -> str:
        """A compact table of the family's measures by locality, latest month."""
        nat = self.nat
        loc = nat[(nat["breakdown"] == LOCALITY) & (nat["primary_level"] == code)
                  & (nat["period_month"] == latest)]
        loc = loc[loc["measure_id"].map(self.family) == fam]
        if not len(loc):
            return ""
        names = loc.groupby("secondary_level")["secondary_level_description"].first()
        units = sorted(names.index, key=lambda u: (_s(names[u]).lower(), u))
        ids = self._families(list(loc["measure_id"]))[0][1]
        cell = {(m, u): r for m, u, r in zip(loc["measure_id"], loc["secondary_level"],
                                             loc.to_dict("records"), strict=True)}
        ths = "".join(f'<th scope="col">{_e(_s(names[u]) or u)}</th>' for u in units)
        rows = []
        for mid in ids:
            tds = []
            for u in units:
                r = cell.get((mid, u))
                if r is None:
                    tds.append(f"<td>{MISSING}</td>")
                    continue
                exact = (f'<span class="sub">exact {_e(format_value(r["_exact"], None))}</span>'
                         if self.internal else "")
                tds.append(f'<td class="num">{self.value_html(_s(r["_published"]))}{exact}</td>')
            rows.append(f'<tr><th scope="row">{_e(mid)}</th>{"".join(tds)}</tr>')
        title = FAMILIES.get(fam, "Other measures")
        return (f'<details class="national-localities"><summary>By locality ({len(units)})'
                '</summary><div class="table-scroll"><table class="summary national-loc">'
                f"<caption>{_e(title)} by locality, {_e(label)}, "
                f"{_e(month_label(latest))}: published value"
                + (" and exact value" if self.internal else "") + "</caption>"
                f'<thead><tr><th scope="col">ID</th>{ths}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div></details>')
