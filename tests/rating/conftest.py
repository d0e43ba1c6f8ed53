"""Fixtures for 好差评: the township hall on a real store, with a hall key for sealed phone numbers."""
from __future__ import annotations

import tomllib

import pytest

from hall.config import parse_hall
from tests.hall.conftest import ROOT, TOWNSHIP, Hall

HOLIDAY = "2026-11-30"  # a Monday made a holiday in the test hall
MAKEUP = "2026-12-05"  # a Saturday made a working day (调休)


def township_raw() -> dict:
    return tomllib.loads(TOWNSHIP.read_text(encoding="utf-8"))


def township_with(source: str | None = None, **rating) -> object:
    raw = township_raw()
    raw["hall"]["closed_days"] = [HOLIDAY]
    raw["hall"]["extra_days"] = [MAKEUP]
    if rating:
        raw["rating"] = rating
    return parse_hall(raw, source or str(TOWNSHIP))


class RatingHall(Hall):
    """The township hall with a holiday and a make-up day; helpers to serve and rate a ticket."""

    def serve(self, window: str = "3", service: str = "household", staff: str | None = None, **issue) -> str:
        """Issue a ticket, call it at ``window`` and finish it there; returns its number."""
        number = self.ok("issue", service=service, **issue)["ticket"]
        ws = self.window(window)
        if ws.status == "closed":
            self.ok("staff_login", window=window, staff=staff or {"1": "0101", "2": "0102", "3": "0103"}.get(window, "0104"))
        self.ok("call_number", window=window, number=number)
        self.ok("finish", window=window)
        return number

    def rate(self, number: str, level: str, window: str = "3", **fields) -> dict:
        return self.do("rate", window=window, number=number, level=level, **fields)

    def facts(self) -> dict:
        db = self.store.db
        return {
            "seq": self.store.state.seq,
            "ratings": list(db.query("SELECT * FROM ratings ORDER BY id")),
            "cases": list(db.query("SELECT * FROM cases ORDER BY id")),
            "matters": list(db.query("SELECT * FROM matters ORDER BY key")),
            "snapshot": self.store.state.snapshot(),
        }


@pytest.fixture
def rhall(tmp_path):
    h = RatingHall(tmp_path / "hall.db", township_with(ask_seconds=60, case_days=15))
    h.at("09:05")
    yield h
    h.store.close()


@pytest.fixture
def hall_key(tmp_path) -> bytes:
    """The key of a hall file written at ``tmp_path/hall.toml`` (hall.hallkey: ``hall.key`` beside it)."""
    key = bytes(range(32))
    path = tmp_path / "hall.key"
    path.write_text(key.hex())
    path.chmod(0o600)
    return key


__all__ = ["ROOT", "RatingHall", "township_with", "township_raw", "HOLIDAY", "MAKEUP"]
