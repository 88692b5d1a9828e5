"""Scripts that browser tests install before a page's own (Playwright's add_init_script)."""

from __future__ import annotations

# Records the sounds played: [file name, volume] (headless Chromium has no speakers).
AUDIO_SPY = """
window.__played = [];
HTMLMediaElement.prototype.play = function () {
  window.__played.push([this.src.split("/").pop(), this.volume]);
  return Promise.resolve();
};
"""
