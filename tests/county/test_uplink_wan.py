"""The county link end to end with real parts: a hall hub on its own Mosquitto, bridged to the
county's Mosquitto (per-hall account, ACL), the county supervisor writing to PostgreSQL. The WAN
is cut (the county broker stops) during a busy stretch, the supervisor restarts in the middle,
the link comes back: every event arrives exactly once, in order, and the county sees the hall
as it is."""
from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from hall.config import load_hall
from hall.service.bridge import SUPERVISOR, bridge_conf, county_acl
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


def passwd(path: Path, accounts: dict[str, str]) -> Path:
    path.write_text("".join(f"{u}:{p}\n" for u, p in accounts.items()))
    subprocess.run(["mosquitto_passwd", "-U", str(path)], check=True)
    return path


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
    raise AssertionError(f"not within {timeout} s: {what}")


def test_a_wan_cut_and_a_county_restart_lose_nothing_and_duplicate_nothing(tmp_path, county_db):
    hall_id = f"bz{int(time.time() * 1000) % 100000}"
    hall_file = tmp_path / "hall.toml"
    hall_file.write_text(re.sub(r'(?m)^id = "[^"]+"$', f'id = "{hall_id}"', TOWNSHIP.read_text(), count=1))
    county_file = tmp_path / "county.toml"
    county_file.write_text(f'[county]\nid = "c1"\nname = "测试县"\n\n[[hall]]\nid = "{hall_id}"\nname = "斑竹园镇"\n'
                           f'account = "hall-{hall_id}"\n')

    accounts = {SUPERVISOR: "sup-pw", f"hall-{hall_id}": "hall-pw"}
    acl = tmp_path / "county.acl"
    acl.write_text(county_acl({hall_id: f"hall-{hall_id}"}))
    county_broker = Broker(tmp_path / "county-broker", password_file=passwd(tmp_path / "county.passwd", accounts),
                           acl_file=acl).start()
    hall_broker = Broker(tmp_path / "hall-broker", conf_extra=bridge_conf(
        hall_id, "127.0.0.1", county_broker.port, f"hall-{hall_id}", "hall-pw")).start()
    hall_url = f"mqtt://127.0.0.1:{hall_broker.port}"
    county_url = f"mqtt://{SUPERVISOR}:sup-pw@127.0.0.1:{county_broker.port}"

    db, hub_log, sup_log = tmp_path / "hall.sqlite", tmp_path / "hub.log", tmp_path / "county.log"
    status = HubStatus(hall_url, hall_id).start()
    hub = spawn_hub(hall_file, db, hall_url, hub_log, "--uplink", "--uplink-stall", "3", "--always-open")
    supervisor = county_supervisor(county_file, county_db, county_url, sup_log)
    kiosk = caller = None
    try:
        status.wait_online(30, hub, hub_log)
        kiosk = HallClient(hall_url, hall_id, "kiosk-1").connect()
        caller = HallClient(hall_url, hall_id, "caller-9").connect()
        assert caller.request("staff_login", staff="0104")["status"] == "ok"

        def busy(n: int) -> None:
            for i in range(n):
                kiosk.request("issue", service="help")
                if i % 3 == 2:
                    caller.request("call_next")
                    caller.request("finish")

        busy(30)
        wait_until(lambda: county_last(county_db, hall_id) == hub_seq(db)[0], 30, "the county caught up")

        county_broker.stop()  # the WAN is cut
        busy(60)
        supervisor.send_signal(signal.SIGTERM)  # the county restarts in the middle
        assert supervisor.wait(20) == 0
        busy(60)
        cut_seq, not_uploaded = hub_seq(db)
        assert not_uploaded > 0  # those waited for the county: nothing counted as uploaded
        supervisor = county_supervisor(county_file, county_db, county_url, sup_log)
        county_broker.start()  # the link is back (same port, its saved sessions)

        last = wait_until(lambda: (s := hub_seq(db)) and s[1] == 0 and s[0], 60, "every event acknowledged")
        assert last >= cut_seq
        with psycopg.connect(county_db) as conn:
            seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE hall = %s ORDER BY seq", (hall_id,))]
            hub_events = sqlite3.connect(db).execute("SELECT seq, type, ticket FROM events ORDER BY seq").fetchall()
            county_events = conn.execute("SELECT seq, type, ticket FROM events WHERE hall = %s ORDER BY seq",
                                         (hall_id,)).fetchall()
            summary = conn.execute("SELECT summary FROM halls WHERE id = %s", (hall_id,)).fetchone()[0]
        assert seqs == list(range(1, last + 1))  # exactly once, none missing
        assert [tuple(e) for e in county_events] == [tuple(e) for e in hub_events]

        waiting_now = sum(s["waiting"] for t, s in kiosk.state.items() if "/state/service/" in t) if kiosk.state else None
        summary = wait_until(lambda: (s := _summary(county_db, hall_id)) and s["windows_open"] == 1 and s, 20,
                             "the county's view of the hall")
        assert summary["hall"] == hall_id and summary["windows_total"] == len(load_hall(hall_file).windows)
        if waiting_now is not None:
            assert summary["waiting"] == waiting_now
    finally:
        for client in (kiosk, caller):
            if client:
                client.close()
        for proc in (hub, supervisor):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)
        status.close()
        hall_broker.stop()
        county_broker.stop()
    assert "Traceback" not in sup_log.read_text()


def _summary(dsn: str, hall: str) -> dict | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT summary FROM halls WHERE id = %s", (hall,)).fetchone()
    return row[0] if row else None
