"""Screenshots of the rating pad at 800×1280 (portrait) and 1280×800 (landscape).

    python -m rating.screenshots --out docs/screens/rating

The pad states come from the real engine (a matter finished at window 3 of the township
hall) through the real presenter; one Kivy window (offscreen when DISPLAY is unset) is resized
for each picture. Names: ``<screen>-<orientation>-<mode>-<lang>.png``.
tests/rating/test_rating_pad_screens.py runs this and checks the pictures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
KEY = b"screenshot-key-not-a-real-hall-key"
SIZES = {"portrait": (800, 1280), "landscape": (1280, 800)}


def pad_states() -> dict[str, dict]:
    """The retained pad state of window 3: idle (staff on duty) and asking (a matter finished)."""
    from hall.clock import HallCalendar
    from hall.config import load_hall
    from hall.engine import Engine
    from hall.protocol_rating import pad_state

    config = load_hall(TOWNSHIP)
    engine, cal = Engine(config), HallCalendar(config)
    state = engine.new_state()
    t0 = cal.epoch("2025-03-04T10:00:00")
    for i, cmd in enumerate(({"verb": "staff_login", "window": "3", "staff": "0103"},)):
        assert engine.handle(state, cmd, t0 + i).ok
    idle = pad_state(config, state, cal, "3")
    for i, cmd in enumerate(({"verb": "issue", "service": "household"}, {"verb": "call_next", "window": "3"},
                             {"verb": "finish", "window": "3"})):
        assert engine.handle(state, cmd, t0 + 10 + i * 60).ok
    return {"idle": idle, "asking": pad_state(config, state, cal, "3")}


def presenters(lang: str) -> dict[str, object]:
    """A presenter in each screen the pictures show."""
    from hall.rating_phone import seal
    from rating.presenter import PadPresenter

    states = pad_states()

    def new():
        p = PadPresenter("3", sealer=lambda phone: seal(KEY, phone), lang=lang)
        p.on_connection(True)
        return p

    out = {}
    p = new()
    p.on_pad_state(states["idle"])
    out["idle"] = p
    p = new()
    p.on_pad_state(states["asking"])
    out["asking"] = p
    p = new()
    p.on_pad_state(states["asking"])
    p.choose("dissatisfied", 0)
    p.toggle_reason("long_wait")
    p.toggle_reason("repeat_visits")
    p.open_phone()
    for k in "13812345678":
        p.key(k, 0)
    p.confirm_phone(0)
    out["reasons"] = p
    p = new()
    p.on_pad_state(states["asking"])
    p.choose("dissatisfied", 0)
    p.toggle_reason("long_wait")
    p.open_phone()
    for k in "1381234":
        p.key(k, 0)
    out["phone"] = p
    p = new()
    p.on_pad_state(states["asking"])
    p.choose("very_dissatisfied", 0)
    p.toggle_reason("attitude")
    p.phone = seal(KEY, "13812345678")
    p.submit(0)
    txn, _ = p.outbox.pop()
    p.on_reply({"status": "ok", "transaction": txn, "data": {}}, 0)
    out["thanks"] = p
    p = new()
    p.on_connection(False)
    p.on_pad_state(states["idle"])
    out["lost"] = p
    return out


def sample_photo(root: Path) -> None:
    """staff/0103.jpg under ``root``: a drawn badge photo (a silhouette), for the picture with a photo."""
    from PIL import Image, ImageDraw

    (root / "staff").mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (240, 300), (70, 110, 160))
    d = ImageDraw.Draw(img)
    d.ellipse((75, 50, 165, 150), fill=(235, 215, 195))
    d.rounded_rectangle((40, 165, 200, 320), radius=40, fill=(30, 45, 70))
    img.save(root / "staff" / "0103.jpg", quality=90)


def jobs() -> list[tuple[str, tuple[int, int], dict]]:
    out = []
    zh, en = presenters("zh"), presenters("en")
    for screen in ("idle", "asking", "reasons", "phone", "thanks"):
        for orientation, size in SIZES.items():
            out.append((f"{screen}-{orientation}-normal-zh.png", size, zh[screen].view()))
    for screen in ("idle", "asking", "reasons", "thanks"):
        out.append((f"{screen}-landscape-normal-en.png", SIZES["landscape"], en[screen].view()))
    out.append(("idle-portrait-lost-zh.png", SIZES["portrait"], zh["lost"].view()))
    out.append(("idle-landscape-photo-zh.png", SIZES["landscape"], zh["idle"].view()))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rating.screenshots")
    p.add_argument("--out", default=str(ROOT / "docs" / "screens" / "rating"))
    p.add_argument("--only", help="only pictures whose name contains this")
    p.add_argument("--measure", help="write every label's text, font size and box (JSON) here, for tests")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    tmp = Path(tempfile.mkdtemp(prefix="yc-pad-shots-"))
    sample_photo(tmp / "hall")
    todo = [j for j in jobs() if not args.only or args.only in j[0]]
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "1280")  # the offscreen surface never grows past its first size
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from rating import theme
    from rating.screens import PadView

    theme.register_fonts()
    written: list[str] = []
    measured: dict[str, list] = {}

    class NoActions:
        def __getattr__(self, name):
            return lambda *a: None

    def labels(widget) -> list[dict]:
        found = []
        for w in widget.walk():
            if isinstance(w, (Label, Button)) and w.text.strip():
                x, y = w.to_window(*w.pos)
                found.append({"text": w.text, "font": float(w.font_size), "button": isinstance(w, Button),
                              "w": round(w.width), "h": round(w.height), "x": round(x), "y": round(y),
                              "texture_w": w.texture_size[0], "texture_h": w.texture_size[1]})
        return found

    class Shots(App):
        def build(self):
            from kivy.uix.widget import Widget
            Clock.schedule_once(lambda dt: self.next_job(), 0.2)
            return Widget()

        def next_job(self):
            if not todo:
                self.stop()
                return
            Window.size = todo[0][1]
            Clock.schedule_once(lambda dt: self.place(), 0.15)

        def place(self):
            for child in list(Window.children):
                Window.remove_widget(child)
            name, size, view = todo[0]
            root = str(tmp / "hall") if "-photo-" in name else None
            widget = PadView(NoActions(), photo_root=root, size=Window.size, pos=(0, 0))
            Window.add_widget(widget)
            widget.render(view)
            Clock.schedule_once(lambda dt: self.shoot(), 0.35)

        def shoot(self):
            name, size, _ = todo.pop(0)
            measured[name] = labels(Window.children[0])
            path = Window.screenshot(name=str(tmp / name))
            shutil.move(path, out / name)
            written.append(name)
            Clock.schedule_once(lambda dt: self.next_job(), 0.05)

    Shots().run()
    if args.measure:
        Path(args.measure).write_text(json.dumps(measured, ensure_ascii=False, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    for name in written:
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
