"""Fixtures for the hub on the bus: a real Mosquitto for the session, the embedded broker,
a hall of its own per test (so retained topics never mix), and the hub as a real process
that a test may stop, kill -9 and start again.
"""
from __future__ import annotations

import itertools
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from hall.clock import HallCalendar
from hall.config import load_hall
from hall.service.broker import EmbeddedBroker
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, free_port, spawn_hub

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
COUNTY = ROOT / "config" / "halls" / "county.toml"
TEST_CLOCK = "2025-03-04T10:00:00"  # a Tuesday, inside the township hall's hours
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory):
    """Mosquitto on a free loopback port: persistence on, max_queued_messages raised, as root."""
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def embedded_broker():
    broker = EmbeddedBroker("127.0.0.1", free_port()).start()
    yield broker
    broker.stop()


@pytest.fixture(params=["mosquitto", "embedded"])
def broker_url(request) -> str:
    """Each test using this runs once against Mosquitto and once against the embedded broker."""
    return request.getfixturevalue(request.param if request.param == "mosquitto" else "embedded_broker").url


class Hall:
    """An example hall (the township by default) under a hall id of its own, with a database path."""

    def __init__(self, directory: Path, template: Path = TOWNSHIP):
        self.id = f"t{next(_numbers)}x{int(time.time() * 1000) % 100000}"
        # [hall] is the file's first table, so the first `id = ` line is the hall's id
        text = re.sub(r'(?m)^id = "[^"]+"$', f'id = "{self.id}"', template.read_text(), count=1)
        self.path = directory / "hall.toml"
        self.path.write_text(text)
        self.db = directory / "hall.sqlite"
        self.config = load_hall(self.path)

    def query(self, sql: str, params=()) -> list[tuple]:
        """Read the hub's database (read-only, beside the running hub)."""
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def facts(self) -> dict:
        """What must not change when a request is refused."""
        return {
            "seq": self.query("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0],
            "tickets": self.query("SELECT * FROM tickets ORDER BY id"),
            "windows": self.query("SELECT * FROM windows ORDER BY id"),
            "state": self.query("SELECT value FROM hall_state"),
        }


@pytest.fixture
def hall(tmp_path) -> Hall:
    return Hall(tmp_path)


@pytest.fixture
def county_hall(tmp_path) -> Hall:
    """The 30-window county centre, with tidal windows."""
    return Hall(tmp_path, COUNTY)


class HubProcess:
    """`yichuang hub` as a child process; its clock starts at TEST_CLOCK and keeps running
    across restarts (each start passes the test clock plus the time since the first). It is
    ready when its retained ``status/hub`` says online (``HubStatus``, watching from before
    the first start, so a restarted hub is waited for, not its predecessor)."""

    def __init__(self, hall: Hall, url: str, *extra: str):
        self.hall, self.url, self.extra = hall, url, extra
        self.log = hall.db.with_name("hub.log")
        self.process: subprocess.Popen | None = None
        self.status: HubStatus | None = None
        self._t0: float | None = None
        self._clock0 = HallCalendar(hall.config).epoch(TEST_CLOCK)

    def start(self, timeout: float = 20.0) -> "HubProcess":
        if self._t0 is None:
            self._t0 = time.time()
        if self.status is None:  # the hub's own address (an extra --broker may carry its account)
            brokers = [self.url] + [b for a, b in zip(self.extra, self.extra[1:]) if a == "--broker"]
            self.status = HubStatus(brokers[-1], self.hall.id).start()
        cal = HallCalendar(self.hall.config)
        clock = cal.local(self._clock0 + time.time() - self._t0).replace(tzinfo=None).isoformat()
        self.process = spawn_hub(self.hall.path, self.hall.db, self.url, self.log, "--clock", clock, *self.extra)
        self.wait_online(timeout)
        return self

    def wait_online(self, timeout: float = 20.0) -> None:
        """Until the hub says online again (connected and subscribed) since the last wait."""
        self.status.wait_online(timeout, self.process, self.log)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


@pytest.fixture
def start_hub():
    """``start_hub(hall, url, *extra_args)`` → a running HubProcess; all stopped at the end."""
    hubs: list[HubProcess] = []

    def start(hall: Hall, url: str, *extra: str) -> HubProcess:
        hub = HubProcess(hall, url, *extra).start()
        hubs.append(hub)
        return hub

    yield start
    for hub in hubs:
        hub.stop()
        hub.status.close()


@pytest.fixture
def connect():
    """``connect(url, hall, device, **options)`` → a connected HallClient; all closed at the end."""
    clients: list[HallClient] = []

    def make(url: str, hall: Hall, device: str, **options) -> HallClient:
        client = HallClient(url, hall.id, device, **options).connect()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
