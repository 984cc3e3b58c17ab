"""Accessibility and interaction in headless Chromium, offline.

- axe-core (``axe.min.js`` from the ``axe-playwright-python`` wheel, a dev dependency; only
  the script is used, injected into a copy of each page) over every page type: overview,
  headline, metric page at each level (provider, locality, ward, team), national,
  reconciliation and peers pages.
  Fails on serious or critical violations and on any colour-contrast one.
- axe does not judge the contrast of SVG marks, so the chart and icon colours are checked
  here too: 3:1 on white for marks, 4.5:1 for the letters of the icons on their fill.
- Interactions (a11y_probes.js): the table toggle (aria-expanded), a definition on keyboard
  focus that Esc closes, visible focus on every focusable element, the CSV of a chart
  against its table and points, phase labels drawn; links both ways resolve to a page and
  an element on it.
Screenshots go to test-artifacts/dashboard/.
"""

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from pipelines.dashboard.icons import GREY, GREY_TEXT, LIGHT, ORANGE, PURPLE
from pipelines.dashboard.svg import INK, LINE, TARGET

from .test_browser import ARTIFACTS, CHROMIUM, _dom, _finish, _start
from .test_national_page import build_with_national

PAGES = {  # page type -> file
    "overview": "index.html", "headline": "headline_RXA.html",
    "metric_provider": "metric_occupancy_pct.html", "locality": "locality_RXA_RXA-L1.html",
    "ward": "ward_RXA_RXA-L1-W1.html", "team": "team_RXA_RXA-L1-T1.html",
    "national": "national_RXA.html", "reconciliation": "reconciliation_RXA.html",
    "peers": "peers_RXA.html",
}
INTERACT = {"headline": "headline_RXA.html", "ward": "ward_RXA_RXA-L1-W1.html",
            "metric_phases": "metric_occupancy_pct.html",
            "reconciliation": "reconciliation_RXA.html", "peers": "peers_RXA.html"}
SHOTS = {"headline_RXA": ("headline_RXA.html", 1400, 1100),
         "locality_RXA_RXA-L1": ("locality_RXA_RXA-L1.html", 1400, 2400),
         "ward_RXA_RXA-L1-W1": ("ward_RXA_RXA-L1-W1.html", 1400, 2400),
         "metric_phases": ("metric_occupancy_pct.html", 1400, 2600)}
BUDGET = ["--virtual-time-budget=60000"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Chromium not installed: make chromium")


def _axe_script() -> Path:
    return Path(str(resources.files("axe_playwright_python") / "axe.min.js"))


def _probe_copy(site: Path, page: str, name: str, axe: bool) -> Path:
    html = (site / page).read_text()
    html = html.replace('<html lang="en-GB">',
                        f'<html lang="en-GB" data-probe="{"axe" if axe else "interact"}">', 1)
    scripts = ('<script src="axe.min.js"></script>' if axe else "") + \
        '<script src="a11y_probes.js"></script></body>'
    out = site / f"probe_{name}.html"
    out.write_text(html.replace("</body>", scripts, 1))
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("a11y")
    site = build_with_national(root, phases=True, peers_full=True, reconciliation=True)
    shutil.copy(_axe_script(), site / "axe.min.js")
    shutil.copy(Path(__file__).with_name("a11y_probes.js"), site / "a11y_probes.js")
    work = root / "chromium"
    work.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    runs = {}
    for kind, page in PAGES.items():
        probe = _probe_copy(site, page, f"axe_{kind}", axe=True)
        runs[f"axe_{kind}"] = _start(f"axe_{kind}", probe.as_uri(), work,
                                     ["--dump-dom", "--window-size=1400,1000", *BUDGET])
    for kind, page in INTERACT.items():
        probe = _probe_copy(site, page, f"ui_{kind}", axe=False)
        runs[f"ui_{kind}"] = _start(f"ui_{kind}", probe.as_uri(), work,
                                    ["--dump-dom", "--window-size=1400,1000", *BUDGET])
    for name, (page, w, h) in SHOTS.items():
        shot = ARTIFACTS / f"{name}.png"
        runs[f"shot_{name}"] = _start(f"shot_{name}", (site / page).as_uri(), work,
                                      [f"--screenshot={shot}", f"--window-size={w},{h}"])
        runs[f"shot_{name}"].output = shot
    try:
        for run in runs.values():
            _finish(run)
    finally:
        for run in runs.values():
            if run.proc.poll() is None:
                run.proc.kill()
    return {"site": site, "runs": runs}


def _result(rendered: dict, name: str) -> dict:
    run = rendered["runs"][name]
    dom = _dom(run)
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.S)
    assert m, f"{name}: the probe wrote no result; stderr: {run.stderr[-1500:]}"
    text = m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return json.loads(text.replace("&amp;", "&"))


@pytest.mark.parametrize("kind", list(PAGES))
def test_axe_finds_no_serious_violation(rendered: dict, kind: str) -> None:
    result = _result(rendered, f"axe_{kind}")
    assert "error" not in result, result
    assert result["axe"].startswith("4.") and result["rules"] > 50
    bad = [v for v in result["violations"]
           if v["impact"] in ("serious", "critical") or v["id"] == "color-contrast"]
    assert bad == [], json.dumps(bad, indent=1)
    assert rendered["runs"][f"axe_{kind}"].page_requests() == []


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        c = [int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_marks_and_icons_have_enough_contrast(rendered: dict) -> None:
    """Every colour used for a data mark in the charts has 3:1 on white (WCAG 1.4.11); the
    icon letters 4.5:1 on the icon fill (1.4.3)."""
    site = rendered["site"]
    decorative = {"#FFF", "#FFFFFF", "#E8EDEE", "NONE"}  # background, point edges, grid
    seen = set()
    for page in PAGES.values():
        html = (site / page).read_text()
        for svg in re.findall(r'<svg class="(?:chart|sparkline)[^"]*".*?</svg>', html, re.S):
            seen |= {c.upper() for c in re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{3,6}|none)"',
                                                   svg)}
    marks = seen - decorative
    assert {ORANGE.upper(), GREY.upper(), LINE.upper(), INK.upper(), TARGET.upper()} <= marks
    assert {c: round(_contrast(c, "#FFFFFF"), 2) for c in marks
            if _contrast(c, "#FFFFFF") < 3} == {}
    for colour, fill in LIGHT.items():
        text = GREY_TEXT if colour == GREY else colour
        assert _contrast(text, fill) >= 4.5, (text, fill)
        assert _contrast(colour, "#FFFFFF") >= 3, colour
    assert _contrast(PURPLE, LIGHT[PURPLE]) >= 4.5


def test_table_toggle(rendered: dict) -> None:
    ui = _result(rendered, "ui_headline")
    assert ui["toggles"] >= 3 and ui["details_left"] == 0  # every <details> became a button
    closed, opened, again = ui["toggle"]
    assert closed[:2] == ["false", True] and closed[2].startswith("Show table")
    assert opened[:2] == ["true", False] and opened[2].startswith("Hide table") and opened[3] > 10
    assert again == ["false", True]
    # without JavaScript the same table is in a <details> (works natively)
    html = (rendered["site"] / "headline_RXA.html").read_text()
    assert re.search(r'<details class="table-view" id="tv-\d+"><summary>Table view', html)


def test_definition_on_focus_and_esc(rendered: dict) -> None:
    for name in ("ui_headline", "ui_ward", "ui_reconciliation", "ui_peers"):
        d = _result(rendered, name)["definition"]
        assert d["before"] == "none" and d["focused"] == "block", (name, d)
        assert d["escaped"] == "none" and d["refocused"] == "block", (name, d)
        assert d["describedby"] and d["role"] == "tooltip" and d["inViewport"], (name, d)
        assert d["text"].startswith("Definition:"), d


def test_keyboard_focus_is_visible(rendered: dict) -> None:
    for name in ("ui_headline", "ui_ward", "ui_metric_phases", "ui_reconciliation",
                 "ui_peers"):
        ui = _result(rendered, name)
        assert ui["focusable"] > 15 and ui["unfocused"] == [], (name, ui["unfocused"][:5])


def test_csv_matches_the_chart_in_the_browser(rendered: dict) -> None:
    for name in ("ui_ward", "ui_metric_phases"):
        csv = _result(rendered, name)["csv"]
        assert csv["header"].startswith("month,value,mean,lower_process_limit")
        assert csv["rows"] == int(csv["points"]) == csv["tableRows"] == 14, csv
        assert csv["firstMonth"] == "2024-03-01" and csv["firstTableMonth"] == "Mar 2024"
        assert csv["download"].endswith(".csv")


def test_phase_labels_drawn(rendered: dict) -> None:
    labels = _result(rendered, "ui_metric_phases")["phaseLabels"]
    assert len(labels) == 3  # RXA and its two localities
    assert all(text == "New bed management model" and width > 50 for text, width in labels)


def test_links_both_ways_resolve(rendered: dict) -> None:
    """Every link on the rendered drill-down pages reaches a page, and its #anchor an id."""
    site = rendered["site"]
    for name in ("ui_headline", "ui_ward", "ui_metric_phases", "ui_reconciliation",
                 "ui_peers"):
        dom = _dom(rendered["runs"][name])
        hrefs = set(re.findall(r'<a [^>]*href="([^"#:]+\.html)(#[^"]*)?"', dom))
        assert len(hrefs) >= (5 if name == "ui_reconciliation" else 6), name
        for page, anchor in hrefs:
            target = site / page
            assert target.is_file(), (name, page)
            anchor = anchor.split("&")[0] if anchor.startswith(("#m-", "#peer-")) else ""
            if anchor:
                assert f'id="{anchor[1:]}"' in target.read_text(), (name, page, anchor)


def test_screenshots_kept(rendered: dict) -> None:
    for name in SHOTS:
        run = rendered["runs"][f"shot_{name}"]
        assert run.proc.returncode == 0, run.stderr[-1500:]
        assert run.console_problems() == [], name
        assert run.output.read_bytes().startswith(b"\x89PNG") and run.output.stat().st_size > 20_000
