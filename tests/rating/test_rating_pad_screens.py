"""The rating pad's screens, drawn by real Kivy (offscreen): every screen at 800×1280 and
1280×800, in Chinese and English; type and targets large enough, no text spilling out.
``python -m rating.screenshots`` writes the same pictures to docs/screens/rating/."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from tests.rating.conftest import ROOT

SCREENS = ("idle", "asking", "reasons", "phone", "thanks")


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    out = tmp_path_factory.mktemp("pad-shots")
    env = {**os.environ, "KIVY_HOME": str(out / "kivy"), "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1"}
    env.pop("DISPLAY", None)
    run = subprocess.run([sys.executable, "-m", "rating.screenshots", "--out", str(out),
                          "--measure", str(out / "measure.json")], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    return out, json.loads((out / "measure.json").read_text())


def test_every_screen_at_both_orientations(shots):
    out, _ = shots
    for screen in SCREENS:
        for orientation, size in (("portrait", (800, 1280)), ("landscape", (1280, 800))):
            path = out / f"{screen}-{orientation}-normal-zh.png"
            with Image.open(path) as img:
                assert img.size == size, path.name
                colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
                assert colours is None or len(colours) > 50, f"{path.name} is (nearly) one colour"
    for screen in ("idle", "asking", "reasons", "thanks"):
        assert (out / f"{screen}-landscape-normal-en.png").exists()


def test_what_the_citizen_reads(shots):
    _, measured = shots
    texts = lambda name: [x["text"] for x in measured[name]]  # noqa: E731
    assert "欢迎评价" in texts("idle-portrait-normal-zh.png") and "王芳" in texts("idle-portrait-normal-zh.png")
    assert "3号窗口 · 工号 0103" in texts("idle-landscape-normal-zh.png")
    faces = [t for t in texts("asking-portrait-normal-zh.png") if "满意" in t]
    assert faces == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert "回访电话：138****5678" in texts("reasons-portrait-normal-zh.png")
    assert "感谢您的评价" in texts("thanks-landscape-normal-zh.png")
    assert "Please rate our service" in texts("idle-landscape-normal-en.png")
    assert "网络连接中断，正在重新连接" in texts("idle-portrait-lost-zh.png")
    for name, labels in measured.items():  # the clear number is never on a finished screen
        if not name.startswith("phone-"):
            assert not any("1234" in t and "****" not in t for t in texts(name)), name


def test_type_and_targets_are_large_and_nothing_spills(shots):
    _, measured = shots
    for name, labels in measured.items():
        for x in labels:
            if x["button"]:
                assert x["font"] >= 32, (name, x["text"], x["font"])  # reasons of 9+ characters: 0.85 × 38
                least = 90 if x["text"] in ("English", "中文") else 110  # the language switch is secondary
                assert x["h"] >= least and x["w"] >= 150, (name, x["text"], x["w"], x["h"])
            else:
                assert x["font"] >= 28, (name, x["text"], x["font"])
            # wrapped text must fit its widget (a third line once spilled out of a reason)
            assert x["texture_h"] <= x["h"] + 2, (name, x["text"], x["texture_h"], x["h"])


def test_the_staff_photo_is_shown_when_the_file_is_there(shots):
    out, measured = shots
    with Image.open(out / "idle-landscape-photo-zh.png") as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    near = sum(n for n, c in colours if max(abs(a - b) for a, b in zip(c, (70, 110, 160))) <= 12)
    assert near > 5000  # the photo's background (a JPEG: near, not exact)
    assert "照片" not in [x["text"] for x in measured["idle-landscape-photo-zh.png"]]
    assert "照片" in [x["text"] for x in measured["idle-landscape-normal-zh.png"]]  # no file: a placeholder
