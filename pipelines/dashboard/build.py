"""build_dashboard(): the published marts as static HTML in ``<publish_dir>/dashboard/``.

The pages are written to a temporary folder next to the live one and swapped in by
renames, so a reader never sees a half-written dashboard. Nothing is fetched from
the network when the pages are opened: CSS and JS are local files, charts are
inline SVG.
"""

import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from pipelines.config import Settings
from pipelines.dashboard import national, peers, reconciliation
from pipelines.dashboard.data import load_published
from pipelines.dashboard.drill import locality_body, unit_body
from pipelines.dashboard.fmt import format_timestamp
from pipelines.dashboard.headline import Tiles, catalogue_ids, headline_body, load_headline
from pipelines.dashboard.layout import Site, page
from pipelines.dashboard.metric_page import metric_body
from pipelines.dashboard.model import Model
from pipelines.dashboard.overview import overview_body
from pipelines.dashboard.variation import FunnelIndex

log = logging.getLogger(__name__)

DASHBOARD_DIR = "dashboard"
DATABASE = "marts.duckdb"
STATIC_FILES = ("dashboard.css", "dashboard.js")
FILE_MODE = 0o640
DIR_MODE = 0o750
# Sibling outputs linked from the nav bar when they exist (relative to the dashboard).
DOC_LINKS = [("Data quality docs", "data_docs"), ("dbt model docs", "dbt_docs")]


@dataclass(frozen=True)
class DashboardResult:
    index: Path
    pages: list[str]  # file names, index.html first
    publication_mode: str
    published_at: str
    notes: list[str]


def build_dashboard(settings: Settings) -> Path:
    """Build the dashboard from ``<publish_dir>/marts.duckdb``; return the index page path."""
    return build(settings).index


def build(settings: Settings, *, now: datetime | None = None,
          headline_config: Path | None = None) -> DashboardResult:
    """Build every page. ``headline_config``: the headline measures (default
    ``pipelines/dashboard/headline.yml``)."""
    started = time.monotonic()
    publish_dir = settings.publish_dir
    data = load_published(publish_dir / DATABASE)
    headline = load_headline(headline_config,
                             catalogue_ids(set(data.catalogue["metric_id"].astype(str))))
    model = Model(data)
    funnels = FunnelIndex(model)
    log_row = data.publish_log
    published_at = format_timestamp(log_row.get("published_at"))
    mode = data.publication_mode
    if log_row:
        line = f"Published {published_at}, mode {mode}"
        if log_row.get("version_id"):
            line += f", version {log_row['version_id']}"
    else:
        line = "Publication details not available (no publish_log)"
    doc_links = [(label, f"../{folder}/index.html") for label, folder in DOC_LINKS
                 if (publish_dir / folder / "index.html").is_file()]
    heads = [(f"Headline {p.code}" if len(model.providers) > 1 else "Headline", p.page)
             for p in model.providers]
    doc_links = heads + national.nav_links(model) + doc_links
    site = Site(published_line=line + ".", mode=mode, doc_links=doc_links,
                generated_at=(now or datetime.now(UTC)), notes=data.notes)
    tiles = Tiles(model, site, funnels, headline)
    # reconciliation and peers (#16): linked from the overview, the headline page and the
    # national page; no nav links (the nav stays one link per page type and provider)
    peer_pages = {c: peers.page_name(c) for c in peers.provider_codes(model)}
    tiles.peer_pages = {c: (pg, peers.measures(model, c)) for c, pg in peer_pages.items()}
    links = {c: html for c in {p.code for p in model.providers}
             | set(national.provider_codes(data)) | set(reconciliation.provider_codes(data))
             if (html := reconciliation.link_html(model, c, peer_pages.get(c)))}
    tiles.national_links = links

    pages: dict[str, str] = {
        "index.html": reconciliation.link_overview(national.link_overview(page(
            site, model, title="Overview", body=overview_body(model, site), kind="overview"),
            model), model, peer_pages),
    }
    for p in model.providers:
        pages[p.page] = page(site, model, title=f"{p.label}: headline measures",
                             body=headline_body(tiles, p), kind="headline", filters=False)
    pages.update(national.pages(model, site, publish_dir, links))
    pages.update(reconciliation.pages(model, site))
    pages.update(peers.pages(model, site, tiles))
    metrics = [m for _domain, ms in model.domains() for m in ms]
    for m in metrics + model.metrics_without_values():
        pages[m.page] = page(site, model, title=m.name,
                             body=metric_body(model, m, site, funnels), kind="metric")
    for p in model.providers:
        for loc in p.localities:
            pages[loc.page] = page(site, model, title=f"{loc.name} ({p.code})",
                                   body=locality_body(tiles, p, loc), kind="locality",
                                   filters=False)
        for u in p.wards_and_teams():
            pages[u.page] = page(site, model, title=f"{u.name} ({p.code})",
                                 body=unit_body(tiles, p, u), kind=u.level, filters=False)

    target = publish_dir / DASHBOARD_DIR
    _write_atomically(target, pages)
    log.info("dashboard: %d pages in %s (%.1f s)", len(pages), target,
             time.monotonic() - started)
    return DashboardResult(index=target / "index.html", pages=list(pages),
                           publication_mode=mode, published_at=published_at, notes=data.notes)


def _write_atomically(target: Path, pages: dict[str, str]) -> None:
    parent = target.parent
    token = f"{os.getpid()}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
    tmp = parent / f".{target.name}.{token}.tmp"
    old = parent / f".{target.name}.{token}.old"
    _clean_stale(parent, target.name)
    try:
        (tmp / "static").mkdir(parents=True)
        for name, html in pages.items():
            (tmp / name).write_text(html, encoding="utf-8")
        static = resources.files("pipelines.dashboard") / "static"
        for name in STATIC_FILES:
            (tmp / "static" / name).write_bytes((static / name).read_bytes())
        _restrict(tmp)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _clean_stale(parent: Path, name: str) -> None:
    """Remove folders left by an interrupted build."""
    for p in parent.glob(f".{name}.*"):
        if p.is_dir() and p.name.endswith((".tmp", ".old")):
            shutil.rmtree(p, ignore_errors=True)


def _restrict(root: Path) -> None:
    """Same permissions as the published marts (the pages carry the same figures)."""
    os.chmod(root, DIR_MODE)
    for p in root.rglob("*"):
        os.chmod(p, DIR_MODE if p.is_dir() else FILE_MODE)
