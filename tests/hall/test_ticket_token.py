"""The ticket token: drawn by the store (the engine stays pure), unguessable, kept with the
ticket in SQLite, the same after a reopen and in a duplicate's reply, never in an event; and
``[hall] web_url``, the base of the ticket QR."""
from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from hall.config import DEFAULT_WEB_URL, ConfigError, parse_hall
from hall.engine import Engine
from hall.migrations import MIGRATIONS
from hall.protocol import ticket_url, token_from_ticket_url
from hall.store import HallStore
from tests.hall.conftest import Hall, tiny_hall


def test_every_issued_ticket_gets_its_own_unguessable_token(hall):
    tokens = [hall.ok("issue", service="household")["token"] for _ in range(50)]
    assert len(set(tokens)) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 96 and len(token) == 22  # 128 random bits, URL-safe
        assert token_from_ticket_url(ticket_url(hall.config.web_url, token)) == token
    rows = sqlite3.connect(hall.path).execute("SELECT number, token FROM tickets ORDER BY number").fetchall()
    assert [t for _, t in rows] == tokens  # stored with the ticket


def test_the_token_survives_reopening_and_a_duplicate_gets_the_same(hall):
    first = hall.do("issue", transaction="kiosk-1:7", service="household")["data"]
    hall.ok("issue", service="help")
    before = hall.store.state.snapshot()
    hall.reopen()
    assert hall.store.state.snapshot() == before
    assert hall.ticket("C001").token == first["token"]
    assert hall.do("issue", transaction="kiosk-1:7", service="household")["data"]["token"] == first["token"]
    assert hall.store.ticket_by_token(first["token"])["number"] == "C001"
    assert hall.store.ticket_by_token("x" * 22) is None


def test_the_token_is_in_the_ticket_view_and_in_no_event(hall):
    hall.ok("staff_login", window="1", staff="0101")
    token = hall.ok("issue", service="household")["token"]
    assert hall.ok("call_next", window="1")["token"] == token  # every ticket view carries it
    stored = sqlite3.connect(hall.path).execute("SELECT data FROM events").fetchall()
    assert hall.events and all(token not in json.dumps(e, ensure_ascii=False) for e in hall.events)
    assert all(token not in row[0] for row in stored)  # the audit trail goes to the county


def test_the_engine_takes_the_token_it_is_given_and_draws_none(township):
    engine = Engine(township)
    outcomes = []
    for _ in range(2):
        state = engine.new_state()
        now = 1_763_859_600.0 + 3600  # 2025-11-23 09:00 in Shanghai
        engine.handle(state, {"verb": "open_service", "service": "household"}, now)
        outcomes.append(engine.handle(state, {"verb": "issue", "service": "household", "channel": "staff"},
                                      now, token="Tok3n-of-the_test-0001"))
    assert outcomes[0].data == outcomes[1].data and outcomes[0].data["token"] == "Tok3n-of-the_test-0001"
    bare = engine.handle(engine.new_state(), {"verb": "issue", "service": "household", "channel": "staff"}, now)
    assert bare.data["token"] is None  # no token given: none made up


def test_the_store_supplies_the_token_as_it_supplies_the_clock(tmp_path, township):
    drawn = iter(["A" * 22, "B" * 22])
    store = HallStore(tmp_path / "h.db", township, clock=lambda: 1_763_859_600.0 + 3600,
                      tokens=lambda: next(drawn))
    try:
        reply, _ = store.apply({"verb": "issue", "service": "household", "channel": "staff"})
        assert reply["data"]["token"] == "A" * 22
    finally:
        store.close()


def test_a_database_from_before_the_token_is_upgraded_in_place(tmp_path, township):
    path = tmp_path / "old.db"
    from sqlite_utils import Database

    from hall.migrations import names as migration_names
    old = Database(str(path))
    MIGRATIONS.apply(old, stop_before="m002_ticket_token")
    old.conn.close()
    Hall(path, township).store.close()  # opens: migrates
    hall = Hall(path, township)
    try:
        assert len(hall.ok("issue", service="household")["token"]) == 22
        names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations")]
        assert names == migration_names()  # every migration since, once each
    finally:
        hall.store.close()


def test_web_url_default_custom_and_refused():
    raw = tiny_hall()
    assert parse_hall(raw).web_url == DEFAULT_WEB_URL == "http://127.0.0.1:8080"
    raw["hall"]["web_url"] = "http://192.168.10.2:8080/"
    assert parse_hall(raw).web_url == "http://192.168.10.2:8080"
    for bad in ("192.168.10.2:8080", "ftp://h", "http://h:port", "http://h/?a=1", "http:// h"):
        raw["hall"]["web_url"] = bad
        with pytest.raises(ConfigError) as info:
            parse_hall(raw, "h.toml")
        assert [k for _, k, _ in info.value.problems] == ["hall.web_url"], bad
