// Anchor's only script, and an optional one: every page works without it.
// It adds keyboard shortcuts: "/" focuses the page's search or first field,
// "g" then "w", "c", "u" or "i" goes to my work, cases, customers or inbox.
(function () {
  "use strict";
  var pending = false;
  var go = { w: "/", c: "/cases", u: "/customers", i: "/inbox" };
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (pending) {
      pending = false;
      if (go[e.key]) { e.preventDefault(); window.location.assign(go[e.key]); }
      return;
    }
    if (e.key === "g") { pending = true; setTimeout(function () { pending = false; }, 1200); return; }
    if (e.key === "/") {
      var f = document.querySelector("input[type=search], main input:not([type=hidden]), main textarea");
      if (f) { e.preventDefault(); f.focus(); }
    }
  });
  // A form that sends a change disables its button while it goes, so a
  // double click does not send it twice.
  document.addEventListener("submit", function (e) {
    var b = e.target.querySelector("button[type=submit], button:not([type])");
    if (b) { setTimeout(function () { b.disabled = true; }, 0); }
  });
})();
