// Check-in and check-out on a room's page.
//
// - When a work phase ends (static/js/timer.js dispatches "focusmate:phase-ended" on
//   document), the "Did you do it?" panel is fetched into #checkout: open if the person's
//   alert setting says it shows by itself (body[data-checkout-prompt]), else closed until
//   clicked. It is a small panel beside the timer: it never blocks the break.
// - Opening the page during a break fetches the panel of the work phase that just ended
//   (closed, and nothing once answered, so a reload never nags).
// - People who show their check-outs carry a ✓ (.checked-out[data-break-seq]) that is
//   visible only during the break right after the phase they finished: shown or hidden
//   here from #timer's state, whenever the timer or the people list changes.
(function () {
  "use strict";

  function slot() {
    return document.getElementById("checkout");
  }

  function promptsByItself() {
    return document.body.dataset.checkoutPrompt !== "off";
  }

  function panelUrl(seq, params) {
    const el = slot();
    const base = el && el.dataset.checkoutUrl;
    if (!base || !(seq > 0)) return null;
    return base.replace(/0\/$/, seq + "/") + "?in=room" + (params || "");
  }

  function load(seq, params) {
    const url = panelUrl(seq, params);
    if (!url || !window.htmx) return;
    window.htmx.ajax("GET", url, { target: "#checkout", swap: "innerHTML" });
  }

  function timerState() {
    const timer = document.getElementById("timer");
    if (!timer) return null;
    return {
      seq: Number(timer.dataset.seq),
      phase: timer.dataset.phase,
      status: timer.dataset.status,
    };
  }

  function isBreak(state) {
    return state && state.phase !== "work" && state.status !== "idle";
  }

  function markFinished() {
    const state = timerState();
    const breakSeq = isBreak(state) ? String(state.seq) : null;
    document.querySelectorAll(".checked-out[data-break-seq]").forEach(function (mark) {
      const show = mark.dataset.breakSeq === breakSeq;
      if (mark.hidden === show) mark.hidden = !show;
    });
  }

  function onPhaseEnded(event) {
    const ended = event.detail || {};
    if (ended.phase !== "work") return;
    load(ended.seq, promptsByItself() ? "" : "&collapsed=1");
  }

  function start() {
    document.addEventListener("focusmate:phase-ended", onPhaseEnded);
    document.addEventListener("click", function (event) {
      const close = event.target instanceof Element && event.target.closest("[data-role=checkout-close]");
      if (!close) return;
      const panel = close.closest(".checkout");
      if (panel) panel.remove();
    });
    // New #timer or people arrive by several roads (pushes, buttons, resyncs): watch the
    // DOM, as timer.js does. Toggling `hidden` is an attribute change, not observed.
    new MutationObserver(markFinished).observe(document.body, { childList: true, subtree: true });
    markFinished();
    const state = timerState();
    if (isBreak(state) && slot()) load(state.seq - 1, "&collapsed=1&unanswered=1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
