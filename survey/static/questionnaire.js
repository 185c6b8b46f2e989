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

  /* A campaign's own questions (its XLSForm): a question whose "relevant" expression is false is hidden at once.
     The server decides what is kept (it clears the answer of a question that is not relevant); this only spares a
     round trip. The expression comes as the tree survey/questions/expressions.py writes (Expression.as_json), the
     answers given on other pages as the form's data-answers, each as XPath reads it: "" blank, the names of a
     multiple choice joined by a space, yes/no as 'true'/'false'. */
  var NUMBER = /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/;
  function isNumber(value) {
    return typeof value === "number" ? !isNaN(value) : typeof value === "string" && NUMBER.test(value);
  }
  function text(value) {
    if (typeof value === "boolean") { return value ? "true" : "false"; }
    if (typeof value === "number") { return String(value); }
    return value === undefined || value === null ? "" : String(value);
  }
  function truth(value) {
    if (typeof value === "boolean") { return value; }
    if (typeof value === "number") { return value !== 0 && !isNaN(value); }
    return text(value) !== "";
  }
  function compare(op, a, b) {
    if (isNumber(a) && isNumber(b)) {
      a = Number(a); b = Number(b);
    } else {
      /* XPath's NaN: a blank, or a text that is no number beside a number, is not ordered */
      if (op !== "=" && op !== "!=" && (text(a) === "" || text(b) === "" || isNumber(a) || isNumber(b))) {
        return false;
      }
      a = text(a); b = text(b);
    }
    switch (op) {
      case "=": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
    }
    return false;
  }
  function names(value) { return text(value).split(/\s+/).filter(function (n) { return n !== ""; }); }
  function evaluate(node, answers, here) {
    switch (node[0]) {
      case "ref": return text(answers(node[1]));
      case "here": return text(here);
      case "num": return node[1];
      case "str": return node[1];
      case "cmp": return compare(node[1], evaluate(node[2], answers, here), evaluate(node[3], answers, here));
      case "and": return truth(evaluate(node[1], answers, here)) && truth(evaluate(node[2], answers, here));
      case "or": return truth(evaluate(node[1], answers, here)) || truth(evaluate(node[2], answers, here));
      case "not": return !truth(evaluate(node[1], answers, here));
      case "selected": return names(evaluate(node[1], answers, here)).indexOf(node[2]) > -1;
      case "count-selected": return names(evaluate(node[1], answers, here)).length;
      case "string-length": return text(evaluate(node[1], answers, here)).length;
      case "regex":
        try { return new RegExp(node[2]).test(text(evaluate(node[1], answers, here))); } catch (e) { return false; }
    }
    throw new Error("unknown expression " + node[0]);
  }
  /* holds(tree, {name: value}, here): what Expression.holds gives on the server (tests compare the two). */
  function holds(tree, answers, here) {
    return truth(evaluate(tree, function (name) { return answers[name]; }, here));
  }
  window.surveyExpressions = {holds: holds};

  function answerOn(form, name, known) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) { return known[name]; }
    var block = inputs[0].closest("[data-relevant]");
    if (block && block.hidden) { return ""; }  /* a question not asked has no answer */
    var picked = [];
    inputs.forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) { picked.push(input.value); }
      } else {
        picked.push(input.value.trim().replace(/^([+-]?\d*),(\d+)$/, "$1.$2"));  /* 1,5 as typed in kk and ru */
      }
    });
    return picked.join(" ");
  }
  function relevance(form) {
    var known = {};
    try { known = JSON.parse(form.getAttribute("data-answers") || "{}"); } catch (e) { known = {}; }
    var blocks = form.querySelectorAll("[data-relevant]");
    function given(name) { return answerOn(form, name, known); }
    function apply() {
      var changed = false;
      blocks.forEach(function (block) {
        var show = truth(evaluate(JSON.parse(block.getAttribute("data-relevant")), given, ""));
        if (block.querySelector("[aria-invalid]")) { show = true; }  /* never hide an error */
        if (block.hidden === show) { block.hidden = !show; changed = true; }
      });
      return changed;
    }
    /* a question may depend on one that is itself hidden: repeat until nothing changes */
    for (var pass = 0; pass <= blocks.length && apply(); pass += 1) { /* again */ }
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-relevant]")) { return; }
    form.addEventListener("change", function () { relevance(form); });
    form.addEventListener("input", function () { relevance(form); });
    relevance(form);
  });
  document.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });
  document.querySelectorAll(".js-print").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}());
