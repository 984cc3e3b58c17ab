"""The national measures page of each provider (pipelines/dashboard/national.py).

The builder's published file gets the two national tables written into it here, shaped as
pipelines/publish/national.py publishes them: internal (exact ``measure_value`` DOUBLE plus
``measure_value_rounded``) or public (``measure_value`` VARCHAR, rounded, zero rows left
out). Then: pages, values as published, the exact value only when internal, definitions,
no page without the tables, and a headless-Chromium render kept as a screenshot.
"""

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.dashboard import build

from .builder import LATEST, MONTHS, PROVIDERS, build_marts
from .offline import non_local_references

# measure_id, name, family, frequency, unit, aggregate, suppression, suppress_on, filter,
# numerator_id, denominator_id
MEASURES = [
    ("MHS140", "People discharged from adult acute beds aged 18 to 64", "los", "Q", "people",
     "count_distinct person_key", "count", None, "acute_bed = 'Adult Acute'", None, None),
    ("MHS140a", "Mean length of stay, adult acute, 18 to 64", "los", "Q", "days",
     "mean los_days", "percent", "MHS140", "acute_bed = 'Adult Acute'", None, None),
    ("MHS78", "Discharges eligible for 72 hour follow up", "followup_72h", "M", "discharges",
     "count", "count", None, "eligible_acute_discharge", None, None),
    ("MHS79", "Discharges followed up within 72 hours", "followup_72h", "M", "discharges",
     "count", "count", None, "followed_up_within_72h", None, None),
    ("MHS80", "Proportion of eligible discharges followed up", "followup_72h", "M", "percent",
     "ratio", "percent", "MHS79 MHS78", None, "MHS79", "MHS78"),
    ("OAP01", "Inappropriate out of area placements active in the period", "oaps", "Q",
     "placements", "count_distinct uniq_serv_req_id", "count", None, "reason_oat = '10'",
     None, None),
    ("MHS01", "People in contact with services at the end of the reporting period",
     "monthly", "M", "people", "count_distinct person_key", "count", None, None, None, None),
]
SOURCE = "menh_bbrb/notebooks/measure_metadata.py lines 30-44"
WINDOW = {"M": 0, "Q": 2, "Y": 11}


def catalogue() -> pd.DataFrame:
    rows = [{"measure_id": m, "measure_name": n, "family": f, "frequency": fr, "unit": u,
             "aggregate": a, "source_model": "int_nat_x", "filter": flt, "numerator_id": num,
             "denominator_id": den, "multiplier": 100 if u == "percent" else 1,
             "suppression": s, "suppress_on": so, "breakdowns": "provider provider_locality",
             "national_source": f"{SOURCE} ({m})", "description": f"Definition of {m}."}
            for m, n, f, fr, u, a, s, so, flt, num, den in MEASURES]
    return pd.DataFrame(rows)


def _exact(measure: str, unit: str, i: int) -> float:
    """Month i's exact value at unit ``unit``; the latest month (i = 13) is hand-set."""
    latest = {"MHS140": 12, "MHS140a": 35.5, "MHS78": 23, "MHS79": 3, "MHS80": 100 * 3 / 23,
              "OAP01": 7, "MHS01": 1234}
    scale = 1.0 if unit in PROVIDERS else 0.5
    if i == len(MONTHS) - 1:
        return latest[measure] * scale
    base = {"MHS140": 20, "MHS140a": 40.0, "MHS78": 30, "MHS79": 24, "MHS80": 80.0,
            "OAP01": 6, "MHS01": 1200}[measure]
    return round(base * scale + (i % 4) * 1.5, 2)


def _rounded(value: float, suppression: str, on: list[float]) -> str:
    if suppression == "count":
        return "*" if value < 5 else str(int(round(value / 5) * 5))
    return "*" if any(v < 5 for v in on) else str(int(value + 0.5))


def national_rows() -> pd.DataFrame:
    rows = []
    meta = {m[0]: m for m in MEASURES}
    levels = [(p, "Provider", p, "NONE") for p in PROVIDERS]
    levels += [("RXA", "Sending Provider", "RXA", "NONE")]  # OAP01 only
    levels += [(p, "Provider; Locality", p, code) for p in PROVIDERS for code, _ in
               PROVIDERS[p][1]]
    levels += [("RXA", "Provider; Ward", "RXA", "RXA-L1-W1")]  # never shown
    for i, month in enumerate(MONTHS):
        end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        values = {}
        for mid, *_ in MEASURES:
            for _p, bd, primary, secondary in levels:
                unit = primary if secondary == "NONE" else secondary
                if bd == "Sending Provider" and mid != "OAP01":
                    continue
                values[(mid, bd, primary, secondary)] = _exact(mid, unit, i)
        for (mid, bd, primary, secondary), v in values.items():
            _m, name, _f, freq, _u, _a, supp, on, *_ = meta[mid]
            on_values = [values[(o, bd, primary, secondary)] for o in (on or "").split()]
            m = month.year * 12 + month.month - 1 - WINDOW[freq]
            start = date(m // 12, m % 12 + 1, 1)
            rows.append({
                "reporting_period_start": start, "reporting_period_end": end,
                "status": "Provisional" if month == LATEST else "Performance", "breakdown": bd,
                "primary_level": primary, "primary_level_description": primary,
                "secondary_level": secondary, "secondary_level_description":
                    dict(PROVIDERS[primary][1]).get(secondary, secondary),
                "measure_id": mid, "measure_name": name, "measure_value": float(v),
                "measure_value_rounded": _rounded(v, supp, on_values), "period_month": month,
                "measure_frequency": freq})
    return pd.DataFrame(rows)


def build_with_national(root: Path, *, public: bool = False, measures: bool = True,
                        measure_catalogue: bool = True, **marts: bool) -> Path:
    """The builder's published file plus the national tables; returns the dashboard folder.
    ``marts``: options of build_marts (phases, peers...)."""
    db = build_marts(root / "marts.duckdb", public=public, **marts)
    nat = national_rows()
    if public:  # as pipelines/publish/national.py: rounded text only, no zero rows
        nat = nat[nat["measure_value"] != 0].drop(columns="measure_value").rename(
            columns={"measure_value_rounded": "measure_value"})
    con = duckdb.connect(str(db))
    try:
        for name, df, keep in (("national_measures", nat, measures),
                               ("national_measure_catalogue", catalogue(), measure_catalogue)):
            if keep:
                con.register("__src", df)
                con.execute(f"create table main.{name} as select * from __src").fetchall()
                con.unregister("__src")
    finally:
        con.close()
    if not public:  # the per-month national CSV the page links to, when it exists
        (root / "csv" / "national").mkdir(parents=True)
        (root / "csv" / "national" / f"national_measures_{LATEST:%Y-%m}.csv").write_text("x\n")
    return build(load_settings({"MHP_PUBLISH_DIR": str(root)})).index.parent


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_national(tmp_path_factory.mktemp("nat-internal"))


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_national(tmp_path_factory.mktemp("nat-public"), public=True)


def _row(html: str, measure: str, breakdown: str = "Provider") -> str:
    m = re.search(rf'<tr data-measure="{measure}" data-breakdown="{breakdown}">(.*?)</tr>',
                  html, re.S)
    assert m, (measure, breakdown)
    return m.group(1)


def _cells(row: str) -> list[str]:
    """Text of each cell, tags stripped (the tooltip and sparkline left out)."""
    row = re.sub(r'<div class="nat-tip".*?</div>|<svg.*?</svg>', "", row, flags=re.S)
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


def test_one_page_per_provider_linked(internal: Path) -> None:
    assert sorted(p.name for p in internal.glob("national_*.html")) == [
        "national_RXA.html", "national_RXB.html"]
    index = (internal / "index.html").read_text()
    for code in PROVIDERS:  # from the nav bar and the provider's section of the overview
        assert f'<a href="national_{code}.html">National measures {code}</a>' in index
        section = re.search(rf'<section class="provider" data-provider="{code}".*?</section>',
                            index, re.S).group(0)
        assert f'<p class="national-link"><a href="national_{code}.html">' in section
    assert 'href="national_RXB.html"' in (internal / "metric_admissions.html").read_text()
    assert [p for page in sorted(internal.glob("*.html"))
            for p in non_local_references(page)] == []


def test_internal_page_values(internal: Path) -> None:
    html = (internal / "national_RXA.html").read_text()
    assert "<h1>National measures: North Moor NHS Foundation Trust (RXA)</h1>" in html
    assert "Reporting month <strong>April 2025</strong>" in html
    assert "status <strong>Provisional</strong>" in html
    assert re.findall(r"<h2>([^<]+)</h2>", html) == [
        "Length of stay", "72-hour follow-up", "Out-of-area placements",
        "Activity and inpatients"]
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", html).group(1)
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', head) == [
        "ID", "Measure", "Window", "Status", "Published value", "Exact value", "Trend"]
    assert '<caption class="visually-hidden">Length of stay measures for' in html
    # ID, name (unit), window with dates, status, published value, exact value
    assert _cells(_row(html, "MHS78")) == [
        "MHS78", "Discharges eligible for 72 hour follow up Unit: discharges",
        "Month 1 Apr 2025 \u2013 30 Apr 2025", "Provisional", "25", "23", ""]
    assert _cells(_row(html, "MHS79"))[4:6] == ["* (suppressed)", "3"]
    assert _cells(_row(html, "MHS80"))[4:6] == ["* (suppressed)", "13.04"]
    los = _cells(_row(html, "MHS140a"))
    assert los[2] == "Rolling quarter 1 Feb 2025 \u2013 30 Apr 2025"
    assert los[4:6] == ["36", "35.50"]
    assert _cells(_row(html, "MHS01"))[4:6] == ["1235", "1,234"]
    # OAPs: as receiving provider and as sending provider
    assert _cells(_row(html, "OAP01", "Sending Provider"))[0] == "OAP01 as sending provider"
    rxb = (internal / "national_RXB.html").read_text()
    assert 'data-measure="OAP01" data-breakdown="Provider"' in rxb
    assert 'data-breakdown="Sending Provider"' not in rxb
    # a sparkline of the exact values over the 14 months loaded
    spark = re.search(r'<svg class="sparkline"[^>]*data-points="(\d+)"[^>]*aria-label="([^"]+)"',
                      _row(html, "MHS78"))
    assert spark and spark.group(1) == "14"
    assert spark.group(2).startswith("Trend of MHS78: 14 months, Mar 24 30 to Apr 25 23")
    # the note: the national basis and where the national CSVs are
    assert "computed from each month\u2019s own submission as NHS England does" in html
    assert ('<a href="../csv/national/national_measures_2025-04.csv"><code>'
            "csv/national/national_measures_2025-04.csv</code></a>") in html
    assert "Exact value: unrounded, internal publication only" in html
    # the page is not filtered by provider (no data-provider in the content)
    assert "data-provider=" not in html.split('<main id="main"')[1]


def test_locality_tables_and_no_wards(internal: Path) -> None:
    html = (internal / "national_RXA.html").read_text()
    tables = re.findall(r'<details class="national-localities">(.*?)</details>', html, re.S)
    assert len(tables) == 4
    assert "<caption>72-hour follow-up by locality, North Moor NHS Foundation Trust (RXA), " \
           "Apr 2025: published value and exact value</caption>" in tables[1]
    assert re.findall(r'<th scope="col">([^<]+)</th>', tables[1]) == [
        "ID", "Northfield", "Riverside"]
    row = re.search(r'<tr><th scope="row">MHS78</th>(.*?)</tr>', tables[1]).group(1)
    # half of the provider's 23: 11.5 -> '10'
    assert _cells(row) == ["10 exact 11.50", "10 exact 11.50"]
    assert "RXA-L1-W1" not in html
    assert "Ward breakdowns (<code>Provider; Ward</code>) are not shown here" in html


def test_definition_on_hover_and_focus(internal: Path) -> None:
    html = (internal / "national_RXA.html").read_text()
    m = re.search(r'<span class="nat-name" tabindex="0" aria-describedby="(def-MHS140-Provider)"'
                  r'>People discharged from adult acute beds aged 18 to 64</span>'
                  r'<div class="nat-tip" role="tooltip" id="(def-MHS140-Provider)">(.*?)</div>',
                  html, re.S)
    assert m and m.group(1) == m.group(2)
    tip = m.group(3)
    assert "<b>Definition:</b> Definition of MHS140." in tip
    assert "<b>Filter:</b> acute_bed = &#x27;Adult Acute&#x27;" in tip
    assert "<b>Aggregate:</b> count_distinct person_key" in tip
    assert f"<b>National source:</b> {SOURCE} (MHS140)" in tip
    css = (internal / "static" / "dashboard.css").read_text()
    assert ".nat-def:hover .nat-tip, .nat-def:focus-within .nat-tip { display: block; }" in css


def test_public_page_shows_published_values_only(public: Path) -> None:
    html = (public / "national_RXA.html").read_text()
    assert "Exact value" not in html and "exact " not in html
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", html).group(1)
    assert re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', head) == [
        "ID", "Measure", "Window", "Status", "Published value", "Trend"]
    assert _cells(_row(html, "MHS78"))[4:] == ["25", ""]
    assert _cells(_row(html, "MHS79"))[4] == "* (suppressed)"
    assert _cells(_row(html, "MHS140a"))[4] == "36"
    row = _row(html, "MHS01")
    assert _cells(row)[4] == "1235" and "1,234" not in row and "1234" not in row
    assert "35.50" not in html and "13.04" not in html
    # trend of the published values: MHS79 is '*' in the latest month, a gap
    spark = re.search(r'data-points="(\d+)"[^>]*aria-label="([^"]+)"', _row(html, "MHS79"))
    assert spark.group(1) == "13" and "to Mar 25 25" in spark.group(2)
    assert "zero values are not published" in html
    # no national CSV in this publish folder: named, not linked
    assert "<code>csv/national/national_measures_2025-04.csv</code>" in html
    assert 'href="../csv/' not in html


@pytest.mark.parametrize("measures,measure_catalogue", [(False, False), (True, False),
                                                         (False, True)])
def test_no_page_without_the_tables(tmp_path: Path, measures: bool,
                                    measure_catalogue: bool) -> None:
    site = build_with_national(tmp_path, measures=measures, measure_catalogue=measure_catalogue)
    assert not list(site.glob("national_*.html"))
    index = (site / "index.html").read_text()
    assert "National measures" not in index and "national-link" not in index


# ---- headless Chromium ---------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "dashboard"
# after the page's own scripts: focus the first measure name, record whether its tooltip shows
FOCUS_PROBE = ("<script>window.addEventListener('load',function(){var n=document.querySelector("
               "'.nat-name');n.focus();var t=document.getElementById(n.getAttribute("
               "'aria-describedby'));document.documentElement.setAttribute('data-tip',"
               "getComputedStyle(t).display);});</script></body>")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed: make chromium")
def test_national_page_in_chromium(internal: Path, tmp_path: Path) -> None:
    from .test_browser import _dom, _finish, _html_attr, _start

    probe = internal / "focus_probe.html"
    probe.write_text((internal / "national_RXA.html").read_text().replace(
        "</body>", FOCUS_PROBE))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot, focus_shot = ARTIFACTS / "national_RXA.png", ARTIFACTS / "national_RXA_focus.png"
    uri = internal.as_uri()
    runs = {
        "dom": _start("nat_dom", f"{uri}/national_RXA.html", tmp_path, ["--dump-dom"]),
        "probe": _start("nat_probe", probe.as_uri(), tmp_path, ["--dump-dom"]),
        "shot": _start("nat_shot", f"{uri}/national_RXA.html", tmp_path,
                       [f"--screenshot={shot}", "--window-size=1400,2200"]),
        "focus": _start("nat_focus", probe.as_uri(), tmp_path,
                        [f"--screenshot={focus_shot}", "--window-size=1400,900"]),
    }
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
    assert _html_attr(dom, "data-js") == "ready"
    assert _html_attr(dom, "data-js-errors") == "0"
    assert _html_attr(dom, "data-css") == "loaded"
    # 8 rows (7 measures, OAP01 twice) with a sparkline each
    assert _html_attr(dom, "data-charts") == "8"
    assert re.search(r'<form class="filters wrap"[^>]*aria-label', dom)  # form shown, CSS hides
    assert _html_attr(_dom(runs["probe"]), "data-tip") == "block"  # definition on focus
    for run in runs.values():
        assert run.page_requests() == [], run.name
        assert run.proc.returncode == 0, run.stderr[-2000:]
    for path in (shot, focus_shot):
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 20_000

