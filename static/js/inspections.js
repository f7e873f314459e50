// 督查整改: small helpers for the capture form. Everything works without them.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDate(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }

  // "使用我的位置": fill the latitude/longitude fields from the phone's GPS.
  document.querySelectorAll("[data-geo-button]").forEach(function (button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-geo-status]");
    var lat = form.querySelector("[data-geo=lat]");
    var lng = form.querySelector("[data-geo=lng]");
    function say(text) { if (status) status.textContent = text; }
    button.addEventListener("click", function () {
      // Messages come translated from the template's data-msg-* attributes.
      if (!("geolocation" in navigator)) { say(button.dataset.msgUnsupported); return; }
      say(button.dataset.msgLocating);
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        say(button.dataset.msgLocated.replace("{m}", Math.round(pos.coords.accuracy)));
        button.disabled = false;
      }, function (err) {
        say(err.code === 1 ? button.dataset.msgDenied : button.dataset.msgFailed);
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  });

  // Quick unit choice: a chip sets the select.
  document.querySelectorAll("[data-unit-chip]").forEach(function (chip) {
    var form = chip.closest("form");
    var select = form.querySelector("select[name=unit]");
    function mark() {
      form.querySelectorAll("[data-unit-chip]").forEach(function (c) {
        c.classList.toggle("active", c.dataset.unitChip === select.value);
      });
    }
    chip.addEventListener("click", function () { select.value = chip.dataset.unitChip; mark(); });
    select.addEventListener("change", mark);
    mark();
  });

  // Deadline chips: today + N days, in the phone's (local) calendar.
  document.querySelectorAll("[data-deadline-days]").forEach(function (chip) {
    var input = chip.closest(".field").querySelector("input[type=date]");
    chip.addEventListener("click", function () {
      var d = new Date();
      d.setDate(d.getDate() + parseInt(chip.dataset.deadlineDays, 10));
      input.value = isoDate(d);
      chip.parentNode.querySelectorAll(".chip").forEach(function (c) { c.classList.toggle("active", c === chip); });
    });
  });

  // Preview the chosen photos before uploading.
  document.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
    input.addEventListener("change", function () {
      var target = document.getElementById(input.dataset.preview);
      if (!target || !window.URL) return;
      target.querySelectorAll("[data-from='" + input.name + "']").forEach(function (el) { el.remove(); });
      Array.prototype.forEach.call(input.files, function (file) {
        var img = document.createElement("img");
        img.dataset.from = input.name;
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        target.appendChild(img);
      });
    });
  });

  // On a phone the filter box starts folded unless a filter is on.
  document.querySelectorAll("details[data-collapse-on-phone='1']").forEach(function (box) {
    if (window.matchMedia("(max-width: 720px)").matches) box.open = false;
  });

  // Filters submit on change (the button stays for keyboards and no-JS).
  var filters = document.getElementById("finding-filters");
  if (filters) {
    filters.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () { filters.submit(); });
    });
  }
})();
