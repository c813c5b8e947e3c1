// The gallery's cards show a picture and a play button (snippets/finalist_poster.html); pressing one puts the
// clip's player in its place and starts it, and pauses any other clip playing on the page.
// A vote button (snippets/audience_vote.html) posts its form in place: the server answers with the card's new
// vote block, or a refusal to show in it. Without this script the form posts and the page comes back.
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
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.vote-form") || !window.fetch) { return; }
    event.preventDefault();
    var block = form.closest(".audience-vote");
    var button = form.querySelector("button");
    if (button.disabled) { return; }
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      if (result.answer.html) {
        var holder = document.createElement("div");
        holder.innerHTML = result.answer.html;
        var fresh = holder.querySelector(".audience-vote");
        block.replaceWith(fresh);
        var next = fresh.querySelector("button, a");
        if (next) { next.focus(); }
        if (!result.ok) { fresh.classList.add("refused"); }
      }
    }).catch(function () {
      // Offline or an answer that is not ours: the form posts as if there were no script.
      form.submit();
    });
  });
})();
