"""社会保障卡 codec against the published frames (reference §2.1) and its privacy rules."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest

from devices.errors import DeviceError
from devices.sscard import codec
from devices.sscard.vcard import CardData

KEY = b"hall-key"


def test_select_ssse_is_the_published_frame():
    assert codec.select_ssse() == bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")


def test_select_ef05_and_ef06_are_the_published_frames():
    assert codec.select_file(codec.EF05) == bytes.fromhex("00A4020002EF05")
    assert codec.select_file(codec.EF06) == bytes.fromhex("00A4020002EF06")


def test_read_record_by_tag_asks_value_length_plus_two():
    # 卡号: tag 07, 9 bytes -> Le 0B, as in the published "00 B2 07 2C 0B" (there by SFI).
    assert codec.read_record_by_tag(codec.CARD_NUMBER) == bytes.fromhex("00B207000B")
    assert codec.read_record_by_tag(codec.ID_NUMBER) == bytes.fromhex("00B2080014")
    assert codec.read_record_by_tag(codec.NAME) == bytes.fromhex("00B2090020")
    assert codec.read_record_by_tag(codec.BIRTH_DATE) == bytes.fromhex("00B20D0006")


def test_get_response_and_resend_with_le():
    assert codec.get_response(0x1E) == bytes.fromhex("00C000001E")
    assert codec.with_le(bytes.fromhex("00B2090020"), 0x16) == bytes.fromhex("00B2090016")
    select = codec.select_ssse()
    assert codec.with_le(select, 0x13) == select + b"\x13"


def test_verify_pin_is_bcd_f_padded():
    assert codec.verify_pin("123456") == bytes.fromhex("0020000003123456")
    assert codec.verify_pin("12345") == bytes.fromhex("002000000312345F")
    with pytest.raises(ValueError):
        codec.verify_pin("12ab")


def test_tags_by_file():
    assert codec.tags_of(codec.EF05) == [1, 2, 3, 4, 5, 6, 7]
    assert codec.tags_of(codec.EF06) == [8, 9, 10, 11, 12, 13]


def test_split_response_and_short_answer():
    assert codec.split_response(bytes.fromhex("0102039000")) == (b"\x01\x02\x03", 0x9000)
    with pytest.raises(DeviceError) as err:
        codec.split_response(b"\x90")
    assert err.value.code == "garbled_frame"


@pytest.mark.parametrize("sw, step, code", [
    (0x6982, "read", "pin_required"),
    (0x6985, "read", "pin_required"),
    (0x6983, "verify", "card_locked"),
    (0x63C2, "verify", "pin_wrong"),
    (0x6A82, "select_app", "not_social_security_card"),
    (0x6A83, "read", "record_missing"),
    (0x6F00, "read", "card_error"),
])
def test_status_words_become_device_errors(sw, step, code):
    with pytest.raises(DeviceError) as err:
        codec.check_sw(sw, step=step)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en
    assert f"{sw:04X}" in err.value.detail


def test_wrong_pin_message_says_tries_left():
    with pytest.raises(DeviceError) as err:
        codec.check_sw(0x63C1, step="verify")
    assert err.value.message_zh == "社保卡密码错误，还可尝试1次"


def test_9000_is_fine():
    assert codec.check_sw(0x9000, step="read") is None


def test_parse_record_checks_tag_and_length():
    assert codec.parse_record(bytes.fromhex("0D0419491231"), 0x0D) == bytes.fromhex("19491231")
    for bad in (b"\x0d", bytes.fromhex("0C0419491231"), bytes.fromhex("0D0919491231")):
        with pytest.raises(DeviceError) as err:
            codec.parse_record(bad, 0x0D)
        assert err.value.code == "garbled_frame"


def test_parse_tlv_run_with_padding():
    data = bytes.fromhex("0A0131" "0B0101" "0C03110105" "FFFF")
    assert codec.parse_tlv(data) == {0x0A: b"1", 0x0B: b"\x01", 0x0C: bytes.fromhex("110105")}
    with pytest.raises(DeviceError):
        codec.parse_tlv(bytes.fromhex("0A0531"))


def test_bcd_dates():
    assert codec.bcd_date(bytes.fromhex("20300115")) == dt.date(2030, 1, 15)
    assert codec.bcd_date(b"\x00" * 4) is None
    assert codec.bcd_date(b"\xff" * 4) is None
    for bad in (bytes.fromhex("20301315"), bytes.fromhex("2030AB15"), bytes.fromhex("203001")):
        with pytest.raises(DeviceError) as err:
            codec.bcd_date(bad)
        assert err.value.code == "garbled_frame"


def test_bcd_place_drops_f_padding():
    assert codec.bcd_digits(bytes.fromhex("3701FF")) == "3701"
    assert codec.bcd_encode("3701", 3) == bytes.fromhex("3701FF")


def test_nation_code_bcd_or_binary():
    assert codec.nation_code(b"\x01") == "01"
    assert codec.nation_code(b"\x10") == "10"  # BCD 朝鲜
    assert codec.nation_code(b"\x0a") == "10"  # binary on some cards


def test_masks():
    assert codec.mask_id("370102199001011234") == "3701**********1234"
    assert codec.mask_name("张三丰") == "张*丰"
    assert codec.mask_name("张三") == "张*"
    assert codec.mask_name("欧阳娜娜") == "欧**娜"
    assert codec.mask_card_number("A12345678") == "A1*****78"


def test_keyed_hash_is_hmac_sha256_of_the_upper_case_value():
    hexdigest = hmac.new(KEY, b"11010519491231002X", hashlib.sha256).hexdigest()
    expected = "kh-" + hexdigest.translate(str.maketrans("0123456789abcdef", "abcdefghijklmnop"))
    assert codec.keyed_hash("11010519491231002x", KEY) == expected
    assert codec.keyed_hash("11010519491231002X", b"other") != expected
    with pytest.raises(ValueError):
        codec.keyed_hash("x", b"")


def test_decode_files_of_the_demo_card_keeps_no_clear_personal_data():
    files = CardData(name="欧阳娜娜", id_number="370102199001011234").files()
    info = codec.decode_card_info(files[codec.EF05], KEY)
    holder = codec.decode_holder(files[codec.EF06], KEY)
    assert info.region_code == "110100"
    assert info.spec_version == "3.00" and info.generation == 3
    assert info.issue_date == dt.date(2020, 1, 15)
    assert info.expired(dt.date(2031, 1, 1)) and not info.expired(dt.date(2029, 1, 1))
    assert info.card_number_masked == "A0*****01"
    assert holder.id_masked == "3701**********1234"
    assert holder.name_masked == "欧**娜"
    assert holder.id_hash == codec.keyed_hash("370102199001011234", KEY)
    assert holder.gender == "男" and holder.nation_code == "01"
    assert holder.birth_place == "110105" and holder.birth_date == dt.date(1949, 12, 31)
    text = repr(info) + repr(holder) + str(vars(holder)) + str(vars(info))
    for clear in ("370102199001011234", "欧阳娜娜", "A00000001"):
        assert clear not in text


def test_decode_holder_rejects_garbled_values():
    files = CardData().files()[codec.EF06]
    for tag, value in ((codec.NAME, b"\xff\xfe\x81" + b"\x00" * 27),
                       (codec.ID_NUMBER, b"12345" + b"\x00" * 13),
                       (codec.BIRTH_DATE, bytes.fromhex("19491331"))):
        with pytest.raises(DeviceError) as err:
            codec.decode_holder({**files, tag: value}, KEY)
        assert err.value.code == "garbled_frame"
    broken = dict(files)
    del broken[codec.GENDER]
    with pytest.raises(DeviceError) as err:
        codec.decode_holder(broken, KEY)
    assert "0A" in err.value.detail


def test_same_citizen_same_hash_and_mask_as_the_id_card_reader():
    # The hall recognises one citizen by the keyed hash, whichever card they show.
    from devices.idcard import idnumber

    for number in ("11010519491231002x", "370102199001011234"):
        assert codec.keyed_hash(number, KEY) == idnumber.keyed_hash(number, KEY)
        assert codec.mask_id(number.upper()) == idnumber.mask_id_number(number)
    for name in ("张三", "张三丰", "欧阳娜娜", "李"):
        assert codec.mask_name(name) == idnumber.mask_name(name)
