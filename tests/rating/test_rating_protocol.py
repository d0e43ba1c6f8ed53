"""The rating verbs on the contract: who may send them, what the hub fills in, what it refuses."""
from __future__ import annotations

import json

import pytest

from hall.config import load_hall
from hall.protocol import parse_request
from hall.protocol_errors import ProtocolError
from hall.rating_phone import seal
from hall.service.auth import authorise, device_of
from tests.rating.conftest import TOWNSHIP

CONFIG = load_hall(TOWNSHIP)


def command(device: str, **body) -> dict:
    request = parse_request(json.dumps({"v": 1, "transaction": "t1", **body}, ensure_ascii=False).encode())
    return authorise(device_of(CONFIG, device, request), request)


def refused(device: str, **body) -> str:
    with pytest.raises(ProtocolError) as err:
        command(device, **body)
    return err.value.code


def test_a_pad_rates_for_its_own_window_only():
    phone = seal(b"k" * 32, "13812345678")
    cmd = command("pad-3", verb="rate", number="C001", level="dissatisfied", reasons=["slow"], phone=phone)
    assert cmd == {"verb": "rate", "window": "3", "number": "C001", "level": "dissatisfied", "reasons": ["slow"],
                   "phone": phone}
    assert refused("pad-3", verb="rate", window="1", number="C001", level="satisfied") == "not_your_window"
    assert refused("pad-3", verb="call_next") == "not_allowed"
    assert refused("pad-3", verb="case_step", case=1, step="verify", note="x", by="y") == "not_allowed"


def test_shapes_the_hub_refuses_before_the_engine():
    assert refused("pad-3", verb="rate", number="C001", level="satisfied", reasons="slow") == "wrong_type"
    assert refused("pad-3", verb="rate", number="C001", level="satisfied", reasons=["x"] * 21) == "wrong_type"
    assert refused("pad-3", verb="rate", number="C001") == "missing_field"
    assert refused("pad-3", verb="rate", number="C001", level="satisfied", phone={"masked": "138****5678"}) \
        == "missing_field"
    assert refused("pad-3", verb="rate", number="C001", level="satisfied", stars=5) == "unknown_field"


def test_a_kiosk_rates_naming_the_window_and_only_a_manager_moves_cases():
    assert command("kiosk-1", verb="rate", window="9", number="H001", level="satisfied", channel="kiosk")["window"] == "9"
    assert refused("kiosk-1", verb="rate", number="H001", level="satisfied") == "missing_field"
    assert refused("kiosk-1", verb="case_step", case=1, step="verify", note="x", by="y") == "not_allowed"
    cmd = command("manager", verb="case_step", case="3", step="verify", verdict="true", note="属实", by="张")
    assert cmd["case"] == "3" and cmd["verdict"] == "true"
    assert refused("manager", verb="case_step", case="three", step="verify", note="x", by="y") == "wrong_type"
    assert refused("manager", verb="case_step", case=1, step="verify", by="y") == "missing_field"
