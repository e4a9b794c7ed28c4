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

// The wallboard follows its event stream and redraws from each snapshot
// (see wallboard_snapshot.go for its fields). Without this script the page
// reloads itself every 30 s instead.
(function () {
  "use strict";
  var board = document.getElementById("wallboard");
  if (!board || !window.EventSource) return;
  var words = { met: "Met", warning: "Warning", missed: "Missed", no_data: "No data", no_target: "No target",
    available: "Available", on_contact: "On a contact", wrap_up: "Wrap-up", paused: "Paused" };
  var icons = { available: "●", on_contact: "☎", wrap_up: "✎", paused: "❚❚" };
  function pct(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(s) {
    s = Math.max(0, Math.floor(s));
    if (s >= 3600) return Math.floor(s / 3600) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
    return Math.floor(s / 60) + ":" + two(s % 60);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function status(value, st) {
    var s = el("span", "st " + st, pct(value) + " ");
    s.appendChild(el("span", "st-word", words[st] || st));
    return s;
  }
  function row(q) {
    var tr = el("tr"), th = el("th", "", q.name);
    th.scope = "row";
    tr.appendChild(th);
    tr.appendChild(el("td", "num big", String(q.waiting)));
    tr.appendChild(el("td", "num big", q.waiting ? clock(q.longest) : "—"));
    var sl = el("td", "num big"); sl.appendChild(status(q.sl, q.sl_status)); tr.appendChild(sl);
    var ab = el("td", "num big"); ab.appendChild(status(q.ab, q.ab_status)); tr.appendChild(ab);
    tr.appendChild(el("td", "num big", String(q.avail)));
    tr.appendChild(el("td", "num big", String(q.busy)));
    tr.appendChild(el("td", "num big", String(q.paused)));
    return tr;
  }
  function fill(id, nodes) {
    var box = document.getElementById(id);
    if (!box) return;
    box.replaceChildren.apply(box, nodes);
  }
  function draw(snap) {
    fill("wb-queues", snap.queues.map(row));
    fill("wb-total", [row(snap.total)]);
    var agents = snap.agents.map(function (a) {
      var li = el("li", "agent " + a.s);
      li.appendChild(el("span", "agent-name", a.n));
      var st = el("span", "agent-state");
      var icon = el("span", "", icons[a.s] || ""); icon.setAttribute("aria-hidden", "true");
      st.appendChild(icon);
      st.appendChild(document.createTextNode(" " + (words[a.s] || a.s) + (a.r ? " (" + a.r + ")" : "")));
      li.appendChild(st);
      li.appendChild(el("span", "agent-time", clock(a.t)));
      return li;
    });
    if (!agents.length) agents = [el("li", "empty", "Nobody is logged in to a queue.")];
    fill("wb-agents", agents);
    var count = document.getElementById("wb-agent-count");
    if (count) count.textContent = String(snap.agents.length);
    var stale = document.getElementById("wb-stale");
    if (stale) stale.hidden = !snap.stale;
    var t = document.querySelector("#wb-updated time");
    if (t) { t.dateTime = snap.at; t.textContent = new Date(snap.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); }
    board.setAttribute("data-updated", snap.at);
  }
  var es = new EventSource(board.getAttribute("data-stream"));
  es.addEventListener("snapshot", function (e) {
    try { draw(JSON.parse(e.data)); } catch (err) { /* a bad frame: keep the last good one */ }
  });
  es.addEventListener("end", function () { es.close(); window.location.reload(); });
})();
