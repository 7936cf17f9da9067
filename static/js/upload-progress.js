// Upload progress for forms made by the documentUpload macro
// (templates/documents/_upload-macro.html). An external file because the CSP allows
// no inline script. Without JavaScript, or without htmx, the form posts normally and
// the progress panel stays hidden.
(function () {
  "use strict";

  var FORM = "form[data-upload-progress]";
  // htmx fires htmx:xhr:progress for the upload and then for the download of the
  // answer. The upload comes first, so we follow it until it reaches 100% and ignore
  // what follows; the bar never moves backwards.
  var state = new WeakMap();

  function partsFor(target) {
    var form = target && target.closest ? target.closest(FORM) : null;
    var panel = form && form.querySelector("[data-upload-progress-panel]");
    if (!panel) {
      return null;
    }
    return {
      form: form,
      panel: panel,
      error: form.querySelector("[data-upload-progress-error]"),
      bar: panel.querySelector("progress"),
      status: panel.querySelector("[data-upload-progress-status]")
    };
  }

  function say(parts, text) {
    if (parts.status && parts.status.textContent !== text) {
      parts.status.textContent = text;
    }
  }

  function showError(parts, text) {
    parts.panel.hidden = true;
    if (parts.error) {
      parts.error.querySelector("p").textContent = text;
      parts.error.hidden = false;
    }
  }

  function tooLarge(form) {
    // Spare people a long upload that the server would refuse with a 413 anyway.
    var limit = parseInt(form.getAttribute("data-max-size"), 10);
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j++) {
        if (limit && files[j].size > limit) {
          return true;
        }
      }
    }
    return false;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var parts = partsFor(event.target);
    if (!parts) {
      return;
    }
    if (parts.error) {
      parts.error.hidden = true;
    }
    if (tooLarge(parts.form)) {
      event.preventDefault();
      showError(parts, parts.form.getAttribute("data-too-large-message"));
      return;
    }
    state.set(parts.form, { percent: 0, announced: 0, done: false });
    parts.bar.value = 0;
    parts.bar.textContent = "0%";
    parts.panel.hidden = false;
    say(parts, "Uploading the file");
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var parts = partsFor(event.target);
    var current = parts && state.get(parts.form);
    var detail = event.detail || {};
    if (!current || current.done || !detail.lengthComputable || !detail.total) {
      return;
    }
    var percent = Math.min(100, Math.floor((detail.loaded / detail.total) * 100));
    if (percent < current.percent) {
      return;
    }
    current.percent = percent;
    parts.bar.value = percent;
    parts.bar.textContent = percent + "%";
    if (percent >= 100) {
      current.done = true;
      say(parts, "Upload complete. Checking the file, this may take a moment");
    } else if (percent >= current.announced + 25) {
      // Announce in quarters: a screen reader reading out every percent is noise.
      current.announced = percent - (percent % 25);
      say(parts, "Uploaded " + current.announced + "%");
    }
  });

  function failed(event) {
    var parts = partsFor(event.target);
    if (!parts) {
      return;
    }
    state.delete(parts.form);
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 413) {
      showError(parts, parts.form.getAttribute("data-too-large-message"));
    } else {
      showError(parts, "The file was not uploaded. Check your connection and try again");
    }
  }

  // Answers htmx does not swap (see the layout's responseHandling) and network failures.
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
})();
