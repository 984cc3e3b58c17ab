"""dbt docs as an offline static page in <publish_dir>/dbt_docs/ (pipelines/dbt_docs.py)."""

import json
import shutil
import stat
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import Settings, load_settings
from pipelines.dbt_docs import CSP_META, build_dbt_docs, external_references, make_offline

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def docs_index(analyst_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dbt docs built from a copy of the demo warehouse into a fresh publish folder."""
    root = tmp_path_factory.mktemp("dbt_docs")
    wh = root / "warehouse" / "warehouse.duckdb"  # same file name: same catalog name
    wh.parent.mkdir()
    shutil.copyfile(analyst_settings.warehouse, wh)
    settings = load_settings({
        "MHP_WAREHOUSE": str(wh),
        "MHP_PUBLISH_DIR": str(root / "published"),
        "MHP_RAW_DIR": str(root / "raw"),
        "MHP_DBT_TARGET_PATH": str(root / "dbt_target"),
    })
    return build_dbt_docs(settings)


def test_docs_written_where_the_dashboard_links(docs_index: Path) -> None:
    publish_dir = docs_index.parent.parent
    assert docs_index == publish_dir / "dbt_docs" / "index.html"
    # the dashboard (publish_dir/dashboard/*.html) links ../dbt_docs/index.html
    assert (publish_dir / "dashboard" / ".." / "dbt_docs" / "index.html").resolve() == \
        docs_index.resolve()
    assert stat.S_IMODE(docs_index.stat().st_mode) == 0o640
    # nothing left behind: no private dbt target, no temporary page
    assert not list(publish_dir.glob(".dbt_docs.*"))
    assert [p.name for p in docs_index.parent.iterdir()] == ["index.html"]


def test_docs_are_self_contained_and_offline(docs_index: Path) -> None:
    html = docs_index.read_text(encoding="utf-8")
    assert CSP_META in html
    assert "mart_metric_values" in html and "metric_catalogue" in html  # manifest inlined
    assert external_references(html) == []
    assert "cloudfront.net" not in html  # dbt's tracker script URL is gone
    lowered = html.lower()
    for needle in ('<script src="http', "<script src='http", '<link href="http',
                   '<script src="//', '<link href="//', 'src="https://', "src='https://"):
        assert needle not in lowered, needle
    # the descriptions the published comments come from are in the docs too
    assert "Every activity, flow and quality metric in long format" in html


def test_scanner_and_stripper_catch_remote_loads() -> None:
    page = ('<html><head><link rel="stylesheet" href="https://fonts.example.org/x.css">'
            '<script src="https://cdn.example.org/a.js"></script>'
            '<style>@import url("https://cdn.example.org/b.css");</style></head><body>'
            '<img src="//cdn.example.org/p.png"><script>var i=document.createElement("script");'
            'i.src="//d1fc8wv8zag5ca.cloudfront.net/2.9.0/sp.js";'
            'a.href="http://[::1]";</script></body></html>')
    found = external_references(page)
    assert len(found) == 5 and "http://[::1]" not in found  # loopback is not remote
    cleaned = make_offline(page.replace("<style>@import url(\"https://cdn.example.org/b.css\");"
                                        "</style>", ""))
    assert external_references(cleaned) == []
    assert CSP_META in cleaned


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (/usr/bin/chromium)")
def test_docs_render_in_a_browser_without_network(docs_index: Path, tmp_path: Path) -> None:
    netlog = tmp_path / "netlog.json"
    url = docs_index.as_uri() + "#!/model/model.mh_productivity.mart_metric_values"
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         f"--user-data-dir={tmp_path / 'profile'}", f"--log-net-log={netlog}",
         "--virtual-time-budget=10000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    # the app ran: the model page shows the model's columns and description
    assert "mart_metric_values" in dom and "bed_type_group" in dom
    assert "Every activity, flow and quality metric" in dom
    text = netlog.read_text().rstrip()
    log = json.loads(text if text.endswith("}") else text.rstrip(",") + "]}")
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    remote = []
    for event in log["events"]:
        params = event.get("params", {})
        if types.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":  # Chromium's own housekeeping
            continue
        if not params["url"].startswith(("file:", "data:", "blob:")):
            remote.append(params["url"])
    assert remote == [], remote


def test_dagster_asset_definition() -> None:
    from pipelines.assets.dbt_docs import dbt_docs

    assert dbt_docs.key == dg.AssetKey(["published", "dbt_docs"])
    assert dbt_docs.group_names_by_key[dbt_docs.key] == "publish"
    assert dbt_docs.asset_deps[dbt_docs.key] == {dg.AssetKey(["published", "marts"])}
    from pipelines.config import load_settings
    from pipelines.operations.resources import LOCK_RESOURCE_KEY, pipeline_lock_resource

    # the asset holds the pipeline lock like every step of the job
    assert LOCK_RESOURCE_KEY in dbt_docs.required_resource_keys
    lock = pipeline_lock_resource(load_settings())
    from pipelines.settings_resource import SETTINGS_RESOURCE_KEY, PipelineSettings

    defs = dg.Definitions(assets=[dbt_docs], resources={
        LOCK_RESOURCE_KEY: lock, SETTINGS_RESOURCE_KEY: PipelineSettings.from_environment()})
    assert defs.resolve_assets_def(dbt_docs.key) is not None
