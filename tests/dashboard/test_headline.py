"""Headline measures (pipelines/dashboard/headline.py, headline.yml): the configuration and
its checks, and the provider's headline page built from the hand-made publication."""

import csv
import re
from pathlib import Path

import pytest

from pipelines.catalogue import load_catalogue
from pipelines.config import DBT_PROJECT_DIR, load_settings
from pipelines.dashboard import DashboardError, build
from pipelines.dashboard.headline import default_config, load_headline

from .builder import build_marts


def settings_for(root: Path):
    return load_settings({"MHP_PUBLISH_DIR": str(root)})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("headline")
    build_marts(root / "marts.duckdb", peers=True)
    return build(settings_for(root)).index.parent


@pytest.fixture(scope="module")
def no_peers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("headline-no-peers")
    build_marts(root / "marts.duckdb")
    return build(settings_for(root)).index.parent


def _tile(html: str, metric_id: str) -> str:
    m = re.search(rf'<li class="tile" data-metric="{metric_id}">(.*?)</li>', html, re.S)
    assert m, metric_id
    return m.group(1)


def test_shipped_config_names_catalogue_metrics_and_national_measures() -> None:
    ids = {m.metric_id for m in load_catalogue()}
    headline = load_headline(default_config(), ids)
    assert 6 <= len(headline) <= 10
    assert [h.metric_id for h in headline][:2] == ["los_mean_days", "crfd_bed_days_pct"]
    with open(DBT_PROJECT_DIR / "seeds" / "national_measure_catalogue.csv",
              encoding="utf-8") as fh:
        national = {r["measure_id"] for r in csv.DictReader(fh)}
    assert {h.peer_measure for h in headline if h.peer_measure} <= national


@pytest.mark.parametrize(("text", "message"), [
    ("measures:\n  - metric_id: occupancy_pct\n  - metric_id: no_such_metric\n",
     "measure 2: metric_id 'no_such_metric' is not in the metric catalogue"),
    ("measures:\n  - metric_id: occupancy_pct\n    colour: red\n",
     r"measure 1 \(occupancy_pct\): unknown key\(s\) colour"),
    ("measures:\n  - metric_id: occupancy_pct\n  - metric_id: occupancy_pct\n",
     "listed twice"),
    ("measures: []\n", "expected a non-empty list"),
    ("measures:\n  - label: x\n", "expected a mapping with a metric_id"),
])
def test_bad_config_is_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "headline.yml"
    config.write_text(text)
    build_marts(tmp_path / "marts.duckdb")
    with pytest.raises(DashboardError, match=message) as err:
        build(settings_for(tmp_path), headline_config=config)
    assert str(config) in str(err.value)
    assert not (tmp_path / "dashboard").exists()  # nothing half-built


def test_headline_page_is_the_landing_page(site: Path) -> None:
    index = (site / "index.html").read_text()
    for code in ("RXA", "RXB"):
        assert f'<a href="headline_{code}.html">Headline {code}</a>' in index  # nav
        section = re.search(rf'<section class="provider" data-provider="{code}".*?</section>',
                            index, re.S).group(0)
        assert f'<p class="headline-link"><a href="headline_{code}.html">' in section
    # from a metric page, the provider's chart links back to the headline page
    assert 'href="headline_RXA.html">Headline measures for' in (
        site / "metric_occupancy_pct.html").read_text()


def test_headline_tiles(site: Path) -> None:
    html = (site / "headline_RXA.html").read_text()
    assert "<h1>North Moor NHS Foundation Trust (RXA): headline measures</h1>" in html
    # the builder's catalogue has 4 of the 9 configured measures, in the configured order
    tiles = re.findall(r'<li class="tile" data-metric="([^"]+)"', html)
    assert tiles == ["los_mean_days", "occupancy_pct", "followup_72h_pct"]
    assert "Headline measures not in this publication: crfd_bed_days_pct, oap_bed_days" in html
    occ = _tile(html, "occupancy_pct")
    # label from the config, the definition on hover/focus, a link to the metric page
    assert re.search(r'<a class="nat-name metric-link" href="metric_occupancy_pct.html" '
                     r'aria-describedby="(def-\d+)">Bed occupancy</a><span class="nat-tip" '
                     r'role="tooltip" id="\1">', occ)
    assert re.search(r'<span class="val">\d+\.\d%</span><span class="tile-month">Apr 2025', occ)
    assert 'data-icon="concern_high"' in occ and 'data-icon="hit_or_miss"' in occ
    assert re.search(r'<svg class="sparkline" data-chart="sparkline" data-points="14"', occ)
    assert "No locality outside the limits (12 months May 2024 \u2013 Apr 2025)" in occ
    # follow-up: Riverside's small 72-hour follow-up month puts it outside the limits
    fup = _tile(html, "followup_72h_pct")
    assert re.search(r'Variation</span> (No locality outside the limits|<a href="locality_RXA_'
                     r'RXA-L\d.html#m-followup_72h_pct">\w+</a> is (above|below) the (99.8|95)% '
                     r"limit: (better|worse))", fup)
    # LOS has no funnel here; its peer position comes from peer_comparison (latest month)
    los = _tile(html, "los_mean_days")
    assert "No funnel plot for this measure" in los
    assert ("48th of 54 providers in England on MHS140a (Mean length of stay, adult acute, 18 "
            "to 64): 54.1 days, England 35.2 days; above the 99.8% limit (Apr 2025)") in los
    assert "Peers" not in occ  # no peer_measure configured for occupancy
    # drill-down list of localities
    assert '<a href="locality_RXA_RXA-L1.html">Northfield</a>' in html


def test_widest_variation_named_in_words(site: Path) -> None:
    html = (site / "locality_RXA_RXA-L1.html").read_text()
    occ = _tile(html, "occupancy_pct")
    assert re.search(r"Variation</span> (No ward outside the limits|<a href=\"ward_RXA_RXA-L1-W"
                     r"\d.html#m-occupancy_pct\">Northfield ward \d</a> is (above|below) the "
                     r"(99.8|95)% limit)", occ)


def test_no_peers_without_the_table(no_peers: Path) -> None:
    html = (no_peers / "headline_RXA.html").read_text()
    assert "Peers" not in html and "providers in England" not in html
    assert len(re.findall(r'<li class="tile"', html)) == 3
