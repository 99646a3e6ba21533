// The directory page's few behaviours that htmx attributes alone do not give.
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 899px)");
  var KEY = "directory-filters-open";

  function panels() {
    return document.querySelectorAll("#directory details[data-panel]");
  }

  // On small screens the filter panel starts folded so results come first; the buyer's own
  // choice (opened or folded) is kept for the rest of the visit in this tab.
  function foldFiltersOnLoad() {
    var panel = document.querySelector(".filters-panel");
    if (!panel) return;
    var remembered = window.sessionStorage.getItem(KEY);
    if (remembered !== null) {
      panel.open = remembered === "yes";
    } else if (narrow.matches) {
      panel.open = false;
    }
  }

  document.addEventListener(
    "toggle",
    function (event) {
      if (event.target.matches && event.target.matches(".filters-panel")) {
        window.sessionStorage.setItem(KEY, event.target.open ? "yes" : "no");
      }
    },
    true // toggle does not bubble
  );

  // Panels stay as the buyer left them when an update replaces the filters: the server only
  // knows which facets have a choice, not which ones the buyer opened or folded.
  var openBefore = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "directory") return;
    openBefore = {};
    panels().forEach(function (panel) {
      openBefore[panel.dataset.panel] = panel.open;
    });
  });

  // The search box sits outside the swapped region, so answers never rewrite what the buyer
  // is typing. When something else changed the search (a suggestion, "Clear all", the back
  // button), the box takes the text of the results it now stands beside.
  function showSearchedText(fromSearchBox) {
    var search = document.getElementById("q");
    var region = document.getElementById("directory");
    if (!search || !region || fromSearchBox || document.activeElement === search) return;
    search.value = region.dataset.queryText || "";
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "directory") return;
    if (openBefore) {
      panels().forEach(function (panel) {
        if (panel.dataset.panel in openBefore) panel.open = openBefore[panel.dataset.panel];
      });
      openBefore = null;
    }
    showSearchedText(event.detail.requestConfig && event.detail.requestConfig.elt.id === "q");
  });

  document.body.addEventListener("htmx:historyRestore", function () {
    showSearchedText(false);
  });

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

  document.addEventListener("DOMContentLoaded", foldFiltersOnLoad);
})();
