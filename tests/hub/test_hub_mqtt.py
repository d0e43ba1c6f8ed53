"""The hub on a real broker (Mosquitto, and the embedded one): replies, events, retained state,
duplicates, bad input, who may do what, availability."""
from __future__ import annotations

import json

import pytest

from hall.protocol import Topics, encode

from .mqtt_cli import pub, retained_json, wait_retained


def test_requests_events_and_retained_state(broker_url, hall, start_hub, connect):
    start_hub(hall, broker_url)
    t = Topics(hall.id)
    board = connect(broker_url, hall, "board-1", watch_state=True, watch_events=True)
    kiosk = connect(broker_url, hall, "kiosk-1")
    caller = connect(broker_url, hall, "caller-3")

    issued = kiosk.request("issue", service="social_insurance")
    assert issued["status"] == "ok" and issued["data"]["ticket"] == "A001"
    assert caller.request("staff_login", staff="0103")["data"]["staff"] == "0103"
    called = caller.request("call_next")
    assert called["data"]["ticket"] == "A001" and called["data"]["window"] == "3"

    event = board.wait_for(lambda: next((e for e in board.events if e["type"] == "ticket_called"), None), 10)
    assert (event["ticket"], event["window"], event["staff"], event["v"]) == ("A001", "3", "0103", 1)
    assert event["ts"] > 0 and event["at"].startswith("2025-03-04T10:")
    seqs = [e["seq"] for e in board.events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

    window = board.wait_for(lambda: (w := board.state.get(t.window("3"))) and w["ticket"] and w, 10)
    assert window["staff"] == {"number": "0103", "name": "王芳", "photo": "staff/0103.jpg"}
    assert window["ticket"]["number"] == "A001" and window["status"] == "open"
    assert window["seq"] >= event["seq"]
    calls = board.wait_for(lambda: (b := board.state.get(t.board())) and b["calls"], 10)
    assert calls[0]["ticket"] == "A001" and calls[0]["window_name"] == "3号窗口"
    service = board.state_of(t.service("social_insurance"))
    assert service["waiting"] == 0 and service["windows_serving"] == 1 and service["name"] == "社保医保业务"
    assert set(board.state) >= {t.hall_state(), t.board(), t.window("1"), t.service("help")}


def test_a_duplicate_gets_the_first_answer_and_changes_nothing(broker_url, hall, start_hub, connect):
    start_hub(hall, broker_url)
    kiosk = connect(broker_url, hall, "kiosk-1")
    first = kiosk.request("issue", transaction="same-1", service="help")
    before = hall.facts()
    kiosk.replies.clear()
    again = kiosk.request("issue", transaction="same-1", service="help")
    assert again == first
    assert hall.facts() == before
    # transaction ids are per device: another device may use the same one
    caller = connect(broker_url, hall, "caller-9")
    assert caller.request("staff_login", transaction="same-1", staff="0104")["status"] == "ok"
    assert [row[0] for row in hall.query("SELECT number FROM tickets")] == ["H001"]


BAD = [
    ("kiosk-1", b"not json at all", "malformed_json"),
    ("kiosk-1", b"\xff\xfe\x00", "malformed_json"),
    ("kiosk-1", b'["issue"]', "malformed_json"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "big", "service": "help", "x": "y" * 20000}),
     "payload_too_large"),
    ("kiosk-1", encode({"v": 1, "verb": "teleport", "transaction": "b1"}), "unknown_verb"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b2"}), "missing_field"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b3", "service": 7}), "wrong_type"),
    ("kiosk-1", encode({"v": 3, "verb": "issue", "transaction": "b4", "service": "help"}), "unsupported_version"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b5", "service": "help", "name": "张三"}),
     "unknown_field"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b6", "service": "help",
                        "person": {"masked": "110101199003074514"}}), "personal_data"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b7", "service": "help", "channel": "staff"}),
     "manager_only"),
    ("kiosk-1", encode({"v": 1, "verb": "call_next", "transaction": "b8", "window": "1"}), "not_allowed"),
    ("kiosk-1", encode({"v": 1, "verb": "issue", "transaction": "b9", "service": "help",
                        "reply_to": "yc/{hall}/state/hall"}), "bad_reply_to"),
    ("caller-1", encode({"v": 1, "verb": "call_next", "transaction": "b10", "window": "2"}), "not_your_window"),
    ("caller-1", encode({"v": 1, "verb": "issue", "transaction": "b11", "service": "help"}), "not_allowed"),
    ("caller-1", encode({"v": 1, "verb": "call_next", "transaction": "b12"}), "window_closed"),
    ("board-1", encode({"v": 1, "verb": "call_next", "transaction": "b13", "window": "1"}), "not_allowed"),
    ("pad-1", encode({"v": 1, "verb": "finish", "transaction": "b14"}), "not_allowed"),
    ("ghost-7", encode({"v": 1, "verb": "issue", "transaction": "b15", "service": "help"}), "unknown_device"),
    ("kiosk-1", encode({"v": 1, "verb": "cancel", "transaction": "b16", "number": "Z999"}), "unknown_ticket"),
    ("kiosk-1", b'{"v":1,"verb":"iss\\udfffue","transaction":"b17"}', "bad_request"),
    ("kiosk-1", b'{"v":1,"verb":"issue","transaction":"b18","service":"help","x":' + b"[" * 900 + b"]" * 900 + b"}",
     "too_deep"),
    ("caller-1", b'{"v":1,"verb":"staff_login","transaction":"b19","staff":"0104\\udfff"}', "bad_request"),
]


def test_bad_input_gets_an_error_reply_changes_nothing_and_the_hub_stays_up(broker_url, hall, start_hub, connect):
    hub = start_hub(hall, broker_url)
    kiosk = connect(broker_url, hall, "kiosk-1")
    assert kiosk.request("issue", service="help")["status"] == "ok"
    before = hall.facts()
    clients = {}
    for device, payload, code in BAD:
        client = clients.get(device) or clients.setdefault(device, connect(broker_url, hall, device))
        payload = payload.replace(b"{hall}", hall.id.encode())
        known = len(client.received)
        client.publish_raw(payload)
        reply = client.wait_for(lambda: len(client.received) > known and client.received[known], 10,
                                f"an error reply to {payload[:40]!r}")
        assert reply["status"] == "error", reply
        assert reply["error"]["code"] == code, (payload[:80], reply)
        assert reply["error"]["message"] and reply["error"]["message_en"]
        assert "110101199003074514" not in json.dumps(reply, ensure_ascii=False)
        if b'"transaction": "b' in payload and code not in ("payload_too_large",):
            assert reply["transaction"] == json.loads(payload)["transaction"]
    # a device id that is an ID number: no reply at all (its reply topic would carry the number)
    leaky = connect(broker_url, hall, "110101199003074514")
    leaky.publish_raw(encode({"v": 1, "verb": "issue", "transaction": "b20", "service": "help"}))
    assert hall.facts() == before
    assert hub.alive()
    assert kiosk.request("issue", service="help")["data"]["ticket"] == "H002"  # handled after the leaky one
    assert leaky.received == []
    log = hub.log.read_text()
    assert "110101199003074514" not in log and "dropped a request from a device whose id is an ID number" in log


def test_a_terminal_coming_online_gets_the_state_again(broker_url, hall, start_hub, connect):
    start_hub(hall, broker_url)
    t = Topics(hall.id)
    hall_topic = t.hall_state()
    wait_retained(broker_url, hall_topic, lambda text: json.loads(text).get("hall") == hall.id)
    # a broker that lost or garbled a retained message (here: overwritten by hand)
    pub(broker_url, hall_topic, '{"v":1,"garbled":true}', retain=True)
    assert retained_json(broker_url, hall_topic) == {"v": 1, "garbled": True}
    connect(broker_url, hall, "board-1")  # says "online" on status/board-1
    text = wait_retained(broker_url, hall_topic, lambda text: "garbled" not in text)
    assert json.loads(text)["name"] == "斑竹园镇便民服务中心"


def test_the_hub_says_online_and_offline(broker_url, hall, start_hub):
    hub = start_hub(hall, broker_url)
    status = Topics(hall.id).status("hub")
    online = lambda text: json.loads(text)["state"] == "online"  # noqa: E731
    offline = lambda text: json.loads(text)["state"] == "offline"  # noqa: E731
    wait_retained(broker_url, status, online)
    assert hub.stop() == 0  # SIGTERM: a clean goodbye
    wait_retained(broker_url, status, offline)
    hub.start()
    wait_retained(broker_url, status, online)
    hub.kill9()  # no goodbye: the broker sends the last will
    wait_retained(broker_url, status, offline)


@pytest.mark.parametrize("broker_url", ["mosquitto"], indirect=True)
def test_requests_sent_while_the_hub_is_down_are_answered_when_it_returns(broker_url, hall, start_hub, connect):
    """The hub's session is persistent: Mosquitto keeps its QoS 1 requests while it is away."""
    hub = start_hub(hall, broker_url)
    kiosk = connect(broker_url, hall, "kiosk-1")
    hub.stop()
    txns = [kiosk.send("issue", service="help") for _ in range(5)]
    hub.start()
    replies = [kiosk.reply(txn, 20) for txn in txns]
    assert [r["data"]["ticket"] for r in replies] == ["H001", "H002", "H003", "H004", "H005"]


def test_a_tidal_alert_appears_in_the_hall_state_and_clears_when_the_window_opens(mosquitto, county_hall,
                                                                                 start_hub, connect):
    url, t = mosquitto.url, Topics(county_hall.id)
    start_hub(county_hall, url)
    kiosk = connect(url, county_hall, "kiosk-1")
    watcher = connect(url, county_hall, "board-main", watch_state=True)
    for i in range(15):  # window 28's trigger: 15 waiting for 社保/医保
        reply = kiosk.request("issue", service="pension_enroll", person={"hash": f"h{i:02d}", "masked": "3701**1234"})
        assert reply["status"] == "ok", reply
    alerts = watcher.wait_for(lambda: (h := watcher.state.get(t.hall_state())) and h["alerts"], 10, "an alert")
    assert [(a["window"], a["message"], a["message_en"]) for a in alerts] == [
        ("28", "请开启28号潮汐窗口", "Open tidal window 28")]
    caller = connect(url, county_hall, "caller-28")
    assert caller.request("staff_login", staff="1001")["status"] == "ok"
    watcher.wait_for(lambda: watcher.state[t.hall_state()]["alerts"] == [], 10, "the alert cleared")
    window = watcher.wait_for(lambda: (w := watcher.state.get(t.window("28"))) and w["status"] == "open" and w, 10)
    assert window["staff"]["number"] == "1001" and window["name"] == "28号潮汐窗口"


def test_the_hall_day_rolls_by_itself_at_the_day_boundary(mosquitto, hall, start_hub, connect):
    """The hub's tick: no command arrives, yet at 03:00 the new hall day starts."""
    start_hub(hall, mosquitto.url, "--clock", "2025-03-04T02:59:58", "--tick", "0.5")
    board = connect(mosquitto.url, hall, "board-1", watch_state=True, watch_events=True)
    t = Topics(hall.id)
    board.wait_for(lambda: (h := board.state.get(t.hall_state())) and h["day"] == "2025-03-04", 30, "the new day")
    started = [e for e in board.events if e["type"] == "day_started"]
    assert started and started[-1]["day"] == "2025-03-04" and started[-1]["data"]["previous"] == "2025-03-03"
