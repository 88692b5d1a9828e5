// /settings/alerts/: test buttons for the sounds, the browser's real notification
// permission (asked for only on a click, never again once answered), and the saved
// settings sent to this browser's other open tabs (static/js/timer.js listens).
(function () {
  "use strict";

  const PREFS_CHANNEL = "focusmate:alerts";
  const PREF_KEYS = ["shortcuts", "sound", "volume", "workSound", "breakSound", "notify", "titleCountdown", "announceChat", "checkoutPrompt"];

  function soundUrl(name) {
    const file = document.querySelector('[data-role=sound-files] [data-sound="' + name + '"]');
    return file ? file.dataset.url : "";
  }

  function volume() {
    const slider = document.getElementById("id_sound_volume");
    return slider ? Math.min(100, Math.max(0, Number(slider.value) || 0)) / 100 : 0.7;
  }

  function testSound(button) {
    const select = document.getElementById(button.dataset.for);
    const url = select && soundUrl(select.value);
    if (!url) return;
    const sound = new Audio(url);
    sound.volume = volume();
    const playing = sound.play();
    if (playing && typeof playing.catch === "function") playing.catch(function () {});
  }

  const STATES = {
    granted: "allowed",
    denied: "blocked. Only your browser's site settings can allow it again.",
    default: "not asked yet",
  };

  function showPermission() {
    const state = document.querySelector("[data-role=permission-state]");
    const ask = document.querySelector("[data-role=ask-permission]");
    if (!state) return;
    if (!("Notification" in window)) {
      state.textContent = "this browser has no desktop notifications";
      if (ask) ask.hidden = true;
      return;
    }
    state.textContent = STATES[Notification.permission] || Notification.permission;
    if (ask) ask.hidden = Notification.permission !== "default";
  }

  function askPermission() {
    if (!("Notification" in window) || Notification.permission !== "default") return;
    const asked = Notification.requestPermission(showPermission);
    if (asked && typeof asked.then === "function") asked.then(showPermission);
  }

  function shareSaved() {
    // The page shows what is stored: every load (after a save, too) hands it on.
    if (!("BroadcastChannel" in window)) return;
    const saved = {};
    PREF_KEYS.forEach(function (key) {
      if (document.body.dataset[key] !== undefined) saved[key] = document.body.dataset[key];
    });
    const channel = new BroadcastChannel(PREFS_CHANNEL);
    channel.postMessage(saved);
    channel.close();
  }

  function start() {
    showPermission();
    shareSaved();
    const slider = document.getElementById("id_sound_volume");
    const shown = document.querySelector("[data-role=volume-value]");
    if (slider && shown) {
      slider.addEventListener("input", function () {
        shown.textContent = slider.value;
      });
    }
    document.addEventListener("click", function (event) {
      if (!(event.target instanceof Element)) return;
      const test = event.target.closest("[data-role=test-sound]");
      if (test) testSound(test);
      if (event.target.closest("[data-role=ask-permission]")) askPermission();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
