"""Elderly mode's spoken prompts (长者模式语音): fixed sentences as clip names.

The clips are the hall's voice pack, shared with the announcer (``display.voice``): a ticket
number is spoken character by character with the announcer's own clips (A012 → ``zh-letter-a
zh-digit-0 zh-digit-1 zh-digit-2``), and each fixed sentence here is a pack prompt
``prompt-<lang>-<name>``. ``kiosk.voice_out`` adds ``PROMPTS`` to the pack's list before it
starts, so the pack generates their clips once (espeak-ng), and a hall may replace any of
them with its own recording of the same name.
"""
from __future__ import annotations

from kiosk.effects import Speak

PROMPTS: dict[str, tuple[str, str]] = {  # name: (中文, English)
    "kiosk-welcome": ("请刷身份证，或点击要办理的业务", "Please place your ID card, or touch a service"),
    "kiosk-your-number": ("您的号码是", "Your number is"),
    "kiosk-take-slip": ("请取走小票，留意叫号", "Please take your ticket and watch the board"),
    "kiosk-write-down": ("小票没有打印出来，请记下屏幕上的号码", "The ticket did not print; please note the number"),
    "kiosk-printer-problem": ("暂时无法打印小票，可以选择在屏幕上显示号码",
                              "Tickets cannot be printed now; you may show the number on screen"),
    "kiosk-refused": ("暂时不能取号，请看屏幕上的说明", "No ticket this time; please read the screen"),
    "kiosk-holding": ("您已经取过号了", "You already have a ticket"),
    "kiosk-green": ("您可以走绿色通道，优先办理", "You may use the green channel and be served first"),
    "kiosk-unknown-code": ("无法识别的二维码", "This code cannot be recognised"),
    "kiosk-checked-in": ("预约签到成功", "You are checked in"),
    "kiosk-guide": ("请看办事指南，带齐材料，点击取号", "Please read the guide, then take a ticket"),
}
DIGITS = "零一二三四五六七八九"


def number_clips(number: str, lang: str = "zh") -> tuple[str, ...]:
    """``A012`` → ``("zh-letter-a", "zh-digit-0", "zh-digit-1", "zh-digit-2")`` (digit by digit)."""
    out = []
    for ch in number.upper():
        if ch.isascii() and ch.isdigit():
            out.append(f"zh-digit-{ch}" if lang == "zh" else f"en-{ch}")
        elif ch.isascii() and ch.isalpha():
            out.append(f"{lang}-letter-{ch.lower()}")
    return tuple(out)


def number_text(number: str) -> str:
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in number)


def prompt(lang: str, *parts: str) -> Speak:
    """A Speak effect from prompt names and ``#A012`` numbers, in order, in ``lang``."""
    lang = "en" if lang == "en" else "zh"
    clips: list[str] = []
    text: list[str] = []
    for part in parts:
        if part.startswith("#"):
            clips += number_clips(part[1:], lang)
            text.append(number_text(part[1:]) if lang == "zh" else " ".join(part[1:]))
        else:
            clips.append(f"prompt-{lang}-{part}")
            text.append(PROMPTS[part][0 if lang == "zh" else 1])
    return Speak(tuple(clips), ("，" if lang == "zh" else ", ").join(text))
