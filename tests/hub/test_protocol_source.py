"""The protocol module is the one source of the contract: it depends on nothing above it,
and its version and topic names reach the engine, the store, the replay, the hub's client
and the AsyncAPI document from there (change them in one place and every user follows)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import paho.mqtt.client as mqtt

from hall import protocol, protocol_asyncapi
from hall.service.client import HallClient

from .conftest import ROOT, TOWNSHIP

ABOVE_THE_PROTOCOL = {"hall.engine", "hall.store", "hall.calling", "hall.queueing", "hall.state", "hall.replay",
                      "hall.tidal", "hall.views"}


def run_python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_protocol_module_does_not_depend_on_the_engine():
    loaded = run_python("""
        import json, sys
        import hall.protocol, hall.protocol_verbs, hall.protocol_errors, hall.protocol_words, hall.protocol_asyncapi
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("hall."))))
    """)
    assert "hall.protocol_verbs" in loaded
    assert ABOVE_THE_PROTOCOL & set(loaded) == set()
    words = run_python("""
        import json, sys
        import hall.protocol_words
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("hall."))))
    """)
    assert words == ["hall.protocol_words"]  # the bottom layer: the engine may import it


def test_the_schema_version_comes_from_the_protocol_module_everywhere(tmp_path):
    """Version 7 set in one place: the engine's replies and events, the store's event log,
    the replay's error line, the request check, the status payload and AsyncAPI all say 7."""
    seen = run_python(f"""
        import io, json
        import hall.protocol_words
        hall.protocol_words.V = 7
        from hall import protocol, protocol_asyncapi
        from hall.config import load_hall
        from hall.replay import replay
        from hall.store import HallStore
        store = HallStore({str(tmp_path / "h.sqlite")!r}, load_hall({str(TOWNSHIP)!r}))
        now = store.engine.calendar.epoch("2025-03-04T10:00:00")
        reply, events = store.apply({{"verb": "issue", "service": "household"}}, now)
        refused, _ = store.apply({{"verb": "call_next", "window": "1"}}, now)
        out = io.StringIO()
        replay(store, ["not json"], out)
        parsed = protocol.parse_request(b'{{"v": 7, "verb": "tick", "transaction": "t"}}').verb
        try:
            protocol.parse_request(b'{{"v": 1, "verb": "tick", "transaction": "t"}}')
            old = "accepted"
        except protocol.ProtocolError as err:
            old = err.code
        print(json.dumps({{
            "reply": reply["v"], "refused": refused["v"], "events": sorted({{e["v"] for e in events}}),
            "log": sorted({{e["v"] for e in store.events()}}), "replay": json.loads(out.getvalue())["reply"]["v"],
            "parsed": parsed, "old": old, "status": json.loads(protocol.status_payload("online"))["v"],
            "error": protocol.reply_error("t", "queue_empty")["v"],
            "asyncapi": protocol_asyncapi.document()["info"]["version"],
        }}))
    """)
    assert seen == {"reply": 7, "refused": 7, "events": [7], "log": [7], "replay": 7, "parsed": "tick",
                    "old": "unsupported_version", "status": 7, "error": 7, "asyncapi": "7"}


def _message(topic: str, body: dict) -> mqtt.MQTTMessage:
    message = mqtt.MQTTMessage(topic=topic.encode())
    message.payload = json.dumps(body).encode()
    return message


def test_a_topic_renamed_in_the_table_reaches_the_topics_the_client_and_asyncapi(monkeypatch):
    renamed = tuple(dataclasses.replace(s, pattern="happenings/{type}") if s.name == "event" else s
                    for s in protocol.TOPICS)
    monkeypatch.setattr(protocol, "TOPICS", renamed)
    t = protocol.Topics("h")
    assert t.event("ticket_called") == "yc/h/happenings/ticket_called" and t.event() == "yc/h/happenings/+"
    assert "yc/{hall}/happenings/{type}" in protocol_asyncapi.channels()
    assert "yc/{hall}/event/{type}" not in protocol_asyncapi.channels()
    client = HallClient("mqtt://127.0.0.1:1", "h", "kiosk-1", watch_state=True, watch_events=True)
    client._deliver("message", (_message("yc/h/happenings/ticket_called", {"seq": 1}), 1))
    client._deliver("message", (_message("yc/h/event/ticket_called", {"seq": 2}), 1))
    client._deliver("message", (_message("yc/h/state/board", {"v": 1}), 1))
    client._deliver("message", (_message("yc/h/reply/kiosk-1", {"transaction": "a"}), 1))
    client._deliver("message", (_message("yc/h/reply/kiosk-1/screen2", {"transaction": "b"}), 1))
    client._deliver("message", (_message("yc/h/reply/kiosk-10", {"transaction": "c"}), 1))
    assert client.events == [{"seq": 1}]
    assert client.state == {"yc/h/state/board": {"v": 1}}
    assert sorted(client.replies) == ["a", "b"]  # kiosk-10's reply is not kiosk-1's
