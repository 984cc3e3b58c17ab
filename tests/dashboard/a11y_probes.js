/* Probes injected (by test_a11y.py) into copies of dashboard pages rendered in headless
 * Chromium. Each writes its result as JSON into <pre id="probe-result">, which the test
 * reads from the dumped DOM. Plain ES5; no network. */
(function () {
  "use strict";

  function done(result) {
    var pre = document.createElement("pre");
    pre.id = "probe-result";
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }

  function all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }

  /* axe-core over the whole page: WCAG 2.0-2.2 A and AA rules plus best practice. */
  function runAxe() {
    var tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
    window.axe.run(document, {runOnly: {type: "tag", values: tags},
                              resultTypes: ["violations"]}).then(function (r) {
      done({axe: window.axe.version, rules: r.passes.length + r.violations.length +
            r.incomplete.length + r.inapplicable.length,
            violations: r.violations.map(function (v) {
              return {id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                      targets: v.nodes.slice(0, 5).map(function (n) {
                        return n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 300);
                      })};
            })});
    }, function (e) { done({error: String(e)}); });
  }

  /* Interactions: the table toggle, a definition on focus (Esc closes it), keyboard focus
   * visible on every focusable element, the CSV of a chart against its table and points. */
  function interact() {
    var out = {};
    var button = document.querySelector("button.table-toggle");
    out.toggles = all("button.table-toggle").length;
    out.details_left = all("details.table-view").length;
    if (button) {
      var box = document.getElementById(button.getAttribute("aria-controls"));
      out.toggle = [[button.getAttribute("aria-expanded"), box.hidden, button.textContent]];
      button.click();
      out.toggle.push([button.getAttribute("aria-expanded"), box.hidden, button.textContent,
                       box.querySelectorAll("tbody tr").length]);
      button.click();
      out.toggle.push([button.getAttribute("aria-expanded"), box.hidden]);
    }
    var def = document.querySelector(".nat-def");
    if (def) {
      var name = def.querySelector(".nat-name");
      var tip = def.querySelector(".nat-tip");
      var before = getComputedStyle(tip).display;
      name.focus();
      var focused = getComputedStyle(tip).display;
      var r = tip.getBoundingClientRect();
      document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
      var escaped = getComputedStyle(tip).display;
      name.blur();
      name.focus();
      out.definition = {before: before, focused: focused, escaped: escaped,
                        refocused: getComputedStyle(tip).display,
                        describedby: name.getAttribute("aria-describedby") === tip.id,
                        role: tip.getAttribute("role"), text: tip.textContent.slice(0, 80),
                        inViewport: r.top >= 0 && r.bottom <= window.innerHeight + 1};
      name.blur();
    }
    var unfocused = [];
    var focusable = all("a[href], button, summary, select, [tabindex]");
    focusable.slice(0, 400).forEach(function (el) {
      // hidden, or inside a closed <details> but not its summary (not reachable by keyboard
      // until opened)
      var closed = el.closest("details:not([open])");
      var summary = el.closest("summary");
      if (el.offsetParent === null ||
          (closed && !(summary && summary.parentNode === closed))) { return; }
      el.focus();
      var s = getComputedStyle(el);
      var visible = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) ||
                    s.boxShadow !== "none";
      if (!visible) { unfocused.push(el.outerHTML.slice(0, 120)); }
      el.blur();
    });
    out.focusable = focusable.length;
    out.unfocused = unfocused;
    var card = document.querySelector("figure.chart-card");
    if (card) {
      var link = card.querySelector("a.csv-link");
      var text = decodeURIComponent(link.getAttribute("href").split(",").slice(1).join(","));
      var lines = text.replace(/^\ufeff/, "").trim().split("\r\n");
      var svg = card.querySelector("svg[data-chart]");
      var cells = all("#" + card.querySelector(".table-data, details.table-view").id +
                      " tbody tr").map(function (tr) { return tr.firstChild.textContent; });
      out.csv = {header: lines[0], rows: lines.length - 1, points: svg.getAttribute("data-points"),
                 tableRows: cells.length, download: link.getAttribute("download"),
                 firstMonth: lines[1].split(",")[0], firstTableMonth: cells[0]};
    }
    var phases = all("g.phase-break text");
    out.phaseLabels = phases.map(function (t) { return [t.textContent, t.getBBox().width]; });
    done(out);
  }

  window.addEventListener("load", function () {
    // after dashboard.js (deferred) has run
    setTimeout(function () {
      if (document.documentElement.getAttribute("data-probe") === "axe") { runAxe(); }
      else { interact(); }
    }, 50);
  });
})();
