// Sortable tables for the handbook's index pages: click a column heading to sort, again to
// reverse. Rows whose first cell is all bold (totals) stay at the bottom. No dependencies.
(function () {
  function key(cell) {
    var text = cell.textContent.trim();
    var number = parseFloat(text.replace(/[^0-9.\-]/g, ""));
    return /^[0-9.\-]/.test(text) && !isNaN(number) ? number : text.toLowerCase();
  }
  function isTotal(row) {
    var first = row.cells[0];
    return first && first.querySelector("strong") && first.textContent.trim() === first.querySelector("strong").textContent.trim();
  }
  function enable(table) {
    if (table.dataset.hbSortable) return;
    table.dataset.hbSortable = "1";
    Array.prototype.forEach.call(table.tHead ? table.tHead.rows[0].cells : [], function (th, index) {
      th.setAttribute("role", "button");
      th.setAttribute("tabindex", "0");
      th.classList.add("hb-sort");
      function sort() {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var totals = rows.filter(isTotal);
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        rows = rows.filter(function (row) { return !isTotal(row); });
        rows.sort(function (a, b) {
          var x = key(a.cells[index]), y = key(b.cells[index]);
          if (x === y) return 0;
          return (x > y ? 1 : -1) * (ascending ? 1 : -1);
        });
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.concat(totals).forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); } });
    });
  }
  function init() { document.querySelectorAll(".hb-sortable table").forEach(enable); }
  if (typeof document$ !== "undefined") { document$.subscribe(init); }  // Material's instant navigation
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
