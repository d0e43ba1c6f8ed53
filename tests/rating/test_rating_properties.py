"""Property test: whatever the pads, kiosks and windows send, in any order, with duplicates,
the passing of time and restarts, ratings never exceed the matters served, and each matter
is rated at most once, at the window that served it."""
from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hall.config import parse_hall
from hall.rating import allowed_steps
from tests.hall.conftest import Hall, tiny_hall

RAW = tiny_hall()
RAW["window"].append({"id": "3", "kind": "comprehensive", "primary": ["*"]})
RAW["device"] = [{"id": "pad-1", "role": "rating_pad", "window": "1"},
                 {"id": "pad-2", "role": "rating_pad", "window": "2"}]  # window 3 has none
RAW["rating"] = {"ask_seconds": 30, "case_days": 2}
CONFIG = parse_hall(RAW, "prop-rating.toml")
WINDOWS = ["1", "2", "3"]
LEVELS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied", "bogus"]
WHEEL = (["issue"] * 5 + ["call_next"] * 6 + ["finish"] * 5 + ["rate"] * 8 + ["transfer"] * 2
         + ["wait"] * 3 + ["duplicate"] * 2 + ["reopen"] + ["case_step"] * 3 + ["serve"] * 5)


def command(h: Hall, pick: int, a: int, b: int) -> dict | tuple:
    verb = WHEEL[pick % len(WHEEL)]
    w = WINDOWS[a % 3]
    if verb == "issue":
        return {"verb": "issue", "service": "ab"[b % 2]}
    if verb == "transfer":
        return {"verb": "transfer", "window": w, "to_window": WINDOWS[b % 3], "return_after": bool(a % 2)}
    if verb == "rate":
        # mostly a matter just served, at its own window; sometimes any ticket at any window
        matters = sorted(h.store.state.rating.matters.values(), key=lambda m: m.key)
        if matters and a % 4:
            m = matters[(a // 4) % len(matters)]
            number, w = m.ticket, (m.window if a % 8 else w)
        else:
            numbers = sorted(t.number for t in h.store.state.tickets.values()) or ["A001"]
            number = numbers[(a // 3) % len(numbers)]
        level = LEVELS[b % len(LEVELS)]
        cmd = {"verb": "rate", "window": w, "number": number, "level": level,
               "channel": ("pad", "kiosk", "qr")[b % 3]}
        if level in ("dissatisfied", "very_dissatisfied") and b % 4:
            cmd["reasons"] = ["slow"] if b % 2 else ["other"]
            if b % 8 < 6:
                cmd["text"] = "等太久"
        return cmd
    if verb == "case_step":
        step = ("verify", "rectify", "answer", "close")[b % 4]
        cases = sorted(h.store.state.rating.cases.values(), key=lambda c: c.id)
        case = cases[a % len(cases)].id if cases else a % 3 + 1
        if cases and b % 3:  # mostly a step the case may take next
            allowed = allowed_steps(cases[a % len(cases)].status, cases[a % len(cases)].verdict,
                                    cases[a % len(cases)].named)
            step = allowed[b % len(allowed)] if allowed else step
        cmd = {"verb": "case_step", "case": case, "step": step, "note": "处置", "by": "李"}
        if step == "verify":
            cmd["verdict"] = ("true", "untrue", "mistaken")[a % 3]
        return cmd
    if verb == "wait":
        return ("wait", (5.0, 40.0, 3 * 86400.0)[b % 3])
    if verb in ("duplicate", "reopen"):
        return (verb, b)
    if verb == "serve":  # a window calls and finishes in one go
        return (verb, w)
    return {"verb": verb, "window": w}


def check(h: Hall, commanded: bool) -> None:
    db = h.store.db
    served = {(r["day"], r["ticket"], r["service"], r["window"]) for r in db.query(
        "SELECT day, ticket, service, window FROM events WHERE type IN ('ticket_finished', 'ticket_sent_back')")}
    matters = {(r["day"], r["ticket"], r["service"], r["window"]): r["key"] for r in db.query("SELECT * FROM matters")}
    assert set(matters) == served  # every matter served is recorded, nothing else
    ratings = list(db.query("SELECT * FROM ratings"))
    assert len(ratings) <= len(served)  # ratings never exceed the matters served
    per_matter = Counter(r["matter"] for r in ratings)
    assert all(n == 1 for n in per_matter.values())  # one rating per matter (一事一评)
    keys = set(matters.values())
    for r in ratings:
        assert r["matter"] in keys
        day, ticket, service, window = r["matter"].split(":")
        assert (r["day"], r["ticket"], r["service"], r["window"]) == (day, ticket, service, window)
        assert (r["stars"] == 0) == (r["level"] == "unrated")
        assert (r["case"] is not None) == (r["level"] in ("dissatisfied", "very_dissatisfied"))
    cases = list(db.query("SELECT * FROM cases"))
    assert len(cases) == sum(1 for r in ratings if r["case"] is not None)
    state = h.store.state.rating
    assert set(state.cases) == {c["id"] for c in cases if c["status"] != "closed"}
    for window, key in state.asks.items():
        assert state.matters[key].window == window and state.matters[key].status == "asked"
    if commanded:  # a command has just seen the clock: every case past its deadline is flagged
        today = h.calendar.day(h.now).isoformat()
        for case in state.cases.values():
            assert case.overdue == (today > case.deadline), (case, today)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)),
                min_size=20, max_size=120))
def test_ratings_never_exceed_matters_served(steps):
    with tempfile.TemporaryDirectory() as tmp:
        h = Hall(Path(tmp) / "prop.db", CONFIG)
        h.at("08:00")
        for w in WINDOWS:
            h.ok("staff_login", window=w, staff=f"0{w}")
        sent: list[tuple[dict, dict]] = []
        try:
            for n, raw in enumerate(steps):
                cmd = command(h, *raw)
                if isinstance(cmd, tuple):
                    verb, arg = cmd
                    if verb == "wait":
                        h.later(arg)
                    elif verb == "serve":
                        for i, v in enumerate(("issue", "call_next", "finish")):
                            extra = {"service": "ab"[WINDOWS.index(arg) % 2]} if v == "issue" else {"window": arg}
                            h.store.apply({"verb": v, "transaction": f"s{n}-{i}", **extra})
                    elif verb == "reopen":
                        before = h.store.state.snapshot()
                        h.reopen()
                        assert h.store.state.snapshot() == before
                    elif sent:
                        command_, first = sent[arg % len(sent)]
                        reply, events = h.store.apply(dict(command_))
                        assert reply == first and events == []
                else:
                    cmd["transaction"] = f"p{n}"
                    reply, _ = h.store.apply(dict(cmd))
                    assert reply["status"] in ("ok", "error")
                    event(f"{cmd['verb']} {reply['status']}")
                    sent.append((cmd, reply))
                check(h, commanded=not (isinstance(cmd, tuple) and cmd[0] in ("wait", "reopen", "duplicate")))
        finally:
            h.store.close()
