"""Writes the alert sounds in static/sounds/ (made here, CC0; see static/sounds/LICENSE).

Pure Python (`wave`, `math`): each sound is a few sine partials under a soft envelope,
short and distinct, so that "work over" and "break over" can be told apart by ear.
Run it again only to change a sound: `python scripts/make_sounds.py`.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
OUT = Path(__file__).resolve().parents[1] / "static" / "sounds"

# name: list of (start s, frequency Hz, length s, loudness, decay per second)
SOUNDS = {
    "chime": [(0.0, 880, 0.5, 0.5, 6), (0.18, 1320, 0.6, 0.45, 5)],
    "bell": [(0.0, 660, 1.0, 0.5, 3.5), (0.0, 1650, 0.8, 0.18, 5), (0.0, 2640, 0.5, 0.08, 8)],
    "wood": [(0.0, 300, 0.12, 0.6, 30), (0.16, 300, 0.12, 0.6, 30), (0.32, 400, 0.15, 0.6, 25)],
    "rise": [(0.0, 523, 0.25, 0.45, 7), (0.15, 659, 0.25, 0.45, 7), (0.3, 784, 0.45, 0.45, 5)],
}


def samples(notes: list[tuple[float, float, float, float, float]]) -> list[float]:
    length = max(start + duration for start, _, duration, _, _ in notes)
    out = [0.0] * int(length * RATE)
    for start, frequency, duration, loudness, decay in notes:
        first = int(start * RATE)
        for n in range(int(duration * RATE)):
            t = n / RATE
            attack = min(1.0, t / 0.008)  # 8 ms in: no click
            release = min(1.0, (duration - t) / 0.02)  # 20 ms out
            envelope = attack * release * math.exp(-decay * t)
            out[first + n] += loudness * envelope * math.sin(2 * math.pi * frequency * t)
    return out


def write(name: str, values: list[float]) -> Path:
    path = OUT / f"{name}.wav"
    peak = max(1.0, max(abs(v) for v in values))
    frames = b"".join(struct.pack("<h", int(32_000 * v / peak)) for v in values)
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(frames)
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, notes in SOUNDS.items():
        path = write(name, samples(notes))
        print(f"{path.relative_to(OUT.parents[1])}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
