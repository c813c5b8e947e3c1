// A page showing a clip whose preview is being made (data-media-state="processing", inside an element with
// data-media-url) asks the server now and then how its clips stand, and reloads once one has changed: the
// entrant sees the preview, or the reason it failed, without pressing anything. It asks less and less often
// and gives up after an hour; a reload starts again.
(function () {
  "use strict";
  var holder = document.querySelector("[data-media-url]");
  if (!holder || !window.fetch) { return; }
  var waiting = Array.prototype.map.call(
    holder.querySelectorAll('[data-media-state="processing"][data-code]'),
    function (element) { return element.dataset.code; }
  );
  if (!waiting.length) { return; }
  var delay = 5000;
  var started = Date.now();

  function ask() {
    fetch(holder.dataset.mediaUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (states) {
        if (states && waiting.some(function (code) { return states[code] && states[code] !== "processing"; })) {
          window.location.reload();
          return;
        }
        later();
      }, later);
  }

  function later() {
    delay = Math.min(delay * 1.5, 60000);
    if (Date.now() - started < 3600 * 1000) { setTimeout(ask, delay); }
  }

  setTimeout(ask, delay);
})();
