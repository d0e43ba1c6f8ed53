"""A real kiosk window under Xvfb, clicked with xdotool like a finger on the panel: the
`yichuang kiosk` process with the ID-card reader, the scanner and the printer simulators on
ptys, a real Mosquitto and the hub. One ticket by touch, one by ID card (green channel for
an elderly card), one appointment check-in by QR, one refusal, one paper-out. The kiosk
writes where its buttons are (``YICHUANG_KIOSK_LAYOUT``), so the clicks land on them."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.idcard.cards import demo_cards, demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.printer.interpreter import TextLine
from devices.printer.simulator import PrinterSimulator
from devices.scanner.simulator import ScannerSimulator
from hall.appointments import import_bookings, parse
from hall.config import load_hall
from hall.service.local_broker import Mosquitto, spawn_hub_online

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
CLOCK = "2025-03-04T10:00:00"



def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise RuntimeError("no free X display")


class Panel:
    def __init__(self, layout: Path, display: str):
        self.layout, self.display = layout, display

    def screen(self) -> dict:
        try:
            return json.loads(self.layout.read_text())
        except (OSError, ValueError):
            return {}

    def wait(self, predicate, what: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if s and predicate(s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; screen now {s}")
            time.sleep(0.05)

    def click(self, action: str, arg: str | None = None) -> None:
        s = self.screen()
        b = next((b for b in s["buttons"] if b["action"] == action and b["arg"] == arg), None)
        assert b, f"no button {action} {arg} on {s['screen']}"
        subprocess.run(["xdotool", "mousemove", str(b["x"]), str(b["y"]), "click", "1"], check=True,
                       env={**os.environ, "DISPLAY": self.display}, timeout=10)


@pytest.fixture
def hall(tmp_path):
    hid = f"x{int(time.time() * 1000) % 10_000_000}"
    path = tmp_path / "hall.toml"
    path.write_text(re.sub(r'(?m)^id = "[^"]+"$', f'id = "{hid}"', TOWNSHIP.read_text(), count=1))
    config = load_hall(path)
    db = tmp_path / "hall.sqlite"
    rows, _ = parse("code,service,date,slot,person\nAPPT20250304,household,2025-03-04,10:00-10:30,王*明\n", config)
    import_bookings(db, config, rows)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    hub = spawn_hub_online(path, db, broker.url, tmp_path / "hub.log", "--clock", CLOCK)
    yield path, db, broker
    hub.terminate()
    hub.wait(15)
    broker.stop()


def test_a_citizen_clicks_the_real_window(hall, tmp_path):
    path, db, broker = hall
    n = free_display()
    display = f":{n}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1080x1920x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reader, printer, scanner = IdCardSimulator(), PrinterSimulator(), ScannerSimulator("crlf")
    reader.start()
    printer.start()
    scanner.start()
    layout = tmp_path / "layout.json"
    env = {k: v for k, v in os.environ.items()}
    env.update(DISPLAY=display, KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               KIVY_HOME=str(tmp_path / "kivy"), YICHUANG_KIOSK_LAYOUT=str(layout))
    log = tmp_path / "kiosk.log"
    with open(log, "w") as out:
        kiosk = subprocess.Popen([sys.executable, "-m", "hall.cli", "kiosk", "--config", str(path), "--broker",
                                  broker.url, "--idcard", reader.path, "--scanner", scanner.url, "--sscard", "",
                                  "--printer", f"serial://{printer.path}", "--demo-key", "--size", "1080x1920"],
                                 cwd=ROOT, env=env, stdout=out, stderr=out)
    panel = Panel(layout, display)
    try:
        panel.wait(lambda s: s["screen"] == "home" and any(b["arg"] == "household" for b in s["buttons"]),
                   "home screen", 60)
        time.sleep(1.0)  # the hub's retained state has arrived: the tiles carry their figures

        # one ticket by touch
        panel.click("take", "household")
        s = panel.wait(lambda s: s["screen"] == "ticket", "printed ticket")
        assert s["number"] == "C001" and len(printer.tickets()) == 1
        panel.click("done")
        panel.wait(lambda s: s["screen"] == "home", "home again")

        # a refusal: civil affairs without an ID card
        panel.click("take", "civil_affairs")
        s = panel.wait(lambda s: s["screen"] == "refused", "refusal")
        assert "需刷身份证取号" in s["lines"][0]
        # one swipe of an elderly card: the ticket follows, on the green channel
        reader.place(demo_virtual_cards()["resident_long_term"])
        s = panel.wait(lambda s: s["screen"] == "ticket", "card ticket")
        assert s["number"] == "B001"
        paper = "\n".join(i.text for i in printer.last_ticket() if isinstance(i, TextLine))
        assert "【绿色通道】" in paper
        panel.click("done")
        panel.wait(lambda s: s["screen"] == "home", "home after the card")
        reader.lift()

        # an appointment's QR at the scanner
        scanner.scan("YY-APPT20250304")
        s = panel.wait(lambda s: s["screen"] == "ticket", "check-in ticket")
        assert s["number"] == "C002" and len(printer.tickets()) == 3
        panel.click("done")
        panel.wait(lambda s: s["screen"] == "home", "home after check-in")

        # paper out: said before issuing; the number on screen instead
        printer.paper = "out"
        panel.click("take", "social_insurance")
        panel.wait(lambda s: s["screen"] == "printer_problem", "paper-out screen")
        panel.click("no_print")
        s = panel.wait(lambda s: s["screen"] == "ticket", "screen-only ticket")
        assert s["number"] == "A001" and any(b["action"] == "noted" for b in s["buttons"])
        panel.click("noted")
        panel.wait(lambda s: s["screen"] == "home", "home after noting")
    finally:
        kiosk.terminate()
        try:
            kiosk.wait(30)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        xvfb.terminate()
        xvfb.wait(10)
        reader.stop()
        printer.stop()
        scanner.stop()

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT number, priority, channel FROM tickets ORDER BY number").fetchall()
    conn.close()
    assert rows == [("A001", None, "kiosk"), ("B001", "green", "id_card"), ("C001", None, "kiosk"),
                    ("C002", "appointment", "appointment")]
    secret = demo_cards()["resident_long_term"].id_number
    assert secret not in log.read_text() and secret not in (tmp_path / "hub.log").read_text()
