// The room's shared timer, browser side. The server owns the timer; this script only
// counts down between the server's renders of #timer and corrects itself from each one.
//
// Contract (see templates/timers/_timer.html): #timer carries data-status, data-phase,
// data-ends-at, data-remaining, data-duration, data-server-now, data-seq,
// data-phase-label and data-sync-url; inside it [data-role=clock] (role="timer", which
// screen readers never read out by itself), .timer-ring-progress and the control form.
// Elsewhere, an optional [data-role=notify-toggle] button. What a screen reader should
// hear (a phase starts or ends, "1 minute left", a pause) goes to the page's polite live
// region through focusmate.announce (static/js/site.js), never the clock's every second.
//
// New #timer elements are noticed with a MutationObserver rather than htmx events:
// the element arrives by several roads (a button's outerHTML swap, whose target is then
// detached; an OOB swap from the ws extension; htmx.ajax on resync; anything else
// later), and the observer sees them all, before the next paint, whatever htmx fires.
// It costs one getElementById per batch of DOM changes; this script's own updates
// (a text node's data, attributes) are not observed, so it never wakes itself.
(function () {
  "use strict";

  const TICK_MS = 250;
  const RESYNC_AFTER_ZERO_MS = 2000;
  const PREFS_CHANNEL = "focusmate:alerts";

  let originalTitle = "";
  let current = null; // the #timer element being driven
  let state = null; // what was read from it
  let newest = null; // the state with the highest seq seen so far
  let offsetMs = 0; // server clock minus this browser's clock
  let ticker = null;
  let deadlineTimer = null;
  let resyncTimer = null;
  const alerted = new Set(); // seqs whose end was already signalled
  const warned = new Set(); // seqs whose "1 minute left" was already said
  const WARN_FRESH_MS = 5000; // a crossing seen later than this (a jump) is not said
  let lastLeft = { seq: null, ms: Infinity }; // the previous render's time left
  const WARN_MS = 60000;

  // A person's alert settings (/settings/alerts/), rendered on <body> as data-* and
  // replaced in every open tab when they are saved (a BroadcastChannel message from the
  // settings page). Read at the moment they matter, never cached.
  function prefs() {
    const data = document.body.dataset;
    return {
      sound: data.sound !== "off",
      volume: Math.min(100, wholeNumber(data.volume, 70)) / 100,
      workSound: data.workSound || "",
      breakSound: data.breakSound || "",
      notify: data.notify !== "off",
      titleCountdown: data.titleCountdown !== "off",
    };
  }

  // Python's isoformat: 2026-11-24T10:25:00[.123456]+00:00 (or Z). Parsed by hand,
  // because more than three fractional digits are not in the ECMAScript date format.
  const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?(Z|[+-]\d\d:?\d\d)?$/;

  function parseIso(text) {
    const match = ISO.exec((text || "").trim());
    if (!match) return NaN;
    const fraction = match[7] ? Number(("0." + match[7]).slice(0, 5)) : 0;
    let ms = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +(match[6] || 0));
    ms += Math.round(fraction * 1000);
    const zone = match[8];
    if (zone && zone !== "Z") {
      const sign = zone[0] === "-" ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60000;
    }
    return ms;
  }

  function wholeNumber(text, fallback) {
    const value = parseInt(text, 10);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  }

  function readState(el) {
    const data = el.dataset;
    return {
      status: data.status || "idle",
      phase: data.phase || "work",
      label: data.phaseLabel || "Timer",
      endsAt: parseIso(data.endsAt),
      serverNow: parseIso(data.serverNow),
      remaining: wholeNumber(data.remaining, 0),
      duration: wholeNumber(data.duration, 0),
      seq: wholeNumber(data.seq, 0),
      syncUrl: data.syncUrl || "",
    };
  }

  function serverNow() {
    return Date.now() + offsetMs;
  }

  // Milliseconds left in the current phase, by the server's clock.
  function remainingMs() {
    if (!state) return 0;
    if (state.status === "running") {
      if (Number.isFinite(state.endsAt)) return Math.max(0, state.endsAt - serverNow());
    }
    return state.remaining * 1000;
  }

  function formatClock(seconds) {
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const secs = seconds % 60;
    const two = (n) => String(n).padStart(2, "0");
    return hours > 0 ? hours + ":" + two(minutes) + ":" + two(secs) : two(minutes) + ":" + two(secs);
  }

  function setText(el, text) {
    // Changing a text node's data keeps the MutationObserver (childList only) quiet.
    if (el.firstChild && el.firstChild.nodeType === Node.TEXT_NODE && !el.firstChild.nextSibling) {
      if (el.firstChild.data !== text) el.firstChild.data = text;
    } else if (el.textContent !== text) {
      el.textContent = text;
    }
  }

  function render() {
    if (!current || !state) return;
    const leftMs = remainingMs();
    const seconds = state.status === "running" ? Math.ceil(leftMs / 1000) : state.remaining;
    const clockText = formatClock(seconds);
    const clock = current.querySelector("[data-role=clock]");
    if (clock) {
      setText(clock, clockText);
      // h:mm:ss needs a smaller font to fit the dial.
      clock.classList.toggle("timer-clock--hours", seconds >= 3600);
    }

    const ring = current.querySelector(".timer-ring-progress");
    if (ring && state.duration > 0) {
      // 0 = a full ring at the start of a phase, 1000 = empty at its end.
      const left = Math.min(1, leftMs / (state.duration * 1000));
      const offset = (1000 * (1 - left)).toFixed(1);
      if (ring.getAttribute("stroke-dashoffset") !== offset) {
        ring.setAttribute("stroke-dashoffset", offset);
      }
    }

    const title =
      state.status === "idle" || !prefs().titleCountdown
        ? originalTitle
        : clockText + " · " + state.label + " — " + originalTitle;
    if (document.title !== title) document.title = title;

    if (state.status === "running" && leftMs <= 0) reachedZero();
    else if (state.status === "running") warnOnce(leftMs);
    lastLeft = { seq: state.seq, ms: leftMs };
  }

  // "1 minute left", said once per phase when this page sees the minute being crossed:
  // not for a phase first seen under a minute, nor after a jump (sleep, a late push).
  function warnOnce(leftMs) {
    if (warned.has(state.seq) || lastLeft.seq !== state.seq) return;
    if (lastLeft.ms > WARN_MS && leftMs <= WARN_MS && leftMs > WARN_MS - WARN_FRESH_MS) {
      warned.add(state.seq);
      announce("1 minute left.");
    }
  }

  function announce(text) {
    if (window.focusmate && typeof window.focusmate.announce === "function") window.focusmate.announce(text);
  }

  function endMessage(ended) {
    return ended.label + " done — " + (ended.phase === "work" ? "time for a break" : "back to work");
  }

  function signalEnd(ended) {
    if (alerted.has(ended.seq)) return;
    alerted.add(ended.seq);
    const message = endMessage(ended);
    announce(message);
    playEndSound(ended.phase);
    notify(message, ended.seq);
    // For the check-out prompt (static/js/checkout.js).
    document.dispatchEvent(
      new CustomEvent("focusmate:phase-ended", { detail: { phase: ended.phase, seq: ended.seq } })
    );
  }

  function reachedZero() {
    // The end is signalled by the server's push of the next phase (see adopt), which
    // reaches a background tab too, whose timers the browser throttles: no timer in
    // the page decides it. If no push follows (socket down, scheduler late), ask for
    // the state rather than showing 00:00 forever; its answer signals the end.
    if (!resyncTimer) {
      resyncTimer = setTimeout(function () {
        resyncTimer = null;
        if (state && state.status === "running" && remainingMs() <= 0) sync();
      }, RESYNC_AFTER_ZERO_MS);
    }
  }

  function adopt(el) {
    current = el;
    restoreFocus(el);
    updateToggles();
    state = readState(el);
    // Every render carries the server's clock: the freshest one wins. (The first page
    // may have been rendered a little before it ran; the next push corrects that.)
    if (Number.isFinite(state.serverNow)) offsetMs = state.serverNow - Date.now();

    if (newest && state.seq > newest.seq) {
      if (state.phase === newest.phase) {
        // Work never follows work and a break never follows a break: this was a reset.
        alerted.add(newest.seq);
        announce(el.dataset.note ? el.dataset.note + "." : "Timer reset.");
      } else {
        signalEnd(newest);
      }
    }
    if (newest && state.seq === newest.seq && state.status !== newest.status) {
      if (el.dataset.note) announce(el.dataset.note + ".");
      else if (state.status === "running") {
        announce(state.label + (newest.status === "paused" ? " resumed." : " started."));
      }
    }
    if (!newest || state.seq >= newest.seq) newest = state;

    clearTimeout(deadlineTimer);
    deadlineTimer = null;
    if (state.status === "running") {
      // A one-off timer at the deadline: background tabs throttle repeating timers hard,
      // much less a single timeout.
      deadlineTimer = setTimeout(render, remainingMs() + 20);
    }
    if (!ticker) ticker = setInterval(tick, TICK_MS);
    render();
  }

  function tick() {
    if (current && !current.isConnected) check();
    if (!current) {
      clearInterval(ticker);
      ticker = null;
      if (document.title !== originalTitle) document.title = originalTitle;
      return;
    }
    render();
  }

  function check() {
    const el = document.getElementById("timer");
    if (el === current) return;
    if (el) {
      adopt(el);
    } else {
      current = null;
      state = null;
    }
  }

  function sync() {
    const el = document.getElementById("timer");
    const url = el && el.dataset.syncUrl;
    if (!url || !window.htmx) return;
    window.htmx.ajax("GET", url, { target: "#timer", swap: "outerHTML" });
  }

  // Sound: the chosen file for the phase that ended, at the chosen volume. Browsers
  // let a page play once the person has interacted with it, even from a hidden tab.
  function playSound(url, volume) {
    if (!url) return;
    try {
      const sound = new Audio(url);
      sound.volume = volume;
      const playing = sound.play();
      if (playing && typeof playing.catch === "function") playing.catch(function () {});
    } catch (_error) {
      // No sound is better than a broken timer.
    }
  }

  function playEndSound(phase) {
    const chosen = prefs();
    if (!chosen.sound || chosen.volume <= 0) return;
    playSound(phase === "work" ? chosen.workSound : chosen.breakSound, chosen.volume);
  }

  // Notifications: when the account wants them, the browser allows them, and the tab
  // is out of sight. The browser is asked only after a click, and never again once it
  // answered: a refusal is final until the person changes it in the browser.
  function notificationsSupported() {
    return "Notification" in window;
  }

  function notificationsOn() {
    return notificationsSupported() && prefs().notify && Notification.permission === "granted";
  }

  function notify(message, seq) {
    if (!notificationsOn() || !document.hidden) return;
    try {
      // The tag makes two tabs of the same room show one notification, not two.
      new Notification(message, { tag: "focusmate-timer-" + seq });
    } catch (_error) {
      // Some mobile browsers only allow notifications from a service worker.
    }
  }

  function updateToggle(button) {
    // Offered only while there is a question to ask: wanted, and not yet answered.
    button.hidden = !(notificationsSupported() && prefs().notify && Notification.permission === "default");
  }

  function updateToggles() {
    document.querySelectorAll("[data-role=notify-toggle]").forEach(updateToggle);
  }

  function askForNotifications() {
    if (!notificationsSupported() || Notification.permission !== "default") return;
    const done = function () {
      updateToggles();
      if (Notification.permission === "denied" && window.focusmate && window.focusmate.toast) {
        window.focusmate.toast("Notifications are blocked for this site in your browser's settings.", "error");
      }
    };
    // Older Safari takes a callback instead of returning a promise.
    const asked = Notification.requestPermission(done);
    if (asked && typeof asked.then === "function") asked.then(done);
  }

  function listenForSettings() {
    if (!("BroadcastChannel" in window)) return;
    new BroadcastChannel(PREFS_CHANNEL).addEventListener("message", function (event) {
      const saved = event.data || {};
      Object.keys(saved).forEach(function (key) {
        if (typeof saved[key] === "string") document.body.dataset[key] = saved[key];
      });
      updateToggles();
      render();
    });
  }

  // Keyboard shortcuts (WCAG 2.1.4): Space starts, pauses or resumes, S skips, R resets,
  // ? lists them. They act only while focus is inside #timer, or anywhere once the
  // person chose page-wide shortcuts (body[data-shortcuts]); never while typing, and
  // never without the matching button, which is only there for someone who may
  // control the timer. A shortcut clicks that button, so the server hears the same
  // request, and the room the same "Paused by ...", as from a click.
  const SHORTCUTS = { " ": ["start", "pause", "resume"], s: ["skip"], r: ["reset"] };

  function shortcutScope() {
    return document.body.dataset.shortcuts || "timer";
  }

  function typing(target) {
    if (target.isContentEditable) return true;
    return Boolean(target.closest("input, textarea, select, [contenteditable]"));
  }

  function ownsSpace(target) {
    // A focused control answers Space itself (a button clicks, a link's page scrolls).
    return Boolean(target.closest("a[href], button, summary, [role=button], [role=link], dialog"));
  }

  function visible(el) {
    return !el.disabled && !el.hidden && el.getClientRects().length > 0;
  }

  function shortcutButton(el, key) {
    const values = SHORTCUTS[key] || [];
    const selector = values.map((value) => 'button[name=action][value="' + value + '"]').join(", ");
    if (!selector) return null;
    return Array.prototype.find.call(el.querySelectorAll(selector), visible) || null;
  }

  function showShortcuts() {
    const dialog = document.getElementById("shortcuts-dialog");
    if (dialog && !dialog.open && typeof dialog.showModal === "function") dialog.showModal();
  }

  function onKeydown(event) {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.metaKey || event.altKey) return;
    const scope = shortcutScope();
    if (scope === "off") return;
    const target = event.target instanceof Element ? event.target : document.body;
    if (typing(target) || target.closest("dialog")) return; // a dialog has its own keys
    const el = document.getElementById("timer");
    if (!el) return;
    if (!el.contains(target) && scope !== "page") return;
    if (event.key === "?") {
      if (!document.getElementById("shortcuts-dialog")) return;
      event.preventDefault();
      showShortcuts();
      return;
    }
    if (event.shiftKey) return;
    const key = event.key === " " || event.code === "Space" ? " " : (event.key || "").toLowerCase();
    if (!SHORTCUTS[key]) return;
    if (key === " " && ownsSpace(target)) return;
    const button = shortcutButton(el, key);
    if (!button) return; // not legal now, or someone who may not control this timer
    event.preventDefault(); // and no page scroll
    button.click();
  }

  // A button's answer replaces #timer, and the focused button with it: focus would
  // fall back to the page and the next key press would no longer be "in the timer".
  // Remember what had focus in the timer, and put it on its twin in the new one.
  let timerFocus = null; // "section", or the value of the focused action button

  function onFocusin(event) {
    const el = document.getElementById("timer");
    const target = event.target;
    if (!el || !(target instanceof Element) || !el.contains(target)) {
      timerFocus = null;
    } else if (target === el) {
      timerFocus = "section";
    } else {
      timerFocus = target.matches("button[name=action]") ? target.value : "section";
    }
  }

  function restoreFocus(el) {
    if (!timerFocus) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    let next = el;
    if (timerFocus !== "section") {
      next = el.querySelector('button[name=action][value="' + timerFocus + '"]') || el;
    }
    next.focus({ preventScroll: true });
  }

  function start() {
    originalTitle = document.title;
    new MutationObserver(check).observe(document.body, { childList: true, subtree: true });
    check();
    updateToggles();

    document.addEventListener("keydown", onKeydown);
    document.addEventListener("focusin", onFocusin);
    document.addEventListener("pointerdown", function (event) {
      // A click elsewhere leaves the timer, even on something that takes no focus.
      const el = document.getElementById("timer");
      if (!el || !(event.target instanceof Node) || !el.contains(event.target)) timerFocus = null;
    });
    document.addEventListener("click", function (event) {
      if (event.target instanceof Element && event.target.closest("[data-role=shortcuts-help]")) showShortcuts();
    });
    listenForSettings();
    document.addEventListener("click", function (event) {
      const button = event.target instanceof Element && event.target.closest("[data-role=notify-toggle]");
      if (button) askForNotifications();
    });
    document.addEventListener("visibilitychange", function () {
      // Back from hidden (or from sleep): show what the last push said at once, from
      // the deadline and the clock, then check with the server.
      if (document.visibilityState === "visible") {
        render();
        sync();
      }
    });
    document.addEventListener("htmx:beforeSwap", function (event) {
      // A button's response can arrive after a newer push (the other tab was quicker):
      // never let an older state replace a newer one.
      const current = document.getElementById("timer");
      if (!current || !event.detail.target || event.detail.target.id !== "timer") return;
      const match = /data-version="(\d+)"/.exec(event.detail.serverResponse || "");
      if (match && Number(match[1]) < wholeNumber(current.dataset.version, 0)) {
        event.detail.shouldSwap = false;
      }
    });
    window.addEventListener("pageshow", function (event) {
      // Back/forward cache: the page and this script wake up with an old state.
      if (event.persisted) sync();
    });
  }

  window.focusmate = window.focusmate || {};
  window.focusmate.timer = {
    offsetMs: function () {
      return offsetMs;
    },
    remainingSeconds: function () {
      return Math.ceil(remainingMs() / 1000);
    },
    sync: sync,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
