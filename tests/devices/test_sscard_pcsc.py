"""社会保障卡 end to end: virtual card -> vpcd -> a real pcscd -> pyscard -> the reader."""
from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devices.errors import DeviceError
from devices.sscard import codec
from devices.sscard.reader import SocialSecurityCardReader
from devices.sscard.vcard import CardData, SocialSecurityCardApplet
from tests.devices.sscard_fixtures import (HMAC_KEY, card_reader, insert_card,  # noqa: F401
                                           pcscd_ports, vpcd_slot)

REPO = Path(__file__).resolve().parents[2]
CLEAR = ("370102199001011234", "欧阳娜娜", "A00000001")


def demo_card(**options) -> SocialSecurityCardApplet:
    return SocialSecurityCardApplet(CardData(name="欧阳娜娜", id_number="370102199001011234"),
                                    **options)


def read_error(reader, **kwargs) -> DeviceError:
    with pytest.raises(DeviceError) as err:
        reader.read(**kwargs)
    return err.value


def test_reads_ef05_and_ef06_through_pcscd(insert_card, card_reader, vpcd_slot):
    insert_card(demo_card())
    card = card_reader.read()
    assert card.reader == vpcd_slot.reader
    assert card.info.region_code == "110100" and card.info.generation == 3
    assert card.info.expiry_date == dt.date(2030, 1, 15)
    assert card.holder.id_masked == "3701**********1234"
    assert card.holder.name_masked == "欧**娜"
    assert card.holder.id_hash == codec.keyed_hash("370102199001011234", HMAC_KEY)
    assert card.atr.startswith("3B 6C")


def test_t0_card_with_61xx_and_6cxx(insert_card, card_reader):
    # T=0 answers everywhere, and a name padded to 20 bytes: READ RECORD gets 6C 16.
    link = insert_card(SocialSecurityCardApplet(CardData(name_length=20), t0=True))
    card = card_reader.read()
    assert card.holder.name_masked == "王*明"
    assert card.holder.name_hash == codec.keyed_hash("王小明", HMAC_KEY)
    # 3 SELECTs + 3 GET RESPONSEs, 13 READ RECORDs, 1 resend after 6C
    assert link.apdu_count == 20


def test_card_that_needs_a_pin(insert_card, card_reader):
    insert_card(demo_card(pin="123456"))
    err = read_error(card_reader)
    assert err.code == "pin_required"
    assert err.message_zh == "此社保卡需要验证密码才能读取，请到人工窗口办理"
    assert read_error(card_reader, pin="654321").code == "pin_wrong"
    card = card_reader.read(pin="123456")
    assert card.holder.id_masked == "3701**********1234"


def test_ef05_alone_needs_no_pin(insert_card, card_reader):
    insert_card(demo_card(pin="123456"))
    assert card_reader.read_card_info().card_number_masked == "A0*****01"


class BankCard(SocialSecurityCardApplet):
    """A card without the SSSE application: SELECT by name answers 6A 82."""

    def process(self, apdu: bytes) -> bytes:
        return b"\x6A\x82" if apdu[1] == 0xA4 else b"\x6D\x00"


def test_not_a_social_security_card(insert_card, card_reader):
    insert_card(BankCard())
    err = read_error(card_reader)
    assert err.code == "not_social_security_card"
    assert err.message_zh == "无法识别此卡，请插入社会保障卡"


def test_garbled_record_is_a_device_error(insert_card, card_reader):
    insert_card(SocialSecurityCardApplet(CardData(expiry_date="20301399")))
    err = read_error(card_reader)
    assert err.code == "garbled_frame"


def test_no_card(card_reader):
    assert card_reader.card_present() is False
    assert card_reader.wait_for_card(0.3) is False
    err = read_error(card_reader)
    assert err.code == "no_card"
    assert err.message_zh == "请插入社会保障卡"


def test_no_such_reader():
    reader = SocialSecurityCardReader("pcsc://No Such Reader", hmac_key=HMAC_KEY)
    err = read_error(reader)
    assert err.code == "no_reader"
    assert "读卡器" in err.message_zh


def test_card_pulled_out_mid_read_then_reinserted(insert_card, card_reader):
    insert_card(demo_card(), remove_after=5)  # gone after the 5th APDU
    err = read_error(card_reader)
    assert err.code == "card_removed"
    assert err.message_zh == "社保卡已被取出，请重新插入"
    assert card_reader.wait_for_removal(5.0)
    assert read_error(card_reader).code == "no_card"
    insert_card(demo_card())  # the citizen puts it back: the same reader object reads it
    assert card_reader.read().holder.name_masked == "欧**娜"


def test_url_forms(vpcd_slot, insert_card):
    insert_card(demo_card())
    quoted = "pcsc://" + vpcd_slot.reader.replace(" ", "%20")
    ambiguous = "pcsc://" + vpcd_slot.reader[:-1]  # "... 00 0": both slots start so
    first = SocialSecurityCardReader("pcsc://", hmac_key=HMAC_KEY)
    assert SocialSecurityCardReader(quoted, hmac_key=HMAC_KEY).reader_name() == vpcd_slot.reader
    with pytest.raises(DeviceError) as err:
        SocialSecurityCardReader(ambiguous, hmac_key=HMAC_KEY).reader_name()
    assert err.value.code == "no_reader"
    assert first.reader_name() in first.pcsc.readers()
    with pytest.raises(ValueError):
        SocialSecurityCardReader("serial:///dev/ttyS0", hmac_key=HMAC_KEY)
    with pytest.raises(ValueError):
        SocialSecurityCardReader(quoted, hmac_key=b"")


def test_no_clear_personal_data_in_logs_or_repr(insert_card, card_reader, caplog):
    insert_card(demo_card(t0=True))
    with caplog.at_level(logging.DEBUG):
        card = card_reader.read()
        card_reader.read(pin="123456")  # a VERIFY body is a PIN: never logged either
    text = caplog.text + repr(card) + str(card)
    assert "欧**娜" in caplog.text
    for clear in CLEAR + ("123456",):
        assert clear not in text


def test_yichuang_sim_sscard_cli(vpcd_slot, card_reader):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "sscard", "--port", str(vpcd_slot.port),
         "--name", "欧阳娜娜", "--id-number", "370102199001011234", "--t0"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"reader: pcsc://{vpcd_slot.reader}\n" in lines
        card = card_reader.read()
        assert card.holder.name_masked == "欧**娜"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    for clear in CLEAR:
        assert clear not in "".join(lines) + out
    assert card_reader.wait_for_removal(5.0)
