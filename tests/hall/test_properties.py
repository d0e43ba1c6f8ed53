"""Property tests: random days of commands, with duplicated transaction ids and the store
closed and reopened at random points, never break the hall's invariants."""
from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hall.config import parse_hall
from hall.state import FINAL, IN_HAND, LIVE
from tests.hall.conftest import Hall, tiny_hall

CONFIG_RAW = tiny_hall(recall_limit=1, priority_guard=2, per_person_daily_cap=3)
CONFIG_RAW["window"].append({"id": "3", "kind": "comprehensive", "primary": ["*"]})
CONFIG_RAW["service"][0]["daily_quota"] = 12
CONFIG = parse_hall(CONFIG_RAW, "prop.toml")
WINDOWS = ["1", "2", "3"]

# (verb, weight): a busy hall calls, starts and finishes much more often than it pauses
VERBS = [
    ("issue", 14), ("call_next", 14), ("start", 5), ("finish", 8), ("recall", 3), ("no_show", 3),
    ("hold", 3), ("call_number", 4), ("return_missed", 4), ("transfer", 4), ("cancel", 2),
    ("staff_login", 3), ("staff_logout", 1), ("pause", 1), ("resume", 3), ("wait", 6),
    ("duplicate", 5), ("reopen", 3),
]
WHEEL = [verb for verb, weight in VERBS for _ in range(weight)]


def decode(pick: int, a: int, b: int) -> tuple[str, object]:
    """Turn three random integers into one step (shrinks well, weights as in VERBS)."""
    verb = WHEEL[pick % len(WHEEL)]
    w = WINDOWS[a % len(WINDOWS)]
    if verb == "issue":
        person = None if a % 3 == 0 else {"hash": f"p{a % 4}"}
        return verb, {"service": "abc"[b % 3], "channel": ("kiosk", "staff")[a % 2], "person": person,
                      "green": (b % 5 == 0 and a % 2 == 1) or None}
    if verb == "staff_login":
        return verb, {"window": w, "staff": f"0{b % 3 + 1}", "takeover": bool(b % 2)}
    if verb == "pause":
        return verb, {"window": w, "reason": "午休"}
    # numbers are chosen when the step runs, among the tickets a clerk would see (see pick_number)
    if verb in ("call_number",):
        return verb, {"window": w, "number": ("held", "waiting", "any")[a % 3] + f"#{b}"}
    if verb in ("return_missed",):
        return verb, {"number": f"missed#{b}", "place": "front" if a % 5 == 0 else a % 4}
    if verb == "cancel":
        return verb, {"number": f"any#{b}"}
    if verb == "transfer":
        if b % 2:
            return verb, {"window": w, "to_service": "ab"[b % 4 // 2], "return_after": bool(a % 2)}
        return verb, {"window": w, "to_window": WINDOWS[b % 3], "return_after": bool(a % 2)}
    if verb == "finish":
        outcome = ("completed", "completed", "rejected", "accepted_to_backoffice")[b % 4]
        return verb, {"window": w, "outcome": outcome, "reason": "材料不全" if a % 2 else None}
    if verb == "wait":
        return verb, (5.0, 90.0, 600.0, 7 * 3600.0)[b % 4]
    if verb == "duplicate":
        return verb, b
    if verb == "reopen":
        return verb, None
    return verb, {"window": w}


step = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)).map(lambda t: decode(*t))


def pick_number(h: Hall, spec: str) -> str:
    """'missed#7' → the 7th (mod n) missed ticket's number; falls back to a number never issued."""
    status, index = spec.split("#")
    pool = sorted(t.number for t in h.store.state.tickets.values() if status == "any" or t.status == status)
    return pool[int(index) % len(pool)] if pool else "Z999"


def check_invariants(h: Hall) -> None:
    state = h.store.state
    holders = defaultdict(list)
    for ws in state.windows.values():
        if ws.ticket is not None:
            holders[ws.ticket].append(ws.id)
    for t in state.tickets.values():
        assert t.status in LIVE + FINAL
        if t.status in IN_HAND:
            assert holders[t.id] == [t.window], (t, holders[t.id])
        else:
            assert t.window is None and t.id not in holders
    # numbers: unique per day and consecutive per service, read from the database itself
    per_prefix = defaultdict(list)
    for row in h.store.db.query("SELECT day, number FROM tickets"):
        per_prefix[(row["day"], row["number"][0])].append(int(row["number"][1:]))
    for (day, prefix), numbers in per_prefix.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (day, prefix, numbers)
        if day == state.day:
            assert state.counters[prefix] == len(numbers)
    seqs = [r["seq"] for r in h.store.db.query("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1)) and (not seqs or seqs[-1] == state.seq)


OPENING = [("staff_login", {"window": w, "staff": f"0{w}", "takeover": False}) for w in WINDOWS]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(step, min_size=30, max_size=150))
def test_random_days_keep_the_invariants(steps):
    with tempfile.TemporaryDirectory() as tmp:
        h = Hall(Path(tmp) / "prop.db", CONFIG)
        h.at("08:00")
        sent: list[tuple[dict, dict]] = []
        try:
            for n, (verb, arg) in enumerate(OPENING + steps):
                if verb == "wait":
                    h.later(arg)
                elif verb == "reopen":
                    before = h.store.state.snapshot()
                    h.reopen()
                    assert h.store.state.snapshot() == before
                elif verb == "duplicate":
                    if not sent:
                        continue
                    command, first_reply = sent[arg % len(sent)]
                    before = h.store.state.snapshot()
                    reply, events = h.store.apply(dict(command))
                    assert reply == first_reply and events == []
                    assert h.store.state.snapshot() == before
                else:
                    fields = {k: v for k, v in arg.items() if v is not None}
                    if "#" in str(fields.get("number", "")):
                        fields["number"] = pick_number(h, fields["number"])
                    command = {"verb": verb, "transaction": f"t{n}", **fields}
                    reply, _ = h.store.apply(dict(command))
                    assert reply["status"] in ("ok", "error")
                    event(f"{verb} {reply['status']}")
                    sent.append((command, reply))
                check_invariants(h)
        finally:
            h.store.close()
