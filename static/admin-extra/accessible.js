// What Django's admin leaves unnamed or out of reach, mended on every admin page (templates/admin/base_site.html):
// - the two inputs of a date-and-time field sit under one legend with only "Date:" and "Time:" beside them, and a
//   tabular inline's inputs under a column header: each gets an aria-label a screen reader can say;
// - a table wider than the phone scrolls inside a frame the keyboard can reach, instead of widening the page.
"use strict";

(function () {
  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").replace(/[:*]\s*$/, "").trim() : "";
  }

  function labelled(input) {
    return input.hasAttribute("aria-label") || (input.id && document.querySelector('label[for="' + input.id + '"]'))
      || input.closest("label");
  }

  function labelDateTimes(root) {
    root.querySelectorAll("p.datetime").forEach(function (paragraph) {
      var fieldset = paragraph.closest("fieldset, .form-row");
      var legend = fieldset ? text(fieldset.querySelector("legend, label")) : "";
      paragraph.querySelectorAll("input").forEach(function (input) {
        if (labelled(input)) return;
        var before = input.previousSibling;
        var part = before && before.nodeType === Node.TEXT_NODE ? text(before) : "";
        input.setAttribute("aria-label", [legend, part].filter(Boolean).join(" — "));
      });
    });
  }

  function labelInlineCells(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), text);
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, index) {
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (input) {
            // The first header spans the row's "original" cell in Django's tabular inline.
            var header = headers[index - (row.querySelector("td.original") ? 1 : 0)] || headers[index] || "";
            if (!labelled(input) && header) input.setAttribute("aria-label", header);
          });
        });
      });
    });
  }

  function frameWideTables(root) {
    root.querySelectorAll("#content table").forEach(function (table) {
      var parent = table.parentElement;
      if (parent.classList.contains("table-scroll")) return;
      var viewport = document.documentElement.clientWidth;
      if (table.scrollWidth <= parent.clientWidth + 1 && table.getBoundingClientRect().right <= viewport + 1) return;
      var frame = document.createElement("div");
      frame.className = "table-scroll";
      frame.tabIndex = 0;
      frame.setAttribute("role", "region");
      var caption = table.querySelector("caption");
      var heading = caption || table.closest("section, .module, form, div");
      var name = caption ? text(caption) : text(heading && heading.querySelector("h2, h3"));
      frame.setAttribute("aria-label", name || document.title);
      parent.insertBefore(frame, table);
      frame.appendChild(table);
    });
    // Frames the page already scrolls in (the changelist's results, a chart) must be reachable too.
    root.querySelectorAll("#changelist .results, .statistics-chart-frame").forEach(function (frame) {
      if (frame.scrollWidth > frame.clientWidth + 1 && !frame.hasAttribute("tabindex")) {
        frame.tabIndex = 0;
        frame.setAttribute("role", "region");
        frame.setAttribute("aria-label", document.title);
      }
    });
  }

  function mend(root) {
    labelDateTimes(root);
    labelInlineCells(root);
    frameWideTables(root);
  }

  document.addEventListener("DOMContentLoaded", function () { mend(document); });
  document.addEventListener("formset:added", function (event) { mend(event.target.closest(".inline-group") || document); });
})();
