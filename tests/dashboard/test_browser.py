"""Render the dashboard in headless Chromium, offline: charts drew, the filter works, no
console errors, no request left the machine; screenshots and a PDF are kept in
test-artifacts/dashboard/ for people to look at.

Needs Debian's ``chromium`` (/usr/bin/chromium); skipped with a message without it.
All Chromium runs start together (a fresh profile each) to keep this file fast.
"""

import json
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.config import PROJECT_ROOT, load_settings
from pipelines.dashboard import build_dashboard

from .builder import build_marts
from .offline import non_local_references

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "dashboard"
TIMEOUT = 60
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--disable-extensions", "--disable-default-apps", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0",
    "--hide-scrollbars",
]
# Console output of the page, as Chromium logs it with --enable-logging=stderr.
CONSOLE_PROBLEM = re.compile(
    r"CONSOLE.*|Uncaught.*|.*Failed to load resource.*|.*Not allowed to load local resource.*"
    r"|.*net::ERR_.*")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium not installed: apt-get install -y chromium (make test installs it)",
)


@dataclass
class Run:
    name: str
    url: str
    proc: subprocess.Popen
    netlog: Path
    output: Path | None = None
    stdout: str = ""
    stderr: str = ""

    def console_problems(self) -> list[str]:
        return [m.group(0) for m in CONSOLE_PROBLEM.finditer(self.stderr)]

    def page_requests(self) -> list[str]:
        """URLs of network requests made by the page (not Chromium's own housekeeping)."""
        log = json.loads(_complete_netlog(self.netlog.read_text()))
        types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
        out = []
        for event in log["events"]:
            if types.get(event["type"]) != "URL_REQUEST_START_JOB":
                continue
            p = event.get("params", {})
            if "url" not in p:  # the end of a job logged earlier
                continue
            from_page = (p.get("initiator") != "not an origin"
                         or "file://" in str(p.get("network_isolation_key", "")))
            if from_page:
                out.append(p.get("url", "?"))
        return out


def _complete_netlog(text: str) -> str:
    """A net log cut short (the process ended while writing) still parses."""
    text = text.rstrip()
    if text.endswith("}"):
        return text
    return text.rstrip(",") + "]}"


def _start(name: str, url: str, work: Path, mode: list[str]) -> Run:
    profile = work / f"profile-{name}"
    netlog = work / f"netlog-{name}.json"
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}",
           *mode, url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return Run(name, url, proc, netlog)


def _finish(run: Run) -> Run:
    try:
        run.stdout, run.stderr = run.proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        run.proc.kill()
        run.stdout, run.stderr = run.proc.communicate()
        pytest.fail(f"Chromium took more than {TIMEOUT}s on {run.url}")
    return run


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Build the dashboard and render its pages (and a canary page) in parallel."""
    root = tmp_path_factory.mktemp("browser")
    publish = root / "published"
    build_marts(publish / "marts.duckdb")
    index = build_dashboard(load_settings({"MHP_PUBLISH_DIR": str(publish)}))
    site = index.parent
    # A deliberately bad page: proves the console and network checks can fail.
    canary = root / "canary.html"
    canary.write_text('<!doctype html><html><body><script>console.error("canary error");'
                      "undefinedCanary();</script>"
                      '<img src="https://example.invalid/pixel.png"></body></html>')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # other files (test_a11y.py) write here too
    work = root / "chromium"
    work.mkdir()
    uri = site.as_uri()
    screens = {"index": "index.html", "metric": "metric_occupancy_pct.html"}
    started = time.monotonic()
    runs: dict[str, Run] = {
        "dom_index": _start("dom_index", f"{uri}/index.html", work, ["--dump-dom"]),
        "dom_filtered": _start(
            "dom_filtered", f"{uri}/metric_occupancy_pct.html#provider=RXB&locality=RXB-L1",
            work, ["--dump-dom"]),
        "canary": _start("canary", canary.as_uri(), work, ["--dump-dom"]),
    }
    for name, page in screens.items():
        shot = ARTIFACTS / f"{name}.png"
        runs[f"shot_{name}"] = _start(
            f"shot_{name}", f"{uri}/{page}", work,
            [f"--screenshot={shot}", "--window-size=1400,1800"])
        runs[f"shot_{name}"].output = shot
    pdf = ARTIFACTS / "metric_occupancy_pct.pdf"
    runs["pdf"] = _start("pdf", f"{uri}/metric_occupancy_pct.html", work,
                         [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"])
    runs["pdf"].output = pdf
    for run in runs.values():
        _finish(run)
    elapsed = time.monotonic() - started
    (ARTIFACTS / "README.txt").write_text(
        f"Rendered by tests/dashboard/test_browser.py with {CHROMIUM} in {elapsed:.1f}s.\n"
        f"Source pages: {site}\n")
    for run in runs.values():
        (ARTIFACTS / f"{run.name}.stderr.txt").write_text(run.stderr)
    return runs


def _dom(run: Run) -> str:
    assert run.proc.returncode == 0, run.stderr[-2000:]
    assert run.stdout.lstrip().lower().startswith("<!doctype html>") or "<html" in run.stdout
    return run.stdout


def _html_attr(dom: str, name: str) -> str | None:
    m = re.search(r"<html[^>]*\s" + re.escape(name) + r'="([^"]*)"', dom)
    return m.group(1) if m else None


def test_the_checks_can_fail(rendered: dict[str, Run]) -> None:
    canary = rendered["canary"]
    problems = canary.console_problems()
    assert any("canary error" in p for p in problems), canary.stderr[-2000:]
    assert any("Uncaught ReferenceError" in p for p in problems)
    assert "https://example.invalid/pixel.png" in canary.page_requests()


def test_overview_renders_without_errors(rendered: dict[str, Run]) -> None:
    run = rendered["dom_index"]
    dom = _dom(run)
    assert run.console_problems() == []
    assert _html_attr(dom, "data-js") == "ready"
    assert _html_attr(dom, "data-js-errors") == "0"
    assert _html_attr(dom, "data-css") == "loaded"
    # the filter form appeared and defaulted to the first provider: RXB hidden, RXA shown
    assert '<form class="filters wrap" aria-label' in dom  # no longer hidden
    assert re.search(r'<section class="provider" data-provider="RXA" id="provider-RXA">', dom)
    assert re.search(r'<section class="provider" data-provider="RXB" id="provider-RXB" hidden',
                     dom)
    assert len(re.findall(r"<svg[^>]*data-icon=", dom)) >= 30
    # links to metric pages carry the filter
    assert 'href="metric_occupancy_pct.html#provider=RXA"' in dom


def test_metric_page_charts_drew(rendered: dict[str, Run]) -> None:
    run = rendered["dom_filtered"]  # the metric page (filtered; charts are counted all the same)
    dom = _dom(run)
    assert run.console_problems() == []
    assert _html_attr(dom, "data-js") == "ready"
    assert _html_attr(dom, "data-js-errors") == "0"
    assert _html_attr(dom, "data-css") == "loaded"
    assert _html_attr(dom, "data-charts") == "14"  # 6 SPC + 8 funnel plots
    spc = re.findall(r'<svg class="chart chart-spc" data-chart="spc" data-points="(\d+)"', dom)
    assert len(spc) == 6 and all(int(n) == 14 for n in spc)
    assert len(re.findall(r'<svg class="chart chart-funnel" data-chart="funnel"', dom)) == 8
    assert dom.count('class="point special_cause_concern"') > 0


def test_filter_by_provider_and_locality(rendered: dict[str, Run]) -> None:
    dom = _dom(rendered["dom_filtered"])
    assert _html_attr(dom, "data-filter-provider") == "RXB"
    assert _html_attr(dom, "data-filter-locality") == "RXB-L1"
    assert re.search(r'<section class="provider" data-provider="RXA"[^>]*hidden', dom)
    assert re.search(r'<section class="provider" data-provider="RXB">', dom)
    figures = re.findall(r'<figure class="chart-card" data-provider="RXB"([^>]*)>', dom)
    shown = [f.strip() for f in figures if "hidden" not in f]
    assert shown == ["", 'data-locality="RXB-L1"']  # the provider chart and the locality's
    assert any('data-locality="RXB-L2"' in f and "hidden" in f for f in figures)


def test_no_request_left_the_machine(rendered: dict[str, Run]) -> None:
    for name, run in rendered.items():
        if name != "canary":
            assert run.page_requests() == [], name
    site = Path(rendered["dom_index"].url.removeprefix("file://")).parent
    assert [p for page in site.glob("*.html") for p in non_local_references(page)] == []


def test_screenshots_and_pdf_kept(rendered: dict[str, Run]) -> None:
    for name in ("shot_index", "shot_metric", "pdf"):
        run = rendered[name]
        assert run.proc.returncode == 0, run.stderr[-2000:]
        assert run.console_problems() == [], name
        assert run.output is not None and run.output.exists(), name
        assert run.output.stat().st_size > 20_000, name
    assert (ARTIFACTS / "index.png").read_bytes().startswith(b"\x89PNG")
    assert (ARTIFACTS / "metric_occupancy_pct.pdf").read_bytes().startswith(b"%PDF")
