"""A kiosk runs 24 hours a day: what it holds must not grow with the tickets it gives.

The real window (offscreen) takes tickets one after another (tests/kiosk/memory_driver.py),
and after each one, on the home screen, the process is counted (bench/kiosk_census.py):
widgets and textures, the Clock's events, Kivy's cache entries, every object by type. Counted,
not measured: RSS and time are the benchmark's (``python -m bench kiosk``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.kiosk_census import growth

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 10


def _run(tmp_path, tickets: int, tidy: bool = True) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               KIVY_HOME=str(tmp_path / "kivy"), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "kiosk" / "memory_driver.py"), str(tickets),
                          "1" if tidy else "0"], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])["counts"]


def test_what_the_kiosk_holds_does_not_grow_with_tickets(tmp_path):
    counts = _run(tmp_path, TICKETS)
    half, last = counts[TICKETS // 2 - 1], counts[-1]
    screen = last["on_screen"]
    assert screen > 20  # the home screen with its tiles
    for c in counts[1:]:  # the first ticket's census sees what starting the window left behind
        # a replaced screen is freed once the next one is drawn: the process holds what the
        # window shows, not every screen since the last time CPython's full collection ran
        brief = {k: v for k, v in c.items() if k != "by_type"}
        assert c["held_widgets"] == c["on_screen"] == screen, brief
        assert c["held_textures"] == c["textures"], brief
    # from half the tickets to all of them: nothing that grows with each ticket
    for key in ("widgets", "textures", "clock_events", "cache"):
        assert last[key] <= half[key], (key, half[key], last[key])
    per_ticket = (last["objects"] - half["objects"]) / (TICKETS - TICKETS // 2)
    assert per_ticket < 5, (per_ticket, growth(half, last))
