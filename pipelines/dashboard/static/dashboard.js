/* Provider / locality filter for the dashboard. Plain ES5, no network, no libraries.
 *
 * Without JavaScript every provider and locality stays visible (the filter form is
 * hidden). With it, the form appears, elements carrying data-provider / data-locality
 * are shown or hidden, and the choice is kept in the URL hash (#provider=X&locality=Y)
 * and carried over to the links between pages.
 */
(function () {
  "use strict";
  var root = document.documentElement;

  function all(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }

  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2 && kv[0]) {
        out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]);
      }
    });
    return out;
  }

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function init() {
    var dataEl = document.getElementById("filter-data");
    var form = document.querySelector("form.filters");
    var provSel = document.getElementById("filter-provider");
    var locSel = document.getElementById("filter-locality");
    if (!dataEl || !form || !provSel || !locSel) {
      root.setAttribute("data-js", "ready");
      return;
    }
    var data = JSON.parse(dataEl.textContent);
    var providers = data.providers || [];
    var byCode = {};
    providers.forEach(function (p) { byCode[p.code] = p; });

    provSel.appendChild(option("", "All providers"));
    providers.forEach(function (p) { provSel.appendChild(option(p.code, p.name)); });

    function fillLocalities(provider, wanted) {
      while (locSel.firstChild) { locSel.removeChild(locSel.firstChild); }
      locSel.appendChild(option("", "All localities"));
      var p = byCode[provider];
      if (p) {
        p.localities.forEach(function (l) { locSel.appendChild(option(l.code, l.name)); });
      }
      locSel.disabled = !p;
      locSel.value = p && wanted ? wanted : "";
      if (locSel.value !== (wanted || "")) { locSel.value = ""; }
    }

    function apply() {
      var provider = provSel.value;
      var locality = locSel.value;
      all("main [data-provider], main [data-locality]").forEach(function (el) {
        var p = el.getAttribute("data-provider");
        var l = el.getAttribute("data-locality");
        var hide = (provider && p !== null && p !== provider) ||
                   (locality && l !== null && l !== "" && l !== locality);
        el.hidden = !!hide;
      });
      var hash = "provider=" + encodeURIComponent(provider) +
                 (locality ? "&locality=" + encodeURIComponent(locality) : "");
      if (history.replaceState) {
        history.replaceState(null, "", "#" + hash);
      }
      all("a[href]").forEach(function (a) {
        var href = a.getAttribute("href");
        if (/^(index|metric_[^/]*)\.html(#.*)?$/.test(href)) {
          a.setAttribute("href", href.replace(/#.*$/, "") + "#" + hash);
        }
      });
      root.setAttribute("data-filter-provider", provider);
      root.setAttribute("data-filter-locality", locality);
    }

    var state = readHash();
    var first = providers.length ? providers[0].code : "";
    var provider = ("provider" in state) ? state.provider : first;
    if (provider && !byCode[provider]) { provider = first; }
    provSel.value = provider;
    fillLocalities(provider, state.locality);

    provSel.addEventListener("change", function () {
      fillLocalities(provSel.value, "");
      apply();
    });
    locSel.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
    root.setAttribute("data-js", "ready");
  }

  function checkCss() {
    var v = window.getComputedStyle(root).getPropertyValue("--dash-css");
    root.setAttribute("data-css", String(v).trim() === "1" ? "loaded" : "missing");
  }

  /* Table views: a <details> without JavaScript; with it, a button that says whether the
   * table is shown (aria-expanded) and controls it (aria-controls). */
  function tableToggles() {
    all("details.table-view").forEach(function (d) {
      var summary = d.querySelector("summary");
      var region = d.querySelector(".table-scroll");
      if (!summary || !region) { return; }
      var label = summary.textContent.replace(/^Table view\s*/, "");
      var box = document.createElement("div");
      box.className = "table-data";
      box.id = d.id;
      box.hidden = true;
      box.appendChild(region);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "table-toggle";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", box.id);
      button.innerHTML = 'Show table<span class="visually-hidden"></span>';
      button.lastChild.textContent = " " + label;
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", open ? "false" : "true");
        button.firstChild.textContent = open ? "Show table" : "Hide table";
        box.hidden = open;
      });
      d.parentNode.insertBefore(button, d);
      d.parentNode.replaceChild(box, d);
    });
    root.setAttribute("data-table-toggles", String(all("button.table-toggle").length));
  }

  /* Definitions on hover and focus (.nat-def): shown by CSS; here they are placed in the
   * viewport (so a scrolling table cannot clip them) and Esc dismisses them (WCAG 1.4.13)
   * until the pointer or focus leaves. */
  function definitions() {
    function place(def) {
      var tip = def.querySelector(".nat-tip");
      var name = def.querySelector(".nat-name");
      if (!tip || !name) { return; }
      var r = name.getBoundingClientRect();
      tip.style.position = "fixed";
      tip.style.left = Math.max(4, Math.min(r.left, window.innerWidth - 420)) + "px";
      var below = window.innerHeight - r.bottom;
      if (below < 220 && r.top > below) {
        tip.style.top = "auto";
        tip.style.bottom = (window.innerHeight - r.top + 4) + "px";
      } else {
        tip.style.bottom = "auto";
        tip.style.top = (r.bottom + 4) + "px";
      }
    }
    all(".nat-def").forEach(function (def) {
      def.addEventListener("mouseenter", function () { place(def); });
      def.addEventListener("focusin", function () { place(def); });
      def.addEventListener("mouseleave", function () { def.removeAttribute("data-dismissed"); });
      def.addEventListener("focusout", function () { def.removeAttribute("data-dismissed"); });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" && e.key !== "Esc") { return; }
      all(".nat-def").forEach(function (def) {
        if (def.matches(":hover") || def.contains(document.activeElement)) {
          def.setAttribute("data-dismissed", "");
        }
      });
    });
    window.addEventListener("scroll", function () {
      all(".nat-def").forEach(function (def) {
        if (def.matches(":hover") || def.contains(document.activeElement)) { place(def); }
      });
    }, { passive: true });
  }

  window.addEventListener("beforeprint", function () {
    all("details").forEach(function (d) { d.open = true; });
  });

  function start() {
    checkCss();
    root.setAttribute("data-charts", String(all("svg[data-chart]").length));
    tableToggles();
    definitions();
    init();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
