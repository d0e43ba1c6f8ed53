"""What the county's web page and report show, computed without a web server (tested directly).

- ``live_rows``: every hall as its last summary tells it, with the county's flags *in words*
  (long waits, a window paused too long, a hall silent too long, the hall's own alerts);
- ``day_table``: the day's comparison of halls from the events in PostgreSQL (tickets, served,
  no-shows, mean and longest wait from issue to first call);
- ``ratings``: the 好差评 figures per hall and per service from ``ticket_rated`` events.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import psycopg

from county.config import CountyConfig


@dataclass
class HallRow:
    id: str
    name: str
    status: str  # "ok", "flagged", "silent", "never"
    flags: list[str] = field(default_factory=list)  # in words, Chinese then English
    windows_open: int = 0
    windows_total: int = 0
    waiting: int = 0
    mean_wait: float = 0.0
    max_wait: float = 0.0
    alerts: list[str] = field(default_factory=list)
    last_seq: int = 0
    seen: str = ""
    rated: str = ""  # today's 好差评 as the hall's summary counts them, in words


def _parse(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def live_rows(config: CountyConfig, halls: list[dict], now: dt.datetime) -> list[HallRow]:
    """Flagged halls first (then silent ones), then by name."""
    rows = []
    for h in halls:
        if h["id"] not in config.halls:
            continue
        s = h.get("summary") or {}
        row = HallRow(h["id"], config.halls[h["id"]].name, "ok", last_seq=h.get("last_seq") or 0)
        heard = max((t for t in (h.get("summary_at"), h.get("last_event_at")) if t is not None), default=None)
        if heard is None:
            row.status = "never"
            row.flags.append("从未上报 Never reported")
            rows.append(row)
            continue
        row.seen = heard.astimezone(now.tzinfo).strftime("%H:%M:%S")
        silent = (now - heard).total_seconds() / 60
        row.windows_open, row.windows_total = s.get("windows_open", 0), s.get("windows_total", 0)
        row.waiting, row.mean_wait, row.max_wait = s.get("waiting", 0), s.get("mean_wait_min", 0.0), s.get("max_wait_min", 0.0)
        row.alerts = [a.get("message", "") for a in s.get("alerts", []) if isinstance(a, dict)]
        r = s.get("ratings") or {}
        if r.get("count"):
            row.rated = f"{r['count']} 条，好评 {100 * r.get('good', 0) / r['count']:.0f}%，差评 {r.get('bad', 0)}"
        if silent >= config.silent_alert_minutes:
            row.status = "silent"
            row.flags.append(f"失联 {silent:.0f} 分钟 Silent for {silent:.0f} min")
        if row.max_wait > config.wait_alert_minutes:
            row.flags.append(f"等候超过 {config.wait_alert_minutes:g} 分钟 Waits over {config.wait_alert_minutes:g} min")
        for w in s.get("windows_paused", []):
            since = _parse(w.get("since"))
            if since is None:
                continue
            paused = (now - since).total_seconds() / 60
            if paused > config.pause_alert_minutes:
                row.flags.append(f"{w.get('name') or w.get('window')}暂停 {paused:.0f} 分钟 "
                                 f"Window {w.get('window')} paused {paused:.0f} min")
        if row.alerts:
            row.flags += row.alerts
        if row.flags and row.status == "ok":
            row.status = "flagged"
        rows.append(row)
    order = {"flagged": 0, "silent": 1, "never": 2, "ok": 3}
    return sorted(rows, key=lambda r: (order[r.status], r.id))


DAY_SQL = """
WITH issued AS (
    SELECT hall, ticket, min(at) AS t0 FROM events WHERE day = %(day)s AND type = 'ticket_issued' GROUP BY hall, ticket
), called AS (
    SELECT hall, ticket, min(at) AS t1 FROM events WHERE day = %(day)s AND type = 'ticket_called' GROUP BY hall, ticket
), waits AS (
    SELECT i.hall, extract(epoch FROM c.t1 - i.t0) / 60 AS wait FROM issued i JOIN called c USING (hall, ticket)
), counts AS (
    SELECT hall, count(*) FILTER (WHERE type = 'ticket_issued') AS tickets,
           count(*) FILTER (WHERE type = 'ticket_finished') AS served,
           count(*) FILTER (WHERE type = 'ticket_no_show') AS no_shows
    FROM events WHERE day = %(day)s GROUP BY hall
)
SELECT c.hall, c.tickets, c.served, c.no_shows, (SELECT avg(wait) FROM waits w WHERE w.hall = c.hall),
       (SELECT max(wait) FROM waits w WHERE w.hall = c.hall)
FROM counts c
"""

RATING_SQL = """
SELECT hall, {key}, count(*), avg((data->>'stars')::numeric),
       count(*) FILTER (WHERE (data->>'stars')::int >= 3), count(*) FILTER (WHERE (data->>'stars')::int <= 2)
FROM events WHERE day BETWEEN %(first)s AND %(last)s AND type = 'ticket_rated' AND data ? 'stars'
GROUP BY {group}
"""


def day_table(conn: psycopg.Connection, config: CountyConfig, day: dt.date) -> list[dict]:
    found = {r[0]: r for r in conn.execute(DAY_SQL, {"day": day}).fetchall()}
    out = []
    for hall in config.halls.values():
        r = found.get(hall.id)
        out.append({"id": hall.id, "name": hall.name, "tickets": r[1] if r else 0, "served": r[2] if r else 0,
                    "no_shows": r[3] if r else 0,
                    "mean_wait": round(float(r[4]), 1) if r and r[4] is not None else None,
                    "max_wait": round(float(r[5]), 1) if r and r[5] is not None else None})
    return out


def ratings(conn: psycopg.Connection, config: CountyConfig, first: dt.date, last: dt.date) -> dict[str, list[dict]]:
    """``{"halls": [...], "services": [...]}``: count, mean stars, 好评 (3 stars and up) and
    差评 (2 and below) with the share of good ones, over the days ``first``..``last``. A service
    is named as its hall's last summary names it (its code otherwise)."""
    names = {hall: (summary or {}).get("services") or {}
             for hall, summary in conn.execute("SELECT id, summary FROM halls").fetchall()}
    out: dict[str, list[dict]] = {}
    for what, key, group in (("halls", "''", "hall"), ("services", "service", "hall, service")):
        rows = conn.execute(RATING_SQL.format(key=key, group=group), {"first": first, "last": last}).fetchall()
        out[what] = [{"hall": r[0], "hall_name": config.halls[r[0]].name if r[0] in config.halls else r[0],
                      "service": names.get(r[0], {}).get(r[1], r[1]) if r[1] else "", "count": r[2], "mean_stars": round(float(r[3]), 2), "good": r[4],
                      "bad": r[5], "good_share": round(100 * r[4] / r[2], 1) if r[2] else None}
                     for r in rows]
        out[what].sort(key=lambda x: (x["hall"], x["service"]))
    return out
