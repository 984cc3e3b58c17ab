"""The peers page of each of the trust's providers (pipelines/dashboard/peers.py, #16).

The builder's ``peer_comparison`` in its published shape (builder.py peer_full_rows): the
two trusts and 18 other providers in England, 14 months, three measures: MHS80 (a
proportion: funnel plot; RXA below the 99.8% limit in April 2025), MHS140a (a mean: ranked,
RXA last) and OAP02M (a count: ranked, against the median provider). Pages, rank text,
charts with the trust highlighted, trends, the numbers behind them, links, and no page
without the table (or with the trusts' rows only).
"""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from pipelines.dashboard.icons import ORANGE

from .builder import OTHERS
from .test_national_page import ARTIFACTS, CHROMIUM, build_with_national


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_national(tmp_path_factory.mktemp("peers"), peers_full=True)


def _section(html: str, measure: str) -> str:
    m = re.search(rf'<section class="peer-measure[^"]*" id="peer-{measure}">(.*?)</section>',
                  html, re.S)
    assert m, measure
    return m.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_one_page_per_trust_provider_linked(site: Path) -> None:
    assert sorted(p.name for p in site.glob("peers_*.html")) == ["peers_RXA.html",
                                                                 "peers_RXB.html"]
    index = (site / "index.html").read_text()
    for code in ("RXA", "RXB"):
        section = re.search(rf'<section class="provider" data-provider="{code}".*?</section>',
                            index, re.S).group(0)
        assert f'<a href="peers_{code}.html">Peers in England' in section
        assert f'href="peers_{code}.html"' in (site / f"national_{code}.html").read_text()
    assert "peers_RXA.html" not in re.search(r'<nav class="site-nav".*?</nav>', index,
                                             re.S).group(0)
    # the peer line of a headline tile links to the measure's section
    headline = (site / "headline_RXA.html").read_text()
    tile = re.search(r'<li class="tile" data-metric="los_mean_days">(.*?)</li>', headline,
                     re.S).group(1)
    assert re.search(r'<p class="tile-line tile-peers"><span class="tile-label">Peers</span> '
                     r'<a href="peers_RXA.html#peer-MHS140a">20th of 20 providers in England on '
                     r"MHS140a", tile)
    html = (site / "peers_RXA.html").read_text()
    for anchor in re.findall(r'href="peers_RXA.html#(peer-[^"]+)"', headline):
        assert f'id="{anchor}"' in html


def test_rank_text_and_englands_value(site: Path) -> None:
    html = (site / "peers_RXA.html").read_text()
    assert re.findall(r'<li><a href="#peer-([^"]+)">', html) == ["MHS140a", "MHS80", "OAP02M"]
    rank = {m: _text(re.search(r'<p class="peer-rank">(.*?)</p>', _section(html, m)).group(1))
            for m in ("MHS140a", "MHS80", "OAP02M")}
    assert rank == {
        "MHS140a": "20th of 20, better is lower : 41 days against England 33.5 days (Apr 2025).",
        "MHS80": "20th of 20, better is higher : 60.0% against England 77.6%; below the 99.8% "
                 "limit (Apr 2025).",
        "OAP02M": "8th of 20, better is lower : 75 against median provider 77; England total "
                  "1,584 (Apr 2025)."}
    rxb = (site / "peers_RXB.html").read_text()  # ties
    assert "<strong>joint 10th of 20, better is higher</strong>: 80.0%" in rxb


def test_funnel_plot_with_the_trust_highlighted(site: Path) -> None:
    html = (site / "peers_RXA.html").read_text()
    section = _section(html, "MHS80")
    svgs = re.findall(r'<svg class="chart chart-funnel" data-chart="funnel" data-points="(\d+)"'
                      r".*?</svg>", section, re.S)
    assert svgs == ["20"]
    svg = re.search(r'<svg class="chart chart-funnel".*?</svg>', section, re.S).group(0)
    assert svg.count('class="this-unit"') == 1  # ringed
    labels = re.findall(r'<text [^>]*paint-order="stroke"[^>]*>([^<]+)</text>', svg)
    assert labels == ["RXA"]  # named; no other provider is named on the plot
    assert not any(f">{name}</text>" in svg for _code, name in OTHERS)
    assert f'<polygon class="unit" fill="{ORANGE}"' in svg  # worse: a diamond, not colour only
    assert "RXA: 60.0% (denominator 120, outside 99.8% limits) (this unit)" in svg
    for cls in ("funnel-lower-95", "funnel-upper-95", "funnel-lower-998", "funnel-upper-998",
                "overall"):
        assert f'class="{cls}"' in svg, cls
    assert "England 77.6%; 20 providers with a denominator, 3 outside the 95% limits." in section


def test_ranked_strips_for_means_and_counts(site: Path) -> None:
    html = (site / "peers_RXA.html").read_text()
    for measure, ref in (("MHS140a", "England 33.5 days"), ("OAP02M", "median provider 77")):
        section = _section(html, measure)
        svg = re.search(r'<svg class="chart chart-strip" data-chart="strip" data-points="20"'
                        r".*?</svg>", section, re.S).group(0)
        assert svg.count('class="this-unit"') == 1 and ">RXA</text>" in svg
        assert f">{ref}</text>" in svg
        assert "chart-funnel" not in section
    assert "England total 1,584" in _section(html, "OAP02M")


def test_trend_against_england(site: Path) -> None:
    html = (site / "peers_RXA.html").read_text()
    for measure, ref in (("MHS80", "England"), ("OAP02M", "median provider")):
        section = _section(html, measure)
        svg = re.search(r'<svg class="chart chart-peer-trend" data-chart="peer-trend" '
                        r'data-points="14".*?</svg>', section, re.S).group(0)
        assert 'class="values"' in svg and 'class="reference"' in svg
        assert f"this trust and {ref} by month" in svg
        assert len(re.findall(r'<circle class="point"', svg)) == 14


def test_numbers_behind_the_charts(site: Path) -> None:
    section = _section((site / "peers_RXA.html").read_text(), "MHS80")
    links = re.findall(r'<a class="csv-link" href="data:text/csv;charset=utf-8,([^"]+)" '
                       r'download="([^"]+)">', section)
    assert [name for _, name in links] == ["peers_MHS80_RXA.csv", "peers_MHS80_RXA_trend.csv"]
    funnel = unquote(links[0][0]).lstrip("\ufeff").splitlines()
    assert funnel[0].startswith("provider_code,provider_name,rank,providers_ranked,value,"
                                "denominator,england_value,lower_95")
    assert len(funnel) == 21 and funnel[-1].startswith("RXA,North Moor NHS Foundation Trust,20,")
    trend = unquote(links[1][0]).lstrip("\ufeff").splitlines()
    assert trend[0] == "month,value,england_value,rank,providers_ranked" and len(trend) == 15
    tables = re.findall(r'<details class="table-view" id="tv-\d+">', section)
    assert len(tables) == 2
    assert "<td>North Moor NHS Foundation Trust (this trust)</td>" in section


def test_beside_the_locality_variation(site: Path) -> None:
    html = (site / "peers_RXA.html").read_text()
    local = re.search(r'<p class="peer-local">(.*?)</p>', _section(html, "MHS80")).group(1)
    assert '<a href="metric_followup_72h_pct.html">Follow-up within 72 hours</a>' in local
    assert "limits" in _text(local)
    assert 'class="peer-local"' not in _section(html, "OAP02M")  # no headline measure for it
    tip = re.search(r'<span class="nat-tip" role="tooltip" id="def-\d+">(.*?)</span></span>',
                    _section(html, "MHS80"), re.S).group(1)
    assert "<b>Definition:</b> Definition of MHS80." in tip


@pytest.mark.parametrize("peers", ["none", "trusts_only"])
def test_no_page_without_the_table(tmp_path: Path, peers: str) -> None:
    site = build_with_national(tmp_path, peers=peers == "trusts_only")
    assert not list(site.glob("peers_*.html"))
    for page in ("index.html", "headline_RXA.html", "national_RXA.html"):
        assert "peers_" not in (site / page).read_text(), page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed: make chromium")
def test_peers_page_in_chromium(site: Path, tmp_path: Path) -> None:
    from .test_browser import _dom, _finish, _html_attr, _start

    page = site / "peers_RXA.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "peers_RXA.png"
    runs = {"dom": _start("peers_dom", page.as_uri(), tmp_path, ["--dump-dom"]),
            "shot": _start("peers_shot", page.as_uri(), tmp_path,
                           [f"--screenshot={shot}", "--window-size=1400,2400"])}
    try:
        for run in runs.values():
            _finish(run)
    finally:
        for run in runs.values():
            if run.proc.poll() is None:
                run.proc.kill()
    dom = _dom(runs["dom"])
    assert runs["dom"].console_problems() == []
    assert _html_attr(dom, "data-js") == "ready" and _html_attr(dom, "data-js-errors") == "0"
    assert _html_attr(dom, "data-charts") == "6"  # a chart and a trend per measure
    assert _html_attr(dom, "data-table-toggles") == "6"
    for run in runs.values():
        assert run.page_requests() == [], run.name
        assert run.proc.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
