"""The hall's one source of truth: a SQLite file, through sqlite-utils.

Every command is applied in one transaction: the transaction id is looked up (a duplicate
gets its first reply again and changes nothing), the engine applies the command, and the
changed tickets and windows, the new events and the reply are written and committed
together *before* the reply is returned. WAL with ``synchronous=FULL`` is set and checked on
every open. On reopen the engine state is rebuilt from the tables, exactly.

The event table is append-only: the audit trail, the source of statistics, and the outbox
(``published`` for the hall bus, ``uploaded`` for the county).
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

from sqlite_utils import Database

from hall.config import HallConfig
from hall.engine import Engine
from hall.migrations import MIGRATIONS
from hall.state import TICKET_FIELDS, WINDOW_FIELDS, HallState, Ticket, WindowState

SYNCHRONOUS_FULL = 2


class StoreError(Exception):
    """The database cannot be used safely (wrong pragmas, another hall's file)."""


class HallStore:
    """Open (or create) a hall database and keep the engine state in step with it.

    ``apply(command, now)`` is the whole write surface; ``state`` is read-only for callers.
    """

    def __init__(self, path: str | Path, config: HallConfig, clock=time.time):
        self.path = str(path)
        self.config = config
        self.engine = Engine(config)
        self.clock = clock
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        self._set_pragmas()
        MIGRATIONS.apply(self.db)
        self._check_hall()
        self.state = self._load()

    # ------------------------------------------------------------------ opening

    def _set_pragmas(self) -> None:
        conn = self.db.conn
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
        if mode.lower() != "wal" or sync != SYNCHRONOUS_FULL:
            raise StoreError(f"{self.path}: journal_mode={mode}, synchronous={sync}; need WAL and FULL (2)")

    def pragmas(self) -> dict:
        conn = self.db.conn
        return {
            "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
            "synchronous": conn.execute("PRAGMA synchronous").fetchone()[0],
        }

    def _check_hall(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'hall_id'").fetchone()
        if row is None:
            with self.db.atomic():
                self.db["meta"].insert({"key": "hall_id", "value": self.config.id})
        elif row[0] != self.config.id:
            raise StoreError(f"{self.path} belongs to hall {row[0]!r}, not {self.config.id!r}")

    def _load(self) -> HallState:
        state = HallState()
        row = self.db.execute("SELECT value FROM hall_state WHERE key = 'scalars'").fetchone()
        if row is not None:
            s = json.loads(row[0])
            state.day, state.seq = s["day"], s["seq"]
            state.counters, state.handling = s["counters"], s["handling"]
            state.closed_services, state.alerts = s["closed_services"], s["alerts"]
        if state.day is not None:
            for r in self.db.query("SELECT * FROM tickets WHERE day = ?", [state.day]):
                t = Ticket(**{k: r[k] for k in TICKET_FIELDS})
                state.tickets[t.id] = t
        for r in self.db.query("SELECT * FROM windows"):
            if r["id"] in self.config.windows:
                state.windows[r["id"]] = WindowState(**{k: r[k] for k in WINDOW_FIELDS})
        self.engine.reconcile(state)
        state.dirty_tickets.clear()
        state.dirty_windows.clear()
        return state

    # ------------------------------------------------------------------ writing

    def apply(self, command: dict, now: float | None = None, source: str | None = None) -> tuple[dict, list[dict]]:
        """Apply one command durably. Returns (reply, events); events are empty for a duplicate."""
        now = self.clock() if now is None else now
        txn = command.get("transaction") if isinstance(command, dict) else None
        if txn is not None and not isinstance(txn, str):
            txn = str(txn)
        if txn:
            row = self.db.execute("SELECT reply FROM transactions WHERE id = ?", [txn]).fetchone()
            if row is not None:
                return json.loads(row[0]), []
        else:
            txn = f"auto-{uuid.uuid4()}"
        try:
            outcome = self.engine.handle(self.state, command, now)
            reply = outcome.reply(txn)
            with self.db.atomic():
                self._write(outcome.events)
                self.db["transactions"].insert({
                    "id": txn, "at": round(now, 3), "verb": str(command.get("verb")) if isinstance(command, dict) else None,
                    "source": source, "status": reply["status"], "reply": json.dumps(reply, ensure_ascii=False),
                })
        except BaseException:
            self.state = self._load()  # the database is the truth: forget what was not committed
            raise
        return reply, outcome.events

    def _write(self, events: list[dict]) -> None:
        st = self.state
        if st.dirty_tickets:
            self.db["tickets"].upsert_all([t.row() for t in st.dirty_tickets.values()], pk="id")
        if st.dirty_windows:
            self.db["windows"].upsert_all([st.windows[w].row() for w in st.dirty_windows], pk="id")
        self.db["hall_state"].upsert(
            {"key": "scalars", "value": json.dumps(st.scalars(), ensure_ascii=False, sort_keys=True)}, pk="key")
        if events:
            self.db["events"].insert_all([_event_row(e) for e in events])
        st.dirty_tickets.clear()
        st.dirty_windows.clear()

    # ------------------------------------------------------------------ reading

    def events(self, after: int = 0, limit: int | None = None) -> list[dict]:
        sql = "SELECT * FROM events WHERE seq > ? ORDER BY seq"
        params: list = [after]
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [_event_from_row(r) for r in self.db.query(sql, params)]

    def unpublished(self, limit: int = 500) -> list[dict]:
        rows = self.db.query("SELECT * FROM events WHERE published = 0 ORDER BY seq LIMIT ?", [limit])
        return [_event_from_row(r) for r in rows]

    def mark_published(self, upto_seq: int) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE events SET published = 1 WHERE published = 0 AND seq <= ?", [upto_seq])

    def tickets_of_day(self, day: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM tickets WHERE day = ? ORDER BY issued_at, number", [day]))

    def close(self) -> None:
        self.db.conn.close()


def _event_row(e: dict) -> dict:
    return {
        "seq": e["seq"], "type": e["type"], "at": e["at"], "ts": e["ts"], "day": e["day"],
        "ticket": e["ticket"], "service": e["service"], "window": e["window"], "staff": e["staff"],
        "data": json.dumps(e["data"], ensure_ascii=False, sort_keys=True), "published": 0, "uploaded": 0,
    }


def _event_from_row(r: dict) -> dict:
    return {
        "v": 1, "seq": r["seq"], "type": r["type"], "at": r["at"], "ts": r["ts"], "day": r["day"],
        "ticket": r["ticket"], "service": r["service"], "window": r["window"], "staff": r["staff"],
        "data": json.loads(r["data"]),
    }
