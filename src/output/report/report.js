// knocklog report: sortable and filterable tables. The page reads the same without
// this script; it only adds behaviour. No HTML is ever built from text (textContent
// only), so log content stays inert.
(function () {
  "use strict";
  function cellKey(row, i, numeric) {
    var cell = row.cells[i];
    if (!cell) return numeric ? -Infinity : "";
    var v = cell.getAttribute("data-v");
    if (numeric) {
      var n = parseFloat(v !== null ? v : cell.textContent.replace(/[^0-9.\-]/g, ""));
      return isNaN(n) ? -Infinity : n;
    }
    return (v !== null ? v : cell.textContent).toLowerCase();
  }
  function sortBy(table, th, i) {
    var numeric = th.getAttribute("data-type") === "num";
    var asc = th.getAttribute("aria-sort") === "descending" || (th.getAttribute("aria-sort") === null && !numeric);
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) heads[h].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (r, n) { return [cellKey(r, i, numeric), n, r]; });
    keyed.sort(function (a, b) {
      var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
      if (!asc) c = -c;
      return c || a[1] - b[1];
    });
    keyed.forEach(function (k) { body.appendChild(k[2]); });
  }
  function addFilter(table) {
    var box = table.closest(".knocklog-scroll") || table;
    var input = document.createElement("input");
    input.type = "search";
    input.className = "knocklog-filter";
    input.placeholder = "Filter " + (table.getAttribute("aria-label") || "rows").toLowerCase();
    input.setAttribute("aria-label", input.placeholder);
    var shown = document.createElement("span");
    shown.className = "knocklog-count";
    var rows = table.tBodies[0].rows;
    function update() {
      var q = input.value.toLowerCase();
      var n = 0;
      for (var r = 0; r < rows.length; r++) {
        var hit = !q || rows[r].textContent.toLowerCase().indexOf(q) !== -1;
        rows[r].hidden = !hit;
        if (hit) n++;
      }
      shown.textContent = q ? n + " of " + rows.length + " rows" : "";
    }
    input.addEventListener("input", update);
    box.parentNode.insertBefore(input, box);
    box.parentNode.insertBefore(shown, box);
  }
  var tables = document.querySelectorAll("table.knocklog-table");
  Array.prototype.forEach.call(tables, function (table) {
    if (!table.tHead || !table.tBodies[0]) return;
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.setAttribute("data-knocklog-sort", "");
      th.tabIndex = 0;
      th.title = "Sort";
      th.addEventListener("click", function () { sortBy(table, th, i); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, i); }
      });
    });
    if (table.tBodies[0].rows.length > 5) addFilter(table);
  });
  document.documentElement.setAttribute("data-knocklog-script", "ran");
})();
