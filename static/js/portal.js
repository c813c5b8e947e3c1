// Behaviour every public page shares, kept out of the HTML so the Content-Security-Policy can forbid inline
// script: the language menu applies on change, a form with data-confirm asks before it is sent, and a field
// with data-select-on-focus (a link to copy) selects itself.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("input[data-select-on-focus]")) {
      field.select();
    }
  });
})();
