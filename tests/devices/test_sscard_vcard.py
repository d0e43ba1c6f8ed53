"""The virtual 社会保障卡: its APDU answers and its vpcd control messages, byte for byte."""
from __future__ import annotations

from devices.sscard import codec
from devices.sscard.vcard import (DEFAULT_ATR, CardData, SocialSecurityCardApplet,
                                  VirtualCardLink)


def test_select_then_read_record_by_tag():
    card = SocialSecurityCardApplet()
    assert card.process(codec.select_ssse())[-2:] == b"\x90\x00"
    assert card.process(codec.select_file(codec.EF05)) [-2:] == b"\x90\x00"
    answer = card.process(codec.read_record_by_tag(codec.CARD_NUMBER))
    assert answer == b"\x07\x09A00000001\x90\x00"


def test_read_before_select_and_unknown_file():
    card = SocialSecurityCardApplet()
    assert card.process(codec.read_record_by_tag(1)) == b"\x69\x86"
    assert card.process(codec.select_file(codec.EF05)) == b"\x6A\x82"  # no application yet
    card.process(codec.select_ssse())
    assert card.process(codec.select_file(0xEF07)) == b"\x6A\x82"
    assert card.process(bytes.fromhex("00A404000F") + b"x" * 15) == b"\x6A\x82"


def test_t0_select_answers_61xx_and_get_response_gives_the_fci():
    card = SocialSecurityCardApplet(t0=True)
    answer = card.process(codec.select_ssse())
    assert answer[0] == 0x61
    fci = card.process(codec.get_response(answer[1]))
    assert fci[-2:] == b"\x90\x00"
    assert codec.SSSE_AID in fci
    assert card.process(codec.get_response(4)) == b"\x69\x85"  # nothing pending any more


def test_t0_wrong_le_answers_6cxx_with_the_right_length():
    card = SocialSecurityCardApplet(t0=True, data=CardData(name_length=20))
    card.process(codec.select_ssse())
    card.process(codec.select_file(codec.EF06))
    assert card.process(codec.read_record_by_tag(codec.NAME)) == b"\x6C\x16"
    answer = card.process(codec.read_record_by_tag(codec.NAME, 0x16))
    assert answer[:2] == b"\x09\x14" and answer[-2:] == b"\x90\x00"
    assert answer[2:5].decode("gbk", errors="ignore").startswith("王")


def test_pin_card_refuses_ef06_until_verified():
    card = SocialSecurityCardApplet(pin="123456")
    card.process(codec.select_ssse())
    card.process(codec.select_file(codec.EF06))
    assert card.process(codec.read_record_by_tag(codec.ID_NUMBER)) == b"\x69\x82"
    assert card.process(codec.verify_pin("000000")) == b"\x63\xC2"
    assert card.process(codec.verify_pin("123456")) == b"\x90\x00"
    assert card.process(codec.read_record_by_tag(codec.ID_NUMBER))[-2:] == b"\x90\x00"


def test_pin_blocks_after_three_wrong_tries():
    card = SocialSecurityCardApplet(pin="123456")
    answers = [card.process(codec.verify_pin("111111")) for _ in range(4)]
    assert answers == [b"\x63\xC2", b"\x63\xC1", b"\x69\x83", b"\x69\x83"]


def test_unknown_class_and_instruction():
    card = SocialSecurityCardApplet()
    assert card.process(bytes.fromhex("80CA9F7F00")) == b"\x6E\x00"
    assert card.process(bytes.fromhex("00CA9F7F00")) == b"\x6D\x00"
    assert card.process(b"\x00\xa4") == b"\x67\x00"


def test_vpcd_control_messages():
    link = VirtualCardLink(SocialSecurityCardApplet(), port=1)
    assert link.handle(b"\x04") == DEFAULT_ATR
    link.applet.process(codec.select_ssse())
    assert link.handle(b"\x02") is None  # reset: the selection is gone
    assert link.handle(codec.read_record_by_tag(1)) == b"\x69\x86"
    assert link.handle(b"\x01") is None and link.handle(b"\x00") is None
    assert link.apdu_count == 1


def test_card_data_repr_is_masked():
    text = repr(CardData())
    assert "11010519491231002X" not in text and "王小明" not in text
    assert "1101**********002X" in text and "王*明" in text
