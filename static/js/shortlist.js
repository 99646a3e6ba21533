// Keyboard focus stays on a shortlist button after it is used: htmx replaces the form with
// the new one, and without htmx the page comes back with the form's id as its fragment.
(function () {
  "use strict";
  var pending = null;

  function focusButton(id) {
    var form = id && document.getElementById(id);
    var button = form && form.querySelector("button");
    if (button) button.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.classList && form.classList.contains("shortlist-form")) {
      pending = form.id;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (pending) {
      focusButton(pending);
      pending = null;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (window.location.hash.indexOf("#shortlist-") === 0) {
      focusButton(decodeURIComponent(window.location.hash.slice(1)));
    }
  });
})();
