// The register's keyboard help (no inline scripts: CSP). "/" focuses the search box;
// j/k or ↓/↑ move through the results (table rows or timeline entries); Enter opens the
// current row. Tablets: rows are links anyway.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function rows() {
    var list = document.querySelector("[data-results]");
    if (!list) return [];
    return Array.prototype.slice.call(list.querySelectorAll("tbody tr, li"));
  }
  var current = -1;
  function move(step) {
    var all = rows();
    if (!all.length) return;
    if (current >= 0 && all[current]) all[current].classList.remove("current");
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all[current].classList.add("current");
    all[current].scrollIntoView({ block: "nearest" });
    var link = all[current].querySelector("a");
    if (link) link.focus({ preventScroll: true });
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (event.key === "/" && !typing(target)) {
      var box = document.querySelector("[data-search]") || document.querySelector("main input:not([type=hidden])");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (typing(target)) {
      if (event.key === "ArrowDown" && target.hasAttribute("data-search") && rows().length) { event.preventDefault(); target.blur(); move(1); }
      return;
    }
    if (event.key === "j" || event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "k" || event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter" && current >= 0) {
      var row = rows()[current];
      var href = row && (row.getAttribute("data-href") || (row.querySelector("a") || {}).href);
      if (href) { event.preventDefault(); window.location.href = href; }
    }
  });
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("tr[data-href]");
    if (row && !event.target.closest("a, button, input, select, textarea")) window.location.href = row.getAttribute("data-href");
  });
})();
