"""Screenshots of the board and the window screens, from scenes made by the real engine.

    python -m display.screenshots --out docs/screens/display

One Kivy window (offscreen when DISPLAY is unset) is resized for each picture. Names follow
``<screen>-<orientation>-<mode>-<lang>.png``. tests/display/test_display_screens.py runs this
and checks the pictures; look at them before committing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HALLS = {"township": ROOT / "config" / "halls" / "township.toml", "county": ROOT / "config" / "halls" / "county.toml"}


def board_shots(tmp: Path):
    """(file name, (w, h), orientation, lang, config, mirror, now) for each board picture."""
    from hall.config import load_hall
    from display.scenes import SceneHall, busy

    for hall in ("township", "county"):
        config = load_hall(HALLS[hall])
        scene = busy(SceneHall(config, tmp / f"b-{hall}"), per_service=6 if hall == "county" else 4,
                     pause={"2": "系统维护，请稍候"}, recall=None)
        scene.later(20)
        scene.do("finish", window="1")
        scene.do("call_next", window="1")  # the newest call: at window 1
        mirror = scene.mirror()
        for orientation, size in (("landscape", (1920, 1080)), ("portrait", (1080, 1920))):
            yield f"board-{orientation}-{hall}-zh.png", size, orientation, "zh", config, mirror, scene.now + 1
        if hall == "township":
            yield "board-landscape-township-en.png", (1920, 1080), "landscape", "en", config, mirror, scene.now + 30
            lost = scene.mirror()
            lost.connected = False
            yield "board-landscape-lost-zh.png", (1920, 1080), "landscape", "zh", config, lost, scene.now + 30
            evening = scene.mirror()
            evening.hall = {**evening.hall, "open_now": False}
            yield "board-landscape-closed-zh.png", (1920, 1080), "landscape", "zh", config, evening, scene.now + 8 * 3600
        scene.close()


def window_shots(tmp: Path):
    from hall.config import load_hall
    from display.scenes import SceneHall

    config = load_hall(HALLS["township"])
    scene = SceneHall(config, tmp / "w")
    scene.do("staff_login", window="3", staff="0103")
    scene.do("staff_login", window="2", staff="0102")
    scene.do("issue", service="social_insurance")
    scene.do("call_next", window="3")
    scene.do("pause", window="2", reason="系统维护，请到其他窗口办理")
    mirror = scene.mirror()
    for size in ((800, 480), (1280, 400)):
        tag = f"{size[0]}x{size[1]}"
        yield f"window-{tag}-calling-zh.png", size, config, "3", mirror
        yield f"window-{tag}-paused-zh.png", size, config, "2", mirror
    yield "window-800x480-calling-en.png", (800, 480), config, "3", mirror
    scene.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m display.screenshots")
    p.add_argument("--out", default=str(ROOT / "docs" / "screens" / "display"))
    p.add_argument("--only", help="only pictures whose name contains this")
    p.add_argument("--measure", help="write the numbers' font sizes and boxes (JSON) here, for tests")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    tmp = Path(tempfile.mkdtemp(prefix="yc-shots-"))
    for d in ("b-township", "b-county", "w"):
        (tmp / d).mkdir()
    from kivy.config import Config

    Config.set("graphics", "width", "1920")
    Config.set("graphics", "height", "1920")  # the offscreen surface never grows past its first size
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from display import theme
    from display.board import BoardPresenter
    from display.board_app import BoardScreen
    from display.window_app import WindowScreen
    from display.window_screen import WindowScreenPresenter

    number_font = theme.register_fonts()
    jobs = []
    for name, size, orientation, lang, config, mirror, now in board_shots(tmp):
        def build(size=size, orientation=orientation, lang=lang, config=config, mirror=mirror, now=now):
            screen = BoardScreen(orientation, min(size) / 1080, number_font)
            screen.show(BoardPresenter(config, lang=lang, orientation=orientation).view(mirror, now))
            return screen
        jobs.append((name, size, build))
    for name, size, config, window, mirror in window_shots(tmp):
        lang = "en" if name.endswith("-en.png") else "zh"

        def build(size=size, config=config, window=window, mirror=mirror, lang=lang):
            screen = WindowScreen(size[0], size[1], number_font)
            screen.show(WindowScreenPresenter(config, window, lang=lang).view(mirror))
            return screen
        jobs.append((name, size, build))
    if args.only:
        jobs = [j for j in jobs if args.only in j[0]]
    written: list[str] = []
    measured: dict[str, dict] = {}

    def box(widget) -> dict:
        x, y = widget.to_window(*widget.pos)
        return {"font": float(widget.font_size), "text": widget.text, "x": round(x), "y": round(Window.height - y - widget.height),
                "w": round(widget.width), "h": round(widget.height)}

    def measure(name, widget) -> dict:
        if isinstance(widget, BoardScreen):
            return {"newest": box(widget.newest_number),
                    "windows": [box(c.number) for c in widget.cells],
                    "recent": [box(n) for _, n, _ in widget.recent_rows if n.text]}
        return {"number": box(widget.number)}

    class Shots(App):
        def build(self):
            from kivy.uix.widget import Widget
            self.holder = Widget()
            Clock.schedule_once(lambda dt: self.next_job(), 0.2)
            return self.holder

        def next_job(self):
            if not jobs:
                self.stop()
                return
            name, size, build = jobs[0]
            Window.size = size
            Clock.schedule_once(lambda dt: self.place(build), 0.1)

        def place(self, build):
            Window.remove_widget(Window.children[0]) if Window.children else None
            widget = build()
            widget.size = Window.size
            Window.add_widget(widget)
            Clock.schedule_once(lambda dt: self.shoot(), 0.3)

        def shoot(self):
            name, size, _ = jobs.pop(0)
            measured[name] = measure(name, Window.children[0])
            path = Window.screenshot(name=str(tmp / name))
            shutil.move(path, out / name)
            written.append(name)
            Clock.schedule_once(lambda dt: self.next_job(), 0.05)

    Shots().run()
    if args.measure:
        import json
        Path(args.measure).write_text(json.dumps(measured, ensure_ascii=False, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    for name in written:
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
