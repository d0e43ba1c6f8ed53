"""The hall as the hub last committed it, read from its SQLite file without writing to it.

``HallReader`` opens the database read-only (``mode=ro``; WAL lets it read while the hub
writes) and rebuilds a ``HallState`` of the current hall day the same way the hub's store
does, so the pure functions of ``hall.queueing`` and ``hall.protocol_state`` give the web
the same numbers the terminals see. It never creates, migrates or writes anything.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from hall.state import TICKET_FIELDS, WINDOW_FIELDS, HallState, Ticket, WindowState


class NoDatabase(Exception):
    """The hub's database is not there yet (or is not a hall database)."""


class HallReader:
    def __init__(self, path: str | Path, config):
        self.path = Path(path)
        self.config = config
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            if not self.path.exists():
                raise NoDatabase(f"{self.path}: no hall database (start the hub first)")
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA query_only=1")
            self._conn = conn
        return self._conn

    def query(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._connect().execute(sql, params).fetchall()
            except sqlite3.OperationalError as err:
                if "no such table" in str(err):
                    raise NoDatabase(f"{self.path}: not a hall database yet ({err})") from None
                raise

    def columns(self, table: str) -> set[str]:
        return {r["name"] for r in self.query(f"PRAGMA table_info({table})")}

    def state(self) -> HallState:
        """The current hall day's state: tickets of the day, every window, the scalars."""
        st = HallState()
        rows = self.query("SELECT value FROM hall_state WHERE key = 'scalars'")
        if rows:
            s = json.loads(rows[0]["value"])
            st.day, st.seq = s["day"], s["seq"]
            st.counters, st.handling = s["counters"], s["handling"]
            st.closed_services, st.alerts = s["closed_services"], s["alerts"]
        if st.day is not None:
            for r in self.query("SELECT * FROM tickets WHERE day = ?", (st.day,)):
                t = Ticket(**{k: r[k] for k in TICKET_FIELDS})
                st.tickets[t.id] = t
        found = {r["id"]: r for r in self.query("SELECT * FROM windows")}
        for wid in self.config.windows:
            r = found.get(wid)
            st.windows[wid] = WindowState(**{k: r[k] for k in WINDOW_FIELDS}) if r else WindowState(wid)
        return st

    def ticket_row(self, where: str, params) -> dict | None:
        rows = self.query(f"SELECT * FROM tickets WHERE {where} LIMIT 1", params)
        return dict(rows[0]) if rows else None

    def events(self, first_day: str, last_day: str) -> list[dict]:
        """Every event of the hall days ``first_day``..``last_day`` (ISO dates), in order."""
        rows = self.query("SELECT seq, type, at, ts, day, ticket, service, window, staff, data FROM events "
                          "WHERE day >= ? AND day <= ? ORDER BY seq", (first_day, last_day))
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def events_after(self, day: str, after: int) -> list[dict]:
        """The events of one hall day after sequence number ``after``, in order."""
        rows = self.query("SELECT seq, type, at, ts, day, ticket, service, window, staff, data FROM events "
                          "WHERE day = ? AND seq > ? ORDER BY seq", (day, after))
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
