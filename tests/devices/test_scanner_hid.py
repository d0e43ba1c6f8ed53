"""Keyboard-mode scanner: EV_KEY events (code, value) with Shift state -> payloads, no evdev."""
from __future__ import annotations

import importlib.util

import pytest

from devices.errors import DeviceError
from devices.scanner.hid import (KEY_CAPSLOCK, KEY_DOWN, KEY_ENTER, KEY_HOLD, KEY_KPENTER,
                                 KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_UP, HidScanner, KeyDecoder,
                                 parse_hid_url)

# Linux input codes (linux/input-event-codes.h) used to "type" below.
KEY = {"Y": 21, "C": 46, "A": 30, "T": 20, "0": 11, "1": 2, "2": 3, "4": 5, "6": 7,
       "-": 12, ":": 39, "/": 53, ".": 52, "h": 35, "p": 25, "s": 31}
F1 = 59


def press(code, shift=False):
    events = [(KEY_LEFTSHIFT, KEY_DOWN)] if shift else []
    events += [(code, KEY_DOWN), (code, KEY_UP)]
    return events + ([(KEY_LEFTSHIFT, KEY_UP)] if shift else [])


def typed(text: str):
    events = []
    for ch in text:
        if ch == ":":
            events += press(KEY[":"], shift=True)
        elif ch.isalpha() and ch.isupper():
            events += press(KEY[ch], shift=True)
        else:
            events += press(KEY[ch])
    return events + press(KEY_ENTER)


def run(decoder, events):
    return [p for p in (decoder.feed(c, v) for c, v in events) if p is not None]


def test_shifted_letters_digits_and_punctuation():
    (payload,) = run(KeyDecoder(), typed("YC-T:hp/20240612"))
    assert payload.text == "YC-T:hp/20240612" and payload.encoding == "hid"


def test_two_payloads_and_keypad_enter():
    events = typed("YY12") + press(KEY["A"]) + press(KEY_KPENTER)
    assert [p.text for p in run(KeyDecoder(), events)] == ["YY12", "a"]


def test_right_shift_and_caps_lock():
    events = [(KEY_RIGHTSHIFT, KEY_DOWN), (KEY["A"], KEY_DOWN), (KEY["A"], KEY_UP),
              (KEY_RIGHTSHIFT, KEY_UP)]
    events += press(KEY_CAPSLOCK) + press(KEY["s"]) + press(KEY["s"], shift=True)
    events += press(KEY_CAPSLOCK) + press(KEY["s"]) + press(KEY_ENTER)
    assert [p.text for p in run(KeyDecoder(), events)] == ["ASss"]


def test_auto_repeat_types_again_and_release_does_not():
    events = [(KEY["1"], KEY_DOWN), (KEY["1"], KEY_HOLD), (KEY["1"], KEY_UP)] + press(KEY_ENTER)
    assert run(KeyDecoder(), events)[0].text == "11"


def test_key_without_a_character_makes_the_payload_unreadable_then_recovers():
    events = press(KEY["1"]) + press(F1) + press(KEY_ENTER) + typed("24")
    bad, good = run(KeyDecoder(), events)
    assert bad.text is None and bad.error.code == "unreadable_code"
    assert good.text == "24"


def test_bare_enter_is_no_payload_and_overlong_input_is_dropped():
    decoder = KeyDecoder(max_length=4)
    assert run(decoder, press(KEY_ENTER)) == []
    (too_long,) = run(decoder, sum((press(KEY["1"]) for _ in range(5)), []))
    assert too_long.error.code == "code_too_long"
    assert run(decoder, typed("2"))[0].text == "2"


def test_hid_urls():
    assert parse_hid_url("hid:///dev/input/event3") == ("/dev/input/event3", None)
    assert parse_hid_url("hid://?name=Scanner") == (None, "Scanner")
    with pytest.raises(ValueError):
        parse_hid_url("hid://")
    with pytest.raises(ValueError):
        parse_hid_url("serial:///dev/ttyACM0")


def test_missing_device_or_evdev_is_a_device_error():
    scanner = HidScanner("hid:///dev/input/no-such-event-node")
    with pytest.raises(DeviceError) as err:
        scanner.read(0.1)
    assert err.value.code == "scanner_unavailable"
    assert err.value.message_zh == "扫码器未连接，请联系工作人员"
    has_evdev = importlib.util.find_spec("evdev") is not None
    expected = "no-such-event-node" if has_evdev else "not installed"
    assert expected in err.value.detail
