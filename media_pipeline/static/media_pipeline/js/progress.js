/* Live progress of media jobs in the admin: polls the media API every 2 s for the assets on
   the page that are not finished and updates their bar, status, ETA and queue position in
   place (no page reload). Self-hosted, no dependencies. */
(function () {
  "use strict";
  var script = document.getElementById("media-progress-script");
  if (!script || !window.fetch) return;
  var apiUrl = script.getAttribute("data-api-url");
  var FINISHED = { ready: true, failed: true };
  var INTERVAL = 2000;

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return "quedan " + seconds + " s";
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) return "quedan " + minutes + " min";
    return "quedan " + Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }

  function pending() {
    var nodes = document.querySelectorAll("[data-media-asset]");
    return Array.prototype.filter.call(nodes, function (el) {
      return !FINISHED[el.getAttribute("data-status")];
    });
  }

  function describe(asset) {
    var parts = [asset.progress + " %"];
    if (asset.status === "transcoding" && asset.eta_seconds !== null) {
      parts.push(formatEta(asset.eta_seconds));
    }
    if (asset.status === "queued" && asset.queue_position) {
      parts.push("posición en la cola: " + asset.queue_position);
    }
    return parts.join(" · ");
  }

  function update(el, asset) {
    var before = el.getAttribute("data-status");
    el.setAttribute("data-status", asset.status);
    var status = el.querySelector("[data-media-status]");
    var bar = el.querySelector("[data-media-progress]");
    var text = el.querySelector("[data-media-text]");
    if (status) status.textContent = asset.status_label;
    if (bar) {
      bar.value = asset.progress;
      bar.textContent = asset.progress + " %";
    }
    if (text) text.textContent = describe(asset);
    if (asset.status === "failed" && !el.querySelector("[data-media-error]")) {
      var error = document.createElement("p");
      error.className = "help-block help-critical";
      error.setAttribute("data-media-error", "");
      error.textContent = asset.error_message + " Recargue la página para reintentar.";
      el.appendChild(error);
    }
    if (FINISHED[asset.status] && before !== asset.status && el.hasAttribute("data-reload-when-done")) {
      window.location.reload();
    }
  }

  function schedule() {
    window.setTimeout(poll, INTERVAL);
  }

  function poll() {
    var elements = pending();
    if (!elements.length) return schedule();
    var byId = {};
    elements.forEach(function (el) { byId[el.getAttribute("data-media-asset")] = el; });
    var url = apiUrl + "?ids=" + encodeURIComponent(Object.keys(byId).join(","));
    window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (data) {
        (data.items || []).forEach(function (asset) {
          var el = byId[String(asset.id)];
          if (el) update(el, asset);
        });
      })
      .catch(function () { /* a dropped request: the next poll tries again */ })
      .then(schedule);
  }

  schedule();
})();
