"""The rating pad on the bus: its retained pad state, its replies, the hub's status; its requests.

Everything paho delivers goes to ``deliver(kind, value)`` on paho's thread; the Kivy app hands
it to the main thread (``Clock.schedule_once``) before it touches the presenter. Only
``hall.protocol`` spells topics and payloads.
"""
from __future__ import annotations

import json
import logging

from hall.protocol import V, Topics, encode, parse_status
from hall.service.bus import Bus, parse_broker_url

log = logging.getLogger("yichuang.rating")


class PadLink:
    def __init__(self, url: str, hall_id: str, device: str, window: str, on_event):
        """``on_event(kind, value)``: ``pad`` (the state message), ``reply``, ``hub`` (online
        bool), ``connected`` (bool); called on paho's thread."""
        self.topics = Topics(hall_id)
        self.device, self.window = device, window
        self._on_event = on_event
        self.bus = Bus(parse_broker_url(url), f"{device}-pad", self.topics.status(device), self._deliver,
                       subscriptions=(self.topics.pad(window), self.topics.reply(device) + "/#",
                                      self.topics.status("hub")))

    def start(self) -> None:
        self.bus.start()

    def stop(self) -> None:
        self.bus.stop()

    def send(self, transaction: str, fields: dict) -> None:
        self.bus.publish(self.topics.request(self.device),
                         encode({"v": V, "verb": "rate", "transaction": transaction, **fields}))

    def _deliver(self, kind: str, value) -> None:
        if kind == "connected":
            self._on_event("connected", True)
            return
        if kind == "disconnected":
            self._on_event("connected", False)
            return
        if kind != "message":
            return
        message, _ = value
        if message.topic == self.topics.status("hub"):
            self._on_event("hub", parse_status(message.payload) == "online")
            return
        try:
            body = json.loads(message.payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("ignored a payload that is not JSON on %s", message.topic)
            return
        if not isinstance(body, dict):
            return
        if message.topic == self.topics.pad(self.window):
            self._on_event("pad", body)
        else:
            self._on_event("reply", body)
