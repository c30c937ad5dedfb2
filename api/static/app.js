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

/* editor desk */
// Canned comments: choosing one fills the comment box (added on a new line if it has text).
// Touch screens: a tap on a button with data-confirm asks first; the button turns into
// "确定…?" and a second tap within 4 seconds goes ahead. Mouse clicks and keys stay one step.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-fill]") || !select.value) return;
    var box = document.getElementById(select.getAttribute("data-fill"));
    if (!box) return;
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n" + select.value : select.value;
    select.value = "";
    box.focus();
  });

  var lastPointer = "mouse";
  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType || "mouse"; }, true);
  document.addEventListener("keydown", function () { lastPointer = "key"; }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (!button || lastPointer !== "touch") return;
    if (button.classList.contains("confirming")) return;  // second tap: go ahead
    event.preventDefault();
    var original = button.innerHTML;
    button.classList.add("confirming");
    button.textContent = button.getAttribute("data-confirm");
    button.setAttribute("aria-live", "polite");
    setTimeout(function () {
      button.classList.remove("confirming");
      button.innerHTML = original;
    }, 4000);
  });
})();
