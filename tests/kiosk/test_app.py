"""The real kiosk window, offscreen, driven by real touches (Kivy's UnitTestTouch at the
widgets' positions): a tile takes one ticket even when tapped twice, the ticket screen shows
the number, Done goes home, the language switch re-renders the tiles. Screenshots of every
screen are made by kiosk/screenshots.py; here a sample is made and checked."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from kiosk.screenshots import SCENES, shoot_all

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               KIVY_HOME=str(tmp_path / "kivy"))
    return env


def test_touches_on_the_real_window(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "kiosk" / "app_driver.py"), "1080x1920",
                          str(tmp_path / "ticket.png")], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env=_env(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["screen_after_tap"] == "working"
    assert r["printer_checks"] == 1 and r["issues"] == 1  # two taps, one ticket
    assert r["screen"] == "ticket" and r["number_shown"]
    assert r["colours"] > 20  # a drawn screen, not one colour
    assert r["screen_after_done"] == "home"
    assert r["lang"] == "en" and r["english_tile"]


def test_screenshots_of_every_screen_are_drawn(tmp_path):
    env_before = dict(os.environ)
    os.environ.update(_env(tmp_path))
    try:
        files = shoot_all(tmp_path / "shots", list(SCENES), orientations=("portrait",), combos=[("normal", "zh")])
        files += shoot_all(tmp_path / "shots", ["home", "ticket", "guide"], orientations=("landscape",),
                           combos=[("elderly", "en")])
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    assert len(files) == len(SCENES) + 3
    for f in files:
        img = Image.open(f).convert("RGB")
        assert img.size == ((1080, 1920) if "portrait" in f.name else (1920, 1080)), f.name
        assert len(img.getcolors(1 << 20) or []) > 10, f"{f.name} is blank"
