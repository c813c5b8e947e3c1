// Sends a clip by resumable upload (the tus protocol, with the vendored tus-js-client): in chunks, with a
// progress bar, pause and resume, retries after a network drop, and resuming after a reload or on another
// day when the same file is picked again. upload.js hands a clip over here when `takes(file)` says so.
(function () {
  "use strict";
  var form = document.getElementById("submission-form");
  if (!form || !form.dataset.tusEndpoint || !window.tus || !tus.isSupported || !window.fetch) { return; }

  // 5 MiB (TUS_CHUNK_SIZE) by default: on a 1 Mbit/s mobile uplink one chunk takes about 40 s, so a drop
  // loses at most that much (the server keeps what arrived of a cut chunk, a proxy may not); each PATCH
  // still carries enough that its overhead (headers, a database write) stays far below 1% of the transfer.
  var chunkSize = parseInt(form.dataset.chunkSize, 10) || 5 * 1024 * 1024;
  // Glitches are retried at once, then less and less often; past the list, and whenever the phone says it
  // is offline, the upload waits for the network (waitForNetwork) instead of giving up.
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];
  var RETRY_WHILE_WAITING = 30000;
  // Upload-Metadata travels in one request header, which servers and proxies cap at about 8 KB: a long
  // summary goes in shortened, and the whole of it is saved from the form once the clip is in.
  var SUMMARY_BYTES = 4500;

  var box = document.getElementById("upload-progress");
  var bar = box.querySelector(".progress > div");
  var statusLine = box.querySelector("p.help");
  var controls = box.querySelector(".upload-controls");
  var pauseButton = controls.querySelector('[data-upload-action="pause"]');
  var resumeButton = controls.querySelector('[data-upload-action="resume"]');
  var submitButton = form.querySelector('button[type="submit"]');
  var clipInput = form.querySelector('input[name="clip"]');
  var documentsInput = form.querySelector('input[name="documents"]');
  var resumeNote = document.getElementById("upload-resume-note");
  var language = document.documentElement.lang || undefined;

  var upload = null;
  var outcome = null;
  var lastWasPatch = false;
  var samples = [];
  var waiting = null;
  var paused = false;
  var ui = null;

  function takes(file) {
    return file.size > chunkSize;
  }

  function csrfToken() {
    return form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  }

  // The default fingerprint plus who is logged in: on a shared phone no entrant resumes another's upload.
  function fingerprint(file) {
    return Promise.resolve(
      ["contest-portal", form.dataset.owner, file.name, file.type, file.size, file.lastModified].join("-")
    );
  }

  function latest(previous, file) {
    var matching = previous.filter(function (stored) { return stored.size === file.size; });
    matching.sort(function (a, b) { return new Date(b.creationTime) - new Date(a.creationTime); });
    return matching[0] || null;
  }

  function details() {
    var genre = form.querySelector('input[name="genre"]:checked');
    return {
      title: form.elements.title.value.trim(),
      genre: genre ? genre.value : "",
      summary: form.elements.summary.value.trim(),
    };
  }

  function problems(values) {
    var found = [];
    var title = form.elements.title;
    var summary = form.elements.summary;
    if (!values.title) {
      found.push([title, gettext("Please enter a title.")]);
    } else if (title.maxLength > 0 && values.title.length > title.maxLength) {
      found.push([title, interpolate(gettext("A title may be at most %s characters."), [title.maxLength])]);
    }
    if (!values.genre) {
      found.push([form.querySelector('input[name="genre"]'), gettext("Please choose a genre.")]);
    }
    if (!values.summary) {
      found.push([summary, gettext("Please write a short summary.")]);
    } else if (summary.maxLength > 0 && values.summary.length > summary.maxLength) {
      found.push([summary, interpolate(gettext("A summary may be at most %s characters."), [summary.maxLength])]);
    }
    return found;
  }

  function shortened(text) {
    var encoder = new TextEncoder();
    var characters = Array.from(text);
    while (encoder.encode(characters.join("")).length > SUMMARY_BYTES) {
      characters.length = Math.max(characters.length - 100, 0);
    }
    return characters.join("");
  }

  function formatNumber(value) {
    return new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
  }

  function formatDuration(seconds) {
    seconds = Math.max(Math.round(seconds), 1);
    if (seconds < 60) {
      return interpolate(gettext("%(seconds)s s"), { seconds: seconds }, true);
    }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return interpolate(gettext("%(minutes)s min %(seconds)s s"), { minutes: minutes, seconds: seconds % 60 }, true);
    }
    return interpolate(gettext("%(hours)s h %(minutes)s min"), { hours: Math.floor(minutes / 60), minutes: minutes % 60 }, true);
  }

  function showProgress(sent, total) {
    var now = Date.now();
    if (samples.length && sent < samples[samples.length - 1].bytes) {
      samples = []; // a chunk started again after a drop
    }
    samples.push({ time: now, bytes: sent });
    while (samples.length > 2 && now - samples[0].time > 10000) {
      samples.shift();
    }
    var percent = total ? Math.floor(sent * 100 / total) : 0;
    bar.style.width = percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", percent);
    // Django's interpolate() leaves a %% as it is.
    var text = interpolate(gettext("Sending: %s%%"), [percent]).replace("%%", "%");
    var first = samples[0];
    var rate = now - first.time >= 1000 ? (sent - first.bytes) / ((now - first.time) / 1000) : 0;
    if (rate > 0) {
      text += " · " + interpolate(gettext("%(speed)s MB/s"), { speed: formatNumber(rate / 1e6) }, true);
      text += " · " + interpolate(gettext("about %(time)s left"), { time: formatDuration((total - sent) / rate) }, true);
    }
    statusLine.textContent = text;
  }

  function statusOf(error) {
    return error.originalResponse ? error.originalResponse.getStatus() : 0;
  }

  function isTrouble(error) {
    // No answer, a server error, a wrong offset or a busy upload: asking again will get through. A refusal
    // by the contest's rules (Upload-Refusal, e.g. a 409 for the clip limit) is final.
    var status = statusOf(error);
    if (status && error.originalResponse.getHeader("Upload-Refusal")) { return false; }
    return !status || status >= 500 || status === 409 || status === 423;
  }

  function shouldRetry(error) {
    // Offline, retries would only use up the delays: wait for the network instead.
    return isTrouble(error) && navigator.onLine !== false;
  }

  function messageOf(response, fallback) {
    var type = response.getHeader("Content-Type") || "";
    var body = response.getBody();
    if (type.indexOf("text/plain") === 0 && body) { return body; }
    return fallback || gettext("The server did not accept the upload. Please reload the page and try again.");
  }

  function clearWaiting() {
    if (!waiting) { return; }
    clearTimeout(waiting.timer);
    window.removeEventListener("online", waiting.retry);
    waiting = null;
  }

  function waitForNetwork() {
    clearWaiting();
    statusLine.textContent = navigator.onLine === false
      ? gettext("No network. The upload will go on by itself when the connection is back.")
      : gettext("The connection was lost. Trying again…");
    var retry = function () {
      clearWaiting();
      if (!paused) { upload.start(); }
    };
    waiting = { retry: retry, timer: setTimeout(retry, RETRY_WHILE_WAITING) };
    window.addEventListener("online", retry);
  }

  // The stylesheet gives buttons a display of their own, which would override `hidden`.
  function showButton(button, visible) {
    button.hidden = !visible;
    button.style.display = visible ? "" : "none";
  }

  function busy(on) {
    box.hidden = false;
    controls.hidden = !on;
    showButton(pauseButton, on);
    showButton(resumeButton, false);
    submitButton.disabled = on;
  }

  function stop() {
    clearWaiting();
    bar.parentNode.classList.remove("checking");
    busy(false);
    box.hidden = true;
  }

  function failed(error) {
    if (!error.originalRequest) {
      // Not a network matter (the file could not be read, say): trying again would not help.
      stop();
      ui.showError(clipInput, gettext("The file could not be read. Please choose it again."));
      return;
    }
    if (isTrouble(error)) {
      waitForNetwork();
      return;
    }
    stop();
    ui.showError(clipInput, messageOf(error.originalResponse));
  }

  // After the last byte a worker checks the clip: seconds, a minute for a file of gigabytes. Meanwhile HEAD
  // answers with the whole length and no receipt; then with the receipt, or 410 and the refusal.
  var CHECK_EVERY = 2000;

  function plainMessage(response, text) {
    var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
    return plain && text ? text : gettext("The server did not accept the upload. Please reload the page and try again.");
  }

  function takeOutcome(response) {
    if (!response.headers.get("Upload-Submission")) { return false; }
    outcome = { code: response.headers.get("Upload-Submission"), receipt: response.headers.get("Upload-Receipt") };
    return true;
  }

  function finishOnServer() {
    // The transfer ended on a HEAD (every byte was already in): an empty PATCH asks for the check again, in
    // case the one after the last byte went wrong.
    return fetch(upload.url, {
      method: "PATCH",
      credentials: "same-origin",
      body: "",
      headers: {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": String(upload.file.size),
        "Content-Type": "application/offset+octet-stream",
        "X-CSRFToken": csrfToken(),
      },
    }).then(function (response) {
      if (takeOutcome(response) || response.ok) { return null; }
      return response.text().then(function (text) {
        throw { input: clipInput, message: plainMessage(response, text) };
      });
    });
  }

  function waitForCheck() {
    if (outcome) { return Promise.resolve(); }
    statusLine.textContent = gettext("Every byte is in. Checking the clip, this takes a moment…");
    var again = function () {
      return new Promise(function (resolve) { setTimeout(resolve, CHECK_EVERY); }).then(waitForCheck);
    };
    return fetch(upload.url, {
      method: "HEAD",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Tus-Resumable": "1.0.0" },
    }).then(function (response) {
      if (takeOutcome(response)) { return null; }
      var refusal = response.headers.get("Upload-Refusal");
      if (refusal) { throw { input: clipInput, message: decodeURIComponent(refusal) }; }
      if (response.ok || response.status >= 500) { return again(); }
      throw { input: clipInput, message: plainMessage(response, "") };
    }, again);
  }

  function sendDocuments() {
    if (!documentsInput || !documentsInput.files.length) { return Promise.resolve(); }
    statusLine.textContent = gettext("Sending the documents…");
    var data = new FormData();
    Array.prototype.forEach.call(documentsInput.files, function (file) { data.append("documents", file); });
    var uploadId = upload.url.replace(/\/$/, "").split("/").pop();
    return fetch(form.dataset.documentsUrl.replace(form.dataset.placeholderId, uploadId), {
      method: "POST",
      credentials: "same-origin",
      body: data,
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.ok) { return null; }
      return response.text().then(function (text) {
        var plain = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
        throw {
          input: documentsInput,
          message: interpolate(
            gettext("Your clip %(code)s is received, but the documents are not: %(reason)s Choose them again and press Send to try again."),
            { code: outcome.code, reason: plain ? text : "" },
            true
          ),
        };
      });
    });
  }

  function saveChangedDetails(values, sent) {
    if (values.title === sent.title && values.genre === String(sent.genre) && values.summary === sent.summary) {
      return Promise.resolve();
    }
    // The upload carried the details it was started with (or a shortened summary): save what the form says.
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    data.append("title", values.title);
    data.append("genre", values.genre);
    data.append("summary", values.summary);
    // Not following the redirect leaves the success messages for the receipt page to show.
    return fetch(form.dataset.editUrl.replace(form.dataset.placeholderCode, outcome.code), {
      method: "POST",
      credentials: "same-origin",
      body: data,
      redirect: "manual",
    }).then(function () { return null; }, function () { return null; });
  }

  function finish(values, sent) {
    controls.hidden = true;
    bar.parentNode.classList.add("checking");
    (outcome || lastWasPatch ? Promise.resolve() : finishOnServer())
      .then(waitForCheck)
      .then(function () { statusLine.textContent = gettext("The clip is received."); })
      .then(sendDocuments)
      .then(function () { return saveChangedDetails(values, sent); })
      .then(function () { window.location.assign(outcome.receipt); })
      .catch(function (problem) {
        stop();
        if (outcome) {
          // The clip is in: the button now sends only the documents.
          submitButton.textContent = gettext("Send the documents");
        }
        ui.showError(problem.input || clipInput, problem.message || String(problem));
      });
  }

  function start(file, helpers) {
    ui = helpers;
    var values = details();
    var found = problems(values);
    if (found.length) {
      found.forEach(function (problem) { ui.showError(problem[0], problem[1]); });
      found[0][0].focus();
      return;
    }
    if (outcome) {
      // The clip went in earlier and only the documents failed: send them again.
      busy(true);
      controls.hidden = true;
      finish(values, { title: values.title, genre: values.genre, summary: values.summary });
      return;
    }
    var sent = {
      filename: file.name,
      filetype: file.type || "",
      title: values.title,
      genre: values.genre,
      summary: shortened(values.summary),
    };
    samples = [];
    paused = false;
    upload = new tus.Upload(file, {
      endpoint: form.dataset.tusEndpoint,
      chunkSize: chunkSize,
      retryDelays: RETRY_DELAYS,
      metadata: sent,
      headers: { "X-CSRFToken": csrfToken() },
      fingerprint: fingerprint,
      removeFingerprintOnSuccess: true,
      onShouldRetry: shouldRetry,
      onAfterResponse: function (request, response) {
        lastWasPatch = request.getMethod() === "PATCH" && response.getStatus() === 204;
        if (response.getHeader("Upload-Submission")) {
          outcome = { code: response.getHeader("Upload-Submission"), receipt: response.getHeader("Upload-Receipt") };
        }
      },
      onProgress: showProgress,
      onError: failed,
      onSuccess: function () { finish(values, sent); },
    });
    busy(true);
    statusLine.textContent = gettext("Sending…");
    upload.findPreviousUploads().then(function (previous) {
      var stored = latest(previous, file);
      if (stored) {
        upload.resumeFromPreviousUpload(stored);
        sent = stored.metadata || sent;
      }
      upload.start();
    });
  }

  pauseButton.addEventListener("click", function () {
    paused = true;
    clearWaiting();
    upload.abort();
    showButton(pauseButton, false);
    showButton(resumeButton, true);
    statusLine.textContent = gettext("Paused. Press Resume to go on; what was sent is kept.");
  });

  resumeButton.addEventListener("click", function () {
    paused = false;
    samples = [];
    showButton(resumeButton, false);
    showButton(pauseButton, true);
    statusLine.textContent = gettext("Sending…");
    upload.start();
  });

  // Picking a file sent in part before says so, and brings back the details it was started with.
  clipInput.addEventListener("change", function () {
    resumeNote.hidden = true;
    var file = clipInput.files[0];
    if (!file || !takes(file)) { return; }
    new tus.Upload(file, { endpoint: form.dataset.tusEndpoint, fingerprint: fingerprint })
      .findPreviousUploads()
      .then(function (previous) {
        var stored = latest(previous, file);
        if (!stored) { return; }
        var metadata = stored.metadata || {};
        if (!form.elements.title.value.trim() && metadata.title) { form.elements.title.value = metadata.title; }
        if (!form.elements.summary.value.trim() && metadata.summary) { form.elements.summary.value = metadata.summary; }
        if (!form.querySelector('input[name="genre"]:checked') && metadata.genre) {
          var genre = form.querySelector('input[name="genre"][value="' + metadata.genre + '"]');
          if (genre) { genre.checked = true; }
        }
        resumeNote.textContent = interpolate(
          gettext("You started sending this file on %(date)s; it will go on from where it stopped."),
          { date: new Date(stored.creationTime).toLocaleString(language) },
          true
        );
        resumeNote.hidden = false;
      });
  });

  window.resumableUpload = { takes: takes, start: start };
})();
