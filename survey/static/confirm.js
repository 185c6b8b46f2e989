/* Asks before a one-click action that cannot be undone: a form with data-confirm="the question" is sent only when
   the person says yes. Without JavaScript the form is sent as before. No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
}());
