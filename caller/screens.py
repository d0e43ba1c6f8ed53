"""Screenshots of the soft caller, made from a rehearsed hall (caller/rehearsal.py):

    python -m caller.screens --layout strip --out docs/screens/caller

One process per layout (Kivy has one window). Each scene drives the real hub logic in
process, draws the caller's window offscreen and saves
``<scene>-<layout>-normal-zh.png``. tests/caller/test_caller_window.py runs it for both layouts.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def scenes(hub, desk):
    """(name, action) pairs: each action brings the hall and the desk to the scene."""
    p = desk.presenter

    def signin():
        p.press("sign_in")

    def idle():
        p.cancel()
        p.sign_in("0103", "1234")
        desk.deliver()
        for service in ("household", "social_insurance", "household"):
            hub.issue(service)
        hub.request("kiosk-1", "issue", service="household", person={"birth": "1950-05-01"})  # green channel
        hub.advance(4 * 60)

    def calling():
        desk.press("call_next")
        hub.advance(30)

    def serving():
        desk.press("hold")
        desk.press("call_next")
        desk.press("no_show")
        desk.press("call_next")
        desk.press("start")
        hub.advance(6 * 60)

    def transfer():
        p.press("transfer")
        p.key("R")

    def finish_outcome():
        p.cancel()
        p.press("finish_other")

    def refusal():
        p.cancel()
        desk.press("finish")
        desk.press("call_number", deliver=False)
        p.enter_text("Z999")
        desk.deliver()

    def pause():
        p.press("pause")

    def paused():
        p.key("1")
        desk.deliver()

    def offline():
        p.set_connected(False)
        desk.up = False

    return [("signin", signin), ("idle", idle), ("calling", calling), ("serving", serving),
            ("transfer", transfer), ("outcome", finish_outcome), ("refusal", refusal), ("pause", pause),
            ("paused", paused), ("offline", offline)]


def screenshot(path: Path) -> None:
    """The window's pixels as a PNG. Read as RGBA: Kivy's own screenshot reads RGB rows,
    which GL pads to 4 bytes, and a 1366-pixel row (4098 bytes) comes out sheared."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
    Image.frombytes("RGBA", (width, height), data).transpose(Image.FLIP_TOP_BOTTOM).convert("RGB").save(path)


def main(argv: list[str] | None = None) -> int:
    args_p = argparse.ArgumentParser(prog="python -m caller.screens")
    args_p.add_argument("--layout", choices=("strip", "panel"), required=True)
    args_p.add_argument("--out", required=True)
    args = args_p.parse_args(argv)
    from caller import theme

    layout = theme.LAYOUTS[args.layout]
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(layout.size[0]))
    Config.set("graphics", "height", str(layout.size[1]))
    Config.set("kivy", "exit_on_escape", "0")
    from kivy.clock import Clock
    from kivy.core.window import Window

    from caller.rehearsal import Desk, LocalHub
    from caller.window import CallerApp

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.TemporaryDirectory()
    hub = LocalHub(Path(tmp.name))
    desk = Desk(hub)
    app = CallerApp(desk.presenter, layout)
    todo = scenes(hub, desk)
    made: list[str] = []

    def step(i: int):
        if i >= len(todo):
            app.stop()
            return
        name, action = todo[i]
        action()
        app.screen.refresh()

        def shoot(dt):
            target = out / f"{name}-{layout.name}-normal-zh.png"
            screenshot(target)
            made.append(str(target))
            Clock.schedule_once(lambda dt: step(i + 1), 0.05)

        Clock.schedule_once(shoot, 0.3)

    def begin(*_):
        Window.size = layout.size
        Clock.schedule_once(lambda dt: step(0), 0.5)

    app.bind(on_start=begin)
    app.run()
    tmp.cleanup()
    print("\n".join(made))
    return 0 if len(made) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
