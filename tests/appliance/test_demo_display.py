"""`make demo` on a machine with a display (Xvfb, 1920x1080): every app opens as a window,
the kiosk on the simulated card reader, scanner and printer of the device window (模拟设备).
A person presses 放身份证 · 长者 in the device window and touches a service on the kiosk, both
with xdotool on the real windows; the hub issues a green-channel ticket by ID card, the
printer simulator keeps the bytes the kiosk sent, and those bytes decode to the ticket whose
QR (read by zbarimg) is the ticket's page. Then 扫预约码 checks the demo's booking in. The device window and the whole screen are saved
to docs/screens/demo/."""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.printer.interpreter import Interpreter, QrCode, TextLine
from devices.printer.preview import render_png
from hall.service.local_broker import Mosquitto
from tests.kiosk.test_xvfb import Panel, free_display

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screens" / "demo"


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path / "mosquitto").start()
    yield broker
    broker.stop()


class Window(Panel):
    """One app's X window, clicked where its layout file says its buttons are (the window's
    own coordinates: the demo's windows are not at the screen's corner)."""

    def __init__(self, display: str, title: str, layout: Path):
        super().__init__(layout, display)
        self.env = {**os.environ, "DISPLAY": display}
        self.title = title

    def id(self) -> str:
        """The X window whose name holds ``title`` (xwininfo reads the UTF-8 names xdotool misses)."""
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=self.env, capture_output=True, text=True,
                              timeout=10).stdout
        return next(m.group(1) for m in re.finditer(r'^\s*(0x[0-9a-f]+) "([^"]*)"', tree, re.M)
                    if self.title in m.group(2))

    def click(self, action: str, arg: str | None = None) -> None:
        b = next((b for b in self.screen()["buttons"] if b["action"] == action and b["arg"] == arg), None)
        assert b, f"{self.title}: no button {action} {arg}"
        wid = self.id()
        subprocess.run(["xdotool", "windowraise", wid, "mousemove", "--window", wid, str(b["x"]), str(b["y"]),
                        "click", "1"], env=self.env, check=True, timeout=10)

    def shoot(self, path: Path) -> Path:
        subprocess.run(["import", "-window", self.id(), str(path)], env=self.env, check=True, timeout=20)
        return path


def not_one_colour(path: Path) -> bool:
    from PIL import Image

    return len(Image.open(path).convert("RGB").getcolors(1 << 24) or []) > 20


def test_a_visitor_places_an_id_card_in_the_device_window(tmp_path, mosquitto):
    display = f":{free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "demo.sqlite"
    panel_layout, kiosk_layout = tmp_path / "panel.json", tmp_path / "kiosk.json"
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, SDL_AUDIODRIVER="dummy", KIVY_HOME=str(tmp_path / "kivy"),
               YICHUANG_PANEL_LAYOUT=str(panel_layout), YICHUANG_KIOSK_LAYOUT=str(kiosk_layout))
    out = tmp_path / "demo.out"
    with open(out, "w") as sink:
        demo = subprocess.Popen([sys.executable, "-m", "hall.cli", "demo", "--config", "config/halls/township.toml",
                                 "--broker", mosquitto.url, "--db", str(db), "--web-port", "0", "--citizen", "auto"],
                                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    panel = Window(display, "模拟设备", panel_layout)
    kiosk = Window(display, "取号机", kiosk_layout)
    try:
        kiosk.wait(lambda s: s["screen"] == "home" and any(b["arg"] == "social_insurance" for b in s["buttons"]),
                   "home screen", 60)
        panel.wait(lambda s: any(b["arg"] == "resident_long_term" for b in s["buttons"]), "card buttons")
        deadline = time.monotonic() + 30
        while "试一试" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        text = out.read_text()
        assert "演示市民" not in text  # with a display, the person at the demo walks, not the script
        try_lines = [line for line in text.splitlines() if line.startswith(("Try:", "试一试"))]
        place = next(b for b in panel.screen()["buttons"] if b["arg"] == "resident_long_term")
        assert len(try_lines) == 2 and all("模拟设备" in line for line in try_lines)
        assert place["label"].startswith("放身份证 · 长者") and "放身份证 · 长者" in try_lines[0]
        tray = Path(re.search(r"tickets printed: (\S+)", text).group(1))

        panel.click("place", "resident_long_term")
        kiosk.wait(lambda s: any(b["action"] == "clear_person" for b in s["buttons"]), "the card's holder greeted")
        time.sleep(0.5)  # the hall's figures on the tiles have settled
        kiosk.click("take", "social_insurance")
        number = kiosk.wait(lambda s: s["screen"] == "ticket", "ticket")["number"]
        panel.wait(lambda s: s.get("printed") == 1, "the ticket in the device window")
        time.sleep(1.0)  # the window has drawn the printed ticket
        SHOTS.mkdir(parents=True, exist_ok=True)
        shots = [panel.shoot(SHOTS / "devices-window.png")]
        caller = Window(display, "软呼叫器", tmp_path / "none")
        for window in (kiosk, panel, caller):  # in front, as the person using them has them
            subprocess.run(["xdotool", "windowraise", window.id()], env=panel.env, check=True, timeout=10)
        time.sleep(0.5)
        subprocess.run(["import", "-window", "root", str(SHOTS / "demo-desktop.png")], env=panel.env, check=True,
                       timeout=20)
        shots.append(SHOTS / "demo-desktop.png")
        assert all(not_one_colour(p) for p in shots)
        printed = (tray / "0001.escpos").read_bytes()  # the demo's folder goes when it stops

        # the demo's booking, scanned in the device window, checks in at the kiosk
        kiosk.click("done")
        kiosk.wait(lambda s: s["screen"] == "home", "home again")
        panel.click("scan")
        booked = kiosk.wait(lambda s: s["screen"] == "ticket", "check-in ticket")["number"]
        panel.wait(lambda s: s.get("printed") == 2, "the check-in ticket in the device window")
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
        xvfb.terminate()
        xvfb.wait(10)
    assert demo.returncode == 0 and "demo stopped" in out.read_text()

    # the hub's record: one ticket, by ID card, on the green channel
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT number, channel, priority, token, appointment FROM tickets ORDER BY id").fetchall()
    conn.close()
    booking = re.search(r"demo booking (DEMO\d{8})", text).group(1)
    assert [r[:3] for r in rows] == [(number, "id_card", "green"), (booked, "appointment", "appointment")]
    assert rows[1][4] == booking
    # what the kiosk sent the printer, decoded: the number, the green channel, and a QR that reads back
    elements = list(Interpreter().feed(printed))
    lines = [e.text for e in elements if isinstance(e, TextLine)]
    assert any(number in line for line in lines) and any("【绿色通道】" in line for line in lines)
    picture = render_png(elements, str(tmp_path / "ticket.png"))
    read = subprocess.run(["zbarimg", "-q", "--raw", picture], capture_output=True, text=True, timeout=30)
    qr = [e.payload for e in elements if isinstance(e, QrCode)]
    assert read.stdout.strip() == qr[0] and qr[0].endswith("/t/" + rows[0][3])
    assert not tray.parent.exists()  # the simulators' ptys and links went with the demo
