"""Halls and profiles for the simulator's tests: the two example halls from config/, and
small halls built here (an M/M/c hall: every window comprehensive, one service)."""
from __future__ import annotations

from pathlib import Path

import pytest

from hall.config import load_hall, parse_hall
from hall.simulation.profile import load_profile, parse_profile

ROOT = Path(__file__).resolve().parents[2]


def small_hall(windows: int, minutes: float = 6.0, tidal: dict | None = None, quota: int | None = None,
               hours=(("01:00", "22:00"),)):
    """A hall of ``windows`` comprehensive windows serving one service, plus a tidal window
    for it when ``tidal`` gives its trigger, and as many staff as windows + 1."""
    service = {"code": "svc", "name": "综合业务", "prefix": "A", "domain": "综合", "handling_minutes": minutes}
    if quota is not None:
        service["daily_quota"] = quota
    raw = {
        "hall": {"id": "small", "name": "测试大厅", "day_starts": "00:00", "hours": [list(p) for p in hours],
                 "weekdays": [1, 2, 3, 4, 5, 6, 7]},
        "rules": {"recall_limit": 2},
        "staff": [{"number": f"{i:04d}", "name": f"员工{i}"} for i in range(1, windows + 3)],
        "service": [service],
        "window": [{"id": str(i), "kind": "comprehensive", "primary": ["svc"]} for i in range(1, windows + 1)],
    }
    if tidal is not None:
        raw["window"].append({"id": "T", "kind": "tidal", "primary": ["svc"], "tidal": tidal})
    return parse_hall(raw, "<test hall>")


def constant_profile(config, per_hour: float, first: int = 1, last: int = 21, **extra):
    """Poisson arrivals at ``per_hour`` from ``first``:00 to ``last``:59, exponential handling,
    nobody absent, no transfers, no breaks, no walking: an M/M/c queue."""
    raw = {
        "profile": {"name": "M/M/c", "start": "2025-03-03"},
        "arrivals": {f"{h:02d}": per_hour for h in range(first, last + 1)},
        "mix": {"svc": 1},
        "handling": {"distribution": "exponential"},
        "citizens": {"walk_seconds": 0},
    }
    for key, value in extra.items():
        raw.setdefault(key.split("__")[0], {})[key.split("__")[1]] = value
    return parse_profile(raw, config, "<test profile>")


@pytest.fixture(scope="session")
def make_hall():
    return small_hall


@pytest.fixture(scope="session")
def make_profile():
    return constant_profile


@pytest.fixture(scope="session")
def township():
    config = load_hall(ROOT / "config" / "halls" / "township.toml")
    return config, load_profile(ROOT / "config" / "profiles" / "township.toml", config)


@pytest.fixture(scope="session")
def county():
    config = load_hall(ROOT / "config" / "halls" / "county.toml")
    return config, load_profile(ROOT / "config" / "profiles" / "county.toml", config)
