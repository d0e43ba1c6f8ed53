"""Elderly mode's spoken prompts (长者模式语音): fixed sentences as clip names.

The hall's voice pack (``display/voice/``, shared with the announcer) holds one recorded or
generated clip per name; a hall may replace any clip with its own recording. A ticket
number is spoken character by character ("A012" → A 零 一 二), with the digit clips the
announcer uses, so the kiosk adds only its fixed sentences (``PROMPTS``).
"""
from __future__ import annotations

from kiosk.effects import Speak

PROMPTS: dict[str, str] = {
    "kiosk_welcome": "请刷身份证，或点击要办理的业务",
    "kiosk_your_number": "您的号码是",
    "kiosk_take_slip": "请取走小票，留意叫号",
    "kiosk_write_down": "小票没有打印出来，请记下屏幕上的号码",
    "kiosk_printer_problem": "暂时无法打印小票，可以选择在屏幕上显示号码",
    "kiosk_refused": "暂时不能取号，请看屏幕上的说明",
    "kiosk_holding": "您已经取过号了",
    "kiosk_green": "您可以走绿色通道，优先办理",
    "kiosk_unknown_code": "无法识别的二维码",
    "kiosk_checked_in": "预约签到成功",
    "kiosk_guide": "请看办事指南，带齐材料，点击取号",
    "kiosk_offline": "系统连接中断，请稍候或联系工作人员",
}
DIGITS = "零一二三四五六七八九"


def number_clips(number: str) -> tuple[str, ...]:
    """``A012`` → ``("letter_A", "digit_0", "digit_1", "digit_2")`` (read digit by digit)."""
    out = []
    for ch in number:
        if ch.isdigit():
            out.append(f"digit_{ch}")
        elif ch.isascii() and ch.isalpha():
            out.append(f"letter_{ch.upper()}")
    return tuple(out)


def number_text(number: str) -> str:
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in number)


def prompt(*parts: str) -> Speak:
    """A Speak effect from prompt names and ``#A012`` numbers, in order."""
    clips: list[str] = []
    text: list[str] = []
    for part in parts:
        if part.startswith("#"):
            clips += number_clips(part[1:])
            text.append(number_text(part[1:]))
        else:
            clips.append(part)
            text.append(PROMPTS[part])
    return Speak(tuple(clips), "，".join(text))
