"""build_dashboard() on hand-made published files: pages, content, offline-ness, missing tables."""

import logging
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from pipelines.config import Settings, load_settings
from pipelines.dashboard import DashboardError, build, build_dashboard
from pipelines.dashboard.__main__ import main as cli_main

from .builder import build_marts
from .offline import non_local_references

METRICS = ["occupancy_pct", "followup_72h_pct", "admissions", "los_mean_days",
           "cost_per_bed_day", "dna_rate_pct"]


def settings_for(publish_dir: Path) -> Settings:
    return load_settings({"MHP_PUBLISH_DIR": str(publish_dir)})


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboard from a publication with every optional table; returns its folder."""
    root = tmp_path_factory.mktemp("full")
    build_marts(root / "marts.duckdb")
    (root / "data_docs").mkdir()
    (root / "data_docs" / "index.html").write_text("<html></html>")
    index = build_dashboard(settings_for(root))
    assert index == root / "dashboard" / "index.html"
    return index.parent


def _row(html: str, metric_id: str) -> str:
    m = re.search(rf'<tr data-metric="{metric_id}">(.*?)</tr>', html, re.S)
    assert m, metric_id
    return m.group(1)


def _provider_section(html: str, code: str) -> str:
    m = re.search(rf'<section class="provider" data-provider="{code}".*?</section>', html, re.S)
    assert m, code
    return m.group(0)


def test_pages_written(full: Path) -> None:
    names = {p.name for p in full.iterdir()}
    assert {"index.html", "static"} <= names
    assert {f"metric_{m}.html" for m in METRICS} <= names
    assert {p.name for p in (full / "static").iterdir()} == {"dashboard.css", "dashboard.js"}
    assert not [p for p in full.parent.iterdir() if p.name.startswith(".dashboard")]


def test_every_reference_is_local(full: Path) -> None:
    problems = [p for page in sorted(full.glob("*.html")) for p in non_local_references(page)]
    assert problems == []


def test_header_shows_the_publication(full: Path) -> None:
    html = (full / "index.html").read_text()
    assert "Published 10 Mar 2025 02:00 UTC, mode internal, version 20250310T020000Z-test" in html
    # GX data docs exist in this publish dir, dbt docs do not
    assert 'href="../data_docs/index.html"' in html
    assert "dbt_docs" not in html


def test_overview_table(full: Path) -> None:
    html = (full / "index.html").read_text()
    rxa = _provider_section(html, "RXA")
    # grouped by domain in the agreed order; metric rows link to their pages
    domains = re.findall(r'<tbody data-domain="(\w+)">', rxa)
    assert domains == ["cost", "quality", "flow"]
    assert 'href="metric_occupancy_pct.html"' in rxa
    assert "Latest month: <strong>April 2025</strong>" in rxa
    assert 'Data-quality score: <strong class="dq">95/100</strong>' in rxa
    # one column for the provider and one per locality
    assert re.findall(r'<th scope="col" class="unit-col" data-locality="([^"]+)"', rxa) == [
        "RXA-L1", "RXA-L2"]
    occupancy = _row(rxa, "occupancy_pct")
    values = re.findall(r'<span class="val">([^<]+)</span>', occupancy)
    assert len(values) == 3 and all(v.endswith("%") for v in values)
    # RXA runs hot for the last 7 months: special cause concern, target 85% hit or miss
    assert occupancy.count('data-icon="concern_high"') == 3
    assert 'data-icon="hit_or_miss"' in occupancy
    assert re.search(r'class="val">£\d{3}\.\d\d<', _row(rxa, "cost_per_bed_day"))
    assert re.search(r'class="val">\d+\.\d days<', _row(rxa, "los_mean_days"))
    assert re.search(r'class="val">\d+<', _row(rxa, "admissions"))
    assert "target at most 85.0%" in occupancy
    rxb = _provider_section(html, "RXB")
    assert 'Data-quality score: <strong class="dq">92/100</strong>' in rxb


def test_metric_page(full: Path) -> None:
    html = (full / "metric_occupancy_pct.html").read_text()
    assert "<h1>Bed occupancy (%)</h1>" in html
    assert "<dt>Target</dt><dd>at most 85.0%</dd>" in html
    assert "<dt>Numerator</dt><dd>Occupied bed days</dd>" in html
    # an SPC chart for each provider and locality, with the target line
    assert html.count('data-chart="spc"') == 6
    assert html.count('class="target"') == 6
    assert 'class="point special_cause_concern"' in html
    # funnel plots: localities and wards, latest month and rolling 12 months, per provider
    assert html.count('data-chart="funnel"') == 8
    assert "12 months May 2024 \u2013 Apr 2025" in html
    assert "data-quality score <strong>95/100</strong>" in html
    assert "Internal publication" in html
    # locality figures carry the filter attributes
    assert re.search(r'<figure class="chart-card" data-provider="RXB" data-locality="RXB-L2">',
                     html)
    national = (full / "metric_followup_72h_pct.html").read_text()
    assert "<dt>National measure ID</dt><dd>MHS79</dd>" in national
    assert "at least 80.0%" in national


def test_cost_method_on_cost_pages_only(full: Path) -> None:
    cost = (full / "metric_cost_per_bed_day.html").read_text()
    assert "costs from <strong>PLICS (patient-level costing)</strong>" in cost
    assert "costs from <strong>ledger (general ledger)</strong>" in cost
    assert cost.count("Cost method: PLICS") == 3  # provider + 2 localities of RXA
    assert "Cost method" not in (full / "metric_admissions.html").read_text()


def test_occupancy_basis_on_bed_day_pages_only(full: Path) -> None:
    html = (full / "metric_occupancy_pct.html").read_text()
    # RXA: 4 wards x 14 months, RXA-L2-W2 never on MHS903
    assert ("North Moor NHS Foundation Trust (RXA): available bed days from MHS903 "
            "(AvailBedDays) for 42 of 56 ward-months; commissioned beds otherwise. "
            "Apr 2025: from MHS903 (AvailBedDays) for 3 of 4 wards; commissioned beds "
            "otherwise.") in html
    assert ("South Vale Mental Health Trust (RXB): available bed days from commissioned beds "
            "for all ward-months (56): no MHS903 submitted.") in html
    # under the charts: the provider and each locality in the latest month
    notes = re.findall(r'<p class="chart-note">(Available bed days, Apr 2025: [^<]*)</p>', html)
    assert notes == [
        "Available bed days, Apr 2025: from MHS903 (AvailBedDays) for 3 of 4 wards; "
        "commissioned beds otherwise.",
        "Available bed days, Apr 2025: from MHS903 (AvailBedDays) for all wards (2).",
        "Available bed days, Apr 2025: from MHS903 (AvailBedDays) for 1 of 2 wards; "
        "commissioned beds otherwise.",
        *["Available bed days, Apr 2025: from commissioned beds for all wards "
          f"({n}): no MHS903 submitted." for n in (4, 2, 2)],
    ]
    for page in ("metric_admissions.html", "metric_followup_72h_pct.html"):
        assert "Available bed days" not in (full / page).read_text()


def test_count_metric_has_no_funnel(full: Path) -> None:
    html = (full / "metric_admissions.html").read_text()
    assert 'data-chart="funnel"' not in html
    assert "funnel plots need a numerator and denominator" in html
    assert 'class="target"' not in html


def test_missing_optional_tables(tmp_path: Path) -> None:
    build_marts(tmp_path / "marts.duckdb", public=True, spc=False, funnel=False, dq=False,
                costs=False, bed_capacity=False)
    result = build(settings_for(tmp_path))
    index = result.index.read_text()
    assert "SPC table not published" in index
    assert "Data-quality score: <strong class=\"dq\">not available</strong>" in index
    assert "data-icon=" not in index.split('<details class="key"')[1].split("</details>", 1)[1]
    assert "mode public" in index and "badge-public" in index
    # RXB-L2's small follow-up month is suppressed in public mode
    rxb = _provider_section(index, "RXB")
    assert '<span class="val suppressed">*</span>' in _row(rxb, "followup_72h_pct")
    page = (result.index.parent / "metric_followup_72h_pct.html").read_text()
    assert 'data-chart="run"' in page and 'data-chart="spc"' not in page
    assert 'data-chart="funnel"' not in page and "funnel plots are omitted" in page
    assert "1 published value(s) of this metric are suppressed" in page
    cost = (result.index.parent / "metric_cost_per_bed_day.html").read_text()
    assert "Cost method (PLICS or ledger) not published" in cost
    occupancy = (result.index.parent / "metric_occupancy_pct.html").read_text()
    assert "basis of the available bed days (MHS903 or commissioned beds) is not published" \
        in occupancy
    assert [p for page in result.index.parent.glob("*.html")
            for p in non_local_references(page)] == []


def test_real_publisher_output(tmp_path: Path) -> None:
    """A file written by the real publisher, whose optional marts have other shapes."""
    from pipelines.publish import publish
    from tests.publish.helpers import GATE, build_warehouse, make_settings

    settings = make_settings(tmp_path, build_warehouse(tmp_path / "warehouse.duckdb"),
                             mode="public")
    publish(settings, "run-dash", GATE)
    result = build(settings)
    html = result.index.read_text()
    assert "mode public" in html
    # this data_quality mart has no dq_score: said so, not guessed
    assert "Data-quality score not available" in html
    assert (result.index.parent / "metric_dna_rate_pct.html").exists()


def test_rebuild_replaces_the_live_folder(tmp_path: Path) -> None:
    build_marts(tmp_path / "marts.duckdb")
    build_dashboard(settings_for(tmp_path))
    stale = tmp_path / "dashboard" / "metric_gone.html"
    stale.write_text("old")
    (tmp_path / ".dashboard.123-x.tmp").mkdir()  # left by an interrupted build
    build_dashboard(settings_for(tmp_path))
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard", "marts.duckdb"]


def test_nothing_published(tmp_path: Path) -> None:
    with pytest.raises(DashboardError, match="no published marts"):
        build_dashboard(settings_for(tmp_path))


def test_database_is_not_modified(tmp_path: Path) -> None:
    db = build_marts(tmp_path / "marts.duckdb")
    before = db.read_bytes()
    build_dashboard(settings_for(tmp_path))
    assert db.read_bytes() == before
    assert not Path(str(db) + ".wal").exists()


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MHP_PUBLISH_DIR", str(tmp_path))
    assert cli_main([]) == 1
    assert "no published marts" in capsys.readouterr().err
    build_marts(tmp_path / "marts.duckdb")
    assert cli_main([]) == 0
    assert (tmp_path / "dashboard" / "index.html").as_uri() in capsys.readouterr().out


def test_dagster_asset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.assets.dashboard import dashboard

    monkeypatch.setenv("MHP_PUBLISH_DIR", str(tmp_path))
    build_marts(tmp_path / "marts.duckdb")
    spec = dashboard.specs_by_key[dg.AssetKey(["published", "dashboard"])]
    assert dg.AssetKey(["published", "marts"]) in {d.asset_key for d in spec.deps}
    assert spec.group_name == "publish"
    assert spec.owners == ["team:data-engineering"]
    # The asset's own function with a stand-in context (only .log and the settings resource
    # are used): building a real
    # context creates a Dagster instance, which takes seconds.
    log = logging.getLogger("test.dashboard.asset")
    from pipelines.settings_resource import PipelineSettings

    settings = PipelineSettings(mhp_publish_dir=str(tmp_path))
    result = dashboard.op.compute_fn.decorated_fn(
        SimpleNamespace(log=log, resources=SimpleNamespace(settings=settings)))
    assert isinstance(result, dg.MaterializeResult)
    assert result.metadata["path"].value == str(tmp_path / "dashboard" / "index.html")
    # overview, metric pages, 2 headline pages, 4 localities, 8 wards and 4 teams
    assert result.metadata["pages"] == 1 + len(METRICS) + 2 + 4 + 8 + 4
    assert result.metadata["publication_mode"] == "internal"
    shutil.rmtree(tmp_path / "dashboard")
