"""The county broker as `yichuang county-broker-config` writes it, run by a real Mosquitto: halls
come in over TLS with their own account; a wrong password, another hall's account or plain MQTT
is refused, the ACL keeps each hall to its own up/ and down/, and a hall broker's bridge over TLS
carries a hall's events to the supervisor."""
from __future__ import annotations

import queue
import signal
import ssl
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from county.broker_config import write_all
from county.config import load_county
from hall.service.bridge import SUPERVISOR, bridge_conf
from hall.service.local_broker import free_port, wait_for_port
from hall.service.mosquitto_config import broker_conf, read_credentials

COUNTY_FILE = """[county]
id = "test-county"
name = "测试县"

[[hall]]
id = "alpha"
name = "甲镇"
account = "hall-alpha"

[[hall]]
id = "beta"
name = "乙镇"
account = "hall-beta"
"""


class CountyBroker:
    def __init__(self, tmp: Path):
        (tmp / "county.toml").write_text(COUNTY_FILE, encoding="utf-8")
        self.config = load_county(tmp / "county.toml")
        self.out, self.plain, self.tls = tmp / "county", free_port(), free_port()
        (tmp / "data").mkdir()
        self.creds = write_all(self.config, self.out, ("127.0.0.1", "localhost"), plain=f"{self.plain} 127.0.0.1",
                               tls_port=self.tls, tls_bind="127.0.0.1", persistence_dir=str(tmp / "data"),
                               user="root", log_dest=f"file {tmp / 'broker.log'}")
        self.log = tmp / "broker.log"
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.out / "broker" / "mosquitto.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for_port(self.tls) and wait_for_port(self.plain), self.log.read_text() if self.log.exists() else ""

    @property
    def ca(self) -> str:
        return str(self.out / "halls" / "alpha" / "county-ca.crt")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(10)


@pytest.fixture
def county(tmp_path):
    broker = CountyBroker(tmp_path)
    yield broker
    broker.stop()


def connect(port: int, user: str, password: str, *, ca: str | None = None, client_id: str = "") -> tuple[mqtt.Client | None, str]:
    """A connected client and "ok", or None and why the broker (or TLS) refused it."""
    answers: queue.Queue = queue.Queue()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or f"t-{user}-{time.monotonic_ns()}",
                    protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    if ca:
        c.tls_set(ca_certs=ca, cert_reqs=ssl.CERT_REQUIRED)
    c.on_connect = lambda client, userdata, flags, rc, props: answers.put(str(rc))
    c.on_disconnect = lambda client, userdata, flags, rc, props: answers.put(f"disconnected: {rc}")
    messages: queue.Queue = queue.Queue()
    c.on_message = lambda client, userdata, m: messages.put((m.topic, m.payload))
    c.messages = messages
    c.reconnect_delay_set(60, 60)
    try:
        c.connect("127.0.0.1", port, keepalive=10)
    except (OSError, ssl.SSLError) as err:
        return None, f"connection failed: {err}"
    c.loop_start()
    try:
        answer = answers.get(timeout=10)
    except queue.Empty:
        answer = "no answer"
    if answer != "Success":
        c.loop_stop()
        c.disconnect()
        return None, answer
    return c, "ok"


def subscribe(client: mqtt.Client, topic: str) -> None:
    done: queue.Queue = queue.Queue()
    client.on_subscribe = lambda *args: done.put(args)
    client.subscribe(topic, qos=1)
    done.get(timeout=10)


def publish(client: mqtt.Client, topic: str, payload: bytes) -> None:
    client.publish(topic, payload, qos=1).wait_for_publish(10)


def received(client: mqtt.Client, timeout: float = 10) -> list[tuple[str, bytes]]:
    """Messages up to and including the first ``marker`` one (after which nothing else is in flight)."""
    out = []
    while True:
        topic, payload = client.messages.get(timeout=timeout)
        out.append((topic, payload))
        if payload.startswith(b"marker"):
            return out


def wait_for_text(path: Path, text: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_halls_sign_in_over_tls_with_their_own_account_only(county):
    creds = read_credentials(county.out / "broker" / "credentials.txt")
    assert set(creds) == {SUPERVISOR, "hall-alpha", "hall-beta"}
    assert (county.out / "halls" / "alpha" / "county.password").read_text().strip() == creds["hall-alpha"]
    assert creds["hall-alpha"] not in (county.out / "broker" / "passwd").read_text()  # hashed

    good, why = connect(county.tls, "hall-alpha", creds["hall-alpha"], ca=county.ca)
    assert why == "ok"
    good.disconnect()
    _, why = connect(county.tls, "hall-alpha", "not-the-password", ca=county.ca)
    assert why in ("Not authorized", "Bad user name or password"), why
    _, why = connect(county.tls, "hall-alpha", creds["hall-beta"], ca=county.ca)  # beta's password, alpha's name
    assert why != "ok", why
    _, why = connect(county.tls, "hall-alpha", creds["hall-alpha"])  # no TLS on the WAN port
    assert why != "ok", why
    _, why = connect(county.plain, "nobody", "x")
    assert why != "ok", why
    # a certificate the county did not issue is not trusted
    other = county.out.parent / "other-ca.crt"
    other.write_bytes(Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
                      if Path("/etc/ssl/certs/ca-certificates.crt").exists() else b"")
    if other.read_bytes():
        _, why = connect(county.tls, "hall-alpha", creds["hall-alpha"], ca=str(other))
        assert why != "ok" and "certificate verify failed" in why, why


def test_a_hall_writes_only_its_own_up_and_reads_only_its_own_down(county):
    creds = read_credentials(county.out / "broker" / "credentials.txt")
    supervisor, why = connect(county.plain, SUPERVISOR, creds[SUPERVISOR])
    assert why == "ok"
    alpha, why = connect(county.tls, "hall-alpha", creds["hall-alpha"], ca=county.ca)
    assert why == "ok"
    try:
        subscribe(supervisor, "yc/+/up/#")
        publish(alpha, "yc/beta/up/event", b'{"forged": true}')  # alpha posing as beta
        publish(alpha, "yc/beta/down/ack", b'{"upto": 999}')  # alpha acknowledging for the county
        publish(alpha, "yc/alpha/up/event", b"marker alpha")
        assert received(supervisor) == [("yc/alpha/up/event", b"marker alpha")]

        subscribe(alpha, "yc/#")  # the broker grants it, and delivers only what the ACL lets alpha read
        publish(supervisor, "yc/beta/down/ack", b'{"upto": 5}')
        publish(supervisor, "yc/alpha/up/event", b'{"echo": true}')
        publish(supervisor, "yc/alpha/down/ack", b"marker for alpha")
        assert received(alpha) == [("yc/alpha/down/ack", b"marker for alpha")]
    finally:
        for client in (supervisor, alpha):
            client.loop_stop()
            client.disconnect()


def test_a_hall_broker_bridges_over_tls_and_a_wrong_password_bridges_nothing(county, tmp_path):
    creds = read_credentials(county.out / "broker" / "credentials.txt")
    supervisor, why = connect(county.plain, SUPERVISOR, creds[SUPERVISOR])
    assert why == "ok"
    halls = []
    try:
        subscribe(supervisor, "yc/+/up/#")
        for hall, password in (("beta", "wrong-password"), ("alpha", creds["hall-alpha"])):
            port, folder = free_port(), tmp_path / f"hall-{hall}"
            folder.mkdir()
            conf = folder / "mosquitto.conf"
            conf.write_text(broker_conf(f"{port} 127.0.0.1", str(folder), user="root",
                                        log_dest=f"file {folder / 'log'}")
                            + bridge_conf(hall, "localhost", county.tls, f"hall-{hall}", password,
                                          cafile=county.ca))
            halls.append(subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
            assert wait_for_port(port)
            local, why = connect(port, "", "")
            assert why == "ok"
            deadline = time.monotonic() + 20
            payload = b"marker from " + hall.encode()
            # the bridge connects in the background: queued QoS 1 messages cross once it is up
            publish(local, f"yc/{hall}/up/event", payload)
            local.loop_stop()
            local.disconnect()
            if hall == "beta":
                wait_for_text(folder / "log", "Connection Refused: not authorised", deadline)  # tried, refused
                with pytest.raises(queue.Empty):
                    supervisor.messages.get(timeout=2)
            else:
                assert received(supervisor, timeout=20) == [("yc/alpha/up/event", payload)]
    finally:
        supervisor.loop_stop()
        supervisor.disconnect()
        for proc in halls:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
