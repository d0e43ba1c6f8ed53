"""A device's side of the contract in Python: send requests, wait for replies, watch state.

Used by tests, benchmarks and scripts (the Kivy terminals build on ``Bus`` the same way).
A client is one ``[[device]]`` of the hall: it publishes on ``request/<device>``, hears its
replies on ``reply/<device>``, says ``online`` on ``status/<device>`` with a last will, and
keeps the latest retained state and every event it is subscribed to.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
import uuid

from paho.mqtt.client import topic_matches_sub

from hall.protocol import V, Topics, encode
from hall.service.bus import Bus, parse_broker_url


class ReplyTimeout(Exception):
    pass


class HallClient:
    def __init__(self, url: str, hall_id: str, device: str, *, watch_state: bool = False,
                 watch_events: bool = False, client_id: str | None = None):
        self.topics = Topics(hall_id)
        self.device = device
        self._replies = self.topics.reply(device) + "/#"  # the reply topic and any below it
        subs = [self._replies]
        if watch_state:
            subs.append(self.topics.state())
        if watch_events:
            subs.append(self.topics.event())
        self.state: dict[str, dict] = {}  # retained topic -> latest message
        self.events: list[dict] = []
        self.replies: dict[str, dict] = {}  # transaction -> first reply
        self.received: list[dict] = []  # every reply, in order (errors without a transaction too)
        self._cond = threading.Condition()
        self._prefix = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)
        self.bus = Bus(parse_broker_url(url), client_id or f"{device}-{self._prefix}", self.topics.status(device),
                       self._deliver, subscriptions=tuple(subs))

    # ------------------------------------------------------------------ life

    def connect(self, timeout: float = 10.0) -> "HallClient":
        self.bus.start()
        if not self.bus.wait_connected(timeout):
            raise ConnectionError(f"{self.device}: no broker at {self.bus.address}")
        return self

    def close(self) -> None:
        self.bus.stop()

    def __enter__(self) -> "HallClient":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ requests

    def new_transaction(self) -> str:
        return f"{self._prefix}-{next(self._counter)}"

    def send(self, verb: str, transaction: str | None = None, **fields) -> str:
        """Publish a request without waiting; returns its transaction id."""
        txn = transaction or self.new_transaction()
        self.publish_raw(encode({"v": V, "verb": verb, "transaction": txn, **fields}))
        return txn

    def publish_raw(self, payload: bytes, qos: int = 1) -> None:
        self.bus.publish(self.topics.request(self.device), payload, qos=qos)

    def request(self, verb: str, timeout: float = 10.0, retry_every: float = 2.0, **fields) -> dict:
        """Send and wait for the reply, sending again (same transaction) every ``retry_every``
        seconds, as a device does when a reply is late."""
        txn = fields.pop("transaction", None) or self.new_transaction()
        deadline = time.monotonic() + timeout
        while True:
            self.send(verb, txn, **fields)
            try:
                return self.reply(txn, min(retry_every, max(0.0, deadline - time.monotonic())))
            except ReplyTimeout:
                if time.monotonic() >= deadline:
                    raise ReplyTimeout(f"{self.device}: no reply to {verb} {txn} in {timeout} s") from None

    def reply(self, transaction: str, timeout: float) -> dict:
        return self.wait_for(lambda: self.replies.get(transaction), timeout,
                             f"no reply to transaction {transaction}")

    # ------------------------------------------------------------------ watching

    def wait_for(self, predicate, timeout: float, what: str = "condition"):
        """Wait until ``predicate()`` (called under the client's lock) returns something true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ReplyTimeout(f"{self.device}: {what} within {timeout} s")
                self._cond.wait(left)

    def state_of(self, topic: str) -> dict | None:
        with self._cond:
            return self.state.get(topic)

    def _deliver(self, kind: str, value) -> None:
        if kind != "message":
            return
        message, _ = value
        try:
            body = json.loads(message.payload.decode("utf-8")) if message.payload else None
        except ValueError:
            return
        with self._cond:
            topic = message.topic
            if topic_matches_sub(self._replies, topic) and isinstance(body, dict):
                self.replies.setdefault(str(body.get("transaction")), body)
                self.received.append(body)
            elif topic_matches_sub(self.topics.event(), topic):
                self.events.append(body)
            elif topic_matches_sub(self.topics.state(), topic):
                self.state[topic] = body
            self._cond.notify_all()
