/* Reports how far the student played the lesson's video or audio.
   Events go to a queue in localStorage first, then to the server in small debounced batches;
   when the link is down they stay queued and leave when it returns (the "online" event, the
   next page load, or the next play). Each event has its own id, so a batch that reached the
   server but whose answer got lost is sent again safely: the server counts it once. */
(function () {
  "use strict";
  var article = document.querySelector("article[data-lesson-id]");
  if (!article) { return; }
  var lessonId = parseInt(article.getAttribute("data-lesson-id"), 10);
  var url = article.getAttribute("data-progress-url");
  var csrf = article.getAttribute("data-csrf");
  var statusBox = document.getElementById("progress-status");
  var KEY = "pap-progress-queue";
  var REPORT_EVERY = 5; // seconds of playback between two position events
  var DEBOUNCE_MS = 2000;
  var BATCH = 100;
  var timer = null;
  var sending = false;

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    try { window.localStorage.setItem(KEY, JSON.stringify(queue.slice(-2000))); } catch (e) { /* full: keep going */ }
  }

  function enqueue(event) {
    var queue = load();
    queue.push(event);
    save(queue);
    schedule(DEBOUNCE_MS);
  }

  function schedule(delay) {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(flush, delay);
  }

  function flush() {
    timer = null;
    if (sending) { return; }
    var queue = load();
    if (!queue.length) { return; }
    if (navigator.onLine === false) {
      say("Sin conexión: guardamos su avance en este teléfono y lo enviaremos cuando vuelva la conexión.");
      return;
    }
    var batch = queue.slice(0, BATCH);
    sending = true;
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ events: batch })
    }).then(function (response) {
      sending = false;
      // 422: an event the server will never accept; drop it rather than block the queue.
      if (response.ok || response.status === 422) {
        var sent = {};
        batch.forEach(function (e) { sent[e.id] = true; });
        save(load().filter(function (e) { return !sent[e.id]; }));
        if (response.ok) { say("Su avance quedó guardado."); }
        if (load().length) { schedule(0); }
      } else {
        say("No pudimos guardar su avance todavía; lo intentaremos de nuevo.");
        schedule(15000);
      }
    }).catch(function () {
      sending = false;
      say("Sin conexión: guardamos su avance en este teléfono y lo enviaremos cuando vuelva la conexión.");
    });
  }

  function track(player) {
    var last = null; // the last currentTime seen while playing
    var watched = 0; // seconds played since the last report
    var reportedAt = -1;

    function report() {
      var duration = player.duration;
      if (!isFinite(duration) || duration <= 0) { return; }
      enqueue({
        id: newId(),
        lesson: lessonId,
        type: "position",
        at: new Date().toISOString(),
        position_seconds: Math.min(player.currentTime, duration),
        duration_seconds: duration,
        watched_seconds: Math.round(watched * 10) / 10
      });
      watched = 0;
      reportedAt = player.currentTime;
    }

    player.addEventListener("timeupdate", function () {
      var now = player.currentTime;
      if (last !== null && !player.paused && now > last && now - last < 2) { watched += now - last; }
      last = now;
      if (Math.abs(now - reportedAt) >= REPORT_EVERY) { report(); }
    });
    player.addEventListener("seeking", function () { last = null; });
    player.addEventListener("pause", report);
    player.addEventListener("ended", report);
  }

  Array.prototype.forEach.call(article.querySelectorAll("video[data-asset-id], audio[data-asset-id]"), track);
  window.addEventListener("online", function () { schedule(0); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  schedule(0);
})();
