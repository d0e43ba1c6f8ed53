"""The soft caller's real Kivy window, offscreen: every scene at both sizes, saved under
docs/screens/caller/ (caller/screens.py drives the real hub logic in process)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from caller.screens import scenes

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screens" / "caller"
SCENES = [name for name, _ in scenes(None, type("D", (), {"presenter": None})())]


@pytest.mark.parametrize("layout,size", [("strip", (1366, 200)), ("panel", (400, 768))])
def test_every_scene_is_drawn_at_its_size(layout, size, tmp_path):
    env = {**os.environ, "KIVY_HOME": str(tmp_path), "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1"}
    env.pop("DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "caller.screens", "--layout", layout, "--out", str(SHOTS)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in SCENES:
        shot = Image.open(SHOTS / f"{name}-{layout}-normal-zh.png")
        assert shot.size == size
        colours = shot.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is None or len(colours) > 50, f"{name}: the picture is nearly one colour"
