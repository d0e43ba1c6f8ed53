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


def month_partition(day: dt.date) -> tuple[str, dt.date, dt.date]:
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return f"events_{start:%Y_%m}", start, end


class CountyStore:
    def __init__(self, dsn: str, halls: dict[str, str]):
        """``halls``: id -> name of every hall the county file lists."""
        self.conn = psycopg.connect(dsn, autocommit=True)  # writes in explicit transactions
        self.migrate()
        self._partitions: set[str] = set()
        self.contiguous: dict[str, int] = {}
        self.pending: dict[str, set[int]] = {}
        with self.conn.transaction():
            for hid, name in halls.items():
                self.conn.execute("INSERT INTO halls (id, name) VALUES (%s, %s) "
                                  "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", (hid, name))
            for hid, last in self.conn.execute("SELECT id, last_seq FROM halls").fetchall():
                self.contiguous[hid] = last
                rows = self.conn.execute("SELECT seq FROM events WHERE hall = %s AND seq > %s", (hid, last))
                self.pending[hid] = {r[0] for r in rows}

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ schema

    def migrate(self) -> int:
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
        return applied

    def _ensure_partition(self, day: dt.date) -> None:
        name, start, end = month_partition(day)
        if name in self._partitions:
            return
        exists = self.conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0]
        if exists is None:
            self.conn.execute(f"CREATE TABLE {name} PARTITION OF events FOR VALUES FROM ('{start}') TO ('{end}')")
        self._partitions.add(name)

    # ------------------------------------------------------------------ ingest

    def ingest(self, events: Iterable[dict]) -> dict[str, int]:
        """Store a batch (each event carries its ``hall``) in one transaction; returns, for every
        hall whose complete prefix grew, the new ``last_seq`` to acknowledge."""
        rows, seen = [], {}
        for e in events:
            hall = e["hall"]
            if hall not in self.contiguous:
                continue  # not one of this county's halls (the broker's ACL keeps them out anyway)
            day = dt.date.fromisoformat(e["day"])
            rows.append((hall, e["seq"], day, e["type"], e["at"], e.get("ticket"), e.get("service"),
                         e.get("window"), e.get("staff"), Jsonb(e.get("data") or {})))
            seen.setdefault(hall, set()).add(e["seq"])
        if not rows:
            return {}
        advanced = {}
        with self.conn.transaction():
            for day in {r[2] for r in rows}:
                self._ensure_partition(day)
            with self.conn.cursor() as cur:
                cur.executemany(
                    'INSERT INTO events (hall, seq, day, type, at, ticket, service, "window", staff, data) '
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", rows)
            for hall, seqs in seen.items():
                last = self.contiguous[hall]
                pending = self.pending[hall]
                pending.update(s for s in seqs if s > last)
                while last + 1 in pending:
                    last += 1
                    pending.discard(last)
                if last > self.contiguous[hall]:
                    advanced[hall] = last
                self.conn.execute("UPDATE halls SET last_seq = %s, last_event_at = now() WHERE id = %s", (last, hall))
        self.contiguous.update(advanced)
        return advanced

    def gaps(self) -> dict[str, int]:
        """Halls holding events after a hole: hall -> the first missing seq."""
        return {hall: self.contiguous[hall] + 1 for hall, pending in self.pending.items() if pending}

    def save_summary(self, hall: str, summary: dict) -> None:
        if hall not in self.contiguous:
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
