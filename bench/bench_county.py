"""The county supervisor under a county's load, against PostgreSQL's bare insert rate in the same run.

- Live: HALLS halls of 30 windows upload at a busy hour's event rate (a 30-window county hall
  writes about EVENTS_PER_HALL_HOUR events in its busiest hour); the ingest lag is the time
  from a hall's publish of an event to the county's ``down/ack`` covering it.
- Drain: CUT halls come back from a one-hour WAN cut at once, each with an hour of events
  queued in its bridge; the time until the county has acknowledged every one of them, and a
  count of what is in PostgreSQL: 0 lost, 0 duplicated (every event is sent twice in the drain,
  as a bridge that lost its acknowledgements would).
- Baseline: PostgreSQL's bare insert rate: the same rows by executemany, BATCH rows a
  transaction, into a plain table, with no MQTT.

The halls are emulated by one publisher process (the county cannot tell a bridge from it: the
same topics, payloads and QoS); the supervisor is the real ``yichuang county`` process.
"""
from __future__ import annotations

import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg

from county.local_pg import temporary_postgres
from hall.service.local_broker import Mosquitto

ROOT = Path(__file__).resolve().parents[1]
HALLS = 200
CUT = 50
EVENTS_PER_HALL_HOUR = 2000  # ~1,000 tickets a day, ~8 events each, a quarter of the day in the busiest hour
LIVE_SECONDS = 20
BATCH = 2000
INFLIGHT = 500  # QoS 1 messages the emulated halls' connection has in flight


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def event(hall: str, seq: int) -> dict:
    return {"v": 1, "hall": hall, "seq": seq, "type": "ticket_issued", "at": "2026-12-01T10:00:00.000+08:00",
            "ts": 1796090400.0, "day": "2026-12-01", "ticket": f"A{seq % 1000:03d}", "service": "social_insurance",
            "window": None, "staff": None, "data": {"channel": "kiosk", "priority": None}}


def county_file(directory: Path) -> Path:
    path = directory / "county.toml"
    halls = "".join(f'[[hall]]\nid = "h{i:03d}"\nname = "镇{i:03d}"\naccount = "hall-h{i:03d}"\n\n' for i in range(HALLS))
    path.write_text(f'[county]\nid = "bench"\nname = "压测县"\n\n{halls}')
    return path


class Halls:
    """The emulated halls: publish events, note when each seq was sent and when it was acknowledged."""

    def __init__(self, port: int):
        self.sent_at: dict[tuple[str, int], float] = {}
        self.lags: list[float] = []
        self.acked: dict[str, int] = {}
        self.last_sent: dict[str, int] = {}
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-halls", protocol=mqtt.MQTTv311)
        self.client.max_inflight_messages_set(INFLIGHT)
        self.client.max_queued_messages_set(0)
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.outstanding = 0  # published, not yet acknowledged by the broker (paho never queues them)
        self.room = threading.Condition()
        self.online = threading.Event()
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("yc/+/down/ack", 1), ("yc/+/down/resend", 1), ("yc-county/+/status/+", 1)])
        self.resends: list[tuple[str, int]] = []
        self.client.loop_start()

    def wait_supervisor(self, timeout: float) -> None:
        """Until the supervisor says online: it says so once it has subscribed."""
        if not self.online.wait(timeout):
            raise TimeoutError("the county supervisor did not come online")

    def _on_message(self, client, userdata, message) -> None:
        if message.topic.startswith("yc-county/"):
            if b"online" in message.payload:
                self.online.set()
            return
        now = time.monotonic()
        hall = message.topic.split("/")[1]
        if message.topic.endswith("/resend"):  # a hub sends again from there; so do the emulated halls
            with self.lock:
                self.resends.append((hall, json.loads(message.payload)["from"]))
            return
        upto = json.loads(message.payload)["upto"]
        with self.lock:
            before = self.acked.get(hall, 0)
            if upto > before:
                self.acked[hall] = upto
                for seq in range(before + 1, upto + 1):
                    sent = self.sent_at.pop((hall, seq), None)
                    if sent is not None:
                        self.lags.append((now - sent) * 1000)

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        with self.room:
            self.outstanding -= 1
            self.room.notify()

    def _publish(self, hall: str, seq: int) -> None:
        """At most INFLIGHT messages unacknowledged by the broker, as a bridge sends: paho's own
        queue behind its inflight window stalled with 100,000 messages in it (the first run hung)."""
        with self.room:
            while self.outstanding >= INFLIGHT:
                self.room.wait(1.0)
            self.outstanding += 1
        self.client.publish(f"yc/{hall}/up/event", json.dumps(event(hall, seq)), qos=1)

    def send(self, hall: str, seq: int, track: bool = True) -> None:
        with self.lock:
            self.last_sent[hall] = max(self.last_sent.get(hall, 0), seq)
            if track:
                self.sent_at[(hall, seq)] = time.monotonic()
        self._publish(hall, seq)

    def answer_resends(self) -> int:
        """Send again from where the county asks (a hub does the same on ``down/resend``)."""
        with self.lock:
            asks, self.resends = self.resends, []
            asks = [(h, f, self.last_sent.get(h, 0)) for h, f in asks]
        for hall, start, last in asks:
            for seq in range(start, last + 1):
                self._publish(hall, seq)
        return len(asks)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def bare_insert_rate(dsn: str, rows: int) -> float:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE bare (hall text, seq bigint, day date, type text, at timestamptz, data jsonb, "
                     "PRIMARY KEY (hall, seq, day))")
        values = [(f"h{i % HALLS:03d}", i, "2026-12-01", "ticket_issued", "2026-12-01T10:00:00+08:00",
                   json.dumps({"channel": "kiosk"})) for i in range(rows)]
        started = time.perf_counter()
        for i in range(0, rows, BATCH):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany("INSERT INTO bare VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                                values[i:i + BATCH])
        return rows / (time.perf_counter() - started)


def wait_acked(halls: Halls, targets: dict[str, int], timeout: float, started: float | None = None) -> float:
    started = time.monotonic() if started is None else started
    shown = 0.0
    while time.monotonic() - started < timeout:
        halls.answer_resends()
        with halls.lock:
            behind = sum(max(0, n - halls.acked.get(h, 0)) for h, n in targets.items())
        if not behind:
            return time.monotonic() - started
        if time.monotonic() - shown > 5:
            shown = time.monotonic()
            print(f"  ... {behind} events not yet acknowledged ({shown - started:.0f} s)", file=sys.stderr, flush=True)
        time.sleep(0.05)
    raise TimeoutError(f"the county did not acknowledge everything in {timeout:.0f} s")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="yc-bench-county-"))
    pg = temporary_postgres()
    broker = Mosquitto(work / "broker").start()
    supervisor = halls = None
    try:
        dsn = pg.create_database("county")
        bare = bare_insert_rate(pg.create_database("bare"), CUT * EVENTS_PER_HALL_HOUR // 2)
        log = open(work / "county.log", "w")
        supervisor = subprocess.Popen([sys.executable, "-m", "hall.cli", "county", "--config", str(county_file(work)),
                                       "--db", dsn, "--broker", broker.url, "--log-level", "INFO"],
                                      stdout=log, stderr=log, cwd=ROOT)
        halls = Halls(broker.port)
        halls.wait_supervisor(30)
        print(f"  bare insert {bare:.0f} rows/s; supervisor online; live for {LIVE_SECONDS} s", file=sys.stderr, flush=True)

        # live: every hall at its busy-hour rate, spread evenly
        names = [f"h{i:03d}" for i in range(HALLS)]
        rate = HALLS * EVENTS_PER_HALL_HOUR / 3600  # events per second, county-wide
        seq = {h: 0 for h in names}
        started, sent = time.monotonic(), 0
        while time.monotonic() - started < LIVE_SECONDS:
            hall = names[sent % HALLS]
            seq[hall] += 1
            halls.send(hall, seq[hall])
            sent += 1
            time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        wait_acked(halls, dict(seq), 60)
        live_lags = list(halls.lags)

        # drain: CUT halls return from an hour's cut, every event twice
        cut = names[:CUT]
        targets = {}
        print(f"  live done: {len(live_lags)} lags; draining {CUT} halls", file=sys.stderr, flush=True)
        drain_started = time.monotonic()
        for hall in cut:
            first = seq[hall] + 1
            seq[hall] += EVENTS_PER_HALL_HOUR
            targets[hall] = seq[hall]
            for s in range(first, seq[hall] + 1):
                halls.send(hall, s, track=False)
            halls.answer_resends()
        for hall in cut:
            for s in range(targets[hall] - EVENTS_PER_HALL_HOUR + 1, targets[hall] + 1):
                halls.send(hall, s, track=False)  # the duplicates
        sent_in = time.monotonic() - drain_started  # the emulated bridges' own pace (one Python client)
        drain = wait_acked(halls, targets, 600, drain_started)
        with psycopg.connect(dsn) as conn:
            stored, distinct = conn.execute("SELECT count(*), count(DISTINCT (hall, seq)) FROM events").fetchone()
        expected = sum(seq.values())
        drained = CUT * EVENTS_PER_HALL_HOUR
    finally:
        if halls:
            halls.close()
        if supervisor:
            supervisor.terminate()
            supervisor.wait(20)
            log.close()
            counts = [line for line in (work / "county.log").read_text().splitlines() if "stopped:" in line or "asking" in line]
        broker.stop()
        pg.stop()
        shutil.rmtree(pg.directory, ignore_errors=True)

    print(f"{platform.node()}: {HALLS} halls x 30 windows, {rate:.0f} events/s county-wide "
          f"({EVENTS_PER_HALL_HOUR} per hall in its busiest hour), PostgreSQL {pg_version()}")
    print()
    print("| ingest lag, publish -> county ack (live) | samples | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    print(f"| {HALLS} halls at a busy hour's rate | {len(live_lags)} | {percentile(live_lags, 50):.1f} | "
          f"{percentile(live_lags, 99):.1f} |")
    print()
    print("| throughput | rows | seconds | rows/s | ratio |")
    print("|---|---:|---:|---:|---:|")
    print(f"| PostgreSQL bare insert ({BATCH} rows a transaction) | {CUT * EVENTS_PER_HALL_HOUR // 2} | "
          f"{CUT * EVENTS_PER_HALL_HOUR / 2 / bare:.2f} | {bare:.0f} | 1.00 |")
    print(f"| drain after a 1-hour cut of {CUT} halls (each event sent twice) | {drained} | {drain:.2f} | "
          f"{drained / drain:.0f} | {drained / drain / bare:.2f} |")
    print()
    print(f"stored {stored} events, {distinct} distinct, expected {expected}: "
          f"lost {expected - distinct}, duplicated {stored - distinct}")
    print(f"the emulated halls took {sent_in:.1f} s to publish the {2 * drained} drain messages "
          f"({2 * drained / sent_in:.0f}/s): the drain cannot be faster than that")
    print(f"supervisor: {counts[-1].split('stopped: ')[-1] if counts else '?'}; holes asked again: "
          f"{sum('asking' in line for line in counts)}")
    return 0 if stored == distinct == expected else 1


def pg_version() -> str:
    out = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.split()
    return out[-1] if out else "?"


if __name__ == "__main__":
    sys.exit(main())
