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

  // Only once the new form itself has settled: the shortlist count beside it (swapped out
  // of band) and an earlier update of the results (a filter the buyer changed just before)
  // settle too, and focusing then would focus the old button, about to be replaced.
  document.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.detail && event.detail.elt;
    if (pending && settled && settled.id === pending) {
      focusButton(pending);
      pending = null;
    }
  });

  function focusFromAddress() {
    if (window.location.hash.indexOf("#shortlist-") === 0) {
      focusButton(decodeURIComponent(window.location.hash.slice(1)));
    }
  }

  // Once parsed, and again once the browser has scrolled to the fragment: scrolling to a
  // target that cannot take focus (the form) moves the focus back to the page.
  document.addEventListener("DOMContentLoaded", focusFromAddress);
  window.addEventListener("load", function () {
    window.requestAnimationFrame(focusFromAddress);
  });
})();
