"""`yichuang replay`: JSON-lines commands in, one reply line and one line per event out."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.hall.conftest import ROOT, TOWNSHIP

MORNING = [
    {"at": "2026-11-23T08:55:00", "verb": "staff_login", "window": "1", "staff": "0101", "transaction": "m1"},
    {"at": "2026-11-23T09:00:05", "verb": "issue", "service": "household", "transaction": "m2"},
    {"at": "2026-11-23T09:00:40", "verb": "issue", "service": "social_insurance", "transaction": "m3"},
    {"at": "2026-11-23T09:01:00", "verb": "call_next", "window": "1", "transaction": "m4"},
    {"at": "2026-11-23T09:01:00", "verb": "call_next", "window": "1", "transaction": "m4"},
    {"at": "2026-11-23T09:09:00", "verb": "finish", "window": "1", "transaction": "m5"},
]


def run_replay(db, lines):
    return subprocess.run(
        [sys.executable, "-m", "hall.cli", "replay", "--config", str(TOWNSHIP), "--db", str(db)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


def test_replay_a_morning(tmp_path):
    db = tmp_path / "day.db"
    out = run_replay(db, [json.dumps(c, ensure_ascii=False) for c in MORNING])
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    replies = [x["reply"] for x in lines if "reply" in x]
    events = [x["event"] for x in lines if "event" in x]
    assert [r["status"] for r in replies] == ["ok"] * 6
    assert replies[1]["data"]["ticket"] == "C001" and replies[2]["data"]["ticket"] == "A001"
    assert replies[3] == replies[4]  # the duplicate gets the first answer
    assert [e["type"] for e in events] == [
        "day_started", "staff_login", "ticket_issued", "ticket_issued", "ticket_called", "ticket_finished"]
    called = events[4]
    assert called["ticket"] == "C001" and called["at"] == "2026-11-23T09:01:00.000+08:00"
    assert called["data"]["waited"] == 55.0
    assert "6 commands, 6 ok, 0 refused, 6 events" in out.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM tickets WHERE number='C001'").fetchone() == ("finished",)


def test_bad_lines_get_error_replies_and_the_replay_goes_on(tmp_path):
    out = run_replay(tmp_path / "x.db", [
        "{not json", "[1, 2]", '{"verb": "issue", "service": "household", "at": "yesterday"}',
        json.dumps({"at": "2026-11-23T09:30:00", "verb": "issue", "service": "household"}),
    ])
    assert out.returncode == 0
    replies = [json.loads(x)["reply"] for x in out.stdout.splitlines() if x.startswith('{"reply"')]
    assert [r["status"] for r in replies] == ["error", "error", "error", "ok"]
    assert replies[0]["error"]["code"] == "bad_request" and "line 1" in replies[0]["error"]["message_en"]
    assert "第1行" in replies[0]["error"]["message"]
    assert replies[3]["data"]["ticket"] == "C001"
