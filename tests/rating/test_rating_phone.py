"""The phone number for a 差评's follow-up: sealed with the hall key, masked, opened only with it."""
from __future__ import annotations

import base64

import pytest

from hall import rating
from hall.rating_phone import PhoneError, hall_key, mask, normalise, seal, unseal
from tests.rating.conftest import township_with

KEY = b"k" * 32


def test_sealed_and_masked():
    a, b = seal(KEY, "138 1234 5678"), seal(KEY, "13812345678")
    assert a["masked"] == b["masked"] == "138****5678" == mask("13812345678")
    assert a["sealed"] != b["sealed"]  # a fresh nonce every time: equal numbers do not look equal
    for s in (a, b):
        raw = base64.urlsafe_b64decode(s["sealed"])
        assert b"13812345678" not in raw and b"12345678" not in raw and "1381234" not in s["sealed"]
        assert unseal(KEY, s["sealed"]) == "13812345678"
        assert rating.check_phone(s) == (s["sealed"], "138****5678")


def test_another_halls_key_cannot_open_it_and_tampering_is_seen():
    s = seal(KEY, "13912345678")["sealed"]
    with pytest.raises(PhoneError):
        unseal(b"x" * 32, s)
    tampered = s[:-4] + ("AAAA" if not s.endswith("AAAA") else "BBBB")
    with pytest.raises(PhoneError):
        unseal(KEY, tampered)


@pytest.mark.parametrize("text", ["12345678901", "1381234567", "138123456789", "23812345678", "abc", ""])
def test_only_mainland_mobile_numbers(text):
    assert normalise(text) is None
    with pytest.raises(ValueError):
        seal(KEY, text)


def test_the_hall_key_is_the_halls_own_key_file(tmp_path, hall_key):
    from hall.rating_phone import hall_key as lookup

    config = township_with(source=str(tmp_path / "hall.toml"))
    assert lookup(config) == hall_key
    sealed = seal(lookup(config), "13812345678")["sealed"]
    assert unseal(hall_key, sealed) == "13812345678"


def test_a_broken_key_file_is_said_not_replaced(tmp_path):
    (tmp_path / "hall.key").write_text("not a key")
    with pytest.raises(PhoneError, match="hall.key"):
        hall_key(township_with(source=str(tmp_path / "hall.toml")))
    assert (tmp_path / "hall.key").read_text() == "not a key"


def test_clear_numbers_are_recognised_in_text():
    for text in ("请回电13812345678", "138 1234 5678", "电话：138-1234-5678"):
        assert rating.has_clear_phone(text)
    for text in ("138****5678", "办件20250304", "A001号", "12345678901234567890"):
        assert not rating.has_clear_phone(text)
