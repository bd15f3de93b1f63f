// Behaviour every staff page may use, kept out of the markup (the Content-Security-Policy allows no inline script,
// style attribute or event handler):
// - [data-confirm="question"] on a button or link: asks before it acts;
// - [data-width="42"] on a bar: its width in percent (set through the CSSOM, which the policy allows);
// - [data-depth][data-min-depth] on a tree row's cell: the custom property --indent, its depth below the shallowest.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (target && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.querySelectorAll("[data-width]").forEach(function (bar) {
    var pct = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0));
    bar.style.width = pct + "%";
  });
  document.querySelectorAll("[data-depth][data-min-depth]").forEach(function (cell) {
    cell.style.setProperty("--indent", String(Number(cell.dataset.depth) - Number(cell.dataset.minDepth)));
  });
})();
