// Direct messages and room chat: lists kept in order and free of duplicates, a catch-up
// after every (re)connect, read state posted for what the page shows, Enter to send.
//
// A list is any element with data-message-list; its children carry data-id. Messages
// arrive three ways (the page, socket pushes, the catch-up answer), possibly twice and out
// of order; tidy() keeps one of each, in id order. No inline script, no eval (strict CSP).
(function () {
  "use strict";

  function items(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.hasAttribute("data-id");
    });
  }

  function newestId(list) {
    return items(list).reduce(function (max, el) {
      return Math.max(max, Number(el.getAttribute("data-id")) || 0);
    }, 0);
  }

  function nearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 150;
  }

  function tidy(list) {
    var seen = {};
    items(list).forEach(function (el) {
      var id = el.getAttribute("data-id");
      if (seen[id]) el.remove();
      else seen[id] = true;
    });
    var kept = items(list);
    var ordered = kept.slice().sort(function (a, b) {
      return Number(a.getAttribute("data-id")) - Number(b.getAttribute("data-id"));
    });
    var outOfOrder = ordered.some(function (el, i) { return el !== kept[i]; });
    if (outOfOrder) ordered.forEach(function (el) { list.appendChild(el); });
    if (kept.length) {
      var empty = list.querySelector(".empty-note");
      if (empty) empty.remove();
    }
    var newest = newestId(list);
    if (newest > (Number(list.getAttribute("data-newest")) || 0)) {
      announceNew(list);
      if (list.getAttribute("data-stick") !== "no") list.scrollTop = list.scrollHeight;
      list.setAttribute("data-newest", String(newest));
      markRead(list);
    }
  }

  // A room's new chat lines, said by a screen reader as they arrive (issue #25), when the
  // person's alert settings want it (body[data-announce-chat], switched live by the
  // settings page's broadcast). Never one's own, never a hidden line; a burst after a
  // reconnect is summed up rather than read out line by line.
  var ANNOUNCED_AT_MOST = 3;
  function announceNew(list) {
    // data-said: the newest line already in the page or already said (set at load).
    if (!list.hasAttribute("data-said")) return;
    var after = Number(list.getAttribute("data-said")) || 0;
    list.setAttribute("data-said", String(Math.max(after, newestId(list))));
    if (!list.hasAttribute("data-announce-new") || document.body.getAttribute("data-announce-chat") !== "on") return;
    var say = window.focusmate && window.focusmate.announce;
    if (typeof say !== "function") return;
    var me = list.getAttribute("data-me");
    var lines = items(list).filter(function (el) {
      return Number(el.getAttribute("data-id")) > after && el.getAttribute("data-sender") !== me &&
        el.querySelector(".chat-body");
    });
    if (lines.length > ANNOUNCED_AT_MOST) {
      say(lines.length + " new chat messages.");
      return;
    }
    lines.forEach(function (el) {
      say(el.getAttribute("data-sender") + " says: " + el.querySelector(".chat-body").textContent.trim());
    });
  }

  function csrfHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (error) {
      return {};
    }
  }

  // Read state moves forward only for what a visible page shows, by POST (never on GET).
  function markRead(list) {
    var url = list.getAttribute("data-read-url");
    if (!url || document.visibilityState !== "visible") return;
    var newest = newestId(list);
    if (!newest || newest <= (Number(list.getAttribute("data-read-sent")) || 0)) return;
    list.setAttribute("data-read-sent", String(newest));
    window.htmx.ajax("POST", url, {
      source: list,
      swap: "none",
      values: { up_to: String(newest) },
      headers: csrfHeaders()
    });
  }

  // Everything after the newest message the list has, again while the answer is full.
  function catchUp(list) {
    var url = list.getAttribute("data-after-url");
    if (!url) return;
    if (list._catchingUp) { list._again = true; return; }
    list._catchingUp = true;
    var sep = url.indexOf("?") === -1 ? "?" : "&";
    fetch(url + sep + "after=" + newestId(list), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("catch-up " + response.status);
        var more = response.headers.get("X-More") === "1";
        return response.text().then(function (html) { return { html: html, more: more }; });
      })
      .then(function (answer) {
        var holder = document.createElement("template");
        holder.innerHTML = answer.html;
        Array.prototype.slice.call(holder.content.children).forEach(function (el) {
          list.appendChild(el);
          window.htmx.process(el);
        });
        tidy(list);
        list._catchingUp = false;
        if (answer.more || list._again) { list._again = false; catchUp(list); }
      })
      .catch(function () {
        list._catchingUp = false; // the next reconnect tries again
      });
  }

  function listsFor(kind, root) {
    return (root || document).querySelectorAll('[data-message-list][data-socket="' + kind + '"]');
  }

  // A breaks-only room's chat box follows the timer as its pushes replace #timer.
  function syncChatBoxes() {
    var timer = document.getElementById("timer");
    if (!timer) return;
    var working = timer.getAttribute("data-status") !== "idle" &&
      timer.getAttribute("data-phase") === "work";
    document.querySelectorAll("[data-chat-mode]").forEach(function (box) {
      var closed = box.getAttribute("data-chat-mode") === "breaks_only" && working;
      if (box.disabled === closed) return;
      box.disabled = closed;
      var note = document.getElementById(box.id.replace("chat-box-", "chat-closed-"));
      if (note) {
        note.textContent = closed ? box.getAttribute("data-closed-reason") : "";
        if (closed) note.setAttribute("data-testid", "chat-closed");
        else note.removeAttribute("data-testid");
      }
    });
  }

  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail && event.detail.elt;
    if (!socket) return;
    if (socket.getAttribute("ws-connect") === "/ws/me/") listsFor("me").forEach(catchUp);
    else listsFor("room", socket).forEach(catchUp);
  });

  // A chat form sent over the socket is cleared once sent.
  document.addEventListener("htmx:wsAfterSend", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.tagName === "FORM") form.reset();
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || !box.hasAttribute("data-enter-sends")) return;
    event.preventDefault();
    if (box.form && box.value.trim()) box.form.requestSubmit();
  });

  document.addEventListener("visibilitychange", function () {
    document.querySelectorAll("[data-message-list]").forEach(markRead);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var lists = document.querySelectorAll("[data-message-list]");
    lists.forEach(function (list) {
      list.setAttribute("data-said", String(newestId(list))); // the page's own: not news
      list.scrollTop = list.scrollHeight;
      tidy(list);
    });
    var observer = new MutationObserver(function (mutations) {
      var touched = new Set();
      mutations.forEach(function (mutation) {
        if (mutation.target.hasAttribute && mutation.target.hasAttribute("data-message-list")) {
          touched.add(mutation.target);
        }
        Array.prototype.forEach.call(mutation.addedNodes, function (node) {
          if (node.nodeType !== 1) return;
          var kind = node.getAttribute("data-catch-up");
          if (kind) listsFor(kind).forEach(catchUp);
          if (node.id === "timer") syncChatBoxes();
        });
      });
      touched.forEach(tidy);
    });
    observer.observe(document.body, { childList: true, subtree: true });
    syncChatBoxes();
    setInterval(syncChatBoxes, 2000); // a phase that ends in the page, before its push
  });
})();
