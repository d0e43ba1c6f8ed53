"""The kiosk's sizes, colours and font, in one place (../shared/UI.md's numbers).

Body text ≥ 28 px, button labels ≥ 36 px, the ticket number ≥ 160 px, touch targets ≥ 80 px;
elderly mode (长者模式) multiplies all of them by 1.5 and switches to high contrast (white
and yellow on black, ≥ 7:1). ``scale`` comes from the panel's physical size when the hall
file gives it (``screen_inches``), so a 32" panel does not show 21.5" type.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font() -> str | None:
    return next((p for p in FONT_CANDIDATES if Path(p).exists()), None)


def register_font() -> None:
    """Make a CJK font Kivy's default, so no Chinese glyph renders as a box."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = cjk_font()
    if path:
        LabelBase.register(DEFAULT_FONT, path)


def rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


@dataclass(frozen=True)
class Theme:
    body: int = 30
    button: int = 38
    title: int = 52
    number: int = 200
    header: int = 40
    small: int = 28
    target: int = 96  # the height of a button (≥ 20 mm on a 21.5" 1080p panel)
    tile: int = 170
    gap: int = 14
    background: str = "#F2F4F7"
    text: str = "#111111"
    muted: str = "#3A4350"
    header_bg: str = "#0B3D91"
    header_text: str = "#FFFFFF"
    primary_bg: str = "#0B4FA8"
    primary_text: str = "#FFFFFF"
    secondary_bg: str = "#FFFFFF"
    secondary_text: str = "#0B3D91"
    tile_bg: str = "#FFFFFF"
    tile_text: str = "#111111"
    disabled_bg: str = "#D5D9DF"
    banner_bg: str = "#B00020"
    banner_text: str = "#FFFFFF"
    notice_bg: str = "#FFE08A"
    notice_text: str = "#111111"
    green_bg: str = "#0A6E31"
    green_text: str = "#FFFFFF"
    prompt_bg: str = "#E3ECFA"
    prompt_text: str = "#0B3D91"


NORMAL = Theme()
ELDERLY = Theme(
    body=45, button=57, title=72, number=300, header=56, small=42, target=144, tile=230, gap=20,
    background="#000000", text="#FFFFFF", muted="#FFFFFF", header_bg="#000000", header_text="#FFFF00",
    primary_bg="#FFD400", primary_text="#000000", secondary_bg="#FFFFFF", secondary_text="#000000",
    tile_bg="#FFD400", tile_text="#000000", disabled_bg="#5A5A5A", banner_bg="#FF3B30", banner_text="#FFFFFF",
    notice_bg="#FFFFFF", notice_text="#000000", green_bg="#00C853", green_text="#000000",
    prompt_bg="#1A1A1A", prompt_text="#FFFF00",
)


def theme_for(elderly: bool, scale: float = 1.0) -> Theme:
    base = ELDERLY if elderly else NORMAL
    if abs(scale - 1.0) < 0.01:
        return base
    sized = {k: round(getattr(base, k) * scale) for k in
             ("body", "button", "title", "number", "header", "small", "target", "tile", "gap")}
    return Theme(**{**base.__dict__, **sized})


def scale_for(screen_inches: float | None) -> float:
    """Type scale for a panel of this diagonal: 1.0 at 21.5", larger panels read from the same
    half metre get no smaller in millimetres (px per mm falls as the panel grows)."""
    if not screen_inches:
        return 1.0
    return max(1.0, min(1.6, screen_inches / 21.5))
