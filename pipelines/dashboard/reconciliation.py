"""Reconciliation with NHS England's publication: ``reconciliation_<provider>.html`` (#16).

The published ``national_reconciliation`` table sets each of the provider's national measures
(computed here as NHS England does) beside the value NHS England published for it. The page:
a summary for the latest month with a published national file ("N of M published measures
match ours", counts per status), that month's measures with the differences first (differs,
only published, only ours; matches and suppressed-on-both-sides collapsed), each with our
value (rounded as national; the exact value in internal publications only), the published
value, the difference, the status in words and by shape, the measure's definition on hover
and focus, and what usually causes a difference for the measure's family; then every month
loaded as a small table of counts, and the differences of the earlier months. No page
without the table.
"""

import re
from html import escape
from typing import Any

import pandas as pd

from pipelines.dashboard.data import PublishedData
from pipelines.dashboard.fmt import MISSING, SUPPRESSED, format_value, is_missing, month_label
from pipelines.dashboard.icons import BLUE, GREY, ORANGE, PURPLE
from pipelines.dashboard.layout import Site, breadcrumb, page
from pipelines.dashboard.model import Model, headline_page_name
from pipelines.dashboard.national import FAMILIES, TIP_FIELDS, _number
from pipelines.dashboard.national import page_name as national_page
from pipelines.dashboard.numbers import defined_name

# status -> (words, marker shape, colour); the order is the order of the table
STATUSES = {
    "differs": ("Differs", "diamond", ORANGE),
    "only_published": ("Only published", "square", PURPLE),
    "only_ours": ("Only ours", "triangle", PURPLE),
    "match": ("Match", "circle", BLUE),
    "suppressed": ("Suppressed on both sides", "ring", GREY),
}
DIFFERENCES = ("differs", "only_published", "only_ours")
MEANING = {
    "differs": "both sides have the measure and ours, rounded and suppressed as national, "
               "is not the published value",
    "only_published": "NHS England published it; it is not computed here (records rejected "
                      "here, or a provider or month not loaded)",
    "only_ours": "computed here, not in the national file for the month (published before "
                 "the submission was accepted, or that file not yet loaded)",
    "match": "equal after national rounding and suppression (a zero here that the national "
             "file omits is a match)",
    "suppressed": f"published {SUPPRESSED} and ours suppressed too",
}

# What usually causes a difference: every family, then each family's own causes.
COMMON_CAUSES = [
    "Late-recorded activity: a contact, discharge or ward stay recorded after NHS England\u2019s "
    "cut-off for the month is in the submission read here but not in the published figures.",
    "A refresh submitted after the publication: NHS England publishes a month as Provisional "
    "from the primary submission and as Performance from the refresh; a refresh delivered "
    "after the file compared here changes our figure but not the published one.",
    "Records rejected nationally but accepted here, or the reverse: a record that fails one "
    "side\u2019s validation is counted on the other side only.",
]
FAMILY_CAUSES = {
    "followup_72h": [
        "These measures read the previous month\u2019s submission too: discharges in the last "
        "days of the previous month are followed up in this month, so a refresh or a "
        "late record in the earlier submission changes this month\u2019s figure.",
        "A follow-up at another provider is found nationally with the national person ID; our "
        "person key is per provider (across providers we match on the NHS number pseudonym), "
        "so a person without an NHS number cannot be followed elsewhere here.",
    ],
    "los": [
        "People are counted with the national person ID nationally and with our per-provider "
        "person key here: a person with two local identifiers, or merged nationally, counts "
        "differently.",
        "The bed type and age come from the ward stay and record in the same submission: a "
        "correction after the cut-off moves a spell into or out of the measure.",
    ],
    "oaps": [
        "As sending provider, NHS England counts the placements recorded by every receiving "
        "provider in England; here only the submissions loaded are seen.",
        "A placement ends when the person\u2019s next out-of-area referral is received, even at "
        "another provider: nationally that provider\u2019s data is seen, here it may not be.",
    ],
    "monthly": [
        "People are counted with the national person ID nationally and with our per-provider "
        "person key here: a person recorded under two local identifiers counts twice here and "
        "once nationally.",
    ],
}


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _s(v: Any) -> str:
    return "" if is_missing(v) else str(v).strip()


def page_name(provider_code: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(provider_code))
    return f"reconciliation_{safe}.html"


def provider_codes(data: PublishedData) -> list[str]:
    rec = data.reconciliation
    if rec is None or not len(rec):
        return []
    return sorted(set(rec["provider_code"].dropna().astype(str)))


MARKS = {"diamond": '<polygon points="7,1 13,7 7,13 1,7"{a}/>',
         "square": '<rect x="2" y="2" width="10" height="10"{a}/>',
         "triangle": '<polygon points="7,1 13,12 1,12"{a}/>',
         "circle": '<circle cx="7" cy="7" r="5"{a}/>',
         "ring": '<circle cx="7" cy="7" r="4.5" fill="none" stroke-width="2.5"{a}/>'}


def status_mark(status: str) -> str:
    """The status's shape (hidden from screen readers: the words say it)."""
    _words, shape, colour = STATUSES.get(status, ("", "circle", GREY))
    a = f' stroke="{colour}"' + ("" if shape == "ring" else f' fill="{colour}"')
    return ('<svg class="status-mark" width="14" height="14" aria-hidden="true" '
            f'focusable="false">{MARKS[shape].format(a=a)}</svg>')


def status_html(status: str) -> str:
    words = STATUSES.get(status, (status, "", ""))[0]
    return f'<span class="rec-status rec-{_e(status)}">{status_mark(status)}{_e(words)}</span>'


def _signed(d: float | None) -> str:
    if d is None:
        return MISSING
    if abs(d) < 1e-9:
        return "0"
    return f"{d:+,.0f}" if abs(d - round(d)) < 1e-9 else f"{d:+,.2f}"


def pages(model: Model, site: Site) -> dict[str, str]:
    """The reconciliation page of each provider in the table (none without it)."""
    codes = provider_codes(model.data)
    if not codes:
        return {}
    view = _View(model.data)
    out = {}
    for code in codes:
        label = next((p.label for p in model.providers if p.code == code), code)
        out[page_name(code)] = page(site, model, title=f"Reconciliation: {label}",
                                    body=view.body(model, code, label), kind="reconciliation",
                                    filters=False)
    return out


class _View:
    def __init__(self, data: PublishedData) -> None:
        rec = data.reconciliation.copy()
        for col in ("provider_code", "measure_id", "breakdown", "status"):
            rec[col] = rec[col].astype(str)
        self.internal = data.publication_mode != "public"  # our exact values: internal only
        self.rec = rec
        cat = data.national_catalogue
        rows = [] if cat is None else cat.drop_duplicates("measure_id").to_dict("records")
        self.cat = {str(r["measure_id"]): r for r in rows}
        self.order = {m: i for i, m in enumerate(self.cat)}
        self.national = data.national is not None and cat is not None

    def family(self, mid: str) -> str:
        return _s(self.cat.get(mid, {}).get("family")) or "other"

    def _sort_key(self, r: dict) -> tuple:
        fam = list(FAMILIES).index(self.family(r["measure_id"])) \
            if self.family(r["measure_id"]) in FAMILIES else len(FAMILIES)
        return (list(STATUSES).index(r["status"]) if r["status"] in STATUSES else 9, fam,
                self.order.get(r["measure_id"], len(self.order)), r["measure_id"],
                r["breakdown"])

    def body(self, model: Model, code: str, label: str) -> str:
        mine = self.rec[self.rec["provider_code"] == code]
        published = mine[mine["published_value"].map(_s) != ""]
        latest = published["period_month"].max() if len(published) else None
        trail = [("Overview", "index.html")]
        if any(p.code == code for p in model.providers):
            trail.append((label, headline_page_name(code)))
        if self.national:
            trail.append(("National measures", national_page(code)))
        parts = [breadcrumb([*trail, ("Reconciliation", None)]),
                 f"<h1>Reconciliation with NHS England: {_e(label)}</h1>",
                 '<p class="lede">The national MHSDS measures computed here as NHS England '
                 "computes them (each month from that month\u2019s own submission), set beside "
                 "the figures NHS England published for the provider. Ours are rounded and "
                 f"suppressed as national (counts under 5 {SUPPRESSED}, others to the nearest "
                 "5; percentages and means whole numbers) before they are compared."
                 + (" The exact value is shown under ours (internal publication only); the "
                    "difference is the published value minus our exact value."
                    if self.internal else " Public publication: no exact values; the "
                    "difference is between the two rounded values.")
                 + " Hover over or tab to a measure name for its definition.</p>"]
        if latest is None:
            parts.append('<p class="empty">No NHS England data file has been loaded for this '
                         "provider (<code>raw/national/&lt;YYYY-MM&gt;/*.csv</code>), so "
                         "nothing can be compared yet.</p>")
        else:
            now = mine[mine["period_month"] == latest]
            parts.append(self._summary(now, latest))
            parts.append(self._latest(now, latest, label))
            parts.append(self._causes(now))
        parts.append(self._months(mine, latest))
        parts.append(self._earlier(mine, latest, label))
        return "\n".join(p for p in parts if p)

    def _summary(self, now: pd.DataFrame, latest: Any) -> str:
        counts = now["status"].value_counts().to_dict()
        total = sum(n for s, n in counts.items() if s != "only_ours")
        agree = counts.get("match", 0) + counts.get("suppressed", 0)
        files = sorted({month_label(d) for d in now["publication_month"].dropna()}) \
            if "publication_month" in now else []
        states = sorted({_s(s) for s in now.get("published_status", []) if _s(s)})
        items = "".join(f"<li>{status_html(s)} <strong>{counts.get(s, 0):,}</strong>"
                        f'<span class="sub">{_e(MEANING[s])}</span></li>' for s in STATUSES)
        return (f'<section class="rec-summary" aria-labelledby="rec-summary-h">'
                f'<h2 id="rec-summary-h">{_e(month_label(latest, long=True))}</h2>'
                f'<p class="rec-headline"><strong>{agree:,} of {total:,}</strong> published '
                "measures match ours</p>"
                f'<ul class="rec-counts" aria-label="Measures by status">{items}</ul>'
                '<p class="note">Compared with NHS England\u2019s '
                + (f"{_e(', '.join(states))} figures" if states else "figures")
                + (f" from the file of {_e(', '.join(files))}. " if files else ". ")
                + "\u201cPublished measures\u201d: every measure but those only ours. The "
                "latest month with a national file is shown in full; every month loaded is "
                "counted further down.</p></section>")

    def _name(self, r: dict) -> str:
        mid = r["measure_id"]
        info = self.cat.get(mid, {})
        name = _s(r.get("measure_name")) or _s(info.get("measure_name")) or mid
        lines = [(k, _s(info.get(c))) for k, c in TIP_FIELDS if _s(info.get(c))]
        return defined_name(name, lines)

    def _cells(self, r: dict, *, month: bool = False) -> str:
        mid, status = r["measure_id"], r["status"]
        ours = _s(r.get("our_value_rounded"))
        pub = _s(r.get("published_value"))
        ours_html = self._value(ours)
        if self.internal and _number(r.get("our_value")) is not None:
            ours_html += (f'<span class="sub exact">exact '
                          f'{_e(format_value(r["our_value"], None))}</span>')
        pub_html = self._value(pub)
        when = _s(r.get("published_status"))
        if pub and when:
            pub_html += f'<span class="sub">{_e(when)}</span>'
        if self.internal:
            diff = _number(r.get("difference"))
        else:
            a, b = _number(pub), _number(ours)
            diff = None if a is None or b is None else a - b
        bd = r["breakdown"]
        sub = f'<span class="sub">{_e(bd)}</span>' if bd and bd != "Provider" else ""
        cells = [f"<td>{status_html(status)}</td>"]
        if month:
            cells.append(f"<td>{_e(month_label(r['period_month']))}</td>")
        cells += [f'<th scope="row">{_e(mid)}{sub}</th>', f"<td>{self._name(r)}</td>",
                  f'<td class="num">{ours_html}</td>', f'<td class="num">{pub_html}</td>',
                  f'<td class="num">{_e(_signed(diff))}</td>']
        if not month:
            cells.append(f"<td>{self._why(r)}</td>")
        return (f'<tr data-measure="{_e(mid)}" data-breakdown="{_e(bd)}" '
                f'data-status="{_e(status)}">' + "".join(cells) + "</tr>")

    @staticmethod
    def _value(text: str) -> str:
        if text == SUPPRESSED:
            return (f'<span class="val suppressed">{SUPPRESSED}</span>'
                    '<span class="visually-hidden"> (suppressed)</span>')
        return f'<span class="val">{_e(text or MISSING)}</span>'

    def _why(self, r: dict) -> str:
        """The note of a one-sided row (its gist: the status key says the rest), and for a
        difference a link to the usual causes of the measure's family."""
        note = _s(r.get("note")).split(" (")[0]
        note = note[:1].upper() + note[1:]
        if r["status"] not in ("differs", "only_published"):
            return _e(note)
        fam = self.family(r["measure_id"])
        title = FAMILIES.get(fam, "all measures")
        link = f'<a href="#causes-{_e(fam)}">Usual causes ({_e(title)})</a>'
        return (f"{_e(note)}<br>" if note else "") + link

    def _head(self, *, month: bool = False, why: bool = True) -> str:
        head = ["Status"] + (["Month"] if month else []) + ["ID", "Measure", "Ours",
                                                             "Published", "Difference"]
        head += ["Why"] if why else []
        return "".join(f'<th scope="col" class="col-{h.lower()}">{h}</th>' for h in head)

    def _table(self, rows: list[dict], caption: str, **kw: bool) -> str:
        return ('<div class="table-scroll"><table class="summary rec-table">'
                f"<caption>{_e(caption)}</caption><thead><tr>{self._head(**kw)}</tr></thead>"
                f'<tbody>{"".join(self._cells(r, month=kw.get("month", False)) for r in rows)}'
                "</tbody></table></div>")

    def _latest(self, now: pd.DataFrame, latest: Any, label: str) -> str:
        rows = sorted(now.to_dict("records"), key=self._sort_key)
        diff = [r for r in rows if r["status"] in DIFFERENCES]
        same = [r for r in rows if r["status"] not in DIFFERENCES]
        when = month_label(latest)
        out = ['<section class="rec-latest" id="measures"><h2>Measures, differences first</h2>']
        if diff and not any(r["status"] in ("differs", "only_published") for r in diff):
            out.append('<p class="rec-none">No published measure differs from ours; the '
                       "measures below are ours only.</p>")
        if diff:
            out.append(self._table(diff, f"Measures that differ or are on one side only, "
                                         f"{label}, {when}"))
        else:
            out.append('<p class="rec-none">No differences: every measure matches or is '
                       "suppressed on both sides.</p>")
        if same:
            out.append(f'<details class="rec-same"><summary>Matching and suppressed on both '
                       f"sides ({len(same):,})</summary>"
                       + self._table(same, f"Measures that match, {label}, {when}")
                       + "</details>")
        out.append("</section>")
        return "".join(out)

    def _causes(self, now: pd.DataFrame) -> str:
        fams = {self.family(m) for m in now["measure_id"]}
        order = [f for f in [*FAMILIES, "other"] if f in fams]
        blocks = []
        for fam in order:
            items = "".join(f"<li>{_e(c)}</li>" for c in FAMILY_CAUSES.get(fam, []))
            blocks.append(f'<div class="rec-cause" id="causes-{_e(fam)}"><h3>'
                          f"{_e(FAMILIES.get(fam, 'Other measures'))}</h3>"
                          + (f"<ul>{items}</ul>" if items else
                             '<p class="note">The causes common to every measure.</p>')
                          + "</div>")
        common = "".join(f"<li>{_e(c)}</li>" for c in COMMON_CAUSES)
        return ('<section class="rec-causes" id="causes"><h2>What usually causes a difference</h2>'
                f'<p>For every measure:</p><ul>{common}</ul>'
                f'<div class="rec-cause-grid">{"".join(blocks)}</div></section>')

    def _months(self, mine: pd.DataFrame, latest: Any) -> str:
        if not len(mine):
            return ""
        rows = []
        for month, g in sorted(mine.groupby("period_month"), key=lambda x: x[0], reverse=True):
            counts = g["status"].value_counts().to_dict()
            total = sum(n for s, n in counts.items() if s != "only_ours")
            agree = counts.get("match", 0) + counts.get("suppressed", 0)
            has_file = (g["published_value"].map(_s) != "").any()
            tds = "".join(f'<td class="num">{counts.get(s, 0):,}</td>' for s in STATUSES)
            summary = f"{agree:,} of {total:,} match" if has_file else "no national file"
            cur = ' class="rec-current"' if month == latest else ""
            rows.append(f'<tr{cur}><th scope="row">{_e(month_label(month))}</th>{tds}'
                        f"<td>{_e(summary)}</td></tr>")
        ths = "".join(f'<th scope="col" class="num">{status_mark(s)}{_e(STATUSES[s][0])}</th>'
                      for s in STATUSES)
        return ('<section class="rec-months" id="months"><h2>Every month loaded</h2>'
                '<div class="table-scroll"><table class="summary rec-month-table">'
                "<caption>Measures by status and month (newest first)</caption>"
                f'<thead><tr><th scope="col">Month</th>{ths}<th scope="col">Published '
                f'measures matching</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
                "</div></section>")

    def _earlier(self, mine: pd.DataFrame, latest: Any, label: str) -> str:
        old = mine[mine["status"].isin(["differs", "only_published"])]
        if latest is not None:
            old = old[old["period_month"] != latest]
        if not len(old):
            return ""
        rows = sorted(old.to_dict("records"),
                      key=lambda r: (-r["period_month"].value, *self._sort_key(r)))
        return ('<section class="rec-earlier" id="earlier"><h2>Differences in earlier months</h2>'
                + self._table(rows, f"Earlier months: measures that differ or are only "
                                    f"published, {label}", month=True, why=False)
                + "</section>")


def link_html(model: Model, code: str, peers_page: str | None) -> str:
    """Links to the provider's reconciliation and peers pages ('' when neither exists)."""
    links = []
    who = f'<span class="visually-hidden">, {_e(code)}</span>'
    if code in provider_codes(model.data):
        links.append(f'<a href="{_e(page_name(code))}">Reconciliation with NHS England\u2019s '
                     f"publication{who}</a>")
    if peers_page:
        links.append(f'<a href="{_e(peers_page)}">Peers in England{who}</a>')
    return " \u00b7 ".join(links)


def link_overview(html: str, model: Model, peer_pages: dict[str, str]) -> str:
    """Under each provider's heading on the overview (after the national link)."""
    for p in model.providers:
        links = link_html(model, p.code, peer_pages.get(p.code))
        if not links:
            continue
        para = f'<p class="national-link rec-links">{links}</p>'
        pattern = re.compile(r'(<section class="provider" data-provider="' + re.escape(p.code)
                             + r'"[^>]*>\s*<h2>.*?</h2>(\s*<p class="national-link">.*?</p>)?)',
                             re.S)
        html = pattern.sub(lambda m, para=para: m.group(1) + "\n" + para, html, count=1)
    return html
