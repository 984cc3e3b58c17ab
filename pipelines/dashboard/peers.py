"""Peers in England: ``peers_<provider>.html`` (issue #16), from the published
``peer_comparison`` table (NHS England's figures for every provider in England).

For each peer measure, in its latest month: a funnel plot of every provider for a proportion
(x = the published denominator, y = the value, 95% and 99.8% limits around England's value,
this trust ringed and labelled), or a ranked dot strip for a mean or a count; the trust's rank
("39th of 53, better is higher") and England's value; the trust's trend against England (a
count against the median provider: England's value of a count is the national total); the
locality variation of the headline measure linked to it beside it; and under every chart the
numbers behind it (CSV and table). No page without the table or without its ``kind`` and
``better_direction`` columns.
"""

import re
from html import escape
from statistics import median
from typing import Any

import pandas as pd

from pipelines.dashboard import svg as sv
from pipelines.dashboard.charts import FunnelPoint, funnel_chart
from pipelines.dashboard.fmt import format_value, is_missing, month_label, short_month
from pipelines.dashboard.icons import BLUE, GREY, ORANGE
from pipelines.dashboard.layout import Site, breadcrumb, page
from pipelines.dashboard.model import Model, headline_page_name
from pipelines.dashboard.national import TIP_FIELDS
from pipelines.dashboard.national import available as national_available
from pipelines.dashboard.national import page_name as national_page
from pipelines.dashboard.numbers import defined_name, numbers
from pipelines.dashboard.svg import FONT, INK, LINE
from pipelines.dashboard.variation import PEER_POSITIONS, _ordinal

KINDS = ("proportion", "mean", "count")
OUTSIDE = {"above_95", "below_95", "above_998", "below_998"}
# a white edge behind a label drawn over the points, so it stays readable
HALO = 'paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round"'


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _f(v: Any) -> float | None:
    try:
        return None if is_missing(v) else float(v)
    except (TypeError, ValueError):
        return None


def _s(v: Any) -> str:
    return "" if is_missing(v) else str(v).strip()


def page_name(provider_code: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(provider_code))
    return f"peers_{safe}.html"


def _table(model: Model) -> pd.DataFrame | None:
    peers = model.data.peers
    if peers is None or not len(peers):
        return None
    return peers


def provider_codes(model: Model) -> list[str]:
    """The trust's providers in the table (``is_local``)."""
    peers = _table(model)
    if peers is None:
        return []
    local = peers[peers["is_local"].astype(object).map(lambda v: not is_missing(v) and bool(v))]
    return sorted(set(local["provider_code"].astype(str)))


def measures(model: Model, code: str) -> list[str]:
    """The measures with a section on the provider's page (anchors ``#peer-<id>``)."""
    peers = _table(model)
    if peers is None:
        return []
    return sorted(set(peers.loc[peers["provider_code"].astype(str) == code,
                                "measure_id"].astype(str)))


def rank_text(r: dict) -> str:
    """'39th of 53, better is higher' ('joint 39th' when tied)."""
    rank, n = _f(r.get("rank")), _f(r.get("providers_ranked"))
    better = _s(r.get("better_direction"))
    if rank is None or n is None:
        return "not ranked (suppressed)"
    joint = "joint " if r.get("_tied") else ""
    return (f"{joint}{_ordinal(int(rank))} of {int(n)}"
            + (f", better is {better}" if better else ""))


def pages(model: Model, site: Site, tiles: Any = None) -> dict[str, str]:
    """The peers page of each of the trust's providers; ``tiles`` (headline.Tiles) gives the
    locality variation of the headline measures linked to a peer measure."""
    peers = _table(model)
    if peers is None:
        return {}
    out = {}
    for code in provider_codes(model):
        label = next((p.label for p in model.providers if p.code == code), code)
        out[page_name(code)] = page(site, model, title=f"Peers in England: {label}",
                                    body=_body(model, peers, code, label, tiles),
                                    kind="peers", filters=False)
    return out


def _info(model: Model, mid: str) -> dict:
    """The measure's row of national_measure_catalogue ({} without one)."""
    cat = model.data.national_catalogue
    hit = [] if cat is None else cat[cat["measure_id"].astype(str) == mid].to_dict("records")
    return hit[0] if hit else {}


def _local(model: Model, tiles: Any, code: str, mid: str) -> str:
    """The locality variation of the headline measure whose peer measure is ``mid``."""
    provider = next((p for p in model.providers if p.code == code), None)
    if tiles is None or provider is None:
        return ""
    for h, m in tiles.items:
        if h.peer_measure == mid:
            return (f'<p class="peer-local"><span class="tile-label">Within the trust</span> '
                    f'<a href="{_e(m.page)}">{_e(h.label or m.name)}</a>: '
                    f"{tiles.variation(m, provider, provider.unit)}</p>")
    return ""


def _body(model: Model, peers: pd.DataFrame, code: str, label: str, tiles: Any) -> str:
    trail = [("Overview", "index.html")]
    if any(p.code == code for p in model.providers):
        trail.append((label, headline_page_name(code)))
    if national_available(model.data):
        trail.append(("National measures", national_page(code)))
    ids = measures(model, code)
    order = [h.peer_measure for h, _m in (tiles.items if tiles else []) if h.peer_measure]
    ids.sort(key=lambda m: (order.index(m) if m in order else len(order), m))
    sections, contents = [], []
    for mid in ids:
        rows = peers[peers["measure_id"].astype(str) == mid]
        section = _section(model, rows, code, mid, tiles)
        if section:
            sections.append(section)
            name = next((_s(x) for x in rows["measure_name"] if _s(x)), mid)
            contents.append(f'<li><a href="#peer-{_e(mid)}">{_e(mid)}: {_e(name)}</a></li>')
    key = [(sv.key_marker("circle", GREY), "provider within the limits"),
           (sv.key_marker("square", BLUE), "outside the limits: better"),
           (sv.key_marker("diamond", ORANGE), "outside the limits: worse"),
           ('<svg width="16" height="16" aria-hidden="true" focusable="false"><circle cx="8" '
            f'cy="8" r="6" fill="none" stroke="{INK}" stroke-width="2"/></svg>',
            "this trust (ringed and named)"),
           (_line(INK), "England (or the median provider, for counts)"),
           (_line(LINE, "6 4"), "95% limits"), (_line(LINE, "2 3"), "99.8% limits")]
    return "\n".join([
        breadcrumb([*trail, ("Peers in England", None)]),
        f"<h1>Peers in England: {_e(label)}</h1>",
        '<p class="lede">Where the trust sits among England\u2019s mental health providers on '
        "the national measures NHS England publishes, in the latest month, and its trend "
        "against England over the months loaded. Proportions: a funnel plot against each "
        "provider\u2019s denominator, with 95% and 99.8% limits around England\u2019s value. "
        "Means and counts: every provider ranked (the national file gives no spread, and no "
        "populations to turn counts into rates). Figures as published: rounded, suppressed "
        "ones left out. Hover over or tab to a measure name for its definition.</p>",
        '<ul class="chart-key" aria-label="Chart key">'
        + "".join(f"<li>{m}{_e(t)}</li>" for m, t in key) + "</ul>",
        ('<nav class="contents" aria-label="Measures"><h2>Measures</h2><ul>'
         + "".join(contents) + "</ul></nav>") if contents else
        '<p class="empty">No peer measures published for this provider.</p>',
        *sections,
    ])


def _domain(vals: list[float], cap: float | None = None) -> tuple[float, float, list[float]]:
    """svg.domain, with a tick added when the top tick falls below the highest value (its
    ticks may stop short of the padded maximum, which would clip the top point)."""
    lo, hi, ticks = sv.domain(vals, non_negative=min(vals) >= 0, upper_cap=cap)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    while hi < max(vals) and (cap is None or hi < cap):
        hi = round(hi + step, 10)
        ticks.append(hi)
    return lo, hi, ticks


def _line(colour: str, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<svg width="28" height="10" aria-hidden="true" focusable="false"><line x1="0" '
            f'x2="28" y1="5" y2="5" stroke="{colour}" stroke-width="1.5"{d}/></svg>')


def _section(model: Model, rows: pd.DataFrame, code: str, mid: str, tiles: Any) -> str:
    info = _info(model, mid)
    unit = _s(info.get("unit")) or None
    mine = rows[rows["provider_code"].astype(str) == code]
    if not len(mine):
        return ""
    latest = mine["period_month"].max()
    now = rows[rows["period_month"] == latest].copy()
    now["_tied"] = now.groupby("rank")["rank"].transform("size").fillna(1) > 1
    r = now[now["provider_code"].astype(str) == code].iloc[0].to_dict()
    name = _s(r.get("measure_name")) or mid
    kind = _s(r.get("kind")) if _s(r.get("kind")) in KINDS else "mean"
    better = _s(r.get("better_direction")) or None
    england = _f(r.get("england_value"))
    values = [v for v in now["value"].map(_f) if v is not None]
    if kind == "count":
        ref, ref_label = (median(values) if values else None), "median provider"
        eng = (f"median provider {format_value(ref, unit)}; England total "
               f"{format_value(england, unit)}")
    else:
        ref, ref_label = england, "England"
        eng = f"England {format_value(england, unit)}"
    pos = PEER_POSITIONS.get(_s(r.get("position")), "")
    when = month_label(latest)
    summary = (f'<p class="peer-rank"><strong>{_e(rank_text(r))}</strong>: '
               f"{_e(format_value(r.get('value'), unit))} against {_e(eng)}"
               + (f"; {_e(pos)}" if pos else "") + f" ({_e(when)}).</p>")
    dens = now["denominator"].map(_f)
    if kind == "proportion" and dens.notna().any():
        chart = _funnel(now, code, name, mid, unit, better, england, when)
    else:
        chart = _strip(now, code, name, mid, unit, better, ref, ref_label, when)
    trend = _trend(rows, code, name, mid, unit, kind, label_ref=ref_label)
    sub = f"{mid} \u00b7 {kind}" + (f" \u00b7 better is {better}" if better else "")
    tip = [(k, _s(info.get(c))) for k, c in TIP_FIELDS if _s(info.get(c))]
    return (f'<section class="peer-measure metric-section" id="peer-{_e(mid)}">'
            f"<h2>{defined_name(name, tip)}"
            f'<span class="sub">{_e(sub)}</span></h2>'
            + summary + _local(model, tiles, code, mid)
            + f'<div class="chart-grid">{chart}{trend}</div></section>')


def _provider_rows(now: pd.DataFrame) -> list[dict]:
    rows = [r for r in now.to_dict("records") if _f(r.get("value")) is not None]
    return sorted(rows, key=lambda r: (_f(r.get("rank")) or 1e9, _s(r.get("provider_name"))))


def _numbers(now: pd.DataFrame, mid: str, code: str, unit: str | None, caption: str) -> str:
    cols = ["provider_code", "provider_name", "rank", "providers_ranked", "value",
            "denominator", "england_value", "lower_95", "upper_95", "lower_998", "upper_998",
            "position", "is_local"]
    rows = _provider_rows(now)
    csv_rows = [[r.get(c) for c in cols] for r in rows]
    has_den = "denominator" in cols and any(_f(r.get("denominator")) for r in rows)
    table = [[str(int(_f(r.get("rank")))) if _f(r.get("rank")) else "",
              (_s(r.get("provider_name")) or _s(r["provider_code"]))
              + (" (this trust)" if _s(r["provider_code"]) == code else ""),
              format_value(r.get("value"), unit)]
             + ([format_value(r.get("denominator"), "count")] if has_den else [])
             + [PEER_POSITIONS.get(_s(r.get("position")), "")] for r in rows]
    header = ["Rank", "Provider", "Value"] + (["Denominator"] if has_den else []) + ["Position"]
    return numbers(f"peers_{mid}_{code}.csv", caption, cols, csv_rows, header, table)


def _card(title: str, sub: str, svg: str, notes: list[str], nums: str) -> str:
    return (f'<figure class="chart-card peer-card"><figcaption><span class="unit-name">'
            f'{_e(title)}<span class="sub">{_e(sub)}</span></span></figcaption>{svg}'
            + "".join(f'<p class="chart-note">{_e(n)}</p>' for n in notes) + nums
            + "</figure>")


def _funnel(now: pd.DataFrame, code: str, name: str, mid: str, unit: str | None,
            better: str | None, england: float | None, when: str) -> str:
    points = []
    for r in _provider_rows(now):
        den, pos = _f(r.get("denominator")), _s(r.get("position"))
        if den is None:
            continue
        this = _s(r["provider_code"]) == code
        points.append(FunnelPoint(
            code if this else _s(r.get("provider_name")) or _s(r["provider_code"]), den,
            float(r["value"]),
            pos in OUTSIDE, pos.endswith("998"), _f(r.get("lower_95")), _f(r.get("upper_95")),
            _f(r.get("lower_998")), _f(r.get("upper_998")), code=_s(r["provider_code"]),
            highlight=this))
    title = f"{name}: providers in England, {when}"
    svg = funnel_chart(points, overall=england, unit=unit, better=better, title=title,
                       x_label="Denominator (size of provider)")
    # only this trust is named on the plot (the table names every provider)
    for p in points:
        text = r'(<text [^>]*)(>' + re.escape(escape(p.label[:36])) + r"</text>)"
        svg = re.sub(text, (lambda m: f'{m.group(1)} {HALO} font-weight="700"{m.group(2)}')
                     if p.highlight else "", svg)
    outside = sum(1 for p in points if p.outside_95)
    notes = [f"England {format_value(england, unit)}; {len(points)} providers with a "
             f"denominator, {outside} outside the 95% limits."]
    caption = f"{name} ({mid}): providers in England, {when}"
    return _card("Funnel plot", f"{mid}, {when}", svg, notes,
                 _numbers(now, mid, code, unit, caption))


def _strip(now: pd.DataFrame, code: str, name: str, mid: str, unit: str | None,
           better: str | None, ref: float | None, ref_label: str, when: str) -> str:
    rows = _provider_rows(now)
    frame = sv.Frame(620, 260, bottom=44)
    title = f"{name}: providers in England ranked, {when}"
    vals = [float(r["value"]) for r in rows]
    if not vals:
        return ""
    lo, hi, ticks = _domain(vals + ([ref] if ref is not None else []))
    n = len(rows)
    desc = (f"{n} providers ranked from best ({better or 'rank 1'}) on the left"
            + (f"; {ref_label} {format_value(ref, unit)}" if ref is not None else ""))
    out = [sv.svg_open("strip", frame, title, desc, n), sv.y_axis(frame, ticks, lo, hi, unit)]
    xs = [frame.x(i, -0.5, n - 0.5) for i in range(n)]
    mine = None
    for i in sorted({0, n - 1, *(i for i in range(9, n - 3, 10))}):
        out.append(f'<text x="{xs[i]:.1f}" y="{frame.y1 + 16}" text-anchor="middle" '
                   f'font-size="11" {FONT} fill="{INK}">{i + 1}</text>')
    word = f"best ({better}) on the left" if better else "rank"
    out.append(f'<text x="{(frame.x0 + frame.x1) / 2:.1f}" y="{frame.h - 6}" '
               f'text-anchor="middle" font-size="11" {FONT} fill="{INK}">Providers by rank, '
               f"{_e(word)}</text>")
    if ref is not None:
        y = frame.y(ref, lo, hi)
        out.append(f'<line class="overall" x1="{frame.x0}" x2="{frame.x1}" y1="{y:.1f}" '
                   f'y2="{y:.1f}" stroke="{INK}" stroke-width="1.5"/>'
                   f'<text x="{frame.x1 - 4}" y="{y - 5:.1f}" text-anchor="end" font-size="11" '
                   f'{FONT} fill="{INK}">{_e(ref_label)} {_e(format_value(ref, unit))}</text>')
    for r, x in zip(rows, xs, strict=True):
        y = frame.y(float(r["value"]), lo, hi)
        label = _s(r.get("provider_name")) or _s(r["provider_code"])
        tip = f"{label}: {format_value(r['value'], unit)} ({rank_text(r)})"
        if _s(r["provider_code"]) == code:
            mine = (x, y, tip)
        else:
            out.append(sv.marker("circle", x, y, 3.5, GREY, "unit", tip))
    if mine:  # drawn last, above the others: ringed, and named above its point
        x, y, tip = mine
        anchor = "end" if x > frame.x1 - 40 else "start" if x < frame.x0 + 40 else "middle"
        ty = y - 14 if y - 14 > frame.y0 + 8 else y + 24  # below the ring at the very top
        out.append(f'<circle class="this-unit" cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" '
                   f'stroke="{INK}" stroke-width="2"/>'
                   + sv.marker("circle", x, y, 4.5, INK, "unit this", tip + " (this trust)")
                   + f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="{anchor}" {HALO} '
                   f'font-size="12" font-weight="700" {FONT} fill="{INK}">{_e(code)}</text>')
    out.append("</svg>")
    notes = [f"{n} providers with a published value; " + (
        f"{ref_label} {format_value(ref, unit)}." if ref is not None else "")]
    caption = f"{name} ({mid}): providers in England ranked, {when}"
    return _card("Providers ranked", f"{mid}, {when}", "".join(out), notes,
                 _numbers(now, mid, code, unit, caption))


def _trend(rows: pd.DataFrame, code: str, name: str, mid: str, unit: str | None, kind: str,
           *, label_ref: str) -> str:
    """The trust against England's value (a count: against the median provider) by month."""
    series = []
    for month, g in sorted(rows.groupby("period_month"), key=lambda x: x[0]):
        mine = g[g["provider_code"].astype(str) == code]
        vals = [v for v in g["value"].map(_f) if v is not None]
        ref = (median(vals) if vals else None) if kind == "count" else next(
            (v for v in g["england_value"].map(_f) if v is not None), None)
        r = mine.iloc[0].to_dict() if len(mine) else {}
        series.append((month, _f(r.get("value")), ref, r))
    frame = sv.Frame(620, 220)
    title = f"{name}: this trust and {label_ref} by month"
    vals = [v for _m, a, b, _r in series for v in (a, b) if v is not None]
    if not vals:
        return ""
    lo, hi, ticks = _domain(vals, 100.0 if unit == "percent" else None)
    n = len(series)
    xs = [frame.x(i, -0.5, n - 0.5) for i in range(n)]
    desc = f"{n} months, {short_month(series[0][0])} to {short_month(series[-1][0])}"
    out = [sv.svg_open("peer-trend", frame, title, desc, n), sv.y_axis(frame, ticks, lo, hi, unit)]
    step = max(1, -(-n // 8))
    for i in range(n - 1, -1, -step):
        out.append(f'<text x="{xs[i]:.1f}" y="{frame.y1 + 16}" text-anchor="middle" '
                   f'font-size="11" {FONT} fill="{INK}">{_e(short_month(series[i][0]))}</text>')
    ref_y = [None if b is None else frame.y(b, lo, hi) for _m, _a, b, _r in series]
    own_y = [None if a is None else frame.y(a, lo, hi) for _m, a, _b, _r in series]
    out.append(f'<path class="reference" d="{sv.path(xs, ref_y)}" fill="none" stroke="{LINE}" '
               'stroke-width="1.5" stroke-dasharray="6 4"/>')
    out.append(f'<path class="values" d="{sv.path(xs, own_y)}" fill="none" stroke="{INK}" '
               'stroke-width="2"/>')
    for (m, a, _b, r), x, y in zip(series, xs, own_y, strict=True):
        if y is not None:
            out.append(sv.marker("circle", x, y, 3, INK, "point",
                              f"{short_month(m)}: {format_value(a, unit)} ({rank_text(r)})"))
    out.append("</svg>")
    key = (f'<ul class="chart-key" aria-label="Trend key"><li>{_line(INK)}this trust</li>'
           f"<li>{_line(LINE, '6 4')}{_e(label_ref)}</li></ul>")
    csv_rows = [[m, a, b, _f(r.get("rank")), _f(r.get("providers_ranked"))]
                for m, a, b, r in series]
    table = [[month_label(m), format_value(a, unit), format_value(b, unit), rank_text(r)]
             for m, a, b, r in series]
    ref_col = "median_provider" if kind == "count" else "england_value"
    nums = numbers(f"peers_{mid}_{code}_trend.csv", f"{name} ({mid}): trend", ["month", "value",
                   ref_col, "rank", "providers_ranked"], csv_rows,
                   ["Month", "This trust", label_ref.capitalize(), "Rank"], table)
    return _card("Trend", f"this trust and {label_ref}", key + "".join(out), [], nums)
