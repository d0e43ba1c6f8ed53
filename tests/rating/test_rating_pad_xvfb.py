"""The real `yichuang rating-pad` window under Xvfb, touched with xdotool like a finger: a window
finishes a matter, the pad asks, the citizen taps 非常不满意, two reasons, types a mobile number
on the pad's keys and submits; the hub records it with a case, the pad thanks and goes back to
idle. The pad writes where its targets are (``YICHUANG_PAD_LAYOUT``), so the clicks land."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hub.conftest import Hall as HubHall
from tests.hub.conftest import connect, mosquitto, start_hub  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]


def free_display() -> int:
    for n in range(120, 250):
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

    def tap(self, action: str, arg: str | None = None) -> None:
        s = self.screen()
        t = next((t for t in s["targets"] if t["action"] == action and t["arg"] == arg), None)
        assert t, f"no target {action} {arg} on {s.get('screen')}"
        subprocess.run(["xdotool", "mousemove", str(t["x"]), str(t["y"]), "click", "1"], check=True,
                       env={**os.environ, "DISPLAY": self.display}, timeout=10)


@pytest.fixture
def xvfb():
    display = f":{free_display()}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{display[1:]}").exists():
        assert time.monotonic() < deadline and proc.poll() is None, "Xvfb did not start"
        time.sleep(0.05)
    yield display
    proc.terminate()
    proc.wait(10)


def test_a_citizen_rates_on_the_real_window(mosquitto, tmp_path, start_hub, connect, hall_key, xvfb):
    hall = HubHall(tmp_path)
    start_hub(hall, mosquitto.url)
    layout = tmp_path / "layout.json"
    env = {**os.environ, "DISPLAY": xvfb, "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1",
           "KIVY_HOME": str(tmp_path / "kivy"), "YICHUANG_PAD_LAYOUT": str(layout)}
    log = open(tmp_path / "pad.log", "w")
    pad = subprocess.Popen([sys.executable, "-m", "hall.cli", "rating-pad", "--config", str(hall.path), "--device",
                            "pad-3", "--broker", mosquitto.url, "--size", "1280x800"], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    panel = Panel(layout, xvfb)
    try:
        kiosk, caller = connect(mosquitto.url, hall, "kiosk-1"), connect(mosquitto.url, hall, "caller-3")
        assert caller.request("staff_login", staff="0103")["status"] == "ok"
        panel.wait(lambda s: s["screen"] == "idle" and s["title"] == "欢迎评价", "the idle screen", 60)
        panel.tap("lang")
        panel.wait(lambda s: s["lang"] == "en", "English")
        panel.tap("lang")
        panel.wait(lambda s: s["lang"] == "zh", "中文 again")

        number = kiosk.request("issue", service="household")["data"]["ticket"]
        caller.request("call_next")
        assert caller.request("finish")["status"] == "ok"
        panel.wait(lambda s: s["screen"] == "asking", "the five faces")
        panel.tap("choose", "very_dissatisfied")
        panel.wait(lambda s: s["screen"] == "reasons", "the reasons")
        panel.tap("reason", "long_wait")
        panel.wait(lambda s: s["reasons"] == ["long_wait"], "one reason chosen")
        panel.tap("reason", "attitude")
        panel.wait(lambda s: sorted(s["reasons"]) == ["attitude", "long_wait"], "two reasons chosen")
        panel.tap("phone")
        panel.wait(lambda s: s["screen"] == "phone", "the number pad")
        for n, digit in enumerate("13812345678", 1):
            panel.tap("key", digit)
            panel.wait(lambda s: s["digits"] == n, f"{n} digits")
        panel.tap("go")
        panel.wait(lambda s: s["screen"] == "reasons" and s["phone"] == "回访电话：138****5678", "the masked number")
        panel.tap("submit")
        panel.wait(lambda s: s["screen"] == "thanks", "the thank-you")
        rows = hall.query("SELECT ticket, level, reasons, phone_masked, \"case\", channel FROM ratings")
        assert rows == [(number, "very_dissatisfied", '["long_wait", "attitude"]', "138****5678", 1, "pad")]
        assert hall.query("SELECT status, named FROM cases") == [("open", 1)]
        panel.wait(lambda s: s["screen"] == "idle", "idle again", 30)
        assert pad.poll() is None
    finally:
        pad.terminate()
        pad.wait(20)
        log.close()
    assert "Traceback" not in (tmp_path / "pad.log").read_text()


def test_the_pad_says_offline_when_stopped(mosquitto, tmp_path, start_hub, hall_key, xvfb):
    """SIGTERM (systemd, the demo) stops the pad cleanly: a retained offline, not a dropped socket."""
    from tests.rating.test_rating_e2e import Spy, wait_for

    hall = HubHall(tmp_path)
    start_hub(hall, mosquitto.url)
    spy = Spy(mosquitto.url, hall.id)
    spy.bus.start()
    assert spy.bus.wait_connected(10)
    env = {**os.environ, "DISPLAY": xvfb, "KIVY_NO_ARGS": "1", "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1",
           "KIVY_HOME": str(tmp_path / "kivy")}
    pad = subprocess.Popen([sys.executable, "-m", "hall.cli", "rating-pad", "--config", str(hall.path), "--device",
                            "pad-3", "--broker", mosquitto.url], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    status = spy.topics.status("pad-3")
    states = lambda: [json.loads(p)["state"] for t, p in list(spy.messages) if t == status]  # noqa: E731
    try:
        wait_for(lambda: "online" in states(), 60)
        pad.terminate()
        assert pad.wait(20) == 0
        wait_for(lambda: states()[-1] == "offline", 10)
    finally:
        if pad.poll() is None:
            pad.kill()
        spy.bus.stop()
