// Site-wide behaviour: toasts fade after a while; htmx errors become a visible message.
(function () {
  "use strict";
  function dismissLater(toast) {
    setTimeout(function () { toast.remove(); }, 6000);
  }
  function showToast(text, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (kind || "info");
    toast.textContent = text;
    box.appendChild(toast);
    dismissLater(toast);
  }
  // A polite announcement for screen readers. Each one is a new line in #announcer (a
  // region that never leaves the page), so the same words twice are still said twice
  // and two quick ones do not overwrite each other; the last few are kept.
  var ANNOUNCEMENTS_KEPT = 3;
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    var line = document.createElement("p");
    line.textContent = text;
    region.appendChild(line);
    while (region.children.length > ANNOUNCEMENTS_KEPT) region.removeChild(region.firstElementChild);
  }
  // A date field's words (input[data-words] names them): the browser shows the field in
  // its own numeric format, the words say it as the page's headings do ("7 Nov 2026").
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || field.type !== "date" || !field.getAttribute("data-words")) return;
    var words = document.getElementById(field.getAttribute("data-words"));
    if (!words) return;
    var match = /^(\d{4})-(\d\d)-(\d\d)$/.exec(field.value);
    words.textContent = match ? Number(match[3]) + " " + MONTHS[Number(match[2]) - 1] + " " + match[1] : "";
  });
  window.focusmate = window.focusmate || {};
  window.focusmate.toast = showToast;
  window.focusmate.announce = announce;
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(dismissLater);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    // Domain errors come back as a short text/plain message; anything else gets a generic one.
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = type.indexOf("text/plain") === 0 && xhr.responseText ? xhr.responseText : "Something went wrong (" + xhr.status + "). Please try again.";
    showToast(text, "error");
  });
  // A socket closed by the server because access ended (a ban, a logout elsewhere, leaving
  // the room): say so once and for all, instead of a page that silently stops updating.
  var ACCESS_ENDED = {
    4401: "You've been signed out. Log in again to continue.",
    4403: "You're no longer in this room. Reload the page to see where you are."
  };
  var accessNoticeShown = false;
  document.addEventListener("htmx:wsClose", function (event) {
    var code = event.detail && event.detail.event && event.detail.event.code;
    if (!ACCESS_ENDED[code] || accessNoticeShown) return;
    accessNoticeShown = true;
    var box = document.getElementById("toasts");
    if (!box) return;
    var notice = document.createElement("div");
    notice.className = "toast toast-error";
    notice.setAttribute("role", "alert");
    notice.setAttribute("data-testid", "access-ended");
    notice.textContent = ACCESS_ENDED[code];
    box.appendChild(notice);
  });
  // A live push and the writer's own answer can bring the same element (a comment):
  // whichever comes second must not add it twice. The writer's own version (with its
  // edit links) replaces a pushed one; a push never replaces what is there.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    var incoming = fragment && fragment.querySelector && fragment.querySelector("[data-unique]");
    if (!incoming || !incoming.id) return;
    var existing = document.getElementById(incoming.id);
    if (!existing) return;
    event.detail.shouldSwap = false;
    if (incoming.hasAttribute("data-own")) {
      existing.replaceWith(incoming);
      window.htmx.process(incoming);
    }
  });
  // "N new posts, show": each new post pushed to an open list adds a mark; count them.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "new-post-marks") return;
    var count = event.detail.target.children.length;
    var label = document.querySelector(".new-posts-label");
    if (label) label.textContent = count + " new post" + (count === 1 ? "" : "s");
  });
  // Whether each live connection is open, for people (a style hook) and browser tests.
  document.addEventListener("htmx:wsOpen", function (event) {
    event.detail.elt.setAttribute("data-ws", "open");
  });
  document.addEventListener("htmx:wsClose", function (event) {
    event.detail.elt.setAttribute("data-ws", "closed");
  });

  // Reconnecting. The ws extension opens a closed socket again after 1006 (connection
  // lost), 1011 (server error), 1012 (server restarting: a deploy) and 1013 (try again
  // later: Redis or the database away), after reconnectDelay(). Its own count of failures
  // starts again whenever a socket opens, and a socket refused during an outage opens
  // and is closed at once (so that the page can read 1013): the page keeps its own count,
  // cleared once a socket has worked. The first retry comes within half a second (a
  // restarted server's pages move to another process at once); then the pause doubles,
  // up to 10-20 s, so that a thousand pages don't hammer a server that is coming back.
  var RETRIED = [1006, 1011, 1012, 1013];
  var STABLE_MS = 2000;
  var failures = 0;
  function reconnectDelay(retryCount) {
    failures += 1;
    var attempt = Math.max(retryCount, failures - 1);
    var ceiling = Math.min(20000, 500 * Math.pow(2, attempt));
    return ceiling / 2 + Math.random() * ceiling / 2;
  }
  if (window.htmx) window.htmx.config.wsReconnectDelay = reconnectDelay;

  var down = new Set();  // socket elements waiting to reconnect
  function showReconnecting() {
    var note = document.getElementById("reconnecting");
    if (!down.size) {
      if (note) note.hidden = true;
      return;
    }
    if (!note) {
      note = document.createElement("div");
      note.id = "reconnecting";
      note.className = "reconnecting";
      note.setAttribute("role", "status");
      note.setAttribute("data-testid", "reconnecting");
      note.textContent = "Reconnecting…";
      document.body.appendChild(note);
    }
    note.hidden = false;
  }
  function working(elt) {
    clearTimeout(elt._stableTimer);
    failures = 0;
    if (down.delete(elt)) showReconnecting();
  }
  document.addEventListener("htmx:wsClose", function (event) {
    var elt = event.detail.elt;
    var code = event.detail.event && event.detail.event.code;
    clearTimeout(elt._stableTimer);
    if (RETRIED.indexOf(code) === -1 || !document.body.contains(elt)) return;
    down.add(elt);
    showReconnecting();
  });
  document.addEventListener("htmx:wsOpen", function (event) {
    var elt = event.detail.elt;
    // Open is not yet working: a refused socket opens and closes at once.
    clearTimeout(elt._stableTimer);
    elt._stableTimer = setTimeout(function () { working(elt); }, STABLE_MS);
  });
  document.addEventListener("htmx:wsAfterMessage", function (event) {
    working(event.detail.elt);
  });
  // Forms that post a new item empty themselves once it went through.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!event.detail.successful || !form.hasAttribute || !form.hasAttribute("data-reset-on-success")) return;
    form.reset();
    var slot = form.closest("[data-reply-slot]");  // a reply form loaded under a comment
    if (slot) slot.replaceChildren();
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("Can't reach the server. Check your connection and try again.", "error");
  });
})();
