// The gallery's cards show a picture and a play button (snippets/finalist_poster.html); pressing one puts the
// clip's player in its place and starts it, and pauses any other clip playing on the page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var poster = event.target.closest && event.target.closest("a.finalist-poster[data-preview]");
    if (!poster || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    var video = document.createElement("video");
    video.className = "finalist-player";
    video.controls = true;
    video.playsInline = true;
    video.preload = "auto";
    video.src = poster.dataset.preview;
    video.setAttribute("aria-label", poster.dataset.title || "");
    var picture = poster.querySelector("img");
    if (picture) { video.poster = picture.currentSrc || picture.src; }
    poster.replaceWith(video);
    video.focus();
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () { /* the browser wants a second press */ }); }
  });
  document.addEventListener("play", function (event) {
    document.querySelectorAll("video.finalist-player").forEach(function (other) {
      if (other !== event.target && !other.paused) { other.pause(); }
    });
  }, true);
})();
