"""The county link end to end with real parts: two halls, each a hub on its own Mosquitto bridged
over TLS to the county's Mosquitto (as `yichuang county-broker-config` writes it: an account per
hall, ACL), the county supervisor writing to PostgreSQL. The WAN is cut (the county broker
stops) during a busy stretch, the supervisor restarts in the middle, the link comes back: every
event of each hall arrives exactly once, in order, and the county sees each hall as it is."""
from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from county.broker_config import write_all
from county.config import load_county
from hall.config import load_hall
from hall.service.bridge import SUPERVISOR, bridge_conf
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, free_port, spawn_hub, wait_for_port
from hall.service.mosquitto_config import broker_conf

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


class Broker:
    def __init__(self, directory: Path, conf_extra: str = "", password_file: Path | None = None,
                 acl_file: Path | None = None):
        self.directory, self.port = directory, free_port()
        self.extra, self.password_file, self.acl_file = conf_extra, password_file, acl_file
        self.process = None

    def start(self) -> "Broker":
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(broker_conf(f"{self.port} 127.0.0.1", str(self.directory),
                                    password_file=str(self.password_file) if self.password_file else None,
                                    acl_file=str(self.acl_file) if self.acl_file else None, user="root",
                                    log_dest=f"file {self.directory / 'log'}") + self.extra)
        self.process = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        assert wait_for_port(self.port), (self.directory / "log").read_text()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


class GeneratedBroker:
    """A Mosquitto run from a written mosquitto.conf; restartable on the same ports."""

    def __init__(self, conf: Path, ports: tuple[int, ...]):
        self.conf, self.ports, self.process = conf, ports, None

    def start(self) -> "GeneratedBroker":
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        assert all(wait_for_port(p) for p in self.ports)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)


def county_supervisor(county_file: Path, dsn: str, url: str, log: Path) -> subprocess.Popen:
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-m", "hall.cli", "county", "--config", str(county_file),
                                 "--db", dsn, "--broker", url], stdout=out, stderr=out, cwd=ROOT)


def hub_seq(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT MAX(seq), SUM(uploaded = 0) FROM events").fetchone()
    finally:
        conn.close()


def county_last(dsn: str, hall: str) -> int:
    try:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT last_seq FROM halls WHERE id = %s", (hall,)).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0  # the supervisor has not made its schema yet
    return row[0] if row else 0


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what() if callable(what) else what}")


class Hall:
    """One township: its hall file, its Mosquitto bridged over TLS to the county, its hub."""

    def __init__(self, tmp: Path, hall_id: str, county_out: Path, county_port: int, password: str):
        self.id, self.dir = hall_id, tmp / hall_id
        self.dir.mkdir()
        self.file = self.dir / "hall.toml"
        self.file.write_text(re.sub(r'(?m)^id = "[^"]+"$', f'id = "{hall_id}"', TOWNSHIP.read_text(), count=1))
        self.broker = Broker(self.dir / "broker", conf_extra=bridge_conf(
            hall_id, "localhost", county_port, f"hall-{hall_id}", password,
            cafile=str(county_out / "halls" / hall_id / "county-ca.crt"))).start()
        self.url = f"mqtt://127.0.0.1:{self.broker.port}"
        self.db, self.log = self.dir / "hall.sqlite", self.dir / "hub.log"
        self.status = HubStatus(self.url, hall_id).start()
        self.hub = spawn_hub(self.file, self.db, self.url, self.log, "--uplink", "--uplink-stall", "3", "--always-open")
        self.kiosk = self.caller = None

    def connect(self) -> None:
        self.status.wait_online(30, self.hub, self.log)
        self.kiosk = HallClient(self.url, self.id, "kiosk-1", watch_state=True).connect()
        self.caller = HallClient(self.url, self.id, "caller-9").connect()
        assert self.caller.request("staff_login", staff="0104")["status"] == "ok"

    def busy(self, n: int) -> None:
        for i in range(n):
            self.kiosk.request("issue", service="help")
            if i % 3 == 2:
                self.caller.request("call_next")
                self.caller.request("finish")

    def close(self) -> None:
        for client in (self.kiosk, self.caller):
            if client:
                client.close()
        if self.hub.poll() is None:
            self.hub.send_signal(signal.SIGTERM)
            self.hub.wait(20)
        self.status.close()
        self.broker.stop()


def test_a_wan_cut_and_a_county_restart_lose_nothing_and_duplicate_nothing(tmp_path, county_db):
    stamp = int(time.time() * 1000) % 100000
    ids = [f"bz{stamp}", f"dg{stamp}"]
    county_file = tmp_path / "county.toml"
    county_file.write_text('[county]\nid = "c1"\nname = "测试县"\n\n' + "".join(
        f'[[hall]]\nid = "{h}"\nname = "{h}镇"\naccount = "hall-{h}"\n\n' for h in ids), encoding="utf-8")
    # the county broker as `yichuang county-broker-config` writes it: TLS and an account per hall
    out, plain_port, tls_port = tmp_path / "county", free_port(), free_port()
    (tmp_path / "county-data").mkdir()
    creds = write_all(load_county(county_file), out, ("localhost", "127.0.0.1"), plain=f"{plain_port} 127.0.0.1",
                      tls_port=tls_port, tls_bind="127.0.0.1", persistence_dir=str(tmp_path / "county-data"),
                      user="root", log_dest=f"file {tmp_path / 'county-broker.log'}")
    county_broker = GeneratedBroker(out / "broker" / "mosquitto.conf", (plain_port, tls_port)).start()
    county_url = f"mqtt://{SUPERVISOR}:{creds[SUPERVISOR]}@127.0.0.1:{plain_port}"
    sup_log = tmp_path / "county.log"
    halls = [Hall(tmp_path, h, out, tls_port, creds[f"hall-{h}"]) for h in ids]
    supervisor = county_supervisor(county_file, county_db, county_url, sup_log)
    try:
        for hall in halls:
            hall.connect()
            hall.busy(30)
        for hall in halls:
            wait_until(lambda: county_last(county_db, hall.id) == hub_seq(hall.db)[0], 30, "the county caught up")

        county_broker.stop()  # the WAN is cut
        for hall in halls:
            hall.busy(60)
        supervisor.send_signal(signal.SIGTERM)  # the county restarts in the middle
        assert supervisor.wait(20) == 0
        for hall in halls:
            hall.busy(60)
        cut = {}
        for hall in halls:
            cut[hall.id], not_uploaded = hub_seq(hall.db)
            assert not_uploaded > 0  # those waited for the county: nothing counted as uploaded
        supervisor = county_supervisor(county_file, county_db, county_url, sup_log)
        county_broker.start()  # the link is back (same ports, its saved sessions)

        for hall in halls:
            last = wait_until(lambda: (s := hub_seq(hall.db)) and s[1] == 0 and s[0], 60, "every event acknowledged")
            assert last >= cut[hall.id]
            with psycopg.connect(county_db) as conn:
                county_events = conn.execute("SELECT seq, type, ticket FROM events WHERE hall = %s ORDER BY seq",
                                             (hall.id,)).fetchall()
            hub_events = sqlite3.connect(hall.db).execute("SELECT seq, type, ticket FROM events ORDER BY seq").fetchall()
            assert [e[0] for e in county_events] == list(range(1, last + 1))  # exactly once, none missing
            assert [tuple(e) for e in county_events] == [tuple(e) for e in hub_events]

            def waiting_now() -> int:  # as the hall's own kiosk sees it
                return sum(m["waiting"] for t, m in dict(hall.kiosk.state).items() if "/state/service/" in t)

            summary = wait_until(lambda: (s := _summary(county_db, hall.id)) and s["windows_open"] == 1
                                 and s["waiting"] == waiting_now() > 0 and s, 20,
                                 lambda: f"the county's view of the hall: {_summary(county_db, hall.id)}, "
                                         f"waiting {waiting_now()} as its kiosk sees it")
            assert summary["hall"] == hall.id and summary["windows_total"] == len(load_hall(hall.file).windows)
    finally:
        for hall in halls:
            hall.close()
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGTERM)
            supervisor.wait(20)
        county_broker.stop()
    assert "Traceback" not in sup_log.read_text()


def _summary(dsn: str, hall: str) -> dict | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT summary FROM halls WHERE id = %s", (hall,)).fetchone()
    return row[0] if row else None
