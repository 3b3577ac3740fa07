// Polls the import job and moves the progress bar; reloads the page once the job has ended so
// the outcome (or the errors) is shown. Without JavaScript a <noscript> refresh does the same.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  var phase = document.getElementById("import-phase");
  var percent = document.getElementById("import-percent");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 3000); return; }
        bar.value = data.progress;
        bar.textContent = data.progress + " %";
        percent.textContent = data.progress;
        phase.textContent = data.phase || data.status_label;
        if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
