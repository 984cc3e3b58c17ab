"""Page furniture shared by every page: the NHS-style header with the publication line, the
nav bar (hidden in print), the provider/locality filter (only when JavaScript runs), the
breadcrumbs and the footer. Everything is escaped; no external resources.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from html import escape

from pipelines.dashboard.fmt import MISSING, SUPPRESSED
from pipelines.dashboard.model import Model

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


def _filter_form(model: Model) -> str:
    return ('<form class="filters wrap" hidden aria-label="Filter by provider and locality">\n'
            '  <label>Provider <select id="filter-provider"></select></label>\n'
            '  <label>Locality <select id="filter-locality"></select></label>\n'
            '  <span class="filter-hint">Showing one provider; choose \u201cAll\u201d to print '
            'everything.</span>\n</form>\n'
            f'<script type="application/json" id="filter-data">{_filter_json(model)}</script>\n')


def page(site: Site, model: Model, *, title: str, body: str, kind: str,
         filters: bool = True) -> str:
    """A whole page. ``filters``: the provider/locality filter (pages about one unit have
    none)."""
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
{_filter_form(model) if filters else ""}<main id="main" class="wrap">
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


def breadcrumb(trail: list[tuple[str, str | None]]) -> str:
    """Where the page sits: (label, href) from the overview down; the last one is this page."""
    items = []
    for i, (label, href) in enumerate(trail):
        if href and i < len(trail) - 1:
            items.append(f'<li><a href="{_e(href)}">{_e(label)}</a></li>')
        else:
            items.append(f'<li aria-current="page">{_e(label)}</li>')
    return f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol>{"".join(items)}</ol></nav>'


def notes_html(notes: list[str]) -> str:
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"
