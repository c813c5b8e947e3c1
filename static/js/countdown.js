// Counts down to the submission deadline; the server still decides, on its own clock.
(function () {
  "use strict";
  document.querySelectorAll(".countdown[data-deadline]").forEach(function (box) {
    var deadline = new Date(box.dataset.deadline).getTime() + 1000;
    function field(unit) { return box.querySelector('[data-unit="' + unit + '"]'); }
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      field("days").textContent = Math.floor(left / 86400);
      field("hours").textContent = Math.floor(left % 86400 / 3600);
      field("minutes").textContent = Math.floor(left % 3600 / 60);
      field("seconds").textContent = left % 60;
      if (left > 0) { setTimeout(tick, 1000); }
    }
    tick();
  });
})();
