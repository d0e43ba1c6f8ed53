"""What 好差评 costs the hub: a finished matter that asks a pad, a rating, a 差评 with its case,
a case step, and the hall's tick with many open cases, each through HallStore.apply (one
durable SQLite transaction, synchronous=FULL), against the bare single-row commit measured in
the same run. `python -m bench rating`."""
from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from bench.bench_hub import bare_sqlite_commits
from hall.config import load_hall
from hall.rating_phone import seal
from hall.service.main import always_open
from hall.store import HallStore

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
N = 300


def rates(directory: Path) -> dict[str, float]:
    config = always_open(load_hall(HALL))
    config = dataclasses.replace(config, services={c: dataclasses.replace(s, daily_quota=None)
                                                   for c, s in config.services.items()})
    store = HallStore(directory / "hall.db", config)
    ids = iter(range(10**9))

    def apply(verb: str, **fields) -> dict:
        reply, _ = store.apply({"verb": verb, "transaction": f"b{next(ids)}", **fields})
        assert reply["status"] == "ok", reply
        return reply["data"]

    apply("staff_login", window="3", staff="0103")
    numbers = [apply("issue", service="household", channel="staff")["ticket"] for _ in range(2 * N)]
    out: dict[str, float] = {}

    def timed(name: str, step) -> None:
        t0 = time.perf_counter()
        for i in range(N):
            step(i)
        out[name] = N / (time.perf_counter() - t0)

    finished: list[str] = []

    def serve(i: int) -> None:
        apply("call_number", window="3", number=numbers[i])
        t0 = time.perf_counter()
        apply("finish", window="3")  # ticket_finished + rating_asked (+ the last ask's 未评价)
        serve.spent += time.perf_counter() - t0
        finished.append(numbers[i])

    serve.spent = 0.0
    timed("call + finish (asks the pad)", serve)
    out["finish (asks the pad)"] = N / serve.spent
    del out["call + finish (asks the pad)"]
    # each matter rated right after its finish, while the pad asks: half 满意, half 差评 with a case
    key = bytes(range(32))
    phone = seal(key, "13812345678")
    spent = {"good": 0.0, "bad": 0.0}
    for j, i in enumerate(range(N, 2 * N)):
        apply("call_number", window="3", number=numbers[i])
        apply("finish", window="3")
        t0 = time.perf_counter()
        if j % 2:
            apply("rate", window="3", number=numbers[i], level="dissatisfied", reasons=["long_wait"], phone=phone)
            spent["bad"] += time.perf_counter() - t0
        else:
            apply("rate", window="3", number=numbers[i], level="satisfied")
            spent["good"] += time.perf_counter() - t0
    out["rate: 满意"] = (N / 2) / spent["good"]
    out["rate: 差评 + case opened"] = (N / 2) / spent["bad"]
    cases = sorted(store.state.rating.cases)
    t0 = time.perf_counter()
    for case in cases:
        apply("case_step", case=case, step="verify", verdict="true", note="核实", by="bench")
    out["case_step (核实)"] = len(cases) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for _ in range(N):
        apply("tick")
    out[f"tick with {len(store.state.rating.cases)} open cases"] = N / (time.perf_counter() - t0)
    store.close()
    return out


def engine_only(n: int = 2000) -> dict[str, float]:
    """Microseconds per command in the pure engine (no SQLite): what the rating rules add."""
    from hall.clock import HallCalendar
    from hall.engine import Engine

    config = always_open(load_hall(HALL))
    config = dataclasses.replace(config, services={c: dataclasses.replace(s, daily_quota=None)
                                                   for c, s in config.services.items()})
    engine = Engine(config)
    state = engine.new_state()
    now = HallCalendar(config).epoch("2025-03-04T09:00:00")
    assert engine.handle(state, {"verb": "staff_login", "window": "3", "staff": "0103"}, now).ok
    spent = {"issue": 0.0, "call_number": 0.0, "finish (asks the pad)": 0.0, "rate: 差评 + case opened": 0.0}
    for i in range(n):
        now += 1
        steps = [("issue", {"verb": "issue", "service": "household"}), None, None, None]
        t0 = time.perf_counter()
        number = engine.handle(state, steps[0][1], now).data["ticket"]
        spent["issue"] += time.perf_counter() - t0
        for name, cmd in (("call_number", {"verb": "call_number", "window": "3", "number": number}),
                          ("finish (asks the pad)", {"verb": "finish", "window": "3"}),
                          ("rate: 差评 + case opened", {"verb": "rate", "window": "3", "number": number,
                                                     "level": "dissatisfied", "reasons": ["slow"]})):
            t0 = time.perf_counter()
            outcome = engine.handle(state, cmd, now)
            spent[name] += time.perf_counter() - t0
            assert outcome.ok, outcome.error
    return {name: 1e6 * t / n for name, t in spent.items()}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base = bare_sqlite_commits(Path(tmp) / "bare.db", 1000)
        measured = rates(Path(tmp))
    print("| durable command through HallStore.apply                | per second | ratio |")
    print("|---|---:|---:|")
    print(f"| bare SQLite single-row commit (WAL, synchronous=FULL)  | {base:10.0f} |  1.00 |")
    for name, rate in measured.items():
        print(f"| {name:<54} | {rate:10.0f} | {rate / base:5.2f} |")
    print("(each is one fsync'd transaction: the disk sets the pace, and the figures move with its load)")
    print()
    micro = engine_only()
    print("| the pure engine, no I/O (2000 of each, open cases growing to 2000) | µs per command | ratio to issue |")
    print("|---|---:|---:|")
    for name, us in micro.items():
        print(f"| {name:<66} | {us:14.1f} | {us / micro['issue']:14.2f} |")
    return 0
