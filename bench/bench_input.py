"""What the hub's input checks cost per request (issue 8), against baselines of the same run.

- baseline: ``json.loads`` of a typical kiosk request (what parsing cost before any check),
  and one bare SQLite commit (WAL, synchronous=FULL), what every durable command pays;
- ``parse_request``: size, depth scan, JSON, Unicode, the clear-ID check (every string and the
  raw text), the verb table;
- the in-flight record (``hall.service.inflight``): three in-place writes per request.
"""
from __future__ import annotations

import json
import sqlite3
import tempfile
import timeit
from pathlib import Path

from hall.protocol import parse_request
from hall.service.inflight import InFlight, request_key

N = 20000
PAYLOAD = json.dumps({"v": 1, "verb": "issue", "transaction": "kiosk-1-000042", "service": "household",
                      "person": {"hash": "kh-" + "abcdefghijklmnop" * 4, "masked": "3701**********1234",
                                 "birth": "1950-01-01"}}).encode()


def per_call_us(fn, n: int = N) -> float:
    return min(timeit.repeat(fn, number=n, repeat=3)) / n * 1e6


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "c.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t (x)")
        commit = per_call_us(lambda: conn.execute("INSERT INTO t VALUES (1)"), 300)
        conn.close()
        inflight = InFlight(Path(tmp) / "h.sqlite")
        inflight.open()

        def record():
            key = request_key("yc/h/request/kiosk-1", PAYLOAD)
            inflight.poison(key)
            inflight.begin(key, "kiosk-1")
            inflight.read("yc/h/reply/kiosk-1", "kiosk-1-000042")
            inflight.end()

        rows = [("json.loads of the request (baseline)", per_call_us(lambda: json.loads(PAYLOAD))),
                ("parse_request (all input checks)", per_call_us(lambda: parse_request(PAYLOAD))),
                ("in-flight record (3 writes)", per_call_us(record)),
                ("bare SQLite commit, synchronous=FULL (baseline)", commit)]
        inflight.close()
    base = rows[0][1]
    print(f"| per request ({len(PAYLOAD)}-byte issue) | µs | ratio to json.loads | share of one commit |")
    print("|---|---:|---:|---:|")
    for name, us in rows:
        print(f"| {name:<48} | {us:8.1f} | {us / base:6.1f} | {us / commit:6.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
