"""A broker on a free loopback port, and the hub as a child process, for tests, benchmarks and
the demo.

``Mosquitto`` runs the real broker as a child process with the deliberate settings of
``hall.service.mosquitto_config`` (persistence, queue limits) and, optionally, a hall's
accounts and ACL; it binds 127.0.0.1 only and is stopped or killed by its PID.
``EmbeddedBroker`` (``hall.service.broker``) is the in-process alternative.
``spawn_hub`` starts `yichuang hub` with its log in a file. ``HubStatus`` watches the hub's
retained ``status/hub``, which the hub sets ``online`` once it is connected and subscribed
(and its last will sets ``offline``): that, not a log line, says a hub is ready.
``mqtt_broker_at`` asks whether an MQTT broker we may use already answers on a port (the
system's Mosquitto on 1883, say), for the demo.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from hall.protocol import HUB_CLIENT, ONLINE, Topics, parse_status
from hall.service.bus import parse_broker_url
from hall.service.mosquitto_config import broker_conf

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0, host: str = LOOPBACK) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


class Mosquitto:
    """Mosquitto on 127.0.0.1:``port`` with its persistence in ``directory``."""

    def __init__(self, directory: Path, port: int | None = None, *, password_file: Path | None = None,
                 acl_file: Path | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.password_file, self.acl_file = password_file, acl_file
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "mosquitto.log"

    def start(self) -> "Mosquitto":
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(broker_conf(
            f"{self.port} {LOOPBACK}", str(self.directory),
            password_file=str(self.password_file) if self.password_file else None,
            acl_file=str(self.acl_file) if self.acl_file else None,
            user="root",  # as root it would otherwise drop to user mosquitto and fail to save
            log_dest=f"file {self.log_path}"))
        self.process = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port):
            self.kill()
            raise RuntimeError(f"mosquitto did not listen on {self.port}; see {self.log_path}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Mosquitto saves its database), then SIGKILL if it lingers."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: int, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


def mqtt_broker_at(host: str, port: int, timeout: float = 2.0) -> bool:
    """Does an MQTT broker answer on ``host:port`` and let an anonymous MQTT 3.1.1 client in?

    One CONNECT, one CONNACK, one DISCONNECT on a plain socket: a port held by something else
    (or a broker that wants a password) is False, and nothing is left behind on the broker.
    """
    client_id = f"yc-probe-{os.getpid()}".encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x0a" + len(client_id).to_bytes(2, "big") + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(bytes([0x10, len(body)]) + body)
            answer = b""
            while len(answer) < 4:
                chunk = sock.recv(4 - len(answer))
                if not chunk:
                    return False
                answer += chunk
            if answer[:2] == b"\x20\x02" and answer[3] == 0:
                sock.sendall(b"\xe0\x00")
                return True
            return False
    except OSError:
        return False


class HubStatus:
    """The hub's retained ``yc/<hall>/status/hub`` as a subscriber sees it.

    Subscribe *before* starting (or restarting) a hub: ``wait_online`` then waits for an
    ``online`` the hub publishes from now on, so a stale retained ``online`` (a hub killed a
    moment ago, whose last will the broker has not yet published) never counts. A retained
    ``online`` counts only when this watcher had to reconnect first: the broker restarted, and
    what it retains now was published since (the test and demo brokers remember nothing
    across a restart).
    """

    def __init__(self, url: str, hall_id: str):
        self.address = parse_broker_url(url)
        self.topic = Topics(hall_id).status(HUB_CLIENT)
        self.states: list[tuple[str | None, bool]] = []  # (state, counts as fresh), in order
        self._seen = 0
        self._connections = 0
        self._cond = threading.Condition()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"yc-watch-{os.getpid()}-{id(self):x}",
                                   protocol=mqtt.MQTTv311)
        self._client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
        if self.address.username:
            self._client.username_pw_set(self.address.username, self.address.password)
        if self.address.ca:  # mqtts://, as the hub reaches a hall LAN broker
            self._client.tls_set(ca_certs=self.address.ca, certfile=self.address.cert, keyfile=self.address.key)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._subscribed = threading.Event()

    def start(self, timeout: float = 10.0) -> "HubStatus":
        self._client.connect_async(self.address.host, self.address.port, keepalive=15)
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            self.close()
            raise ConnectionError(f"no MQTT broker at {self.address.host}:{self.address.port}")
        return self

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> "HubStatus":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def first_heard(self, wait: float = 0.5) -> str | None:
        """The state heard first since ``start`` (the retained one, if the broker has one),
        waiting up to ``wait`` seconds; None if nothing came."""
        with self._cond:
            self._cond.wait_for(lambda: self.states, wait)
            return self.states[0][0] if self.states else None

    def wait_online(self, timeout: float = 20.0, process: subprocess.Popen | None = None,
                    log: Path | None = None) -> None:
        """Until the hub says ``online`` (counted from the previous wait, or from ``start``).
        Raises RuntimeError if ``process`` exits first, TimeoutError after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                fresh = [i for i, (state, ok) in enumerate(self.states[self._seen:], self._seen)
                         if ok and state == ONLINE]
                if fresh:
                    self._seen = fresh[0] + 1
                    return
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"hub exited with {process.returncode}" + _tail(log))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the hub did not say online on {self.topic} within {timeout} s" + _tail(log))
                self._cond.wait(min(left, 0.1))

    # paho's network thread
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure:
            self._connections += 1
            client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self._subscribed.set()

    def _on_message(self, client, userdata, message) -> None:
        with self._cond:
            fresh = not message.retain or self._connections > 1
            self.states.append((parse_status(message.payload), fresh))
            self._cond.notify_all()


def spawn_hub(config: Path, db: Path, url: str, log: Path, *extra: str) -> subprocess.Popen:
    """`yichuang hub` as a child process of this Python, appending its log to ``log``."""
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-m", "hall.cli", "hub", "--config", str(config), "--db", str(db),
                                 "--broker", url, *extra], stdout=out, stderr=out)


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text()[-4000:]}" if log is not None and log.exists() else ""


def spawn_hub_online(config: Path, db: Path, url: str, log: Path, *extra: str, timeout: float = 20.0) -> subprocess.Popen:
    """``spawn_hub`` and wait until the hub's retained status says online (watched from before
    the start, so a stale ``online`` never counts); the hall id is read from the hall file."""
    from hall.config import load_hall

    status = HubStatus(url, load_hall(config).id).start()
    try:
        process = spawn_hub(config, db, url, log, *extra)
        status.wait_online(timeout, process, log)
    finally:
        status.close()
    return process
