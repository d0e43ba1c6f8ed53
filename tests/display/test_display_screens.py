"""Screenshots of the board and the window screens (docs/screens/display/), made here by
display/screenshots.py in a real offscreen Kivy window, and measured from the pictures:
the newest call's number is ≥ 140 px tall at 1080p (readable from 10 m), a window's number
fills ≥ 40 % of the window screen's height."""
from __future__ import annotations

import json
import subprocess

import pytest
from PIL import Image

from tests.display.conftest import PYTHON, ROOT, child_env

SHOTS = ROOT / "docs" / "screens" / "display"
CALL_YELLOW = (255, 214, 0)
EXPECTED = {
    "board-landscape-township-zh.png": (1920, 1080), "board-portrait-township-zh.png": (1080, 1920),
    "board-landscape-county-zh.png": (1920, 1080), "board-portrait-county-zh.png": (1080, 1920),
    "board-landscape-township-en.png": (1920, 1080), "board-landscape-lost-zh.png": (1920, 1080),
    "board-landscape-closed-zh.png": (1920, 1080),
    "window-800x480-calling-zh.png": (800, 480), "window-800x480-paused-zh.png": (800, 480),
    "window-1280x400-calling-zh.png": (1280, 400), "window-1280x400-paused-zh.png": (1280, 400),
    "window-800x480-calling-en.png": (800, 480),
}


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    measure = tmp_path_factory.mktemp("shots") / "measure.json"
    result = subprocess.run([PYTHON, "-m", "display.screenshots", "--out", str(SHOTS), "--measure", str(measure)],
                            capture_output=True, text=True, timeout=240, cwd=ROOT,
                            env=child_env(KIVY_HOME=tmp_path_factory.mktemp("kivy")))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(measure.read_text())


def ink_height(image: Image.Image, box: dict, color=CALL_YELLOW) -> int:
    """Rows of ``box`` holding the call colour: how tall the number is drawn, in pixels."""
    rows = [y for y in range(box["y"], box["y"] + box["h"])
            if any(all(abs(a - b) < 40 for a, b in zip(image.getpixel((x, y))[:3], color))
                   for x in range(box["x"], box["x"] + box["w"], 2))]
    return max(rows) - min(rows) + 1 if rows else 0


def test_every_screen_is_drawn_at_its_size(shots):
    assert set(shots) == set(EXPECTED)
    for name, size in EXPECTED.items():
        image = Image.open(SHOTS / name).convert("RGB")
        assert image.size == size, name
        assert len(image.resize((64, 64)).getcolors(64 * 64)) > 20, f"{name} is (almost) one colour"


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("board-")])
def test_the_newest_call_is_readable_from_across_the_hall(shots, name):
    image = Image.open(SHOTS / name).convert("RGB")
    newest = shots[name]["newest"]
    scale = min(image.size) / 1080
    assert ink_height(image, newest) >= 140 * scale, f"{name}: the newest number is {ink_height(image, newest)} px tall"
    assert all(r["font"] >= 70 * scale for r in shots[name]["recent"]), "recent calls too small"


def test_thirty_windows_fit_a_landscape_board_with_numbers_of_80_px(shots):
    cells = shots["board-landscape-county-zh.png"]["windows"]
    assert len(cells) >= 29
    four = [c for c in cells if len(c["text"]) == 4 and c["text"][0].isascii()]
    assert four and min(c["font"] for c in four) >= 80
    assert all(c["y"] + c["h"] <= 1080 and c["x"] + c["w"] <= 1920 for c in cells), "a window is off screen"


@pytest.mark.parametrize("name", [n for n in EXPECTED if n.startswith("window-") and "calling" in n])
def test_the_window_screen_number_fills_40_percent_of_its_height(shots, name):
    image = Image.open(SHOTS / name).convert("RGB")
    number = shots[name]["number"]
    assert number["text"] == "A001"
    assert number["font"] >= 0.4 * image.size[1]
    assert ink_height(image, number) >= 0.28 * image.size[1]
