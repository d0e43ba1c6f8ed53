"""Fixtures for the kiosk's presenter tests: the township hall, a clock the test moves."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hall.config import load_hall
from kiosk.flow import KioskFlow, KioskSettings

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


class FakeClock:
    def __init__(self, start: float):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def config():
    return load_hall(TOWNSHIP)


@pytest.fixture
def clock(config):
    # a Tuesday at 10:00 in the hall's time zone: open
    start = dt.datetime(2026, 3, 3, 10, 0, tzinfo=config.timezone).timestamp()
    return FakeClock(start)


def make_flow(config, clock, **settings) -> KioskFlow:
    flow = KioskFlow(config, KioskSettings(**settings), clock=clock)
    flow.on_connection(True)
    flow.on_hub(True)
    flow.on_state("hall", {"v": 1, "name": config.name, "name_en": config.name_en, "open_today": True,
                           "open_now": True, "hours": config.hours.as_text()})
    for i, code in enumerate(config.services):
        svc = config.services[code]
        flow.on_state("service", {"v": 1, "service": code, "name": svc.name, "prefix": svc.prefix,
                                  "waiting": i + 1, "estimated_wait_min": 6.0 * (i + 1), "open": True})
    flow.take_effects()
    return flow


@pytest.fixture
def flow(config, clock):
    return make_flow(config, clock)


@pytest.fixture
def make_kiosk(config, clock):
    return lambda **settings: make_flow(config, clock, **settings)
