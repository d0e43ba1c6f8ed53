"""Run the real kiosk window (offscreen) and touch it: used by test_app.py in a child process
(a Kivy window is one per process). Prints one JSON line with what happened."""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config  # noqa: E402

W, H = (int(x) for x in sys.argv[1].split("x"))
Config.set("graphics", "width", str(W))
Config.set("graphics", "height", str(H))
Config.set("graphics", "resizable", "0")

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402
from kivy.tests.common import UnitTestTouch  # noqa: E402

from kiosk.app import KioskApp  # noqa: E402
from kiosk.effects import CheckPrinter, Send  # noqa: E402
from kiosk.screenshots import make_flow  # noqa: E402

flow = make_flow("home", "normal", "zh")
app = KioskApp(flow, catch_errors=False)
effects: list = []
result: dict = {"steps": []}


def find(action, arg=None):
    for w in app.root.walk():
        if getattr(w, "kiosk_action", None) == (action, arg):
            return w
    return None


def tap(widget):
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    return x, y


def colours(path):
    from PIL import Image

    return len(Image.open(path).convert("RGB").getcolors(1 << 20) or [])


steps = []


def step(fn):
    steps.append(fn)
    return fn


@step
def touch_a_tile():
    tile = find("take", "household")
    result["tile_pos"] = tap(tile)
    result["tap_twice"] = tap(tile)  # a second tap on the same spot, as a hurried hand does
    effects.extend(flow.take_effects())


@step
def after_taps():
    result["screen_after_tap"] = flow.screen
    result["printer_checks"] = sum(isinstance(e, CheckPrinter) for e in effects)
    flow.printer_checked(True)
    app.refresh()
    sends = [e for e in flow.take_effects() if isinstance(e, Send)]
    result["issues"] = len(sends)
    flow.reply({"v": 1, "status": "ok", "transaction": sends[0].transaction, "data": {
        "ticket": "C004", "id": "2026-03-03:C004", "service": "household", "service_name": "户籍与证明开具",
        "service_name_en": "Household registration", "status": "waiting", "priority": None, "people_ahead": 3,
        "estimated_wait_min": 14.0, "issued_at": "2026-03-03T10:02:05.000+08:00", "window": None,
        "pinned_window": None, "token": "q7Hc2mV9xT4pL0sR8aZb3w"}})
    job = [e for e in flow.take_effects()][-1]
    flow.printed(job.job, True)
    app.refresh()


@step
def on_ticket():
    result["screen"] = flow.screen
    result["number_shown"] = any(getattr(w, "text", None) == "C004" for w in app.root.walk())
    path = Window.screenshot(name=sys.argv[2])
    result["shot"] = path
    result["colours"] = colours(path)
    tap(find("done"))


@step
def back_home():
    result["screen_after_done"] = flow.screen
    tap(find("lang"))


@step
def english():
    result["lang"] = flow.lang
    result["english_tile"] = any("Household registration" in str(getattr(w, "text", "")) for w in app.root.walk())


state = {"i": 0, "frames": 0}


def run(_dt):
    state["frames"] += 1
    if state["frames"] < 3:
        return
    state["frames"] = 0
    if state["i"] >= len(steps):
        app.stop()
        return
    steps[state["i"]]()
    state["i"] += 1


Clock.schedule_interval(run, 0)
app.run()
print(json.dumps(result))
