// On small screens the filter panel starts folded so results come first; the buyer's own
// choice (opened or folded) is kept across htmx updates and page loads in this tab.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 899px)");
  var KEY = "directory-filters-open";

  function apply() {
    var panel = document.querySelector(".filters-panel");
    if (!panel) return;
    var remembered = window.sessionStorage.getItem(KEY);
    if (remembered !== null) {
      panel.open = remembered === "yes";
    } else if (narrow.matches) {
      panel.open = false;
    }
    panel.addEventListener("toggle", function () {
      window.sessionStorage.setItem(KEY, panel.open ? "yes" : "no");
    });
  }

  // Leave empty fields out of the request, so the address bar shows only what is chosen.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (!data || event.detail.verb !== "get") return;
    Array.from(new Set(data.keys())).forEach(function (key) {
      var kept = data.getAll(key).filter(function (value) { return value !== ""; });
      data.delete(key);
      kept.forEach(function (value) { data.append(key, value); });
    });
  });

  document.addEventListener("DOMContentLoaded", apply);
  document.body.addEventListener("htmx:afterSwap", apply);
})();
