// Checks a picked clip against the contest's rules before a byte is sent: its size, its format by the file
// name's ending, and its duration as the browser reads it from the file's own header (a <video> element
// loading only the metadata). The limits and the words come from the server (forms.clip_rules, in the page
// as the JSON of #clip-rules), so a refusal here reads as the server's would. What the browser cannot read
// (HEVC in a MOV on some browsers, a file of an unknown kind) is not refused here: the server decides.
// upload.js asks `window.clipCheck(file)`, a promise of the refusal's message, or "" for none.
(function () {
  "use strict";
  var source = document.getElementById("clip-rules");
  if (!source) { return; }
  var rules = JSON.parse(source.textContent);
  // The browser's reading of a duration and FFmpeg's may differ by a frame or two: near a limit, the server
  // decides, rather than a good clip being refused here.
  var DURATION_MARGIN = 0.5;
  // A file whose metadata has not come by then is left to the server.
  var METADATA_WAIT = 10000;

  // Python's "%(name)s", "%(name)d" and "%(name)02d", as the server's templates have them.
  function format(template, values) {
    return template.replace(/%\((\w+)\)(0?)(\d*)([sd])/g, function (whole, name, zero, width, kind) {
      var text = String(values[name]);
      while (zero && text.length < Number(width)) { text = "0" + text; }
      return text;
    });
  }

  // Python's round(): halves go to the even neighbour.
  function roundHalfEven(value) {
    var rounded = Math.round(value);
    return Math.abs(value % 1) === 0.5 && rounded % 2 ? rounded - 1 : rounded;
  }

  function decimal(value) {
    return (Math.round(value * 10) / 10).toFixed(1).replace(".", rules.decimal_separator);
  }

  function grouped(value) {
    var digits = String(value);
    var groups = [];
    var size = rules.number_grouping || 3;
    while (digits.length > size) {
      groups.unshift(digits.slice(-size));
      digits = digits.slice(0, -size);
    }
    groups.unshift(digits);
    return groups.join(rules.thousand_separator);
  }

  // Django's filesizeformat: one decimal, the unit after a space that does not break.
  function fileSize(bytes) {
    var text;
    if (bytes < 1024) {
      text = format(bytes === 1 ? rules.sizes.byte : rules.sizes.bytes, { size: bytes });
    } else {
      var unit = 0;
      var value = bytes / 1024;
      while (value >= 1024 && unit < rules.sizes.units.length - 1) {
        value /= 1024;
        unit += 1;
      }
      text = rules.sizes.units[unit].replace("%s", decimal(value));
    }
    return text.replace(/ /g, "\u00a0");
  }

  function exactSize(bytes) {
    return format(rules.sizes.exact, { size: fileSize(bytes), bytes: grouped(bytes) });
  }

  // media.probe.format_duration: "2,5 s" under ten seconds, "1 min 05 s", "1 h 02 min".
  function duration(seconds) {
    seconds = Math.max(seconds, 0);
    if (seconds < 10 && seconds % 1) {
      var tenths = roundHalfEven(seconds * 10) / 10;
      if (tenths % 1) { return format(rules.durations.seconds, { seconds: decimal(tenths) }); }
    }
    var total = roundHalfEven(seconds);
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var secs = total % 60;
    var values = { hours: hours, minutes: minutes, seconds: secs };
    if (hours) {
      return format(secs ? rules.durations.hours_minutes_seconds : minutes ? rules.durations.hours_minutes : rules.durations.hours, values);
    }
    if (minutes) {
      return format(secs ? rules.durations.minutes_seconds : rules.durations.minutes, values);
    }
    return format(rules.durations.seconds, values);
  }

  function sizeRefusal(file) {
    if (file.size <= rules.max_size) { return ""; }
    var shown = fileSize(file.size);
    var largest = fileSize(rules.max_size);
    if (shown === largest) {
      // Rounded, a clip a little over the limit reads as the limit itself: the exact counts differ.
      shown = exactSize(file.size);
      largest = exactSize(rules.max_size);
    }
    return format(rules.messages.too_large, { size: shown, max: largest });
  }

  function formatRefusal(file) {
    var ending = file.name.lastIndexOf(".") > 0 ? file.name.split(".").pop().toLowerCase() : "";
    var container = rules.extensions[ending];
    if (!container || rules.accepted.indexOf(container) >= 0) { return ""; }
    return format(rules.messages.format, { format: container.toUpperCase() });
  }

  function readDuration(file) {
    return new Promise(function (resolve) {
      var video = document.createElement("video");
      var address = URL.createObjectURL(file);
      var timer = null;
      function done(seconds) {
        clearTimeout(timer);
        video.removeAttribute("src");
        video.load();
        URL.revokeObjectURL(address);
        resolve(seconds);
      }
      timer = setTimeout(function () { done(null); }, METADATA_WAIT);
      video.preload = "metadata";
      video.muted = true;
      video.addEventListener("loadedmetadata", function () {
        done(isFinite(video.duration) && video.duration > 0 ? video.duration : null);
      });
      video.addEventListener("error", function () { done(null); });
      video.src = address;
    });
  }

  function durationRefusal(seconds) {
    if (seconds === null) { return ""; }
    if (seconds < rules.min_duration - DURATION_MARGIN) {
      // Rounded towards the refusal, as the server does: never a value that looks acceptable.
      return format(rules.messages.duration, { duration: duration(Math.floor(seconds * 10) / 10) });
    }
    if (seconds > rules.max_duration + DURATION_MARGIN) {
      return format(rules.messages.duration, { duration: duration(Math.ceil(seconds)) });
    }
    return "";
  }

  window.clipCheck = function (file) {
    var refusal = sizeRefusal(file) || formatRefusal(file);
    if (refusal) { return Promise.resolve(refusal); }
    return readDuration(file).then(durationRefusal);
  };
})();
