"""The reconciliation page of each provider (pipelines/dashboard/reconciliation.py, #16).

The builder's ``national_reconciliation`` (tests/dashboard/builder.py reconciliation_rows):
RXA and RXB, Feb-Apr 2025; March is the latest month with a national file (April's is not
loaded); RXA's March has every status. Internal and public publications, the national
tables from test_national_page (definitions), no page without the table, and a render in
headless Chromium with a definition opened by keyboard focus.
"""

import re
from pathlib import Path

import pytest

from .test_national_page import ARTIFACTS, CHROMIUM, FOCUS_PROBE, build_with_national


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_national(tmp_path_factory.mktemp("rec-internal"), reconciliation=True,
                               peers_full=True)


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_national(tmp_path_factory.mktemp("rec-public"), public=True,
                               reconciliation=True)


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(status, measure, breakdown) of each row of the page's tables, in order."""
    return re.findall(r'<tr data-measure="([^"]+)" data-breakdown="([^"]+)" '
                      r'data-status="([^"]+)">', html)


def _row(html: str, measure: str, breakdown: str = "Provider") -> str:
    m = re.search(rf'<tr data-measure="{measure}" data-breakdown="{breakdown}" '
                  r'data-status="[^"]+">(.*?)</tr>', html, re.S)
    assert m, (measure, breakdown)
    return m.group(1)


def _cells(row: str) -> list[str]:
    row = re.sub(r'<span class="nat-tip".*?</span></span>|<svg.*?</svg>', "", row, flags=re.S)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


def _section(html: str, cls: str) -> str:
    m = re.search(rf'<section class="{cls}"[^>]*>(.*?)</section>', html, re.S)
    assert m, cls
    return m.group(1)


def test_one_page_per_provider_linked_without_growing_the_nav(internal: Path,
                                                                tmp_path: Path) -> None:
    assert sorted(p.name for p in internal.glob("reconciliation_*.html")) == [
        "reconciliation_RXA.html", "reconciliation_RXB.html"]
    index = (internal / "index.html").read_text()
    for code in ("RXA", "RXB"):
        section = re.search(rf'<section class="provider" data-provider="{code}".*?</section>',
                            index, re.S).group(0)
        assert f'<a href="reconciliation_{code}.html">Reconciliation' in section
        for page in (f"headline_{code}.html", f"national_{code}.html"):
            assert f'href="reconciliation_{code}.html"' in (internal / page).read_text(), page
    # the nav bar is the same as without the new tables
    plain = build_with_national(tmp_path)
    nav = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
    assert nav.search(index).group(0) == nav.search((plain / "index.html").read_text()).group(0)


def test_summary_of_the_latest_month_with_a_national_file(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    summary = _section(html, "rec-summary")
    assert '<h2 id="rec-summary-h">March 2025</h2>' in summary  # April has no national file
    assert "<strong>5 of 8</strong> published measures match ours" in summary
    counts = dict(re.findall(r"</svg>([^<]+)</span> <strong>(\d+)</strong>", summary))
    assert counts == {"Differs": "2", "Only published": "1", "Only ours": "1", "Match": "3",
                      "Suppressed on both sides": "2"}
    assert "Provisional figures from the file of Mar 2025" in summary


def test_differences_first_then_matches_collapsed(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    latest = _section(html, "rec-latest")
    first, collapsed = latest.split('<details class="rec-same">')
    assert [(m, s) for m, _b, s in _rows(first)] == [
        ("MHS140", "differs"), ("MHS140a", "differs"), ("MHS32", "only_published"),
        ("OAP01", "only_ours")]
    assert "<summary>Matching and suppressed on both sides (5)</summary>" in collapsed
    assert [s for _m, _b, s in _rows(collapsed)] == ["match"] * 3 + ["suppressed"] * 2
    assert ("OAP01", "Sending Provider", "match") in _rows(collapsed)  # a zero, not published


def test_status_in_words_and_by_shape(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    shapes = {"differs": "<polygon points=\"7,1 13,7 7,13 1,7\"",
              "only_published": "<rect ", "only_ours": "<polygon points=\"7,1 13,12 1,12\"",
              "match": '<circle cx="7" cy="7" r="5"', "suppressed": 'fill="none"'}
    words = {"differs": "Differs", "only_published": "Only published", "only_ours": "Only ours",
             "match": "Match", "suppressed": "Suppressed on both sides"}
    for measure, breakdown, status in _rows(_section(html, "rec-latest")):
        cell = re.search(r'<span class="rec-status[^"]*">(.*?)</span>',
                         _row(html, measure, breakdown), re.S).group(1)
        assert 'aria-hidden="true"' in cell and shapes[status] in cell, status
        assert cell.endswith(words[status]), status


def test_values_internal(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", _section(html, "rec-latest")).group(1)
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', head) == [
        "Status", "ID", "Measure", "Ours", "Published", "Difference", "Why"]
    # status, ID, name, ours (rounded, exact), published (status), difference, why
    assert _cells(_row(html, "MHS140")) == [
        "Differs", "MHS140", "Name of MHS140", "10 exact 12", "15 Provisional", "+3",
        "Usual causes (Length of stay)"]
    assert _cells(_row(html, "MHS140a"))[3:6] == ["36 exact 35.50", "38 Provisional", "+2.50"]
    assert _cells(_row(html, "MHS32"))[3:] == [
        "\u2013", "40 Provisional", "\u2013",
        "Published nationally but not computed here Usual causes (all measures)"]
    assert _cells(_row(html, "OAP01", "Receiving Provider"))[1:] == [
        "OAP01 Receiving Provider", "Name of OAP01", "5 exact 7", "\u2013", "\u2013",
        "Not in the national file for this month"]
    assert _cells(_row(html, "MHS79", "Provider of Responsibility"))[3:5] == [
        "* (suppressed) exact 3", "* (suppressed) Provisional"]
    assert "the difference is the published value minus our exact value" in html


def test_public_page_has_no_exact_values(public: Path) -> None:
    html = (public / "reconciliation_RXA.html").read_text()
    assert "exact" not in html.split("<main")[1].replace("no exact values", "")
    assert "35.50" not in html and "+2.50" not in html and "1234" not in html
    # the difference between the two rounded values
    assert _cells(_row(html, "MHS140"))[3:6] == ["10", "15 Provisional", "+5"]
    assert _cells(_row(html, "MHS140a"))[3:6] == ["36", "38 Provisional", "+2"]
    assert "Public publication: no exact values" in html
    assert "<strong>5 of 8</strong> published measures match ours" in html


def test_definitions_on_hover_and_focus(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    m = re.search(r'<span class="nat-name" tabindex="0" aria-describedby="(def-\d+)">Name of '
                  r'MHS140</span><span class="nat-tip" role="tooltip" id="(def-\d+)">(.*?)'
                  r"</span></span>", _row(html, "MHS140"), re.S)
    assert m and m.group(1) == m.group(2)
    assert "<b>Definition:</b> Definition of MHS140." in m.group(3)
    assert "<b>National source:</b> menh_bbrb" in m.group(3)
    assert "nat-tip" not in _row(html, "MHS32")  # not in the catalogue: the name only


def test_usual_causes_per_family(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    causes = _section(html, "rec-causes")
    assert "<h2>What usually causes a difference</h2>" in causes
    for text in ("Late-recorded activity", "A refresh submitted after the publication",
                 "Records rejected nationally but accepted here"):
        assert text in causes
    ids = re.findall(r'<div class="rec-cause" id="causes-([a-z0-9_]+)"><h3>([^<]+)</h3>', causes)
    assert ids == [("los", "Length of stay"), ("followup_72h", "72-hour follow-up"),
                   ("oaps", "Out-of-area placements"), ("monthly", "Activity and inpatients"),
                   ("other", "Other measures")]
    follow = re.search(r'id="causes-followup_72h">(.*?)</div>', causes, re.S).group(1)
    assert "previous month\u2019s submission" in follow and "national person ID" in follow
    for anchor in set(re.findall(r'href="#(causes-[^"]+)"', html)):
        assert f'id="{anchor}"' in html


def test_every_month_and_earlier_differences(internal: Path) -> None:
    html = (internal / "reconciliation_RXA.html").read_text()
    months = _section(html, "rec-months")
    rows = re.findall(r'<tr( class="rec-current")?><th scope="row">([^<]+)</th>(.*?)</tr>',
                      months, re.S)
    assert [(m, bool(cur)) for cur, m, _ in rows] == [
        ("Apr 2025", False), ("Mar 2025", True), ("Feb 2025", False)]
    assert _cells(rows[0][2]) == ["0", "0", "2", "0", "0", "no national file"]
    assert _cells(rows[1][2]) == ["2", "1", "1", "3", "2", "5 of 8 match"]
    assert _cells(rows[2][2]) == ["1", "0", "0", "2", "0", "2 of 3 match"]
    earlier = _section(html, "rec-earlier")
    assert _rows(earlier) == [("MHS79", "Provider of Responsibility", "differs")]
    assert _cells(_rows_html(earlier))[:7] == [
        "Differs", "Feb 2025", "MHS79 Provider of Responsibility", "Name of MHS79", "25 exact 24",
        "20 Performance", "-4"]
    rxb = (internal / "reconciliation_RXB.html").read_text()
    assert "<strong>2 of 2</strong> published measures match ours" in rxb
    assert "No differences: every measure matches" in rxb and "rec-earlier" not in rxb


def _rows_html(html: str) -> str:
    return re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)


def test_no_page_without_the_table(internal: Path, tmp_path: Path) -> None:
    site = build_with_national(tmp_path)
    assert not list(site.glob("reconciliation_*.html"))
    for page in ("index.html", "headline_RXA.html", "national_RXA.html"):
        assert "reconciliation_" not in (site / page).read_text(), page


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed: make chromium")
def test_reconciliation_page_in_chromium(internal: Path, tmp_path: Path) -> None:
    from .test_browser import _dom, _finish, _html_attr, _start

    page = internal / "reconciliation_RXA.html"
    probe = internal / "rec_focus_probe.html"
    probe.write_text(page.read_text().replace("</body>", FOCUS_PROBE))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "reconciliation_RXA.png"
    runs = {"dom": _start("rec_dom", page.as_uri(), tmp_path, ["--dump-dom"]),
            "probe": _start("rec_probe", probe.as_uri(), tmp_path, ["--dump-dom"]),
            "shot": _start("rec_shot", page.as_uri(), tmp_path,
                           [f"--screenshot={shot}", "--window-size=1400,2000"])}
    try:
        for run in runs.values():
            _finish(run)
    finally:
        for run in runs.values():
            if run.proc.poll() is None:
                run.proc.kill()
        probe.unlink()
    dom = _dom(runs["dom"])
    assert runs["dom"].console_problems() == []
    assert _html_attr(dom, "data-js") == "ready" and _html_attr(dom, "data-js-errors") == "0"
    assert _html_attr(dom, "data-css") == "loaded"
    assert _html_attr(_dom(runs["probe"]), "data-tip") == "block"  # definition on focus
    for run in runs.values():
        assert run.page_requests() == [], run.name
        assert run.proc.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
