"""Beyond one machine: two county supervisors share the ingest through the broker's shared
subscription ($share/county/yc/+/up/#): each stores some of every hall's events, both advance
the halls in PostgreSQL, and every event is still stored exactly once and acknowledged."""
from __future__ import annotations

import json
import queue
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg

from hall.protocol import Topics
from hall.service.local_broker import Mosquitto

ROOT = Path(__file__).resolve().parents[2]
HALLS = [f"town{i}" for i in range(4)]
PER_HALL = 300


def event(hall: str, seq: int) -> str:
    return json.dumps({"v": 1, "hall": hall, "seq": seq, "type": "ticket_issued", "at": "2026-12-01T10:00:00.000+08:00",
                       "ts": 0.0, "day": "2026-12-01", "ticket": f"A{seq:03d}", "service": "civil", "window": None,
                       "staff": None, "data": {}})


def test_two_supervisors_share_the_ingest_and_store_every_event_once(tmp_path, county_db):
    county_file = tmp_path / "county.toml"
    county_file.write_text('[county]\nid = "two"\nname = "两台县"\n\n' + "".join(
        f'[[hall]]\nid = "{h}"\nname = "{h}镇"\naccount = "hall-{h}"\n\n' for h in HALLS), encoding="utf-8")
    broker = Mosquitto(tmp_path / "broker").start()
    logs = [tmp_path / "sup-a.log", tmp_path / "sup-b.log"]
    supervisors = []
    for name, log in zip("ab", logs):
        with open(log, "w") as out:
            supervisors.append(subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "county", "--config", str(county_file), "--db", county_db,
                 "--broker", broker.url, "--client-id", f"county-two-{name}"], stdout=out, stderr=out, cwd=ROOT))
    answers: queue.Queue = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="halls", protocol=mqtt.MQTTv311)
    client.on_message = lambda c, u, m: answers.put((m.topic, json.loads(m.payload)))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.subscribe([("yc/+/down/#", 1), ("yc-county/+/status/+", 1)])
        online = set()
        deadline = time.monotonic() + 30
        while len(online) < 2 and time.monotonic() < deadline:  # both supervisors subscribed
            topic, body = answers.get(timeout=30)
            if topic.startswith("yc-county/") and "online" in json.dumps(body):
                online.add(topic)
        assert online == {"yc-county/two/status/county-two-a", "yc-county/two/status/county-two-b"}
        # each hall sends its events in order, interleaved with the others, a few twice
        rng = random.Random(7)
        for seq in range(1, PER_HALL + 1):
            for hall in HALLS:
                for _ in range(2 if rng.random() < 0.05 else 1):
                    client.publish(Topics(hall).up_event(), event(hall, seq), qos=1).wait_for_publish(10)
        acked = {h: 0 for h in HALLS}
        deadline = time.monotonic() + 60
        while min(acked.values()) < PER_HALL:
            assert time.monotonic() < deadline, f"not all acknowledged: {acked}"
            try:
                topic, body = answers.get(timeout=1)
            except queue.Empty:
                continue
            hall = topic.split("/")[1]
            if topic.endswith("/down/ack"):
                acked[hall] = max(acked[hall], body["upto"])
            elif topic.endswith("/down/resend"):  # a hub sends again from there
                for seq in range(body["from"], PER_HALL + 1):
                    client.publish(Topics(hall).up_event(), event(hall, seq), qos=1).wait_for_publish(10)
        with psycopg.connect(county_db) as conn:
            stored, distinct = conn.execute("SELECT count(*), count(DISTINCT (hall, seq)) FROM events").fetchone()
            last = dict(conn.execute("SELECT id, last_seq FROM halls").fetchall())
        assert stored == distinct == len(HALLS) * PER_HALL
        assert last == {h: PER_HALL for h in HALLS}
    finally:
        client.loop_stop()
        client.disconnect()
        for proc in supervisors:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        broker.stop()
    ingested = []
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text
        ingested.append(int(re.search(r"stopped: \{'events': (\d+)", text).group(1)))
    assert all(n > 0 for n in ingested), ingested  # both took part
    assert sum(ingested) >= len(HALLS) * PER_HALL


def test_bad_messages_on_up_are_dropped_and_the_supervisor_keeps_ingesting(tmp_path, county_db):
    county_file = tmp_path / "county.toml"
    county_file.write_text('[county]\nid = "bad"\nname = "县"\n\n[[hall]]\nid = "town0"\nname = "镇"\naccount = "hall-town0"\n',
                           encoding="utf-8")
    broker = Mosquitto(tmp_path / "broker").start()
    log = tmp_path / "sup.log"
    with open(log, "w") as out:
        supervisor = subprocess.Popen([sys.executable, "-m", "hall.cli", "county", "--config", str(county_file),
                                       "--db", county_db, "--broker", broker.url], stdout=out, stderr=out, cwd=ROOT)
    acks: queue.Queue = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bad-halls", protocol=mqtt.MQTTv311)
    client.on_message = lambda c, u, m: acks.put((m.topic, m.payload))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.subscribe([("yc/+/down/#", 1), ("yc-county/+/status/+", 1)])
        topic, payload = acks.get(timeout=30)
        while not topic.startswith("yc-county/") or b"online" not in payload:
            topic, payload = acks.get(timeout=30)
        up = Topics("town0").up_event()
        for bad in (b"not json", b"[1, 2]", b'{"hall": "town9", "seq": 1}', event("town0", 1).replace('"seq": 1', '"seq": "1"'),
                    event("town9", 1), b"{" * 5000, json.dumps({"hall": "town0"}).encode(),
                    event("town0", 1).replace('"seq": 1', '"seq": true'),
                    event("town0", 1).replace('"2026-12-01"', '"2026-13-45"'),
                    event("town0", 1).replace('"2026-12-01T10:00:00.000+08:00"', '"yesterday"'),
                    event("town0", 1).replace('"2026-12-01T10:00:00.000+08:00"', '"2026-12-01T10:00:00"'),
                    event("town0", 1).replace('"service": "civil"', '"service": ["civil"]'),
                    event("town0", 1).replace('"data": {}', '"data": [1]')):
            client.publish(up, bad, qos=1).wait_for_publish(10)
        client.publish("yc/town0/up/whatever", b"{}", qos=1).wait_for_publish(10)
        client.publish(up, event("town0", 1), qos=1).wait_for_publish(10)
        topic, payload = acks.get(timeout=20)
        assert topic == Topics("town0").down_ack() and json.loads(payload)["upto"] == 1
        assert supervisor.poll() is None
    finally:
        client.loop_stop()
        client.disconnect()
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(20)
        broker.stop()
    text = log.read_text()
    assert "Traceback" not in text and text.count("dropped a malformed message") >= 12
