"""The real soft caller window under Xvfb, driven only by keystrokes (xdotool), against a real
Mosquitto and the hub: sign in, call, start, finish, pause with a reason, resume, sign out.
What each shortcut did is read back from the hub's event log."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hall.config import load_hall
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, what: str, timeout: float = 30.0, explain=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"not within {timeout} s: {what}\n{explain()}")


def start_xvfb() -> tuple[int, subprocess.Popen]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel tests never share one."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as numbers:
        line = numbers.readline().strip()
    if not line.isdigit():
        xvfb.kill()
        raise RuntimeError("Xvfb did not start")
    return int(line), xvfb


def test_the_shortcuts_drive_the_real_window(tmp_path):
    text = (ROOT / "config" / "halls" / "township.toml").read_text()
    text = text.replace('id = "banzhuyuan"', f'id = "xd{os.getpid()}"', 1)
    hall = tmp_path / "hall.toml"
    hall.write_text(text)
    config = load_hall(hall)
    display, xvfb = start_xvfb()
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    status = HubStatus(broker.url, config.id).start()
    hub = spawn_hub(hall, db, broker.url, log, "--always-open")
    env = {**os.environ, "DISPLAY": f":{display}", "KIVY_HOME": str(tmp_path / "kivy"), "KIVY_NO_ARGS": "1",
           "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1"}
    app = kiosk = None

    def xdo(*args: str) -> str:
        return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=30).stdout.strip()

    def events(kind: str) -> list[tuple]:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute("SELECT staff, data FROM events WHERE type = ? AND window = '3'", (kind,)).fetchall()
        finally:
            conn.close()

    def key(*keys: str) -> None:
        for k in keys:
            xdo("key", "--window", window, k)
            time.sleep(0.15)

    try:
        wait_until(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), "Xvfb up", 15)
        status.wait_online(30, hub, log)
        kiosk = HallClient(broker.url, config.id, "kiosk-1").connect()
        number = kiosk.request("issue", service="household")["data"]["ticket"]
        with open(tmp_path / "caller.log", "w") as out:
            app = subprocess.Popen([sys.executable, "-m", "hall.cli", "caller", "--config", str(hall), "--device",
                                    "caller-3", "--broker", broker.url], cwd=ROOT, env=env, stdout=out, stderr=out)
        window = wait_until(lambda: xdo("search", "--class", "python").split("\n")[0], "the caller's window", 60,
                            explain=lambda: subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                                                           text=True).stdout + (tmp_path / "caller.log").read_text()[-1500:])
        wait_until(lambda: "软呼叫器" in xdo("getwindowname", window), "the window's title", 30)
        xdo("windowfocus", "--sync", window)
        time.sleep(2.0)  # the window draws its first frames and hears the retained state

        def sign_in() -> bool:
            """F12, staff number, Enter, PIN, Enter; again if the window was not ready to listen yet
            (it says "正在读取窗口状态" until the retained state has come)."""
            key("Escape", "F12")
            time.sleep(0.6)
            xdo("type", "--window", window, "--delay", "80", "0103")
            key("Return")
            xdo("type", "--window", window, "--delay", "80", "1234")
            key("Return")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not events("staff_login"):
                time.sleep(0.1)
            return bool(events("staff_login"))

        wait_until(sign_in, "F12 + staff number + PIN signs in", 60)
        assert events("staff_login")[0][0] == "0103"

        def press_until(keys: tuple[str, ...], kind: str, what: str):
            """Press, then look for the event; press again only if it has not come. A press the
            window refuses because its last request is still on its way ("正在等待系统响应")
            is pressed again; a repeated press of a request in flight re-sends the same one."""
            def attempt():
                key(*keys)
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline:
                    found = events(kind)
                    if found:
                        return found
                    time.sleep(0.1)
                return None
            return wait_until(attempt, what, 45)

        press_until(("F1",), "ticket_called", "F1 calls the next ticket")
        press_until(("F3",), "ticket_started", "F3 starts")
        press_until(("F7",), "ticket_finished", "F7 finishes")
        paused = press_until(("Escape", "F11", "1"), "window_paused", "F11 then 1 pauses for 午休")
        assert '午休' in paused[0][1]
        press_until(("F11",), "window_resumed", "F11 resumes")
        press_until(("Escape", "shift+F12"), "window_closed", "Shift+F12 signs out")
        shot = tmp_path / "screen.png"
        subprocess.run(["import", "-display", f":{display}", "-window", "root", str(shot)], timeout=30)
        assert number and shot.exists()
    finally:
        if kiosk is not None:
            kiosk.close()
        for proc in (app, hub):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        status.close()
        broker.stop()
        xvfb.terminate()
        xvfb.wait(10)
