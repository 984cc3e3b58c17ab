"""Drill-down pages (provider -> locality -> ward and team), SPC phases, and the numbers
behind the charts (CSV in a data: URI, table view), from the hand-made publication."""

import csv
import io
import re
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from pipelines.config import load_settings
from pipelines.dashboard import build

from .builder import PHASE_REASON, build_marts
from .offline import non_local_references


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drill")
    build_marts(root / "marts.duckdb", phases=True)
    return build(load_settings({"MHP_PUBLISH_DIR": str(root)})).index.parent


def _section(html: str, anchor: str) -> str:
    m = re.search(rf'<section class="metric-section" id="{anchor}">(.*?)</section>', html, re.S)
    assert m, anchor
    return m.group(1)


def _crumbs(html: str) -> list[tuple[str | None, str]]:
    nav = re.search(r'<nav class="breadcrumb" aria-label="Breadcrumb"><ol>(.*?)</ol></nav>',
                    html).group(1)
    return [(m.group(1), re.sub(r"<[^>]+>", "", m.group(2))) for m in re.finditer(
        r'<li[^>]*>(?:<a href="([^"]+)">)?(.*?)(?:</a>)?</li>', nav)]


def csv_rows(href: str) -> list[dict[str, str]]:
    assert href.startswith("data:text/csv;charset=utf-8,")
    text = unquote(href.split(",", 1)[1])
    assert text.startswith("\ufeff")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_pages_and_breadcrumbs(site: Path) -> None:
    names = {p.name for p in site.glob("*.html")}
    assert {"locality_RXA_RXA-L1.html", "ward_RXA_RXA-L1-W1.html",
            "team_RXA_RXA-L1-T1.html", "headline_RXB.html"} <= names
    ward = (site / "ward_RXA_RXA-L1-W1.html").read_text()
    assert _crumbs(ward) == [("index.html", "Overview"),
                             ("headline_RXA.html", "North Moor NHS Foundation Trust (RXA)"),
                             ("locality_RXA_RXA-L1.html", "Northfield"),
                             (None, "Northfield ward 1")]
    assert _crumbs((site / "locality_RXB_RXB-L2.html").read_text())[-1] == (None, "Marshes")
    assert [p for page in sorted(site.glob("*.html")) for p in non_local_references(page)] == []


def test_links_down_the_hierarchy(site: Path) -> None:
    metric = (site / "metric_occupancy_pct.html").read_text()
    # each locality's chart on the provider-level page links to the locality's section
    assert 'href="locality_RXA_RXA-L1.html#m-occupancy_pct">Northfield: 2 ward(s) and ' \
           "team(s) \u203a</a>" in metric
    loc = (site / "locality_RXA_RXA-L1.html").read_text()
    occ = _section(loc, "m-occupancy_pct")
    assert occ.count('data-chart="spc"') == 1  # the locality's own chart
    assert re.findall(r'<li><a href="(ward_[^"]+)">', occ) == [
        "ward_RXA_RXA-L1-W1.html#m-occupancy_pct", "ward_RXA_RXA-L1-W2.html#m-occupancy_pct"]
    # a funnel of the locality's wards only (limits from the provider)
    funnel = re.search(r'<svg class="chart chart-funnel" data-chart="funnel" data-points="(\d)"',
                       occ)
    assert funnel and funnel.group(1) == "2"
    dna = _section(loc, "m-dna_rate_pct")
    assert 'href="team_RXA_RXA-L1-T1.html#m-dna_rate_pct"' in dna
    assert 'data-chart="funnel" data-points="1"' in dna  # the locality's one team
    assert '<a href="ward_RXA_RXA-L1-W1.html">Northfield ward 1</a>' in loc


def test_links_up_the_hierarchy(site: Path) -> None:
    ward = (site / "ward_RXA_RXA-L1-W1.html").read_text()
    occ = _section(ward, "m-occupancy_pct")
    assert occ.count('data-chart="spc"') == 1
    assert ('<a href="locality_RXA_RXA-L1.html#m-occupancy_pct">Northfield (locality) \u203a'
            '</a>') in occ
    assert '<a href="metric_occupancy_pct.html">All of North Moor' in occ
    # where it sits among the provider's wards, ringed in the funnel plot
    assert re.search(r'<p class="position">(Within the limits|(Above|Below) the (95|99.8)% '
                     r"limit: (better|worse)) among the provider\u2019s wards", occ)
    assert occ.count('class="this-unit"') == 1
    team = (site / "team_RXB_RXB-L1-T1.html").read_text()
    assert re.findall(r'<section class="metric-section" id="([^"]+)"', team) == [
        "m-dna_rate_pct"]
    loc = (site / "locality_RXA_RXA-L2.html").read_text()
    assert '<a href="metric_admissions.html">All of North Moor' in loc


def test_phases_drawn_when_published(site: Path, tmp_path: Path) -> None:
    html = (site / "metric_occupancy_pct.html").read_text()
    rxa = re.search(r'<section class="provider" data-provider="RXA">.*?</section>', html,
                    re.S).group(0)
    charts = re.findall(r'<svg class="chart chart-spc".*?</svg>', rxa, re.S)
    assert len(charts) == 3
    for svg in charts:  # limits and mean drawn per phase, the change labelled with its reason
        assert svg.count('class="limit"') == 4 and svg.count('class="mean"') == 2
        assert f'<g class="phase-break" data-phase="2"><title>Phase 2 from Oct 24: ' \
               f"{PHASE_REASON}</title>" in svg
        assert f">{PHASE_REASON}</text>" in svg
    assert f"Phase 2 from Oct 24: {PHASE_REASON} (limits recalculated)." in rxa
    rxb = re.search(r'<section class="provider" data-provider="RXB">.*?</section>', html,
                    re.S).group(0)
    assert "phase-break" not in rxb and rxb.count('class="limit"') == 6  # one phase each
    # without the columns: drawn as before
    build_marts(tmp_path / "marts.duckdb")
    plain = build(load_settings({"MHP_PUBLISH_DIR": str(tmp_path)})).index.parent
    page = (plain / "metric_occupancy_pct.html").read_text()
    assert "phase-break" not in page and page.count('class="limit"') == 12


def test_csv_equals_the_published_series(site: Path) -> None:
    html = (site / "ward_RXA_RXA-L1-W2.html").read_text()
    occ = _section(html, "m-occupancy_pct")
    href = re.search(r'<a class="csv-link" href="([^"]+)" download="'
                     r'occupancy_pct_RXA_RXA-L1-W2.csv">', occ).group(1)
    rows = csv_rows(href)
    con = duckdb.connect(str(site.parent / "marts.duckdb"), read_only=True)
    try:
        spc = con.execute(
            "select period_start, value, mean, lower_process_limit, upper_process_limit, "
            "point_type, phase, phase_reason from spc where metric_id = 'occupancy_pct' "
            "and unit_code = 'RXA-L1-W2' order by period_start").fetchall()
    finally:
        con.close()
    assert len(rows) == len(spc) == 14
    for row, (period, value, mean, lo, hi, ptype, phase, reason) in zip(rows, spc, strict=True):
        assert row["month"] == period.isoformat()
        assert float(row["value"]) == value and float(row["mean"]) == mean
        assert float(row["lower_process_limit"]) == lo and float(row["upper_process_limit"]) == hi
        assert row["point_type"] == ptype and int(row["phase"]) == phase
        assert row["phase_reason"] == (reason or "")
    # the chart drew the same number of points, and the table view lists the same months
    assert 'data-chart="spc" data-points="14"' in occ
    table = re.search(r'<details class="table-view" id="tv-\d+"><summary>Table view.*?</details>',
                      occ, re.S).group(0)
    assert len(re.findall(r'<tr><th scope="row">', table)) == 14
    assert "<th scope=\"col\">Phase</th>" in table


def test_funnel_csv(site: Path) -> None:
    html = (site / "metric_followup_72h_pct.html").read_text()
    hrefs = re.findall(r'<a class="csv-link" href="([^"]+)" download="followup_72h_pct_RXA_ward_'
                       r'month_funnel.csv">', html)
    assert len(hrefs) == 1
    rows = csv_rows(hrefs[0])
    assert [r["unit_code"] for r in rows] == ["RXA-L1-W1", "RXA-L1-W2", "RXA-L2-W1",
                                              "RXA-L2-W2"]
    assert all(float(r["lower_95"]) <= float(r["overall_value"]) <= float(r["upper_95"])
               for r in rows)
    assert {r["outside_95"] for r in rows} <= {"true", "false"}
