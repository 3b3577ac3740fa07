/* Resumable upload from the admin: starts an upload with the media API, sends the file in
   chunks with Content-Range, and after a dropped connection asks the server for its offset and
   continues from there (waiting longer after each failure). Without JavaScript the same form
   posts the whole file in one request. */
(function () {
  "use strict";
  var form = document.getElementById("media-upload-form");
  if (!form || !window.fetch || !window.File || !window.Blob) return;
  var bar = document.getElementById("media-upload-progress");
  var status = document.getElementById("media-upload-status");
  var button = form.querySelector("button[type=submit]");
  var apiUrl = form.getAttribute("data-api-url");
  var chunkBytes = parseInt(form.getAttribute("data-chunk-bytes"), 10);
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
  var detailTemplate = form.getAttribute("data-detail-url");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var MAX_WAIT = 60000;

  function say(message) { status.textContent = message; }
  function sleep(ms) { return new Promise(function (resolve) { window.setTimeout(resolve, ms); }); }
  function mb(bytes) { return (bytes / 1000000).toFixed(1).replace(".", ",") + " MB"; }

  function api(method, url, body, headers) {
    var allHeaders = { "X-CSRFToken": csrf, Accept: "application/json" };
    Object.keys(headers || {}).forEach(function (key) { allHeaders[key] = headers[key]; });
    return window.fetch(url, { method: method, body: body, headers: allHeaders, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      });
  }

  function show(offset, size) {
    var percent = size ? Math.floor((offset * 100) / size) : 0;
    bar.value = percent;
    bar.textContent = percent + " %";
    say("Subiendo: " + mb(offset) + " de " + mb(size) + " (" + percent + " %)");
  }

  async function send(file, upload) {
    var offset = upload.offset;
    var failures = 0;
    while (true) {
      if (upload.asset) return upload.asset;
      var end = Math.min(offset + chunkBytes, file.size);
      try {
        var answer = await api("PATCH", upload.upload_url, file.slice(offset, end), {
          "Content-Type": "application/octet-stream",
          "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + file.size,
        });
        if (answer.status === 200 || answer.status === 201) {
          upload = answer.data;
          offset = upload.offset;
          failures = 0;
          show(offset, file.size);
          continue;
        }
        if (answer.status === 409 || answer.status >= 500) throw new Error("resync");
        throw new Error(answer.data.detail || "No se pudo subir el archivo.");
      } catch (error) {
        if (error.message !== "resync" && !(error instanceof TypeError)) throw error;
        failures += 1;
        var wait = Math.min(MAX_WAIT, 1000 * Math.pow(2, failures));
        say("Se cortó la conexión. Reintentando en " + Math.round(wait / 1000) + " s; lo ya subido no se pierde.");
        await sleep(wait);
        try {
          var state = await api("GET", upload.upload_url);
          if (state.status === 200) { upload = state.data; offset = upload.offset; }
        } catch (ignored) { /* still offline: try again after the next wait */ }
      }
    }
  }

  form.addEventListener("submit", async function (event) {
    var input = form.querySelector("input[type=file]");
    var file = input.files && input.files[0];
    if (!file) return;  // the server explains what is missing
    event.preventDefault();
    if (file.size > maxBytes) {
      say("El archivo es demasiado grande: el máximo es " + mb(maxBytes) + ".");
      return;
    }
    button.disabled = true;
    bar.hidden = false;
    try {
      var start = await api("POST", apiUrl, JSON.stringify({
        title: form.querySelector("input[name=title]").value || file.name,
        filename: file.name,
        size: file.size,
        kind: form.querySelector("select[name=kind]").value || null,
      }), { "Content-Type": "application/json" });
      if (start.status !== 201) throw new Error(start.data.detail || "No se pudo empezar la subida.");
      show(0, file.size);
      var asset = await send(file, start.data);
      bar.value = 100;
      say("Archivo recibido. Abriendo el material…");
      window.location.href = detailTemplate.replace("__id__", asset.id);
    } catch (error) {
      say(error.message);
      button.disabled = false;
    }
  });
})();
