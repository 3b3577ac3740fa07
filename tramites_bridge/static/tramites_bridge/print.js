// The receipt's "Imprimir" button. A file of our own (the site's CSP allows no inline script);
// without JavaScript the page says to use the browser's own Print.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
