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
import secrets
import sqlite3
import time
import uuid
from pathlib import Path

from sqlite_utils import Database

from hall.config import HallConfig
from hall.engine import Engine, Outcome, check_types
from hall.messages import Refusal
from hall.migrations import MIGRATIONS
from hall.protocol_words import V
from hall.state import TICKET_FIELDS, WINDOW_FIELDS, HallState, Ticket, WindowState

SYNCHRONOUS_FULL = 2
TOKEN_BYTES = 16  # 128 random bits: a ticket's status page cannot be guessed from its number


def new_ticket_token() -> str:
    """A fresh ticket token: URL-safe (``[A-Za-z0-9_-]``, 22 characters), from the OS's CSPRNG."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class StoreError(Exception):
    """The database cannot be used safely (wrong pragmas, another hall's file)."""


class HallStore:
    """Open (or create) a hall database and keep the engine state in step with it.

    ``apply(command, now)`` is the whole write surface; ``state`` is read-only for callers.
    The store supplies what the pure engine may not make itself: the time (``clock``) and
    the random token of a ticket issued by the command (``tokens``).
    """

    def __init__(self, path: str | Path, config: HallConfig, clock=time.time, tokens=new_ticket_token):
        self.path = str(path)
        self.config = config
        self.engine = Engine(config)
        self.clock = clock
        self.tokens = tokens
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
        try:
            check_types(command)
        except Refusal as refusal:  # nothing to record: it may not even be writable
            return Outcome(error=refusal).reply(None), []
        txn = command.get("transaction")
        if txn is not None and not isinstance(txn, str):
            txn = str(txn)
        if txn:
            row = self.db.execute("SELECT reply FROM transactions WHERE id = ?", [txn]).fetchone()
            if row is not None:
                return json.loads(row[0]), []
        else:
            txn = f"auto-{uuid.uuid4()}"
        if isinstance(command, dict) and command.get("verb") == "checkin":
            command = {**command, "booking": self.booking(command.get("appointment"))}
        try:
            outcome = self.engine.handle(self.state, command, now, token=self.tokens())
            reply = outcome.reply(txn)
            verb = str(command.get("verb"))
            with self.db.atomic():
                self._write(outcome.events)
                self.db.conn.execute(
                    "INSERT INTO transactions (id, at, verb, source, status, reply) VALUES (?, ?, ?, ?, ?, ?)",
                    [txn, round(now, 3), verb, source, reply["status"], json.dumps(reply, ensure_ascii=False)])
        except BaseException:
            self.state = self._load()  # the database is the truth: forget what was not committed
            raise
        return reply, outcome.events

    def _write(self, events: list[dict]) -> None:
        # Plain prepared statements: sqlite-utils would inspect the table on every insert,
        # which cost half of a command's time (bench/bench_hub.py).
        st, conn = self.state, self.db.conn
        if st.dirty_tickets:
            conn.executemany(_UPSERT_TICKET, [tuple(getattr(t, k) for k in TICKET_FIELDS)
                                              for t in st.dirty_tickets.values()])
        if st.dirty_windows:
            conn.executemany(_UPSERT_WINDOW, [tuple(getattr(st.windows[w], k) for k in WINDOW_FIELDS)
                                              for w in st.dirty_windows])
        conn.execute("INSERT OR REPLACE INTO hall_state (key, value) VALUES ('scalars', ?)",
                     [json.dumps(st.scalars(), ensure_ascii=False, sort_keys=True)])
        if events:
            conn.executemany(_INSERT_EVENT, [_event_row(e) for e in events])
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

    def uploaded_upto(self) -> int:
        """The last seq before the first event the county has not acknowledged."""
        row = self.db.execute("SELECT MIN(seq) FROM events WHERE uploaded = 0").fetchone()
        return (row[0] - 1) if row and row[0] is not None else self.state.seq

    def mark_uploaded(self, upto_seq: int, after: int = 0) -> None:
        """The county has stored every event up to ``upto_seq`` (its end-to-end acknowledgement);
        ``after``: the last one already marked, so the update walks only the new range."""
        with self.db.atomic():
            self.db.execute("UPDATE events SET uploaded = 1 WHERE seq > ? AND seq <= ? AND uploaded = 0",
                            [after, upto_seq])

    def rating_counts(self, day: str) -> dict[int, int]:
        """好差评 of one hall day: stars -> how many ``ticket_rated`` events gave them."""
        rows = self.db.execute("SELECT json_extract(data, '$.stars'), COUNT(*) FROM events "
                               "WHERE day = ? AND type = 'ticket_rated' GROUP BY 1", [day]).fetchall()
        return {int(stars): n for stars, n in rows if isinstance(stars, int)}

    def recent_events(self, day: str, types: tuple[str, ...], limit: int) -> list[dict]:
        """The newest events of some types on one hall day, newest first (the board's last calls)."""
        marks = ", ".join("?" for _ in types)
        rows = self.db.query(
            f"SELECT * FROM events WHERE day = ? AND type IN ({marks}) ORDER BY seq DESC LIMIT ?",
            [day, *types, limit])
        return [_event_from_row(r) for r in rows]

    def ticket_by_token(self, token: str) -> dict | None:
        """The ticket row a status-page token names (any day), or None."""
        rows = list(self.db.query("SELECT * FROM tickets WHERE token = ?", [token]))
        return rows[0] if rows else None

    def tickets_of_day(self, day: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM tickets WHERE day = ? ORDER BY issued_at, number", [day]))

    def booking(self, code) -> dict | None:
        """An imported appointment (``hall.appointments``) by its code, or None."""
        if not isinstance(code, str) or not code:
            return None
        row = self.db.execute("SELECT code, service, day, start, end, person FROM appointments WHERE code = ?",
                              [code]).fetchone()
        if row is None:
            return None
        return dict(zip(("code", "service", "day", "start", "end", "person"), row))

    def close(self) -> None:
        self.db.conn.close()


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_UPSERT_TICKET = _upsert("tickets", TICKET_FIELDS)
_UPSERT_WINDOW = _upsert("windows", WINDOW_FIELDS)
_EVENT_COLUMNS = ("seq", "type", "at", "ts", "day", "ticket", "service", "window", "staff", "data",
                  "published", "uploaded")
_INSERT_EVENT = _upsert("events", _EVENT_COLUMNS).replace("INSERT OR REPLACE", "INSERT")


def _event_row(e: dict) -> tuple:
    data = json.dumps(e["data"], ensure_ascii=False, sort_keys=True)
    return (e["seq"], e["type"], e["at"], e["ts"], e["day"], e["ticket"], e["service"], e["window"],
            e["staff"], data, 0, 0)


def _event_from_row(r: dict) -> dict:
    return {
        "v": V, "seq": r["seq"], "type": r["type"], "at": r["at"], "ts": r["ts"], "day": r["day"],
        "ticket": r["ticket"], "service": r["service"], "window": r["window"], "staff": r["staff"],
        "data": json.loads(r["data"]),
    }
