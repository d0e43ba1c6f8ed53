"""The keypad bridge's journal: every press, written to disk before the keypad hears "got it".

A YC-485 keypad keeps a key until the bus master acknowledges its sequence number on the next
poll; the bridge writes the press here (SQLite, WAL, synchronous=FULL) before it polls that
keypad again, so a bridge killed at any instant either has the press on disk or the keypad
still has it. On start the bridge reads the last sequence number of each keypad back
(``last_seqs``) and gives it to the driver, so a key the keypad sends again is dropped.

Each press becomes one request whose transaction id is the journal's own token, the
press's row and the key's own identity: ``<token>-<id>-k<address>.<seq>`` for a keypad
(``…-rf<transmitter>`` for a 433 MHz button). The token is random once, when the journal is created, so ids
never repeat even if the journal file is replaced, and a request sent again after any
restart carries the same id: the hub acts on it once.
"""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Entry:
    id: int
    source: str       # "rs485" | "ev1527"
    address: int      # keypad bus address or EV1527 transmitter id
    seq: int          # the keypad's sequence number (0 for a 433 MHz button)
    action: str       # KeyAction name
    digits: str
    window: str | None
    transaction: str


class Journal:
    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("""CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)""")
        self.db.execute("""CREATE TABLE IF NOT EXISTS presses (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, source TEXT NOT NULL, address INTEGER NOT NULL,
            seq INTEGER NOT NULL, action TEXT NOT NULL, digits TEXT NOT NULL, window TEXT,
            status TEXT, code TEXT, settled_at REAL)""")
        self.db.execute("CREATE INDEX IF NOT EXISTS presses_open ON presses (status)")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('token', ?)", (uuid.uuid4().hex[:10],))
        self.token = self.db.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()[0]

    def add(self, source: str, address: int, seq: int, action: str, digits: str, window: str | None) -> Entry:
        """Write one press durably (committed before this returns)."""
        with self._lock:
            cur = self.db.execute(
                "INSERT INTO presses (at, source, address, seq, action, digits, window) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (time.time(), source, address, seq, action, digits, window))
            return Entry(cur.lastrowid, source, address, seq, action, digits, window,
                         self.transaction(cur.lastrowid, source, address, seq))

    def last_seqs(self) -> dict[int, int]:
        """Each keypad's last journaled sequence number."""
        with self._lock:
            rows = self.db.execute("""SELECT address, seq FROM presses WHERE id IN (
                SELECT MAX(id) FROM presses WHERE source = 'rs485' GROUP BY address)""").fetchall()
        return {address: seq for address, seq in rows}

    def unsettled(self, limit: int = 50) -> list[Entry]:
        """Presses not yet answered by the hub, oldest first."""
        with self._lock:
            rows = self.db.execute("""SELECT id, source, address, seq, action, digits, window FROM presses
                WHERE status IS NULL ORDER BY id LIMIT ?""", (limit,)).fetchall()
        return [Entry(*row, self.transaction(row[0], row[1], row[2], row[3])) for row in rows]

    def transaction(self, entry_id: int, source: str, address: int, seq: int) -> str:
        """The press's transaction id, the same however often it is sent: the journal's token,
        the row, and which key it was (keypad address and sequence number, or the transmitter)."""
        key = f"k{address}.{seq}" if source == "rs485" else f"rf{address:05X}"
        return f"{self.token}-{entry_id}-{key}"

    def settle(self, entry_id: int, status: str, code: str | None = None) -> None:
        with self._lock:
            self.db.execute("UPDATE presses SET status = ?, code = ?, settled_at = ? WHERE id = ?",
                            (status, code, time.time(), entry_id))

    def count(self) -> dict[str, int]:
        with self._lock:
            rows = self.db.execute("SELECT COALESCE(status, 'open'), COUNT(*) FROM presses GROUP BY 1").fetchall()
        return dict(rows)

    def close(self) -> None:
        with self._lock:
            self.db.close()
