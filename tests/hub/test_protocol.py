"""The protocol module on its own: topics, request checking, privacy, and who may do what."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hall import protocol
from hall.config import Device, load_hall
from hall.engine import Engine
from hall.messages import REFUSALS
from hall.protocol import MAX_PAYLOAD, Topics, parse_request, parse_status
from hall.protocol_errors import ERROR_CODES, ProtocolError, error_body
from hall.protocol_verbs import ROLES, VERBS
from hall.service.auth import authorise

ROOT = Path(__file__).resolve().parents[2]
HALL = load_hall(ROOT / "config" / "halls" / "township.toml")


def req(**body) -> bytes:
    return json.dumps({"v": 1, "transaction": "t-1", **body}).encode()


def refusal(payload: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        parse_request(payload)
    return info.value


def test_topics_of_a_hall():
    t = Topics("banzhuyuan")
    assert t.request("kiosk-1") == "yc/banzhuyuan/request/kiosk-1"
    assert t.request() == "yc/banzhuyuan/request/+"
    assert t.reply("caller-1") == "yc/banzhuyuan/reply/caller-1"
    assert t.window("28") == "yc/banzhuyuan/state/window/28"
    assert t.service("household") == "yc/banzhuyuan/state/service/household"
    assert t.board() == "yc/banzhuyuan/state/board"
    assert t.hall_state() == "yc/banzhuyuan/state/hall"
    assert t.event("ticket_called") == "yc/banzhuyuan/event/ticket_called"
    assert t.status("hub") == "yc/banzhuyuan/status/hub"
    assert (t.up(), t.down()) == ("yc/banzhuyuan/up/", "yc/banzhuyuan/down/")
    assert t.device_of_request("yc/banzhuyuan/request/kiosk-1") == "kiosk-1"
    assert t.device_of_request("yc/banzhuyuan/request/a/b") is None
    assert t.device_of_request("yc/other/request/kiosk-1") is None
    assert t.client_of_status("yc/banzhuyuan/status/board-1") == "board-1"
    with pytest.raises(ValueError):
        Topics("a/b")


def test_reply_topic_is_the_devices_own_or_below_it():
    t = Topics("h")
    assert t.reply_to("kiosk-1", None) == "yc/h/reply/kiosk-1"
    assert t.reply_to("kiosk-1", "yc/h/reply/kiosk-1/screen2") == "yc/h/reply/kiosk-1/screen2"
    for bad in ("yc/h/state/hall", "yc/h/reply/caller-1", "yc/h/reply/kiosk-10", "yc/h/reply/kiosk-1/#",
                "yc/h/reply/kiosk-1/\x00", "yc/h/reply/kiosk-1/" + "x" * 300):
        with pytest.raises(ProtocolError) as info:
            t.reply_to("kiosk-1", bad, "t9")
        assert info.value.code == "bad_reply_to" and info.value.transaction == "t9"


def test_a_good_request_is_parsed():
    r = parse_request(req(verb="issue", service="household", person={"hash": "ab12", "masked": "3701**********1234"}))
    assert (r.verb, r.transaction, r.reply_to) == ("issue", "t-1", None)
    assert r.fields == {"service": "household", "person": {"hash": "ab12", "masked": "3701**********1234"}}


@pytest.mark.parametrize("payload, code, field", [
    (b"not json", "malformed_json", None),
    (b"[1, 2]", "malformed_json", None),
    (b"\xff\xfe{}", "malformed_json", None),
    (b'{"v": 1, "verb": "issue"', "malformed_json", None),
    (json.dumps({"verb": "call_next", "transaction": "a"}).encode(), "missing_field", "v"),
    (json.dumps({"v": 2, "verb": "call_next", "transaction": "a"}).encode(), "unsupported_version", None),
    (json.dumps({"v": True, "verb": "call_next", "transaction": "a"}).encode(), "unsupported_version", None),
    (json.dumps({"v": 1, "verb": "call_next"}).encode(), "missing_field", "transaction"),
    (json.dumps({"v": 1, "verb": "call_next", "transaction": 7}).encode(), "wrong_type", "transaction"),
    (json.dumps({"v": 1, "verb": "call_next", "transaction": "x" * 65}).encode(), "wrong_type", "transaction"),
    (req(), "missing_field", "verb"),
    (req(verb="teleport"), "unknown_verb", None),
    (req(verb=["issue"]), "unknown_verb", None),
    (req(verb="issue"), "missing_field", "service"),
    (req(verb="issue", service=5), "wrong_type", "service"),
    (req(verb="issue", service=""), "wrong_type", "service"),
    (req(verb="issue", service="help", green="yes"), "wrong_type", "green"),
    (req(verb="issue", service="help", channel="fax"), "wrong_type", "channel"),
    (req(verb="issue", service="help", person="3701"), "wrong_type", "person"),
    (req(verb="issue", service="help", person={"name": "张三"}), "unknown_field", "person.name"),
    (req(verb="issue", service="help", person={"birth": "1950/01/01"}), "wrong_type", "person.birth"),
    (req(verb="return_missed", number="A001", place=-1), "wrong_type", "place"),
    (req(verb="finish", outcome="done"), "unknown_outcome", None),  # the hall's own code for it
    (req(verb="call_next", colour="red"), "unknown_field", "colour"),
    (req(verb="call_next", reply_to=5), "wrong_type", "reply_to"),
    (req(verb="pause"), "reason_required", None),
])
def test_bad_requests_are_refused_with_a_code(payload, code, field):
    err = refusal(payload)
    assert err.code == code
    if field is not None:
        assert err.params["field"] == field
    body = err.body()
    assert body["code"] == code and body["message"] and body["message_en"]


def test_an_error_keeps_the_transaction_and_reply_topic_when_they_can_be_read():
    err = refusal(req(verb="teleport", reply_to="yc/h/reply/kiosk-1/x"))
    assert (err.transaction, err.reply_to) == ("t-1", "yc/h/reply/kiosk-1/x")
    assert refusal(b"{oops").transaction is None


def test_an_oversized_payload_is_refused_before_it_is_read():
    big = req(verb="cancel", number="A001", reason="x" * MAX_PAYLOAD)
    assert refusal(big).code == "payload_too_large"


@pytest.mark.parametrize("carrier", [
    {"verb": "issue", "service": "help", "person": {"masked": "11010519491231002x"}},
    {"verb": "issue", "service": "help", "person": {"hash": "110101199003074514"}},
    {"verb": "cancel", "number": "A001", "reason": "身份证110101199003074514丢失"},
    {"verb": "cancel", "number": "A001", "reason": 110101199003074514},
])
def test_a_clear_id_number_anywhere_is_refused(carrier):
    err = refusal(req(**carrier))
    assert err.code == "personal_data"
    assert err.transaction == "t-1"
    assert "1101" not in json.dumps(err.body(), ensure_ascii=False)


def test_an_id_number_used_as_transaction_is_not_echoed():
    err = refusal(json.dumps({"v": 1, "verb": "call_next", "transaction": "110101199003074514"}).encode())
    assert err.code == "personal_data" and err.transaction is None


def test_masked_numbers_hashes_and_long_digit_runs_pass():
    parse_request(req(verb="issue", service="help", person={"masked": "1101**********4514", "hash": "9f" * 32}))
    parse_request(req(verb="cancel", number="A001", reason="1234567890123456789"))  # 19 digits: not an ID


def test_status_payloads():
    assert parse_status(protocol.status_payload("online")) == "online"
    assert parse_status(b"offline") == "offline"
    assert parse_status(b'{"v":1,"state":"sleepy"}') is None
    assert parse_status(b"\xff") is None


def test_the_verb_table_covers_the_engine_exactly():
    assert set(VERBS) == set(Engine(HALL).verbs)


def test_every_event_the_engine_emits_is_listed():
    emitted = set()
    for path in (ROOT / "hall").glob("*.py"):
        emitted |= set(re.findall(r'emit\("([a-z_]+)"', path.read_text()))
    assert emitted == set(protocol.EVENT_TYPES)


def test_every_error_code_has_both_languages():
    assert set(REFUSALS) <= set(ERROR_CODES)
    for code in ERROR_CODES:
        body = error_body(code)
        assert body["message"] and body["message_en"]


# ------------------------------------------------------------------ who may do what

def allowed(device: Device, payload: bytes) -> dict:
    return authorise(device, parse_request(payload))


def denied(device: Device, payload: bytes) -> str:
    with pytest.raises(ProtocolError) as info:
        allowed(device, payload)
    return info.value.code


KIOSK = Device("kiosk-1", "kiosk")
CALLER_1 = Device("caller-1", "caller", "1")
BRIDGE_ALL = Device("keypads", "keypad_bridge")
MANAGER = Device("desk", "manager")


def test_a_kiosk_issues_cancels_and_returns_but_does_not_call():
    assert allowed(KIOSK, req(verb="issue", service="help")) == {"verb": "issue", "service": "help"}
    assert allowed(KIOSK, req(verb="cancel", number="A001"))["verb"] == "cancel"
    assert allowed(KIOSK, req(verb="return_missed", number="A001"))["verb"] == "return_missed"
    assert denied(KIOSK, req(verb="call_next", window="1")) == "not_allowed"
    assert denied(KIOSK, req(verb="issue", service="help", channel="staff")) == "manager_only"
    assert denied(KIOSK, req(verb="issue", service="help", green=True)) == "manager_only"
    assert allowed(KIOSK, req(verb="issue", service="help", green=False))["green"] is False


def test_a_caller_acts_for_its_own_window_only():
    assert allowed(CALLER_1, req(verb="call_next")) == {"verb": "call_next", "window": "1"}
    assert allowed(CALLER_1, req(verb="call_next", window="1"))["window"] == "1"
    assert denied(CALLER_1, req(verb="call_next", window="2")) == "not_your_window"
    assert denied(CALLER_1, req(verb="issue", service="help")) == "not_allowed"
    assert denied(CALLER_1, req(verb="close_service", service="help")) == "not_allowed"
    assert allowed(CALLER_1, req(verb="transfer", to_window="2"))["window"] == "1"


def test_a_bridge_without_a_window_names_the_window_and_a_manager_may_do_everything():
    assert allowed(BRIDGE_ALL, req(verb="recall", window="3"))["window"] == "3"
    assert denied(BRIDGE_ALL, req(verb="recall")) == "missing_field"
    assert denied(MANAGER, req(verb="call_next")) == "missing_field"
    for verb, fields in [("issue", {"service": "help", "channel": "staff", "green": True}),
                         ("close_service", {"service": "help"}), ("tick", {}), ("call_next", {"window": "2"})]:
        assert allowed(MANAGER, req(verb=verb, **fields))["verb"] == verb


@pytest.mark.parametrize("role", ["board", "window_screen", "rating_pad"])
def test_boards_screens_and_pads_only_read(role):
    device = Device(f"{role}-1", role, "1" if role != "board" else None)
    for verb, fields in [("issue", {"service": "help"}), ("call_next", {}), ("cancel", {"number": "A001"})]:
        assert denied(device, req(verb=verb, **fields)) == "not_allowed"


def test_every_role_of_the_hall_file_has_a_rule():
    from hall.config import DEVICE_ROLES

    assert set(ROLES) == set(DEVICE_ROLES)
