"""The hub on a real Mosquitto, against baselines measured in the same run.

Latency (one request at a time, loopback):
- baseline: the bare broker round trip: a client publishes a QoS 1 message, a paho echo
  client publishes it back, the first client receives it (the same two broker hops as a
  request and its answer);
- "call next" sent by a caller → ticket_called event received by a board subscriber.

Throughput:
- baseline: bare SQLite single-row commits (WAL, synchronous=FULL), one transaction each;
- ``HallStore.apply`` in process (the engine plus the same kind of commit);
- the hub's durable commands per second over MQTT: a kiosk sends a burst of issue
  requests without waiting, measured until the last reply.
"""
from __future__ import annotations

import platform
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt
import paho.mqtt.client as mqtt

from hall.config import load_hall
from hall.service.bus import no_delay
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub
from hall.service.main import always_open
from hall.store import HallStore

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
SAMPLES = 400  # latency samples of each kind
BURST = 1000  # requests in the throughput burst
COMMITS = 1000  # bare SQLite commits


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bare_round_trips(port: int, n: int) -> list[float]:
    """Milliseconds from publish to the echo's arrival, one message in flight."""
    got = threading.Event()

    def client(name: str) -> mqtt.Client:
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-{name}")
        c.on_socket_open = no_delay  # as the hub's own connections do
        c.connect("127.0.0.1", port)
        c.loop_start()
        return c

    echo, sender = client("echo"), client("sender")
    echo.on_message = lambda c, u, m: c.publish("bench/back", m.payload, qos=1)
    sender.on_message = lambda c, u, m: got.set()
    echo.subscribe("bench/out", qos=1)
    sender.subscribe("bench/back", qos=1)
    time.sleep(0.5)  # both subscriptions in place
    samples = []
    for i in range(n + 20):
        got.clear()
        t0 = time.perf_counter()
        sender.publish("bench/out", b'{"v":1,"n":%d}' % i, qos=1)
        if not got.wait(5):
            raise RuntimeError("the echo did not come back")
        if i >= 20:  # warm-up
            samples.append((time.perf_counter() - t0) * 1000)
    for c in (echo, sender):
        c.disconnect()
        c.loop_stop()
    return samples


def call_to_board(url: str, hall_id: str, n: int) -> list[float]:
    """Milliseconds from a caller's call_next to the board hearing ticket_called."""
    kiosk = HallClient(url, hall_id, "kiosk-1").connect()
    caller = HallClient(url, hall_id, "caller-9").connect()
    board = HallClient(url, hall_id, "board-1", watch_events=True).connect()
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    samples = []
    for i in range(n + 20):
        number = kiosk.request("issue", service="help")["data"]["ticket"]
        heard = len(board.events)
        t0 = time.perf_counter()
        caller.send("call_next")
        board.wait_for(lambda: any(e["type"] == "ticket_called" and e["ticket"] == number
                                   for e in board.events[heard:]), 10, f"the call of {number}")
        if i >= 20:
            samples.append((time.perf_counter() - t0) * 1000)
        assert caller.request("finish")["status"] == "ok"
    for c in (kiosk, caller, board):
        c.close()
    return samples


def hub_burst(url: str, hall_id: str, n: int) -> float:
    """Durable commands per second: n issue requests sent at once, until the last reply."""
    kiosk = HallClient(url, hall_id, "kiosk-1").connect()
    kiosk.request("issue", service="help")  # warm
    t0 = time.perf_counter()
    txns = [kiosk.send("issue", service="help") for _ in range(n)]
    kiosk.wait_for(lambda: all(t in kiosk.replies for t in txns[-1:]) and len(kiosk.replies) >= n + 1, 120,
                   "all replies")
    elapsed = time.perf_counter() - t0
    assert all(kiosk.replies[t]["status"] == "ok" for t in txns)
    kiosk.close()
    return n / elapsed


def bare_sqlite_commits(path: Path, n: int) -> float:
    """Single-row commits per second, WAL and synchronous=FULL like the store."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t (body) VALUES (?)", (f"row {i}",))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def store_apply_rate(path: Path, n: int) -> float:
    store = HallStore(path, always_open(load_hall(HALL)))
    t0 = time.perf_counter()
    for i in range(n):
        reply, _ = store.apply({"verb": "issue", "service": "help", "transaction": f"b{i}"})
        assert reply["status"] == "ok"
    rate = n / (time.perf_counter() - t0)
    store.close()
    return rate


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).split("\n")[0].strip()
    except OSError:
        return "?"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp / "mosquitto").start()
        hall_id = load_hall(HALL).id
        log = tmp / "hub.log"
        watch = HubStatus(broker.url, hall_id).start()
        hub = spawn_hub(HALL, tmp / "hall.sqlite", broker.url, log, "--always-open")
        try:
            watch.wait_online(20, hub, log)
            watch.close()
            rtt = bare_round_trips(broker.port, SAMPLES)
            call = call_to_board(broker.url, hall_id, SAMPLES)
            burst = hub_burst(broker.url, hall_id, BURST)
        finally:
            hub.terminate()
            hub.wait(15)
            broker.stop()
        commits = bare_sqlite_commits(tmp / "bare.sqlite", COMMITS)
        applied = store_apply_rate(tmp / "store.sqlite", COMMITS)

    print(f"{version(['mosquitto', '-h'])}; paho-mqtt {paho.mqtt.__version__}; "
          f"Python {platform.python_version()}; {platform.machine()}; township hall; loopback")
    print()
    p50, p99 = percentile(rtt, 50), percentile(rtt, 99)
    c50, c99 = percentile(call, 50), percentile(call, 99)
    print(f"| latency ({SAMPLES} samples each)                         | p50 ms | p99 ms | ratio p50 | ratio p99 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare broker round trip (QoS 1 out, echo back)          | {p50:6.2f} | {p99:6.2f} |      1.00 |      1.00 |")
    print(f"| call_next sent -> ticket_called at a board subscriber  | {c50:6.2f} | {c99:6.2f} | "
          f"{c50 / p50:9.2f} | {c99 / p99:9.2f} |")
    print(f"(mean {statistics.mean(call):.2f} ms; each call is committed with synchronous=FULL before its event leaves)")
    print()
    print("| throughput                                             | per second | ratio |")
    print("|---|---:|---:|")
    print(f"| bare SQLite single-row commit (WAL, synchronous=FULL)  | {commits:10.0f} |  1.00 |")
    print(f"| HallStore.apply: issue, in process                     | {applied:10.0f} | {applied / commits:5.2f} |")
    print(f"| hub durable commands over MQTT ({BURST} issues, burst)  | {burst:10.0f} | {burst / commits:5.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
