"""One MQTT connection for a hall process, over paho-mqtt (MQTT 3.1.1).

paho's network thread only hands things over: every callback becomes one call of
``deliver(kind, value)`` (the hub puts them on its queue; a Kivy app would use
``Clock.schedule_once``). Kinds: ``connected`` (a generation number that grows with every
connection), ``disconnected`` (the reason), ``message`` ((message, generation)) and
``published`` (the mid the broker acknowledged, QoS 1).

``connected`` comes once the subscriptions are acknowledged, so whatever is published to
this client afterwards reaches it. The connection announces itself: a retained ``online`` on
``status/<client>`` once connected,
and a retained ``offline`` as its last will, or when it stops cleanly. It reconnects by
itself, resubscribes, and keeps QoS 1 messages published while the broker was away.
"""
from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from typing import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt

from hall.protocol import OFFLINE, ONLINE, status_payload

log = logging.getLogger("yichuang.bus")
DEFAULT_PORT = 1883
TLS_PORT = 8883
TLS_OPTIONS = ("ca", "cert", "key", "password_file")


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    ca: str | None = None  # TLS (mqtts://): the hall CA, and this device's certificate and key
    cert: str | None = None
    key: str | None = None

    def __str__(self) -> str:  # never shows the password
        user = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.ca else 'mqtt'}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://[user[:password]@]host[:port]`` or, on a hall LAN,
    ``mqtts://user@host[:8883]?ca=FILE&cert=FILE&key=FILE&password_file=FILE`` → BrokerAddress
    (the password is read from its file here, so it never stands on a command line);
    ValueError if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"{url!r}: expected mqtt://HOST:PORT or mqtts://USER@HOST:PORT?ca=…&cert=…&key=…")
    try:
        port = parts.port or (TLS_PORT if parts.scheme == "mqtts" else DEFAULT_PORT)
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - set(TLS_OPTIONS)
    if unknown or (query and parts.scheme != "mqtts"):
        raise ValueError(f"{url!r}: unknown options {sorted(unknown or query)} (mqtts:// takes {', '.join(TLS_OPTIONS)})")
    if parts.scheme == "mqtts" and "ca" not in query:
        raise ValueError(f"{url!r}: mqtts:// needs ?ca=FILE (the hall's CA certificate)")
    password = unquote(parts.password) if parts.password else None
    if "password_file" in query:
        try:
            password = Path(query["password_file"]).read_text().strip()
        except OSError as err:
            raise ValueError(f"cannot read the broker password file: {err}") from None
    return BrokerAddress(parts.hostname, port, unquote(parts.username) if parts.username else None,
                         password, query.get("ca"), query.get("cert"), query.get("key"))


def no_delay(client, userdata, sock) -> None:
    """Small messages go out at once: without TCP_NODELAY a reply or an event written right
    after another waits for its ACK (Nagle), up to the peer's delayed-ACK time (40 ms)."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass  # not a TCP socket


class Bus:
    """A connection that delivers everything to one callable and publishes from any thread."""

    def __init__(self, address: BrokerAddress, client_id: str, status_topic: str,
                 deliver: Callable[[str, object], None], *, subscriptions: tuple[str, ...] = (),
                 persistent: bool = False, manual_ack: bool = False, keepalive: int = 15):
        self.address = address
        self.status_topic = status_topic
        self.subscriptions = subscriptions
        self._deliver = deliver
        self._generation = 0
        self._connected = threading.Event()
        c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent,
                        protocol=mqtt.MQTTv311)
        c.manual_ack_set(manual_ack)
        c.max_queued_messages_set(0)  # keep every QoS 1 message while the broker is away
        c.reconnect_delay_set(min_delay=0.25, max_delay=4)
        c.will_set(status_topic, status_payload(OFFLINE), qos=1, retain=True)
        if address.username:
            c.username_pw_set(address.username, address.password)
        if address.ca:
            c.tls_set(ca_certs=address.ca, certfile=address.cert, keyfile=address.key)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_publish = self._on_publish
        c.on_subscribe = self._on_subscribe
        c.on_socket_open = no_delay
        self._subscribe_mid: int | None = None
        self.client = c
        self._keepalive = keepalive

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        """Connect in the background; keeps retrying until the broker answers."""
        self.client.connect_async(self.address.host, self.address.port, keepalive=self._keepalive)
        self.client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def stop(self, timeout: float = 2.0) -> None:
        """Say ``offline`` (a clean disconnect sends no last will), then disconnect."""
        if self._connected.is_set():
            info = self.client.publish(self.status_topic, status_payload(OFFLINE), qos=1, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()

    # ------------------------------------------------------------------ traffic

    def publish(self, topic: str, payload: bytes, retain: bool = False, qos: int = 1) -> int:
        """Queue a message; returns its mid (``published`` is delivered when acknowledged)."""
        return self.client.publish(topic, payload, qos=qos, retain=retain).mid

    def ack(self, message: mqtt.MQTTMessage, generation: int) -> None:
        """Acknowledge a QoS 1 message after it was handled (manual_ack). A message from an
        earlier connection is not acknowledged: the broker sends it again."""
        if generation == self._generation and message.qos > 0:
            self.client.ack(message.mid, message.qos)

    # ------------------------------------------------------------------ paho callbacks (network thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("broker %s refused the connection: %s", self.address, reason_code)
            return
        self._generation += 1
        if self.subscriptions:
            _, self._subscribe_mid = client.subscribe([(topic, 1) for topic in self.subscriptions])
        else:
            self._ready(client)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid == self._subscribe_mid:
            self._ready(client)

    def _ready(self, client) -> None:
        """Connected and subscribed: only now is a request sent to us sure to arrive."""
        client.publish(self.status_topic, status_payload(ONLINE), qos=1, retain=True)
        self._connected.set()
        self._deliver("connected", self._generation)

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        self._deliver("disconnected", str(reason_code))

    def _on_message(self, client, userdata, message) -> None:
        self._deliver("message", (message, self._generation))

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self._deliver("published", mid)
