"""Colours, fonts and sizes of the board and the window screens (one place, no numbers in widgets).

Sizes are in *units*: one unit is a pixel on a 1080-line screen (the short side), so a board
at 1080p and its portrait twin use the same numbers. UI.md: the newest call ≥ 140 px at 1080p,
other numbers ≥ 80 px; on a window screen the number ≥ 40 % of the panel's height.
"""
from __future__ import annotations

import os
from pathlib import Path

FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NUMBER_FONT_CANDIDATES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",) + FONT_CANDIDATES

# colours (r, g, b, a); text on BG is ≥ 7:1, the call yellow on BG ≈ 12:1
BG = (0.04, 0.11, 0.22, 1)
PANEL = (0.07, 0.17, 0.31, 1)
PANEL_NEW = (0.55, 0.08, 0.08, 1)  # the newest call's panel while it is new (with the word 新呼叫)
TEXT = (1, 1, 1, 1)
MUTED = (0.75, 0.82, 0.92, 1)
CALL = (1, 0.84, 0.0, 1)
OK = (0.35, 0.85, 0.45, 1)
PAUSED = (1, 0.45, 0.35, 1)
BANNER_LOST = (0.75, 0.1, 0.1, 1)
BANNER_CLOSED = (0.55, 0.38, 0.0, 1)
TICKER_BG = (0.02, 0.06, 0.13, 1)
PLACEHOLDER = (0.55, 0.6, 0.68, 1)

# board sizes in units
HEADER = 96
TITLE = 46
CLOCK = 54
DATE = 32
NEWEST_NUMBER = 210  # ≥ 140 px at 1080p
NEWEST_LINE = 76
NEWEST_TAG = 36
RECENT_NUMBER = 84  # ≥ 80 px
RECENT_WINDOW = 48
SECTION = 32
WINDOW_NUMBER_MAX = 150
WINDOW_NUMBER_MIN = 80
WINDOW_LABEL = 22
WINDOW_NOTE = 46  # 等待叫号 / 暂停服务 in a window's cell
SERVICES = 150
SERVICE_TEXT = 30
SERVICE_COUNT = 40
TICKER = 68
TICKER_TEXT = 38
TICKER_PAGE_SECONDS = 8.0  # a notice too long for one line turns a page at a time


def first_existing(paths) -> str | None:
    return next((p for p in paths if Path(p).exists()), None)


def register_fonts() -> str:
    """Make a CJK font Kivy's default (no boxes for Chinese); return the number font's path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    regular = os.environ.get("YICHUANG_FONT") or first_existing(FONT_CANDIDATES)
    if regular is None:
        raise RuntimeError("no Chinese font: install fonts-wqy-microhei or fonts-noto-cjk (scripts/setup.sh)")
    LabelBase.register(DEFAULT_FONT, regular)
    number = first_existing(NUMBER_FONT_CANDIDATES) or regular
    LabelBase.register("numbers", number)
    return number
