"""The store: pragmas checked on open, one transaction per command, duplicates, reopening."""
from __future__ import annotations

import sqlite3

import pytest

from hall import migrations

from hall.config import parse_hall
from hall.store import HallStore, StoreError
from tests.hall.conftest import tiny_hall


def test_wal_and_synchronous_full_on_every_open(hall):
    assert hall.store.pragmas() == {"journal_mode": "wal", "synchronous": 2}
    hall.reopen()
    assert hall.store.pragmas() == {"journal_mode": "wal", "synchronous": 2}


def test_migrations_are_recorded(hall):
    rows = list(hall.store.db.query("SELECT name FROM _sqlite_migrations"))
    assert [r["name"] for r in rows] == migrations.names()
    assert migrations.names()[:2] == ["m001_queue", "m002_ticket_token"]  # the order never changes


def test_a_database_of_another_hall_is_refused(hall, tmp_path):
    hall.store.close()
    with pytest.raises(StoreError, match="belongs to hall 'banzhuyuan'"):
        HallStore(hall.path, parse_hall(tiny_hall()))


def test_duplicate_transaction_returns_the_first_reply_and_changes_nothing(hall):
    first = hall.do("issue", transaction="kiosk-1:0001", service="household")
    seq = hall.store.state.seq
    again = hall.do("issue", transaction="kiosk-1:0001", service="household")
    assert again == first
    assert hall.store.state.seq == seq and hall.store.state.counters == {"C": 1}
    refused = hall.do("call_next", transaction="caller-1:7", window="1")
    hall.ok("staff_login", window="1", staff="0101")
    # the same id after the window opened still gets its first (refused) answer
    assert hall.do("call_next", transaction="caller-1:7", window="1") == refused


def test_every_command_commits_its_events_and_reply_together(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    conn = sqlite3.connect(hall.path)
    events = [r[0] for r in conn.execute("SELECT type FROM events ORDER BY seq")]
    assert events == ["day_started", "staff_login", "ticket_issued", "ticket_called"]
    assert conn.execute("SELECT count(*) FROM transactions").fetchone()[0] == 3
    assert conn.execute("SELECT status, window FROM tickets").fetchall() == [("called", "1")]
    conn.close()


def test_state_after_reopening_equals_state_before(hall):
    hall.ok("staff_login", window="1", staff="0101")
    for _ in range(4):
        hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    hall.ok("no_show", window="1")
    hall.ok("call_next", window="1")
    hall.ok("hold", window="1")
    before = hall.store.state.snapshot()
    hall.reopen()
    assert hall.store.state.snapshot() == before


def test_a_failed_write_rolls_back_and_the_state_follows_the_database(hall, monkeypatch):
    hall.ok("issue", service="household")
    before = hall.store.state.snapshot()

    def broken(events):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(hall.store, "_write", broken)
    with pytest.raises(sqlite3.OperationalError):
        hall.do("issue", service="household")
    monkeypatch.undo()
    assert hall.store.state.snapshot() == before
    assert hall.ok("issue", service="household")["ticket"] == "C002"  # C002 was never given out


def test_events_are_read_back_in_order(hall):
    hall.ok("issue", service="household")
    hall.ok("issue", service="help")
    evs = hall.store.events()
    assert [e["seq"] for e in evs] == [1, 2, 3]
    assert [e["ticket"] for e in hall.store.unpublished()] == [None, "C001", "H001"]
    hall.store.mark_published(2)
    assert [e["seq"] for e in hall.store.unpublished()] == [3]
