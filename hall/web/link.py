"""The web's one MQTT connection: it watches the hall and asks the hub to act.

It subscribes to the hall's retained state and events, and tells every listener (the live
pages) that something changed; the pages then read the hub's database, which the hub
committed before it published. Actions go to the hub as requests from the hall file's
``manager`` device (``[web] device``), answered on a reply topic below that device's own.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from typing import Callable

from paho.mqtt.client import topic_matches_sub

from hall.protocol import V, Topics, encode
from hall.service.bus import BrokerAddress, Bus


class HubUnavailable(Exception):
    """No answer from the hub in time (the broker or the hub is down)."""


class HallLink:
    def __init__(self, config, broker: BrokerAddress, device: str | None):
        self.config = config
        self.topics = Topics(config.id)
        self.device = device
        suffix = uuid.uuid4().hex[:8]
        self.reply_topic = self.topics.reply(device) + f"/web-{suffix}" if device else None
        subs = [self.topics.state(), self.topics.event()]
        if self.reply_topic:
            subs.append(self.reply_topic)
        self.retained: dict[str, dict] = {}
        self.last_seq = 0
        self.version = 0  # grows with every message that may change a page
        self._listeners: list[Callable[[], None]] = []
        self._replies: dict[str, dict] = {}
        self._pending: set[str] = set()
        self._cond = threading.Condition()
        self._prefix, self._count = f"web-{suffix}", itertools.count(1)  # next() on a count is atomic
        # the manager device's own status topic: the broker's ACL lets its account write only that
        self.bus = Bus(broker, f"yc-{config.id}-web-{suffix}", self.topics.status(device or "web"),
                       self._deliver, subscriptions=tuple(subs))

    def start(self) -> "HallLink":
        self.bus.start()
        return self

    def stop(self) -> None:
        self.bus.stop()

    @property
    def connected(self) -> bool:
        return self.bus.connected

    def listen(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs on the network thread after every change (hand it over)."""
        self._listeners.append(callback)

    # ------------------------------------------------------------------ acting through the hub

    def request(self, verb: str, timeout: float = 6.0, retry_every: float = 2.0, **fields) -> dict:
        """Send a manager request and wait for the hub's reply (resent with the same
        transaction id while unanswered: the hub answers a duplicate with its first reply)."""
        if self.reply_topic is None:
            raise HubUnavailable("no manager device in the hall file ([web] device)")
        txn = f"{self._prefix}-{next(self._count)}"
        payload = encode({"v": V, "verb": verb, "transaction": txn, "reply_to": self.reply_topic, **fields})
        deadline = time.monotonic() + timeout
        with self._cond:
            self._pending.add(txn)
        try:
            return self._await(verb, txn, payload, deadline, retry_every, timeout)
        finally:
            with self._cond:
                self._pending.discard(txn)
                self._replies.pop(txn, None)

    def _await(self, verb, txn, payload, deadline, retry_every, timeout) -> dict:
        while True:
            self.bus.publish(self.topics.request(self.device), payload)  # outside the lock: paho's own locks
            resend = min(deadline, time.monotonic() + retry_every)
            with self._cond:
                while txn not in self._replies:
                    left = resend - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if txn in self._replies:
                    return self._replies.pop(txn)
            if time.monotonic() >= deadline:
                raise HubUnavailable(f"no reply from the hub to {verb} in {timeout} s")

    # ------------------------------------------------------------------ network thread

    def _deliver(self, kind: str, value) -> None:
        if kind == "connected" or kind == "disconnected":
            self._changed()
            return
        if kind != "message":
            return
        message, _ = value
        try:
            body = json.loads(message.payload.decode("utf-8")) if message.payload else None
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        topic = message.topic
        if self.reply_topic and topic == self.reply_topic:
            with self._cond:
                txn = str(body.get("transaction"))
                if txn in self._pending:  # a late answer to a request given up is dropped
                    self._replies[txn] = body
                    self._cond.notify_all()
            return
        if topic_matches_sub(self.topics.state(), topic):
            self.retained[topic] = body
        seq = body.get("seq")
        if isinstance(seq, int) and seq > self.last_seq:
            self.last_seq = seq
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        for callback in list(self._listeners):
            callback()
