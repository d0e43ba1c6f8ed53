"""No clear ID number or full name in any repr, str, error or log line; only masked forms
and the keyed hash leave the package."""
from __future__ import annotations

import logging

import pytest

from devices.errors import DeviceError
from devices.idcard import codec, idnumber
from devices.idcard.cards import demo_cards
from devices.idcard.text import parse_text

KEY = b"test-hall-key"


def secrets_of(card) -> list[str]:
    """Every clear form of the holder's identity that must never appear."""
    names = {card.name, getattr(card, "chinese_name", ""), getattr(card, "english_name", "")}
    values = {card.id_number} | {n for n in names if n}
    forms = set()
    for value in values:
        forms |= {value, value.encode("utf-16-le").hex(), value.encode("utf-16-le").hex(" ")}
    return sorted(forms)


def assert_clean(text: str, card) -> None:
    for secret in secrets_of(card):
        assert secret.lower() not in text.lower(), f"clear personal data in: {text[:200]}"


@pytest.mark.parametrize("kind", list(demo_cards()))
def test_full_reads_leave_no_clear_identity_in_reprs_or_logs(kind, idcard_sim, idcard_reader,
                                                            idcard_cards, caplog):
    caplog.set_level(logging.DEBUG)
    card = demo_cards()[kind]
    sim = idcard_sim(idcard_cards[kind], baudrate=57600)
    reader = idcard_reader(sim.path)
    sim.inject("garbage")
    sim.inject("bad_checksum")
    read = reader.read_card(fingerprint=True)
    errors = [DeviceError("x", "x")]
    for call in (reader.read_card, reader.read_text_photo):
        try:
            call()
        except DeviceError as err:
            errors.append(err)
    seen = [repr(read), str(read), repr(read.card), str(read.card), f"{read.card}", f"{read}",
            repr(read.photo), repr(idcard_cards[kind]), repr(sim.state.card),
            repr(codec.parse_read_payload(codec.encode_read_payload(idcard_cards[kind].text, b""), False)),
            repr(codec.decode_reply(b"\x00\x00\x90" + idcard_cards[kind].text)),
            str(read.to_public(KEY)), caplog.text] + [str(e) for e in errors] + [repr(e) for e in errors]
    for text in seen:
        assert_clean(text, card)
    assert read.card.masked_id in caplog.text  # the log does say whose card was read, masked


def test_to_public_holds_masked_fields_and_the_keyed_hash():
    card = demo_cards()["resident"]
    public = card.to_public(KEY)
    assert public == {
        "v": 1, "kind": "resident", "name_masked": "张*丰", "id_masked": "1101**********1233",
        "id_hash": idnumber.keyed_hash("110101199003071233", KEY),
    }
    assert_clean(str(public), card)
    two_char = demo_cards()["resident"].__class__(
        name="张三", sex_code="1", birth=card.birth, id_number=card.id_number,
        valid_from=card.valid_from, valid_until=None)
    assert two_char.to_public(KEY)["name_masked"] == "张*"


def test_errors_about_a_bad_number_show_it_masked():
    from devices.idcard.text import encode_text

    card = demo_cards()["resident"]
    raw = bytearray(encode_text(card))
    raw[156:158] = "0".encode("utf-16-le")  # spoil the check digit (…1233 -> …1230)
    with pytest.raises(DeviceError) as caught:
        parse_text(bytes(raw))
    assert_clean(str(caught.value) + repr(caught.value), card)
    assert "1101**********1230" in caught.value.detail
