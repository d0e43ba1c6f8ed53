"""The reading rules: a call as clip names, digit by digit, the window as a cardinal."""
from __future__ import annotations

import pytest

from display.voice.texts import (PROMPTS, UnreadableNumber, call_clips, call_text, prompt_clips, vocabulary,
                                 window_clips_zh, zh_cardinal)


def test_a_call_is_please_number_digit_by_digit_to_window_handle():
    assert call_clips("A012", "3") == ["zh-qing", "zh-letter-a", "zh-digit-0", "zh-digit-1", "zh-digit-2",
                                       "zh-hao", "zh-dao", "zh-digit-3", "zh-hao", "zh-chuangkou", "zh-banli"]
    assert call_text("A012", "3") == "请A零一二号到三号窗口办理"


@pytest.mark.parametrize("n, said", [(0, "零"), (3, "三"), (10, "十"), (12, "十二"), (20, "二十"), (28, "二十八"),
                                     (100, "一百"), (105, "一百零五"), (110, "一百一十"), (999, "九百九十九")])
def test_window_numbers_are_cardinals(n, said):
    assert "".join(zh_cardinal(n)) == said


def test_window_twelve_is_shi_er_not_yi_er():
    assert window_clips_zh("12") == ["zh-shi", "zh-digit-2"]
    assert call_text("B100", "12") == "请B一零零号到十二号窗口办理"


def test_a_two_letter_prefix_and_a_lettered_window_are_read_letter_by_letter():
    assert call_text("AB007", "3A") == "请AB零零七号到三A号窗口办理"


def test_english_follows_the_chinese_when_asked():
    clips, zh = call_clips("A012", "21", english=True), call_clips("A012", "21")
    assert clips[:len(zh)] == zh
    assert clips[len(zh):] == ["en-number", "en-letter-a", "en-0", "en-1", "en-2", "en-please-go-to", "en-window",
                          "en-20", "en-1"]
    assert call_clips("C5", "13", "en")[-1] == "en-13"


def test_what_the_clips_cannot_say_is_refused_plainly():
    with pytest.raises(UnreadableNumber):
        call_clips("甲01", "3")
    with pytest.raises(UnreadableNumber):
        zh_cardinal(1000)


def test_every_clip_a_call_or_prompt_needs_is_in_the_vocabulary():
    names = {c.name for c in vocabulary()}
    for number in ("A000", "Z999", "AB123", "M7"):
        for window in ("1", "9", "10", "12", "20", "28", "99", "100", "305", "H2"):
            assert set(call_clips(number, window, english=True)) <= names
    for prompt in PROMPTS:
        assert set(prompt_clips(prompt)) | set(prompt_clips(prompt, "en")) <= names
    assert len(names) == len(vocabulary()), "clip names must be unique"


def test_a_new_prompt_needs_only_one_line():
    with pytest.raises(KeyError, match="PROMPTS"):
        prompt_clips("no-such-prompt")
    assert prompt_clips("swipe-id") == ["prompt-zh-swipe-id"]
    assert PROMPTS["swipe-id"][0] == "请刷身份证" and PROMPTS["take-ticket"][0] == "请取票"
