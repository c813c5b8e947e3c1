// "Add a co-author" clones the empty form Django renders in a <template> and bumps the formset's count.
(function () {
  "use strict";
  var button = document.getElementById("add-coauthor");
  if (!button) { return; }
  var total = document.getElementById("id_coauthors-TOTAL_FORMS");
  var template = document.getElementById("coauthor-template");
  var list = document.getElementById("coauthors");
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
    list.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    list.lastElementChild.querySelector("input").focus();
  });
})();
