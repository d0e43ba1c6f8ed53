"""`make demo` on a machine without a display: the whole hall comes up offscreen (hub, web,
board, window screen, kiosk, voice) on a real Mosquitto, and the scripted citizen takes a
ticket at the kiosk (printed on the printer simulator), is called from window 1's caller,
is shown on the board and announced by the voice, and is finished; the demo then says in two
lines what to try, with the web dashboard's address."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hall.service.local_broker import Mosquitto

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path / "mosquitto").start()
    yield broker
    broker.stop()


def test_the_scripted_citizen_walks_through_the_whole_hall(tmp_path, mosquitto):
    db = tmp_path / "demo.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    out = subprocess.run([sys.executable, "-m", "hall.cli", "demo", "--config", "config/halls/township.toml",
                          "--broker", mosquitto.url, "--db", str(db), "--web-port", "0", "--citizen", "auto",
                          "--for", "5"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    print(out.stdout)  # what the demo printed, for the report
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    walk = text[text.index("演示市民"):]
    ticket = re.search(r"1\. 取号 kiosk-1: ticket ([A-Z]\d{3}) for (\w+) \(printed on the printer simulator\)", walk)
    assert ticket, walk
    number = ticket.group(1)
    assert f"called {number}" in walk
    assert f"{number} is on the board, and the voice played 「{number}号请到1号窗口」" in walk
    assert f"{number} finished" in walk
    assert f"评价 pad-1: the pad asked about {number}; the citizen rated 满意" in walk
    web = re.search(r"web +(http://127\.0\.0\.1:\d+/manage)", text).group(1)
    try_lines = [line for line in walk.splitlines() if line.startswith(("Try:", "试一试"))]
    assert len(try_lines) == 2 and all(web in line for line in try_lines)
    # the hub's own record: the ticket was issued at the kiosk, called and finished
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT number, status FROM tickets").fetchall()
    ratings = conn.execute("SELECT level FROM ratings").fetchall()
    conn.close()
    assert rows == [(number, "finished")]
    assert ratings == [("satisfied",)]  # one rating for the one matter
