"""Sizes, colours and fonts of the soft caller, in one place (UI.md: one theme per app family).

The caller is read at 0.6 m beside the clerk's business software, in a strip of 1366x200 or
a side panel of 400x768, so the ticket number is large and everything else compact. Colours
never carry meaning alone: a refusal also says so in words, a disabled button is greyed and
its press explains why.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

BG = (0.96, 0.97, 0.98, 1)
PANEL = (1, 1, 1, 1)
INK = (0.11, 0.13, 0.16, 1)          # body text, 15:1 on white
MUTED = (0.33, 0.36, 0.40, 1)        # secondary text, 7:1 on white
ACCENT = (0.05, 0.33, 0.62, 1)       # the ticket number, primary buttons
OK = (0.06, 0.42, 0.20, 1)
ERROR = (0.70, 0.10, 0.10, 1)
WAIT = (0.55, 0.35, 0.0, 1)
BUTTON = (0.16, 0.40, 0.70, 1)       # white text on it: 6.6:1
BUTTON_MAIN = (0.05, 0.45, 0.25, 1)  # 呼叫下一位, 办结
BUTTON_OFF = (0.80, 0.82, 0.85, 1)
BUTTON_OFF_TEXT = (0.38, 0.40, 0.44, 1)
BANNER = (0.70, 0.10, 0.10, 1)

NOTICE_COLOURS = {"ok": OK, "error": ERROR, "info": INK, "wait": WAIT}
MAIN_BUTTONS = ("call_next", "finish")


@dataclass(frozen=True)
class Layout:
    name: str
    size: tuple[int, int]
    number_px: int       # the ticket number
    text_px: int         # body text
    small_px: int        # the shortcut under a button label
    button_cols: int


STRIP = Layout("strip", (1366, 200), 60, 17, 13, 8)
PANEL_LAYOUT = Layout("panel", (400, 768), 84, 18, 13, 3)
LAYOUTS = {"strip": STRIP, "panel": PANEL_LAYOUT}


def font_path() -> str | None:
    return next((f for f in FONTS if Path(f).exists()), None)


def register_fonts() -> None:
    """Make a CJK font Kivy's default, so no Chinese glyph renders as a box."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = font_path()
    if path:
        LabelBase.register(DEFAULT_FONT, path)
