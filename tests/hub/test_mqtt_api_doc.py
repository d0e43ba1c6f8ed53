"""docs/mqtt-api.md and the protocol module say the same: topics, verbs, fields, roles, error
codes, event types, limits, and the keys of every example message."""
from __future__ import annotations

import json
import re

import pytest

from hall import protocol, protocol_state
from hall.clock import HallCalendar
from hall.config import load_hall
from hall.engine import Engine
from hall.messages import REFUSALS
from hall.protocol_errors import PROTOCOL_ERRORS
from hall.protocol_verbs import KINDS, ROLES, TEXT_MAX, VERBS
from hall.service.mosquitto_config import SETTINGS

from .conftest import ROOT

DOC = (ROOT / "docs" / "mqtt-api.md").read_text()
TOWNSHIP = load_hall(ROOT / "config" / "halls" / "township.toml")


def table(first_header: str) -> list[list[str]]:
    """The rows of the first markdown table whose header row starts with ``| first_header |``."""
    lines = DOC.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def ticks(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def example(name: str) -> dict:
    found = re.search(rf"```json example={re.escape(name)}\n(.*?)```", DOC, re.S)
    assert found, f"no example {name}"
    return json.loads(found.group(1))


def test_topics():
    rows = {ticks(r[0])[0]: r for r in table("topic")}
    wanted = {}
    for spec in protocol.TOPICS:
        pattern = "yc/<hall>/" + re.sub(r"\{(\w+)\}", r"<\1>", spec.pattern)
        publisher = "the device" if spec.publisher == "device" else ("the hub" if spec.publisher == "hub"
                                                                      else spec.publisher)
        wanted[pattern] = ("yes" if spec.retained else "no", spec.qos.replace("|", " or "), publisher, spec.doc)
    assert {k: tuple(r[1:5]) for k, r in rows.items()} == wanted
    t = protocol.Topics("h")
    assert "`yc/<hall>/up/…`" in DOC and t.up() == "yc/h/up/" and t.down() == "yc/h/down/"


def test_envelope():
    assert [ticks(r[0])[0] for r in table("key")[:4]] == list(protocol.ENVELOPE)


def test_verbs_fields_and_roles():
    rows = table("verb")
    assert [ticks(r[0])[0] for r in rows] == list(VERBS)
    for row in rows:
        verb = VERBS[ticks(row[0])[0]]
        documented = re.findall(r"`(\w+)`(\*?)", row[1])
        assert documented == [(f.name, "*" if f.required else "") for f in verb.fields], verb.name
        assert ticks(row[2]) == list(verb.roles), verb.name
        assert row[3] == verb.doc


def test_field_kinds():
    rows = {ticks(r[0])[0]: r for r in table("field")}
    for verb in VERBS.values():
        for f in verb.fields:
            assert rows[f.name][1] == f.kind, f.name
            assert set(map(str, f.choices)) <= set(ticks(rows[f.name][2])), f.name
    parts = {ticks(r[0])[0]: r[1] for r in table("part")}
    person = VERBS["issue"].field("person")
    assert parts == {p.name: p.kind for p in person.parts}
    assert {r[1] for r in rows.values()} | set(parts.values()) <= set(KINDS)


def test_roles():
    assert {ticks(r[0])[0]: (r[1], r[2]) for r in table("role")} == ROLES


def test_error_codes():
    assert {ticks(r[0])[0]: (r[1], r[2]) for r in table("code | 中文")} == PROTOCOL_ERRORS
    assert sorted(ticks(r[0])[0] for r in table("code | when")) == sorted(REFUSALS)


def test_event_types():
    assert {ticks(r[0])[0]: r[1] for r in table("type")} == protocol.EVENT_TYPES


def test_limits():
    limits = {r[0]: r[1] for r in table("limit")}
    assert limits["request payload"].startswith(f"{protocol.MAX_PAYLOAD} bytes")
    assert limits["`transaction`"] == f"{protocol.TRANSACTION_MAX} characters"
    assert limits["`reply_to`"] == f"{protocol.REPLY_TO_MAX} bytes"
    assert limits["a text field"] == f"{TEXT_MAX} characters"
    assert limits["calls on the board"] == str(protocol_state.BOARD_CALLS)
    assert limits["broker packet (Mosquitto `max_packet_size`)"] == f"{dict((k, v) for k, v, _ in SETTINGS)['max_packet_size']} bytes"


@pytest.fixture(scope="module")
def township_state():
    """A real state: two tickets, one called at window 2 by staff 0102."""
    engine = Engine(TOWNSHIP)
    state = engine.new_state()
    cal = HallCalendar(TOWNSHIP)
    t0 = cal.epoch("2025-03-04T10:02:00")
    for i, cmd in enumerate([{"verb": "issue", "service": "household"}, {"verb": "issue", "service": "household"},
                             {"verb": "staff_login", "window": "2", "staff": "0102"},
                             {"verb": "call_next", "window": "2"}]):
        outcome = engine.handle(state, cmd, t0 + i)
        assert outcome.ok
    return state, cal, t0, outcome


def test_example_messages_have_the_keys_the_hub_sends(township_state):
    state, cal, now, outcome = township_state
    event = outcome.events[-1]
    assert set(example("event")) == set(event)
    assert set(example("reply")) == set(outcome.reply("t")) and set(example("reply")["data"]) == set(outcome.data)
    assert set(example("error")["error"]) == set(protocol.reply_error("t", "queue_empty")["error"])
    assert set(example("error")) == set(protocol.reply_error("t", "queue_empty"))
    seq = {"seq"}
    assert set(example("state/hall")) == set(protocol_state.hall_state(TOWNSHIP, state, cal, now)) | seq
    assert set(example("state/service")) == set(protocol_state.service_states(TOWNSHIP, state, now)["household"]) | seq
    window = protocol_state.window_state(TOWNSHIP, state, cal, "2")
    assert set(example("state/window")) == set(window) | seq
    assert set(example("state/window")["staff"]) == set(window["staff"])
    assert set(example("state/window")["ticket"]) == set(window["ticket"])
    board = protocol_state.board_state(state.day, [protocol_state.board_entry(TOWNSHIP, event)])
    assert set(example("state/board")) == set(board) | seq
    assert set(example("state/board")["calls"][0]) == set(board["calls"][0])
    assert example("status") == json.loads(protocol.status_payload("online"))
    protocol.parse_request(json.dumps(example("request")).encode())


def test_the_alert_example_has_the_keys_of_a_real_tidal_alert():
    county = load_hall(ROOT / "config" / "halls" / "county.toml")
    engine = Engine(county)
    state = engine.new_state()
    t0 = HallCalendar(county).epoch("2025-03-04T10:00:00")
    for i in range(20):
        engine.handle(state, {"verb": "issue", "service": "pension_enroll", "person": {"hash": f"h{i}"}}, t0 + i)
    assert state.alerts, "twenty waiting should open a tidal window"
    alert = protocol_state.alert_view(next(iter(state.alerts.values())))
    assert set(example("alert")) == set(alert)
    assert alert["message"].startswith("请开启")


def test_the_asyncapi_document_is_written_from_the_protocol(township_state):
    from hall.protocol_asyncapi import EVENT_KEYS, render

    assert (ROOT / "docs" / "asyncapi.yaml").read_text() == render()
    assert set(EVENT_KEYS) == set(township_state[3].events[-1])


def documented_data_keys() -> dict[str, set[str]]:
    """type → the keys of `data` the events table lists (values in parentheses are not keys)."""
    out = {}
    for row in table("type"):
        cell = re.sub(r"\([^)]*\)", "", row[2])
        out[ticks(row[0])[0]] = set(ticks(cell))
    return out


def every_event_type() -> list[dict]:
    """A township day that causes every event type but the tidal ones, and a county morning for those."""
    events = []

    def run(config, steps, start="2025-03-04T10:00:00"):
        engine = Engine(config)
        state = engine.new_state()
        t = HallCalendar(config).epoch(start)
        for step in steps:
            cmd = step(state) if callable(step) else step
            t += cmd.pop("after", 1)
            outcome = engine.handle(state, cmd, t)
            assert outcome.ok, (cmd, outcome.error)
            events.extend(outcome.events)
        return state

    w1, w2 = {"window": "1"}, {"window": "2"}
    run(TOWNSHIP, [
        {"verb": "issue", "service": "household"},
        {"verb": "staff_login", "staff": "0101", **w1},
        {"verb": "staff_login", "staff": "0102", "takeover": True, **w1},
        {"verb": "call_next", **w1}, {"verb": "recall", **w1}, {"verb": "start", **w1}, {"verb": "finish", **w1},
        {"verb": "issue", "service": "household"}, {"verb": "call_next", **w1}, {"verb": "no_show", **w1},
        {"verb": "return_missed", "number": "C002"}, {"verb": "call_number", "number": "C002", **w1},
        {"verb": "hold", "reason": "取材料", **w1}, {"verb": "call_number", "number": "C002", **w1},
        {"verb": "transfer", "to_window": "2", "return_after": True, **w1},
        {"verb": "staff_login", "staff": "0101", **w2}, {"verb": "call_next", **w2}, {"verb": "finish", **w2},
        {"verb": "issue", "service": "household"}, {"verb": "cancel", "number": "C003"},
        {"verb": "pause", "reason": "接电话", **w2}, {"verb": "resume", **w2},
        {"verb": "close_service", "service": "help"}, {"verb": "open_service", "service": "help"},
        {"verb": "staff_logout", **w2}, {"verb": "issue", "service": "household"},
        {"verb": "tick", "after": 86400},
    ])
    county = load_hall(ROOT / "config" / "halls" / "county.toml")
    tidal = next(w for w in county.windows.values() if w.tidal is not None)
    staff = next(s.number for s in county.staff.values() if s.may_work_at(tidal.id))
    run(county, [{"verb": "issue", "service": tidal.tidal.services[0], "person": {"hash": f"h{i}"}}
                 for i in range(tidal.tidal.waiting_over or 20)]
        + [{"verb": "staff_login", "window": tidal.id, "staff": staff}])
    return events


def test_every_event_carries_what_the_table_says():
    """Each type's `data` has exactly the keys the events table lists (tidal_alert's `service`
    is at the top level, like every event's)."""
    documented = documented_data_keys()
    events = every_event_type()
    assert {e["type"] for e in events} == set(protocol.EVENT_TYPES) == set(documented)
    for e in events:
        assert set(e["data"]) == documented[e["type"]], e
        assert set(e) == set(protocol.EVENT_KEYS)
    alert = next(e for e in events if e["type"] == "tidal_alert")
    assert alert["service"] and alert["window"] and "service" not in alert["data"]


def test_the_reply_data_examples_are_what_the_engine_answers():
    """The documented `data` of each shape, against the engine at the same moments
    (the token is drawn at random: only its presence is compared)."""
    engine = Engine(TOWNSHIP)
    state = engine.new_state()
    t0 = HallCalendar(TOWNSHIP).epoch("2025-03-04T10:00:00")
    answers = {}
    for i, cmd in enumerate([{"verb": "issue", "service": "household"},
                             {"verb": "staff_login", "window": "1", "staff": "0101"},
                             {"verb": "call_next", "window": "1"},
                             {"verb": "close_service", "service": "help"}, {"verb": "tick"}]):
        outcome = engine.handle(state, cmd, t0 + i, token="q3Vb8kPz1XwY7sLmN0aR2c")
        answers[cmd["verb"]] = outcome.data
    assert example("data/ticket") == answers["call_next"]
    assert example("data/window") == answers["staff_login"]
    assert example("data/service") == answers["close_service"]
    assert example("data/day") == answers["tick"]


def test_the_reply_table_gives_every_verb_one_shape():
    rows = {shape: ticks(r[0]) for r in table("verbs") for shape in ticks(r[1])[:1]}
    assert sorted(v for verbs in rows.values() for v in verbs) == sorted(VERBS)
    assert set(rows) == {"ticket", "window", "service", "day"}
    for shape in rows:
        example(f"data/{shape}")
