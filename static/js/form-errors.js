// The summary of a form's errors (snippets/form_errors.html) at the top of a long form: the focus goes to it
// when the page comes back with errors, so a screen reader reads it and a phone shows it; each of its links
// brings its field into view and focuses it, opening the folded part (<details>) it may be in.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) { return; }
    event.preventDefault();
    for (var folded = field.closest("details"); folded; folded = folded.parentElement.closest("details")) {
      folded.open = true;
    }
    // The whole field, its label above the input, in view; then the input itself, without jumping past it.
    (field.closest(".field") || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();
