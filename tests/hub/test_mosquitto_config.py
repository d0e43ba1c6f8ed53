"""`yichuang mosquitto-config`: the accounts and ACL written from the hall file, enforced by a real
Mosquitto, and the shipped production config kept equal to what the code writes."""
from __future__ import annotations

import subprocess
import sys
import threading

import paho.mqtt.client as mqtt
import pytest

from hall.protocol import Topics, encode
from hall.service.local_broker import Mosquitto
from hall.service.mosquitto_config import read_credentials, standard_conf

from .conftest import ROOT


def test_the_shipped_config_is_what_the_code_writes():
    shipped = (ROOT / "config" / "mosquitto" / "mosquitto.conf").read_text()
    assert shipped == standard_conf()
    assert "persistence true" in shipped and "max_queued_messages 100000" in shipped
    assert "allow_anonymous false" in shipped


def run_generator(hall, out) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", "mosquitto-config", "--config", str(hall.path),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.fixture
def secured(hall, tmp_path):
    """A Mosquitto with the hall's generated accounts and ACL; yields (broker, credentials)."""
    out = tmp_path / "accounts"
    done = run_generator(hall, out)
    assert done.returncode == 0, done.stderr
    broker = Mosquitto(tmp_path / "broker", password_file=out / "passwd", acl_file=out / "acl").start()
    yield broker, read_credentials(out / "credentials.txt")
    broker.stop()


def test_accounts_are_kept_when_the_generator_runs_again(hall, tmp_path):
    out = tmp_path / "accounts"
    assert run_generator(hall, out).returncode == 0
    first = read_credentials(out / "credentials.txt")
    assert set(first) == {"hub", "monitor", *hall.config.devices}
    assert run_generator(hall, out).returncode == 0
    assert read_credentials(out / "credentials.txt") == first
    assert (out / "credentials.txt").stat().st_mode & 0o077 == 0
    assert "$7$" in (out / "passwd").read_text()  # hashed by mosquitto_passwd
    acl = (out / "acl").read_text()
    assert f"user caller-1\ntopic read yc/{hall.id}/state/#" in acl
    assert f"topic write yc/{hall.id}/request/caller-1\n" in acl
    board = acl.split("user board-1\n", 1)[1].split("\n\n", 1)[0]
    assert "request" not in board and f"topic readwrite yc/{hall.id}/status/board-1" in board


class Device:
    """A bare paho client logged in as one account, recording what it hears."""

    def __init__(self, broker, user: str, password: str, listen: str | None = None):
        self.heard: list[str] = []
        self.got = threading.Condition()
        self.refused = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"acl-{user}")
        self.client.username_pw_set(user, password)
        self.connected = threading.Event()

        def on_connect(client, userdata, flags, reason, properties):
            self.refused = reason.is_failure
            if listen and not reason.is_failure:
                client.subscribe(listen, qos=1)
            self.connected.set()

        def on_subscribe(client, userdata, mid, reasons, properties):
            with self.got:
                self.heard.append("<subscribed>")
                self.got.notify_all()

        def on_message(client, userdata, message):
            with self.got:
                self.heard.append(message.topic)
                self.got.notify_all()

        self.client.on_connect, self.client.on_message = on_connect, on_message
        self.client.on_subscribe = on_subscribe
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.connected.wait(10)

    def wait_heard(self, topic: str, timeout: float = 10) -> list[str]:
        with self.got:
            assert self.got.wait_for(lambda: topic in self.heard, timeout), self.heard
            return list(self.heard)

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_mosquitto_enforces_the_generated_acl(secured, hall):
    broker, creds = secured
    t = Topics(hall.id)
    monitor = Device(broker, "monitor", creds["monitor"], listen=f"{t.root}/#")
    board = Device(broker, "board-1", creds["board-1"])
    caller = Device(broker, "caller-1", creds["caller-1"])
    try:
        monitor.wait_heard("<subscribed>")
        request = encode({"v": 1, "verb": "call_next", "transaction": "x"})
        # forbidden first, then allowed on the same connection: the broker handles them in order,
        # so when the allowed one arrives the forbidden one was dropped, not late
        board.publish(t.request("board-1"), request)
        board.publish(t.status("board-1"), b'{"v":1,"state":"online"}')
        caller.publish(t.request("caller-2"), request)  # speaking for another device
        caller.publish(t.request("caller-1"), request)
        heard = monitor.wait_heard(t.request("caller-1"))
        assert t.status("board-1") in heard
        assert t.request("board-1") not in heard and t.request("caller-2") not in heard
    finally:
        for device in (monitor, board, caller):
            device.close()
    intruder = Device(broker, "caller-1", "not-the-password")
    assert intruder.refused is True
    intruder.close()


def test_the_hub_serves_through_the_secured_broker(secured, hall, start_hub, connect):
    broker, creds = secured
    start_hub(hall, broker.url, "--broker", f"mqtt://hub:{creds['hub']}@127.0.0.1:{broker.port}")
    caller = connect(f"mqtt://caller-9:{creds['caller-9']}@127.0.0.1:{broker.port}", hall, "caller-9")
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    kiosk = connect(f"mqtt://kiosk-1:{creds['kiosk-1']}@127.0.0.1:{broker.port}", hall, "kiosk-1")
    assert kiosk.request("issue", service="help")["data"]["ticket"] == "H001"
    assert caller.request("call_next")["data"]["ticket"] == "H001"


def test_the_example_acl_matches_the_township_hall():
    from hall.config import load_hall
    from hall.service.mosquitto_config import acl_text

    shipped = (ROOT / "config" / "mosquitto" / "township.acl").read_text()
    assert shipped == acl_text(load_hall(ROOT / "config" / "halls" / "township.toml")), (
        "the township hall's devices changed: run yichuang mosquitto-config --config config/halls/township.toml "
        "--acl config/mosquitto/township.acl")
