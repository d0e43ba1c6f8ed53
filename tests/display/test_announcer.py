"""The announcer's decisions: order, duplicates, staleness, recalls, repeats, hours."""
from __future__ import annotations

from display.announcer import Announcer, utterance
from display.voice.texts import call_clips
from hall.config import VoiceSettings

NOW = 1741053800.0


def call(seq, ticket="A012", window="3", age=1.0, recall=False):
    return {"v": 1, "seq": seq, "type": "ticket_recalled" if recall else "ticket_called", "ts": NOW - age,
            "ticket": ticket, "window": window}


def test_a_call_is_the_chime_then_the_sentence_as_many_times_as_the_hall_says():
    tokens = utterance("A012", "3", VoiceSettings(repeats=3))
    assert tokens[0] == "chime" and tokens.count("zh-qing") == 3
    a = Announcer(VoiceSettings(repeats=2), clock=lambda: NOW).hear(call(1))
    assert a.text == "请A零一二号到三号窗口办理" and a.tokens.count("zh-banli") == 2
    assert a.tokens[2:2 + len(call_clips("A012", "3"))] == call_clips("A012", "3")


def test_duplicates_stale_and_other_events_are_not_spoken_recalls_are():
    ann = Announcer(VoiceSettings(max_age=30), clock=lambda: NOW)
    heard = [ann.hear(e) for e in (call(1), call(1), call(2, age=31), {"type": "ticket_issued", "seq": 3},
                                   call(4, recall=True), call(5, "B001", "12", age=29))]
    assert [(a.seq, a.recall) if a else None for a in heard] == [(1, False), None, None, None, (4, True), (5, False)]
    assert ann.skipped == [(1, "duplicate"), (2, "stale")]


def test_quiet_outside_hours_only_if_the_hall_says_so():
    quiet = Announcer(VoiceSettings(quiet_outside_hours=True), clock=lambda: NOW)
    quiet.hall_state({"v": 1, "open_now": False})
    assert quiet.hear(call(1)) is None and quiet.skipped == [(1, "closed")]
    quiet.hall_state({"v": 1, "open_now": True})
    assert quiet.hear(call(2)) is not None
    loud = Announcer(VoiceSettings(quiet_outside_hours=False), clock=lambda: NOW)
    loud.hall_state({"v": 1, "open_now": False})
    assert loud.hear(call(1)) is not None


def test_english_after_chinese_and_unreadable_numbers_are_skipped_not_fatal():
    a = Announcer(VoiceSettings(english=True, repeats=1), clock=lambda: NOW).hear(call(1, window="12"))
    assert a.tokens[-3:] == ["en-please-go-to", "en-window", "en-12"]
    ann = Announcer(clock=lambda: NOW)
    assert ann.hear(call(1, ticket="甲1")) is None and ann.skipped == [(1, "unreadable")]
    assert ann.hear({"type": "ticket_called", "seq": "x"}) is None
    assert ann.hear(call(2)) is not None
