"""build_dashboard(): the published marts as static HTML in ``<publish_dir>/dashboard/``.

The pages are written to a temporary folder next to the live one and swapped in by
renames, so a reader never sees a half-written dashboard. Nothing is fetched from
the network when the pages are opened: CSS and JS are local files, charts are
inline SVG.
"""

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from pipelines.config import Settings
from pipelines.dashboard import national
from pipelines.dashboard.data import load_published
from pipelines.dashboard.fmt import format_timestamp
from pipelines.dashboard.model import Model
from pipelines.dashboard.pages import Site, metric_body, overview_body, page

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


def build(settings: Settings, *, now: datetime | None = None) -> DashboardResult:
    publish_dir = settings.publish_dir
    data = load_published(publish_dir / DATABASE)
    model = Model(data)
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
    doc_links = national.nav_links(model) + doc_links
    site = Site(published_line=line + ".", mode=mode, doc_links=doc_links,
                generated_at=(now or datetime.now(UTC)), notes=data.notes)

    pages: dict[str, str] = {
        "index.html": national.link_overview(page(
            site, model, title="Overview", body=overview_body(model, site), kind="overview"),
            model),
    }
    pages.update(national.pages(model, site, publish_dir))
    for _domain, metrics in model.domains():
        for m in metrics:
            pages[m.page] = page(site, model, title=m.name, body=metric_body(model, m, site),
                                 kind="metric")
    for m in model.metrics_without_values():
        pages[m.page] = page(site, model, title=m.name, body=metric_body(model, m, site),
                             kind="metric")

    target = publish_dir / DASHBOARD_DIR
    _write_atomically(target, pages)
    log.info("dashboard: %d pages in %s", len(pages), target)
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
