// Keyboard shortcuts, the only script the pages need; everything works without it.
// [data-key] elements answer their key: buttons and links are clicked, fields focused.
// In the queue, j/k move through the rows and o/Enter opens the current one.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-row]"));
  var current = -1;

  function select(i) {
    if (!rows.length) return;
    if (current >= 0) rows[current].classList.remove("current");
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].querySelector("a").focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if (rows.length && (event.key === "j" || event.key === "k")) {
      select(current + (event.key === "j" ? 1 : -1));
      event.preventDefault();
      return;
    }
    if (rows.length && event.key === "o" && current >= 0) {
      rows[current].querySelector("a").click();
      return;
    }
    var element = document.querySelector('[data-key="' + event.key + '"]');
    if (!element) return;
    event.preventDefault();
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName)) element.focus();
    else element.click();
  });
})();
