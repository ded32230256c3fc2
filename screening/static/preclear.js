// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Put the keyboard focus on the error summary so screen readers announce it (its autofocus
  // attribute does this without JavaScript; this is for browsers that ignore it on a div).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Finish later: a button that copies the patient's link, where the browser can.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var link = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    if (!link || !navigator.clipboard) { return; }
    button.hidden = false;
    function say(text) { if (status) { status.textContent = text; } }
    button.addEventListener("click", function () {
      say("");  // said again on a second copy
      navigator.clipboard.writeText(link.href).then(function () {
        say(button.getAttribute("data-copied"));
      }, function () {
        say(button.getAttribute("data-not-copied"));
      });
    });
  });

  // "None of these" stands alone: ticking it clears the others, and the other way round.
  document.querySelectorAll("input[data-exclusive]").forEach(function (none) {
    var group = document.querySelectorAll('input[type="checkbox"][name="' + none.name + '"]');
    group.forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked) {
          group.forEach(function (other) {
            if ((box === none) !== (other === none)) { other.checked = false; }
          });
        }
        update();
      });
    });
  });

  // Show a follow-up question only when the answer it depends on needs it.
  function update() {
    document.querySelectorAll("[data-applies-when]").forEach(function (field) {
      var name = field.getAttribute("data-applies-when");
      var ticked = document.querySelectorAll('input[name="' + name + '"]:checked:not([data-exclusive])');
      field.hidden = ticked.length === 0;
    });
  }
  update();
})();
