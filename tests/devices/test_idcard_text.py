"""The 256-byte text block: blocks built by hand at the published offsets (reference 1.6),
parsed field by field for each of the four card kinds."""
from __future__ import annotations

from datetime import date

import pytest

from devices.errors import DeviceError
from devices.idcard import text
from devices.idcard.text import (
    PermanentResidenceCard2017, PermanentResidenceCard2023, ResidencePermit, ResidentCard,
    UnsupportedCard, encode_text, parse_appended_address, parse_text)

# GB 11643's own worked example, and numbers built for the other kinds with their check digit
RESIDENT_ID = "11010519491231002X"


def block(fields: dict[int, str], flag: str = " ") -> bytes:
    """A 256-byte block: spaces (UCS-2LE), each string written at its byte offset."""
    data = bytearray(b"\x20\x00" * 128)
    for offset, value in fields.items():
        encoded = value.encode("utf-16-le")
        data[offset:offset + len(encoded)] = encoded
    data[248:250] = flag.encode("utf-16-le")
    return bytes(data)


def test_resident_card_field_by_field():
    raw = block({0: "王小明", 30: "2", 32: "01", 36: "19491231", 52: "北京市朝阳区建国路88号",
                 122: RESIDENT_ID, 158: "北京市公安局朝阳分局", 188: "20100105", 204: "20300105"})
    card = parse_text(raw)
    assert isinstance(card, ResidentCard) and card.kind == "resident"
    assert card.name == "王小明"
    assert card.sex_code == "2" and card.sex == "女"
    assert card.nation_code == "01" and card.nation == "汉"
    assert card.birth == date(1949, 12, 31)
    assert card.address == "北京市朝阳区建国路88号"
    assert card.id_number == RESIDENT_ID
    assert card.issuer == "北京市公安局朝阳分局"
    assert card.valid_from == date(2010, 1, 5) and card.valid_until == date(2030, 1, 5)
    assert not card.long_term
    assert card.is_expired(date(2030, 1, 6)) and not card.is_expired(date(2030, 1, 5))
    assert card.age_on(date(2024, 12, 30)) == 74 and card.age_on(date(2024, 12, 31)) == 75


def test_resident_card_valid_for_long_term():
    raw = block({0: "赵四", 30: "1", 32: "11", 36: "19491231", 52: "辽宁省沈阳市",
                 122: RESIDENT_ID, 158: "沈阳市公安局", 188: "20150801", 204: "长期"})
    card = parse_text(raw)
    assert card.valid_until is None and card.long_term
    assert not card.is_expired(date(2099, 1, 1))
    assert card.nation == "满" and card.name == "赵四"


def test_resident_flag_may_be_nul():
    raw = bytearray(block({0: "王小明", 30: "2", 32: "01", 36: "19491231", 122: RESIDENT_ID,
                           188: "20100105", 204: "20300105"}))
    raw[248:250] = b"\x00\x00"
    assert isinstance(parse_text(bytes(raw)), ResidentCard)


def test_residence_permit_field_by_field():
    number = "830000199001011234"  # Taiwan; check digit 4
    raw = block({0: "林志明", 30: "1", 36: "19900101", 52: "福建省厦门市思明区湖滨南路1号",
                 122: number, 158: "厦门市公安局思明分局", 188: "20220301", 204: "20270301",
                 220: "T01234567", 238: "02"}, flag="J")
    card = parse_text(raw)
    assert isinstance(card, ResidencePermit) and card.kind == "residence_permit"
    assert (card.name, card.sex, card.birth) == ("林志明", "男", date(1990, 1, 1))
    assert card.address == "福建省厦门市思明区湖滨南路1号"
    assert card.id_number == number and card.region == "台湾"
    assert card.issuer == "厦门市公安局思明分局"
    assert (card.valid_from, card.valid_until) == (date(2022, 3, 1), date(2027, 3, 1))
    assert card.permit_number == "T01234567"
    assert card.issue_count == "02"


def test_residence_permit_number_must_be_hk_macau_or_taiwan():
    raw = block({0: "林志明", 30: "1", 36: "19491231", 122: RESIDENT_ID, 188: "20220301",
                 204: "20270301", 220: "T01234567", 238: "02"}, flag="J")
    with pytest.raises(DeviceError) as caught:
        parse_text(raw)
    assert caught.value.code == "card_text_invalid"


def test_permanent_residence_card_2017_field_by_field():
    raw = block({0: "SMITH, JOHN WILLIAM", 120: "1", 122: "GBR310750823001", 152: "GBR",
                 158: "史约翰", 188: "20180601", 204: "20280601", 220: "19750823",
                 236: "01", 240: "3100"}, flag="I")
    card = parse_text(raw)
    assert isinstance(card, PermanentResidenceCard2017) and card.kind == "permanent_2017"
    assert card.english_name == "SMITH, JOHN WILLIAM"
    assert card.chinese_name == "史约翰" and card.name == "史约翰"
    assert card.sex == "男"
    assert card.id_number == "GBR310750823001"
    assert card.nationality == "GBR"
    assert (card.valid_from, card.valid_until) == (date(2018, 6, 1), date(2028, 6, 1))
    assert card.birth == date(1975, 8, 23)
    assert card.card_version == "01" and card.authority_code == "3100"


def test_permanent_2017_without_chinese_name_is_addressed_in_english():
    raw = block({0: "DOE, JANE", 120: "2", 122: "CAN440880101002", 152: "CAN",
                 188: "20180601", 204: "20280601", 220: "19880101", 236: "01", 240: "4400"}, flag="I")
    card = parse_text(raw)
    assert card.name == "DOE, JANE" and card.chinese_name == "" and card.sex == "女"


def test_permanent_2017_number_shape_is_checked():
    raw = block({0: "DOE, JANE", 120: "2", 122: "CA4408801010021", 152: "CAN",
                 188: "20180601", 204: "20280601", 220: "19880101"}, flag="I")
    with pytest.raises(DeviceError) as caught:
        parse_text(raw)
    assert caught.value.code == "card_text_invalid"


def test_permanent_residence_card_2023_field_by_field():
    number = "931250198502140020"  # 9 + area 31 + country 250 + birth + seq 002 + check 0
    english = "DUPONT-LEFEBVRE DE SAINT-EXUPERY, MARIE-CLAIRE"  # 46 chars: both parts used
    raw = block({0: "杜玛丽", 30: "2", 32: "01", 36: "19850214", 52: english[:35],
                 122: number, 188: "20240115", 204: "20340115", 220: english[35:],
                 242: "FRA", 250: "1"}, flag="Y")
    card = parse_text(raw)
    assert isinstance(card, PermanentResidenceCard2023) and card.kind == "permanent_2023"
    assert card.chinese_name == "杜玛丽" and card.name == "杜玛丽"
    assert card.sex == "女"
    assert card.renewal_count == "01"
    assert card.birth == date(1985, 2, 14)
    assert card.english_name == english
    assert card.id_number == number
    assert (card.valid_from, card.valid_until) == (date(2024, 1, 15), date(2034, 1, 15))
    assert card.nationality == "FRA"
    assert card.previous_number_link == "1"


def test_permanent_2023_english_name_broken_at_a_word_keeps_its_space():
    number = "931250198502140020"
    english = "ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEFGH JONES"  # char 36 is a space
    raw = block({0: "", 30: "1", 36: "19850214", 52: english[:35], 122: number,
                 188: "20240115", 204: "20340115", 220: english[35:], 242: "AUS"}, flag="Y")
    card = parse_text(raw)
    assert card.english_name == english and card.name == english


def test_wrong_check_digit_is_refused():
    raw = block({0: "王小明", 30: "2", 32: "01", 36: "19491231", 122: "110105194912310021",
                 188: "20100105", 204: "20300105"})
    with pytest.raises(DeviceError) as caught:
        parse_text(raw)
    err = caught.value
    assert err.code == "card_text_invalid" and err.message_zh == "证件信息无法识别，请到人工窗口办理"
    assert "110105194912310021" not in str(err)


@pytest.mark.parametrize("fields", [
    {36: "19491230"},  # birth differs from the number
    {188: "2010010"},  # not 8 digits
    {204: "20300230"},  # 30 February
    {188: "20300105", 204: "20100105"},  # ends before it starts
])
def test_inconsistent_dates_are_refused(fields):
    base = {0: "王小明", 30: "2", 32: "01", 36: "19491231", 122: RESIDENT_ID,
            188: "20100105", 204: "20300105"}
    with pytest.raises(DeviceError) as caught:
        parse_text(block({**base, **fields}))
    assert caught.value.code == "card_text_invalid"


def test_unknown_flag_keeps_the_raw_block():
    raw = block({0: "某某"}, flag="Z")
    card = parse_text(raw)
    assert isinstance(card, UnsupportedCard) and not card.supported
    assert card.flag == "Z" and card.raw == raw
    assert card.error().code == "unsupported_card_type"
    assert card.error().message_zh == "暂不支持此类证件，请到人工窗口办理"


def test_a_block_of_the_wrong_size_is_refused():
    with pytest.raises(DeviceError):
        parse_text(bytes(255))


def test_encode_text_puts_every_field_where_the_layout_says(idcard_cards):
    from devices.idcard.cards import demo_cards

    for key, card in demo_cards().items():
        raw = encode_text(card)
        assert len(raw) == 256 and raw[248:250] == text.FLAGS[card.kind].encode("utf-16-le")
        assert parse_text(raw) == card
        assert parse_text(idcard_cards[key].text) == card
    resident = demo_cards()["resident"]
    raw = encode_text(resident)
    assert raw[122:158].decode("utf-16-le") == resident.id_number
    assert raw[204:220].decode("utf-16-le").strip() == "20350301"


def test_too_long_a_field_cannot_be_encoded():
    from devices.idcard.cards import demo_cards
    import dataclasses

    card = dataclasses.replace(demo_cards()["resident"], name="张" * 16)
    with pytest.raises(ValueError):
        encode_text(card)


def test_appended_address():
    data = "北京市西城区金融大街7号".encode("utf-16-le")
    data += b"\x20\x00" * ((70 - len(data)) // 2)
    assert len(data) == 70
    assert parse_appended_address(data) == "北京市西城区金融大街7号"
    assert text.encode_appended_address("北京市西城区金融大街7号") == data
