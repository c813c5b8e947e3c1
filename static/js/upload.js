// Sends the clip form with a progress bar, and refuses a clip the contest would refuse (clip-check.js) before
// a single byte is sent: as soon as it is picked, and again if the form is sent anyway.
// A clip larger than one chunk goes by resumable upload (resumable-upload.js) where the browser can; a
// smaller one, which a resumable upload would send again whole after a drop anyway, goes with the form in
// one request, documents and all. Without JavaScript the form posts as usual.
(function () {
  "use strict";
  var form = document.getElementById("submission-form");
  if (!form || !window.FormData) { return; }
  var box = document.getElementById("upload-progress");
  var bar = box.querySelector(".progress > div");
  var text = box.querySelector("p.help");
  var clipInput = form.querySelector('input[name="clip"]');

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".field.has-error"), function (field) {
      field.classList.remove("has-error");
      var list = field.querySelector(".errorlist");
      if (list) { list.remove(); }
    });
  }

  function showError(input, message) {
    var field = input.closest(".field");
    var list = field.querySelector(".errorlist") || document.createElement("ul");
    list.className = "errorlist";
    list.innerHTML = "";
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    field.appendChild(list);
    field.classList.add("has-error");
  }

  function clearError(input) {
    var field = input.closest(".field");
    var list = field.querySelector(".errorlist");
    if (list) { list.remove(); }
    field.classList.remove("has-error");
  }

  // The check of the file now picked: a promise of the refusal's message ("" for none).
  var check = null;

  function checkClip(file) {
    if (!check || check.file !== file) {
      check = { file: file, refusal: window.clipCheck ? window.clipCheck(file) : Promise.resolve("") };
    }
    return check.refusal;
  }

  clipInput.addEventListener("change", function () {
    clearError(clipInput);
    var file = clipInput.files[0];
    if (!file) { return; }
    checkClip(file).then(function (refusal) {
      if (refusal && clipInput.files[0] === file) { showError(clipInput, refusal); }
    });
  });

  var checking = false;

  form.addEventListener("submit", function (event) {
    var file = clipInput.files[0];
    if (!file) { return; }
    event.preventDefault();
    if (checking) { return; } // a second tap while the file is read: one upload only
    checking = true;
    checkClip(file).then(function (refusal) {
      checking = false;
      if (refusal) {
        // The same words in the same place as when it was picked: shown once, not added again.
        showError(clipInput, refusal);
        clipInput.focus();
        return;
      }
      send(file);
    });
  });

  function send(file) {
    if (window.resumableUpload && window.resumableUpload.takes(file)) {
      clearErrors();
      window.resumableUpload.start(file, { showError: showError });
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.floor(e.loaded * 100 / e.total);
      bar.style.width = percent + "%";
      bar.parentNode.setAttribute("aria-valuenow", percent);
      // Django's interpolate() leaves a %% as it is.
      text.textContent = interpolate(gettext("Sending: %s%%"), [percent]).replace("%%", "%");
    };
    xhr.onload = function () {
      // Show the page already received (the receipt, with its one-time success message, or the form with
      // its errors) instead of fetching it again; after a redirect the address bar follows it.
      if (xhr.responseURL && xhr.responseURL.split("#")[0] !== window.location.href.split("#")[0]) {
        history.replaceState(null, "", xhr.responseURL);
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    };
    xhr.onerror = function () {
      box.hidden = true;
      showError(clipInput, gettext("The connection was lost while sending. Please try again."));
      form.querySelector('button[type="submit"]').disabled = false;
    };
    box.hidden = false;
    form.querySelector('button[type="submit"]').disabled = true;
    text.textContent = gettext("Sending…");
    xhr.send(new FormData(form));
  }
})();
