// Keeps the bell's unread count fresh without reloading the page (every 60 s).
(function () {
  var bell = document.querySelector(".bell[data-count-url]");
  if (!bell) return;
  var badge = bell.querySelector(".bell-count");
  function refresh() {
    fetch(bell.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        badge.textContent = data.unread ? String(data.unread) : "";
        badge.classList.toggle("empty", !data.unread);
      })
      .catch(function () {});
  }
  setInterval(refresh, 60000);
})();
