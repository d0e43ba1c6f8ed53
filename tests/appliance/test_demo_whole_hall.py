"""`make demo` on a machine without a display: the whole hall comes up offscreen (hub, web,
board, window screen, kiosk, voice) on a real Mosquitto, and the scripted citizen takes a
ticket at the kiosk (printed on the printer simulator), is called from window 1's caller,
is shown on the board and announced by the voice, is finished and rates; then an elderly
citizen takes a green-channel ticket with her ID card on the card reader simulator, and the
walk prints what the printer simulator's bytes decode to. The demo then says in two lines
what to try, with the web dashboard's address and the device window."""
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
    card = re.search(r"6\. 刷身份证 kiosk-1: 李\*英 \(\d+\) laid her ID card on the reader simulator and touched "
                     r"(\w+); ticket ([A-Z]\d{3}), printed:\n +(.*)\n +QR (\S+)", walk)
    assert card, walk
    service, card_number, paper, qr = card.groups()
    assert service == ticket.group(2) and f" {card_number} | " in paper and "【绿色通道】" in paper
    web = re.search(r"web +(http://127\.0\.0\.1:\d+/manage)", text).group(1)
    try_lines = [line for line in walk.splitlines() if line.startswith(("Try:", "试一试"))]
    assert len(try_lines) == 2 and all(web in line and "模拟设备" in line for line in try_lines)
    # the hub's own record: the first ticket issued at the kiosk, called and finished; the
    # card's ticket on the green channel, waiting, and its printed QR is its status page
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT number, status, channel, priority, token FROM tickets ORDER BY number").fetchall()
    ratings = conn.execute("SELECT level FROM ratings").fetchall()
    conn.close()
    assert [r[:4] for r in rows] == [(number, "finished", "kiosk", None), (card_number, "waiting", "id_card", "green")]
    assert qr.endswith("/t/" + rows[1][4])
    assert ratings == [("satisfied",)]  # one rating for the one matter
