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
  window.focusmate = window.focusmate || {};
  window.focusmate.toast = showToast;
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
  // Forms that post a new item empty themselves once it went through.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!event.detail.successful || !form.hasAttribute || !form.hasAttribute("data-reset-on-success")) return;
    form.reset();
    var details = form.closest("details");
    if (details) details.open = false;
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("Can't reach the server. Check your connection and try again.", "error");
  });
})();
