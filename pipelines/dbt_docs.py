"""The dbt project's documentation as an offline static site: ``<publish_dir>/dbt_docs/``.

``build_dbt_docs(settings) -> Path`` runs ``dbt docs generate --static`` (dbt-core
1.7+) into a private target folder, so it never touches dbt_project/target or a
concurrent dbt run's files, and writes the single self-contained page it produces
(manifest and catalogue inlined) as ``<publish_dir>/dbt_docs/index.html``. The
dashboard links it as ``../dbt_docs/index.html``.

dbt's page is made offline-safe before it is written:

* the snowplow tracker's script URL (``//d1fc8wv8zag5ca.cloudfront.net/...``, only
  loaded when usage tracking is on, which it never is here) is blanked, as is any
  other absolute or protocol-relative ``src``/``href`` in the page;
* a Content-Security-Policy ``<meta>`` forbids every network load (scripts, styles,
  fonts, images, fetch/XHR) so a browser cannot reach out even if something slipped
  through; the page's own inline scripts and styles are allowed;
* ``external_references(html)`` must then find nothing, or the build fails.

By default the manifest that the pipeline's dbt assets were loaded from
(``dbt_project/target/manifest.json``, written by ``dbt parse``) is reused with
``--no-compile`` (fast; the docs show each model's source SQL, not the compiled
SQL). ``compile=True`` compiles the project first (slower; adds compiled SQL).
The catalogue (column types) is read from the warehouse, so the warehouse must not
be held by another writer while this runs.
"""

import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.dbt_project import run_dbt
from pipelines.publish.files import DIR_MODE, FILE_MODE

log = logging.getLogger(__name__)

DOCS_DIR = "dbt_docs"
INDEX = "index.html"
_TMP_PREFIX = ".dbt_docs."
_STALE_AFTER_S = 6 * 3600

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
    "connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

# A URL that leaves the machine: http(s) or protocol-relative.
_REMOTE = r"(?:https?:)?//[^\s\"'<>)]+"
# Loopback addresses never leave the machine (AngularJS sets a.href = "http://[::1]" to
# test how the browser parses URLs; nothing is loaded).
_LOOPBACK = re.compile(r"(?:https?:)?//(?:\[::1\]|localhost|127\.\d+\.\d+\.\d+)(?:[:/]|$)", re.I)
# Ways a page loads something: tag attributes, script assignments, CSS.
_LOADERS = [
    re.compile(r"""<(?:script|img|iframe|embed|source|audio|video|input)\b[^>]*?\ssrc\s*=\s*"""
               rf"""["']?({_REMOTE})""", re.I),
    re.compile(rf"""<link\b[^>]*?\shref\s*=\s*["']?({_REMOTE})""", re.I),
    re.compile(rf"""\.src\s*=\s*["']({_REMOTE})["']"""),
    re.compile(rf"""\.href\s*=\s*["']({_REMOTE})["']"""),
    re.compile(rf"""@import\s+(?:url\()?\s*["']?({_REMOTE})""", re.I),
    re.compile(rf"""url\(\s*["']?({_REMOTE})""", re.I),
    re.compile(rf"""\b(?:fetch|importScripts|sendBeacon|EventSource|WebSocket)\s*\(\s*["']"""
               rf"""({_REMOTE})""")
]
# Elements whose attributes are rewritten so nothing remote is loaded.
_ATTR_REMOTE = re.compile(
    r"""(<(?:script|img|iframe|embed|source|audio|video|input|link)\b[^>]*?\s(?:src|href)"""
    rf"""\s*=\s*)(["']?)({_REMOTE})\2""", re.I)
_JS_REMOTE = re.compile(rf"""(\.src\s*=\s*)(["'])({_REMOTE})\2""")


class DbtDocsError(RuntimeError):
    """The dbt docs could not be generated or made offline-safe."""


def external_references(html: str) -> list[str]:
    """Every remote URL the page would load (script/link/img src, CSS url(), JS .src =,
    fetch(...)); an empty list means the page loads nothing from the network."""
    found: list[str] = []
    for pattern in _LOADERS:
        found += [m.group(1) for m in pattern.finditer(html)]
    return sorted({url for url in found if not _LOOPBACK.match(url)})


def make_offline(html: str) -> str:
    """Blank every remote load in dbt's page and add a CSP that forbids network access."""
    html = _ATTR_REMOTE.sub(lambda m: f'{m.group(1)}""', html)
    html = _JS_REMOTE.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(2)}", html)
    head = re.search(r"<head[^>]*>", html, re.I)
    if head is None:
        raise DbtDocsError("dbt's docs page has no <head>")
    if "Content-Security-Policy" not in html[: head.end() + 2000]:
        html = html[: head.end()] + "\n" + CSP_META + html[head.end():]
    return html


def _clean_stale(publish_dir: Path) -> None:
    now = time.time()
    for p in publish_dir.glob(f"{_TMP_PREFIX}*.tmp"):
        try:
            if now - p.stat().st_mtime > _STALE_AFTER_S:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _generate(settings: Settings, target: Path, compile: bool) -> Path:
    """Run dbt docs generate --static into ``target``; return the static page."""
    logs = target / "logs"
    base = ["docs", "generate", "--static", "--target-path", str(target),
            "--log-path", str(logs)]
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not compile and manifest.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest, target / "manifest.json")
        try:
            run_dbt(settings, [*base, "--no-compile"])
            return target / "static_index.html"
        except RuntimeError as exc:  # e.g. the manifest was being rewritten: compile
            log.warning("dbt docs from the parsed manifest failed, compiling: %s", exc)
            (target / "manifest.json").unlink(missing_ok=True)
    run_dbt(settings, base)
    return target / "static_index.html"


def build_dbt_docs(settings: Settings, *, compile: bool = False) -> Path:
    """Generate the dbt docs and write ``<publish_dir>/dbt_docs/index.html``; return it.

    The page is written under a temporary name and renamed into place, so a reader
    sees the old page or the new one, never half of one. Raises DbtDocsError (or dbt's
    RuntimeError) on failure, leaving any previous page in place.
    """
    publish_dir = settings.publish_dir
    publish_dir.mkdir(parents=True, exist_ok=True)
    _clean_stale(publish_dir)
    work = publish_dir / f"{_TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp"
    work.mkdir(mode=0o700)
    try:
        static = _generate(settings, work / "target", compile)
        if not static.exists():
            raise DbtDocsError(f"dbt docs generate --static wrote no {static.name}")
        html = make_offline(static.read_text(encoding="utf-8"))
        remaining = external_references(html)
        if remaining:
            raise DbtDocsError(f"dbt docs page still loads remote URLs: {remaining[:5]}")
        out_dir = publish_dir / DOCS_DIR
        out_dir.mkdir(exist_ok=True)
        os.chmod(out_dir, DIR_MODE)
        tmp = out_dir / f".{INDEX}.{work.name}"
        tmp.write_text(html, encoding="utf-8")
        os.chmod(tmp, FILE_MODE)
        index = out_dir / INDEX
        os.replace(tmp, index)
        return index
    finally:
        shutil.rmtree(work, ignore_errors=True)
