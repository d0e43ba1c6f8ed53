"""Fixtures for the hall core: a real store on a real SQLite file, and a hall clock."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hall.clock import HallCalendar
from hall.config import load_hall, parse_hall
from hall.store import HallStore

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
COUNTY = ROOT / "config" / "halls" / "county.toml"


class Hall:
    """A hall on a real database, driven like a terminal would, at a controlled time.

    ``hall.at("09:05")`` sets the local time of the test day (a Monday); ``hall.do(verb, …)``
    applies a command with a fresh transaction id and returns the reply; ``hall.ok(…)``
    asserts it was accepted and returns its data; ``hall.no(…)`` asserts the refusal code.
    """

    DAY = "2026-11-23"  # a Monday

    def __init__(self, path, config):
        self.path, self.config = path, config
        self.calendar = HallCalendar(config)
        self.store = HallStore(path, config, clock=lambda: self.now)
        self.now = self.calendar.epoch(f"{self.DAY}T09:00:00")
        self._ids = itertools.count(1)
        self.events: list[dict] = []

    def at(self, hhmm: str, day: str | None = None) -> "Hall":
        self.now = self.calendar.epoch(f"{day or self.DAY}T{hhmm}:00" if len(hhmm) == 5 else f"{day or self.DAY}T{hhmm}")
        return self

    def later(self, seconds: float) -> "Hall":
        self.now += seconds
        return self

    def do(self, verb: str, transaction: str | None = None, **fields) -> dict:
        cmd = {"verb": verb, "transaction": transaction or f"t{next(self._ids)}", **fields}
        reply, events = self.store.apply(cmd)
        self.events.extend(events)
        return reply

    def ok(self, verb: str, **fields) -> dict:
        reply = self.do(verb, **fields)
        assert reply["status"] == "ok", reply
        return reply["data"]

    def no(self, verb: str, code: str, **fields) -> dict:
        reply = self.do(verb, **fields)
        assert reply["status"] == "error", reply
        assert reply["error"]["code"] == code, reply
        return reply["error"]

    def ticket(self, number: str):
        return self.store.state.ticket_by_number(number)

    def window(self, wid: str):
        return self.store.state.windows[wid]

    def event_types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def reopen(self) -> "Hall":
        self.store.close()
        self.store = HallStore(self.path, self.config, clock=lambda: self.now)
        return self


@pytest.fixture
def township():
    return load_hall(TOWNSHIP)


@pytest.fixture
def hall(tmp_path, township):
    h = Hall(tmp_path / "hall.db", township)
    yield h
    h.store.close()


@pytest.fixture
def county_hall(tmp_path):
    h = Hall(tmp_path / "county.db", load_hall(COUNTY))
    yield h
    h.store.close()


def tiny_hall(**rules) -> dict:
    """A two-window hall as a raw dict, for tests that vary the rules."""
    return {
        "hall": {"id": "tiny", "name": "测试大厅", "hours": [["00:00", "24:00"]], "weekdays": [1, 2, 3, 4, 5, 6, 7]},
        "rules": rules,
        "staff": [{"number": n, "name": f"员工{n}"} for n in ("01", "02", "03")],
        "service": [
            {"code": "a", "name": "甲事项", "prefix": "A", "domain": "甲", "handling_minutes": 5},
            {"code": "b", "name": "乙事项", "prefix": "B", "domain": "乙", "handling_minutes": 10},
        ],
        "window": [
            {"id": "1", "kind": "comprehensive", "primary": ["a"], "secondary": ["b"]},
            {"id": "2", "kind": "comprehensive", "primary": ["b"], "secondary": ["a"]},
        ],
    }


@pytest.fixture
def tiny(tmp_path):
    def make(**rules):
        return Hall(tmp_path / f"tiny{len(rules)}.db", parse_hall(tiny_hall(**rules), "tiny.toml"))
    return make
