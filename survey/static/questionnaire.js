/* Progressive help for the questionnaire; every page works without it. No inline script (CSP). */
(function () {
  "use strict";
  /* A page sent in answer to a saved step belongs at the next step's address: show that address, so that reload
     and back ask for the page again instead of sending the form a second time. */
  var own = document.body.getAttribute("data-page-url");
  if (own && window.history && window.history.replaceState) { window.history.replaceState(null, "", own); }
  function valueOf(form, name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) { return checked.value; }
    var field = form.querySelector('select[name="' + name + '"], input[name="' + name + '"]:not([type=radio]):not([type=checkbox])');
    return field ? field.value : "";
  }
  function update(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.getAttribute("data-show-when");
      var negate = rule.indexOf("!=") > -1;
      var parts = rule.split(negate ? "!=" : "=");
      var current = valueOf(form, parts[0]);
      var show = negate ? current !== parts[1] : current === parts[1];
      if (block.querySelector("[aria-invalid]")) { show = true; }  /* never hide an error */
      block.hidden = !show;
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-when]")) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
  document.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
