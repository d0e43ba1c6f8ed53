"""The county's PostgreSQL: every hall's events, once each, and what the county knows of each hall.

- ``events`` is partitioned by month of the hall day (``events_2026_12`` …, made on demand), its key
  is (hall, seq, day): an event sent again (the hall did not hear the acknowledgement, a bridge
  redelivered) hits the key and is dropped, so every event is stored exactly once.
- ``halls.last_seq`` is the last seq up to which the county holds *every* event of that hall:
  what it acknowledges (``down/ack``). Events after a hole wait until the hole is filled
  (``down/resend`` asks for it).
- Schema changes are numbered migrations, applied in order in one transaction each.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Iterable

import psycopg
from psycopg.types.json import Jsonb

MIGRATIONS: list[tuple[int, str]] = [
    (1, """
        CREATE TABLE halls (
            id text PRIMARY KEY,
            name text NOT NULL,
            last_seq bigint NOT NULL DEFAULT 0,
            last_event_at timestamptz,
            summary jsonb,
            summary_at timestamptz
        );
        CREATE TABLE events (
            hall text NOT NULL,
            seq bigint NOT NULL,
            day date NOT NULL,
            type text NOT NULL,
            at timestamptz NOT NULL,
            ticket text, service text, "window" text, staff text,
            data jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (hall, seq, day)
        ) PARTITION BY RANGE (day);
        CREATE TABLE events_default PARTITION OF events DEFAULT;
        CREATE INDEX events_hall_day_type ON events (hall, day, type);
    """),
]


MIGRATION_LOCK = 0x7963_636F  # "yc co": the advisory lock supervisors take to migrate one at a time


def month_partition(day: dt.date) -> tuple[str, dt.date, dt.date]:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return f"events_{start:%Y_%m}", start, end


class CountyStore:
    """One supervisor's connection. Where each hall stands (``last_seq``) lives in PostgreSQL
    only, so several supervisors sharing the ingest (a shared subscription gives each some of
    every hall's events) agree on it: each batch locks its halls' rows (in id order, so two
    supervisors never deadlock) and advances them from what is committed plus its own rows.
    The supervisor that commits last sees every event, so no hall is left waiting on a hole
    another supervisor filled."""

    def __init__(self, dsn: str, halls: dict[str, str]):
        """``halls``: id -> name of every hall the county file lists."""
        self.conn = psycopg.connect(dsn, autocommit=True)  # writes in explicit transactions
        self.migrate()
        self._partitions: set[str] = set()
        self.known = set(halls)
        with self.conn.transaction():
            for hid, name in sorted(halls.items()):
                self.conn.execute("INSERT INTO halls (id, name) VALUES (%s, %s) "
                                  "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", (hid, name))

    @property
    def contiguous(self) -> dict[str, int]:
        """hall -> the last seq up to which the county holds every event (what it acknowledges)."""
        rows = self.conn.execute("SELECT id, last_seq FROM halls WHERE id = ANY(%s)", (sorted(self.known),))
        return dict(rows.fetchall())

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ schema

    def migrate(self) -> int:
        """Apply the migrations not yet applied; several supervisors starting together take
        turns (a session advisory lock), so each migration runs once."""
        self.conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            with self.conn.transaction():
                self.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                                  "(version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
                done = {r[0] for r in self.conn.execute("SELECT version FROM schema_migrations")}
            applied = 0
            for version, sql in MIGRATIONS:
                if version in done:
                    continue
                with self.conn.transaction():
                    self.conn.execute(sql)
                    self.conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
                applied += 1
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        return applied

    def _ensure_partition(self, day: dt.date) -> None:
        name, start, end = month_partition(day)
        if name in self._partitions:
            return
        exists = self.conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0]
        if exists is None:
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF events FOR VALUES FROM ('{start}') TO ('{end}')")
        self._partitions.add(name)

    # ------------------------------------------------------------------ ingest

    def ingest(self, events: Iterable[dict]) -> dict[str, int]:
        """Store a batch (each event carries its ``hall``) in one transaction; returns, for every
        hall whose complete prefix grew, the new ``last_seq`` to acknowledge."""
        rows = []
        for e in events:
            if e["hall"] not in self.known:
                continue  # not one of this county's halls (the broker's ACL keeps them out anyway)
            day = dt.date.fromisoformat(e["day"])
            rows.append((e["hall"], e["seq"], day, e["type"], e["at"], e.get("ticket"), e.get("service"),
                         e.get("window"), e.get("staff"), Jsonb(e.get("data") or {})))
        if not rows:
            return {}
        halls = sorted({r[0] for r in rows})
        for attempt in (1, 2):
            try:
                with self.conn.transaction():
                    for day in {r[2] for r in rows}:
                        self._ensure_partition(day)
                    with self.conn.cursor() as cur:
                        cur.executemany(
                            'INSERT INTO events (hall, seq, day, type, at, ticket, service, "window", staff, data) '
                            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", rows)
                    return self._advance(halls)
            except (psycopg.errors.DuplicateTable, psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected):
                self._partitions.clear()  # another supervisor made the month's partition at the same moment
                if attempt == 2:
                    raise
        return {}

    def _advance(self, halls: list[str]) -> dict[str, int]:
        last = dict(self.conn.execute("SELECT id, last_seq FROM halls WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                                      (halls,)).fetchall())
        new = dict(last)
        pending = self.conn.execute("SELECT e.hall, e.seq FROM events e JOIN halls h ON h.id = e.hall "
                                    "WHERE e.hall = ANY(%s) AND e.seq > h.last_seq ORDER BY e.hall, e.seq", (halls,))
        for hall, seq in pending.fetchall():
            if seq == new[hall] + 1:
                new[hall] = seq
        with self.conn.cursor() as cur:
            cur.executemany("UPDATE halls SET last_seq = %s, last_event_at = now() WHERE id = %s",
                            [(new[h], h) for h in halls])
        return {h: n for h, n in new.items() if n > last[h]}

    def gaps(self) -> dict[str, int]:
        """Halls holding events after a hole: hall -> the first missing seq."""
        rows = self.conn.execute(
            "SELECT h.id, h.last_seq + 1 FROM halls h WHERE h.id = ANY(%s) AND EXISTS "
            "(SELECT 1 FROM events e WHERE e.hall = h.id AND e.seq > h.last_seq + 1)", (sorted(self.known),))
        return dict(rows.fetchall())

    def save_summary(self, hall: str, summary: dict) -> None:
        if hall not in self.known:
            return
        with self.conn.transaction():
            self.conn.execute("UPDATE halls SET summary = %s, summary_at = now() WHERE id = %s", (Jsonb(summary), hall))

    # ------------------------------------------------------------------ reading

    def halls(self) -> list[dict]:
        rows = self.conn.execute("SELECT id, name, last_seq, last_event_at, summary, summary_at FROM halls ORDER BY id")
        out = [{"id": r[0], "name": r[1], "last_seq": r[2], "last_event_at": r[3], "summary": r[4],
                "summary_at": r[5]} for r in rows.fetchall()]
        return out

    def seqs(self, hall: str) -> list[int]:
        rows = self.conn.execute("SELECT seq FROM events WHERE hall = %s ORDER BY seq", (hall,)).fetchall()
        return [r[0] for r in rows]


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
