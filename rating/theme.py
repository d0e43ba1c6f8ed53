"""Colours, fonts and sizes of the rating pad (one place; no numbers in the widgets).

Sizes are in *units*: one unit is a pixel of an 800-pixel short side (an 8"-10" tablet at
800×1280 or 1280×800), read at 0.4 m. UI.md asks elderly-friendly type: body ≥ 28 px, button
words ≥ 36 px, touch targets ≥ 80 px (≥ 100 px in elderly mode) — every target here is ≥ 110.
Text on its background is ≥ 4.5:1; a 差评 face says its word, not only its colour.
"""
from __future__ import annotations

from pathlib import Path

FONT_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                   "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
BOLD_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",) + FONT_CANDIDATES

BG = (0.97, 0.97, 0.95, 1)
BAR = (0.05, 0.27, 0.49, 1)  # the top bar (white text ≈ 9:1)
TEXT = (0.1, 0.1, 0.12, 1)
MUTED = (0.3, 0.32, 0.36, 1)  # ≈ 11:1 on BG
ON_BAR = (1, 1, 1, 1)
BUTTON = (0.86, 0.89, 0.93, 1)
BUTTON_TEXT = TEXT
PRIMARY = (0.05, 0.4, 0.7, 1)  # 提交 / 确定 (white text ≈ 6.5:1)
DISABLED = (0.78, 0.8, 0.83, 1)
TOGGLE_ON = (0.05, 0.4, 0.7, 1)
BANNER = (0.7, 0.1, 0.1, 1)
MESSAGE_BG = (1, 0.9, 0.55, 1)
PHOTO_BG = (0.82, 0.85, 0.88, 1)
# the faces, from 非常满意 to 非常不满意: colour *and* the mouth and the word say the grade
FACE = {5: (0.16, 0.6, 0.3, 1), 4: (0.45, 0.7, 0.25, 1), 3: (0.93, 0.72, 0.1, 1),
        2: (0.93, 0.45, 0.13, 1), 1: (0.8, 0.17, 0.15, 1)}
FACE_INK = (0.1, 0.1, 0.12, 1)

# sizes in units
BAR_HEIGHT = 112
BAR_TEXT = 40
LANG_BUTTON = (220, 96)
BANNER_TEXT = 32
WELCOME = 84
STAFF_NAME = 60
STAFF_LINE = 38
PHOTO = (240, 300)
TITLE = 46
SUBTITLE = 36
HINT = 30
FACE_WORD = 50
FACE_ROW = 172  # portrait: one face per row
FACE_ICON = 124
REASON = 38
REASON_ROW = 132
REASON_ROW_LANDSCAPE = 118
PHONE_BUTTON = 36
ACTION = 44
ACTION_HEIGHT = 120
DIGITS = 72
KEY = 56
KEY_HEIGHT = 128
THANKS = 84
THANKS_LINE = 40
MESSAGE_TEXT = 34
GAP = 18


def first_existing(paths) -> str | None:
    return next((p for p in paths if Path(p).exists()), None)


def register_fonts() -> str | None:
    """Make a CJK font Kivy's default (no boxes for Chinese); return the bold font's path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    regular = first_existing(FONT_CANDIDATES)
    bold = first_existing(BOLD_CANDIDATES)
    if regular:
        LabelBase.register(DEFAULT_FONT, regular, fn_bold=bold or regular)
    return bold
