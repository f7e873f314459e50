// Poll a materials package while the job builds it; reload when it is done.
(function () {
  "use strict";
  var box = document.getElementById("package-progress");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-url");
  if (!url) return;
  var delay = 800;
  function tick() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        box.innerHTML = data.html;
        if (data.done) { window.location.reload(); return; }
        delay = Math.min(delay * 1.15, 3000);
        window.setTimeout(tick, delay);
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, delay);
})();
