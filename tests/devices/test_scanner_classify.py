"""Classifying scanned codes: appointment code, our own ticket, unknown, unreadable."""
from __future__ import annotations

import secrets

import pytest

from devices.scanner.classify import APPOINTMENT, TICKET, UNKNOWN, UNREADABLE, Classifier
from devices.scanner.codec import decode_payload
from hall.protocol import ticket_url, token_from_ticket_url

classifier = Classifier()


def kind_of(text: str, c: Classifier = classifier):
    scan = c.classify(decode_payload(text.encode("utf-8")))
    return scan.kind, scan.fields


def test_our_ticket_qr_is_a_ticket_with_its_token():
    for web_url in ("http://192.168.1.10:8080", "https://hall.example.gov.cn/zwfw", "http://10.0.0.2/"):
        token = secrets.token_urlsafe(16)
        url = ticket_url(web_url, token)
        assert kind_of(url) == (TICKET, {"token": token}) == (TICKET, {"token": token_from_ticket_url(url)})
        assert kind_of(url + "/") == (TICKET, {"token": token})


def test_what_is_not_our_ticket_qr_is_not_a_ticket():
    for text in ("YC-T:county:20240612:GR0101",                            # the old compact form
                 "http://192.168.1.10:8080/t/township-1/20240612/A012",  # the old number URL
                 "http://192.168.1.10:8080/t/A012",                      # a number is no token
                 "http://h/t/q3Vb8kPz1XwY7sLmN0aR2c?x=1",                # a query: not ours
                 "ftp://h/t/q3Vb8kPz1XwY7sLmN0aR2c"):
        assert kind_of(text)[0] == UNKNOWN, text
        assert token_from_ticket_url(text) is None, text


def test_appointment_codes():
    assert kind_of("YY20240612001") == (APPOINTMENT, {"code": "20240612001"})
    assert kind_of("APPT-a1b2c3d4") == (APPOINTMENT, {"code": "a1b2c3d4"})
    assert kind_of("https://zwfw.example.gov.cn/yy/check?yyh=8812345601&s=1") == (
        APPOINTMENT, {"code": "8812345601"})


def test_other_codes_are_unknown_but_kept():
    scan = classifier.classify(decode_payload("https://ctid.example/v?token=Zx81".encode()))
    assert scan.kind == UNKNOWN and scan.text.endswith("Zx81")
    assert kind_of("预约号YY123") == (UNKNOWN, {})


def test_unreadable_payload():
    scan = classifier.classify(decode_payload(b"\xff\xfe\x00"))
    assert scan.kind == UNREADABLE and scan.text is None
    assert scan.error.message_zh == "无法识别此码，请重新扫码"


def test_patterns_are_configurable_per_kind():
    local = Classifier({APPOINTMENT: [r"^(?P<code>\d{12})$"]})
    assert kind_of("202406120001", local) == (APPOINTMENT, {"code": "202406120001"})
    assert kind_of("YY20240612001", local) == (UNKNOWN, {})
    assert kind_of("http://h/t/q3Vb8kPz1XwY7sLmN0aR2c", local)[0] == TICKET  # other kinds keep defaults


def test_bad_configuration_is_refused_at_once():
    with pytest.raises(ValueError, match="bad appointment pattern"):
        Classifier({APPOINTMENT: ["(unclosed"]})
    with pytest.raises(ValueError, match="unknown code kinds"):
        Classifier({"coupon": [".*"]})


def test_scan_repr_is_short():
    scan = classifier.classify(decode_payload(b"APPT-370102199001011234"))
    assert "370102199001011234" not in repr(scan)
