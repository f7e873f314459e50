// Behaviour that used to sit in inline handlers, which the Content-Security-Policy forbids:
// filter selects that submit their form on change, the phone menu button, "back" links.
(function () {
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-nav-toggle]")) {
      document.body.classList.toggle("nav-open");
    } else if (target.closest("[data-history-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
})();

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
