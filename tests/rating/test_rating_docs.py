"""docs/mqtt-api.md's 好差评 examples have the keys the hub really sends."""
from __future__ import annotations

import json
import re

from hall import protocol_rating, protocol_state
from tests.rating.conftest import ROOT, RatingHall, township_with

DOC = (ROOT / "docs" / "mqtt-api.md").read_text(encoding="utf-8")


def example(name: str) -> dict:
    found = re.search(rf"```json example={re.escape(name)}\n(.*?)```", DOC, re.S)
    assert found, f"no example {name}"
    return json.loads(found.group(1))


def test_the_pad_state_and_case_alert_examples(tmp_path):
    h = RatingHall(tmp_path / "h.db", township_with(case_days=1))
    h.at("10:00", day="2026-11-26")
    number = h.serve("3")
    pad = protocol_rating.pad_state(h.config, h.store.state, h.calendar, "3")
    doc = example("state/pad")
    assert set(doc) == set(pad) | {"seq"}
    assert set(doc["ask"]) == set(pad["ask"]) and set(doc["staff"]) == set(pad["staff"])
    assert set(doc["levels"][0]) == set(pad["levels"][0]) and set(doc["reasons"][0]) == set(pad["reasons"][0])
    h.ok("rate", window="3", number=number, level="dissatisfied", reasons=["slow"])
    h.at("09:00", day="2026-11-30").ok("tick")
    hall = protocol_state.hall_state(h.config, h.store.state, h.calendar, h.now)
    assert set(example("case_alert")) == set(hall["case_alerts"][0])
    assert "case_alerts" in example("state/hall")
    h.store.close()


def test_the_rating_and_case_reply_examples_are_what_the_engine_answers():
    from hall.clock import HallCalendar
    from hall.config import load_hall
    from hall.engine import Engine

    config = load_hall(ROOT / "config" / "halls" / "township.toml")
    engine = Engine(config)
    state = engine.new_state()
    t0 = HallCalendar(config).epoch("2025-03-04T10:00:00")
    answers = {}
    for i, cmd in enumerate([{"verb": "issue", "service": "household"},
                             {"verb": "staff_login", "window": "1", "staff": "0101"},
                             {"verb": "call_next", "window": "1"}, {"verb": "finish", "window": "1"},
                             {"verb": "rate", "window": "1", "number": "C001", "level": "dissatisfied",
                              "reasons": ["long_wait"]},
                             {"verb": "case_step", "case": 1, "step": "verify", "verdict": "true",
                              "note": "调阅录像，情况属实", "by": "张主任"}]):
        outcome = engine.handle(state, cmd, t0 + i)
        assert outcome.ok, outcome.error
        answers[cmd["verb"]] = outcome.data
    assert example("data/rating") == answers["rate"]
    assert example("data/case") == answers["case_step"]
