// The profile page: a search that narrows the time-zone list, and copy buttons. Both are
// hidden until this runs, so without script the page is a plain select and a readonly field.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().replace(/[_/]+/g, " ").replace(/\s+/g, " ").trim();
  }

  function narrowTimeZones(search, select) {
    var words = normalise(search.value).split(" ").filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(select.querySelectorAll("option"), function (option) {
      var text = normalise(option.value + " " + option.textContent);
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      option.hidden = !match;
      if (match) { shown += 1; }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    // While searching, the matches show as an open list to pick from.
    select.size = words.length ? Math.max(2, Math.min(8, shown + select.querySelectorAll("optgroup:not([hidden])").length)) : 0;
  }

  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-status");
    function done(message) { if (status) { status.textContent = message; } }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { field.select(); done("Selected: press Ctrl+C (or Cmd+C) to copy."); }
      );
    } else {
      field.select();
      done(document.execCommand && document.execCommand("copy") ? "Copied." : "Selected: press Ctrl+C (or Cmd+C) to copy.");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.getElementById("tz-search");
    var select = search && document.getElementById(search.getAttribute("aria-controls"));
    if (search && select) {
      search.hidden = false;
      search.addEventListener("input", function () { narrowTimeZones(search, select); });
      select.addEventListener("change", function () {
        if (search.value) { search.value = ""; narrowTimeZones(search, select); }
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { copy(button); });
    });
  });
})();
