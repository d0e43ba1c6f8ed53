"""The soft caller on the bus: one MQTT connection (hall.service.bus.Bus) feeding the presenter.

paho's network thread only hands over: every callback is passed to ``post`` (in the Kivy app
``Clock.schedule_once``; in tests a plain call), so the presenter is touched on one thread.
Requests are published with QoS 1 on ``request/<device>``; the presenter re-sends a late one
with the same transaction.
"""
from __future__ import annotations

import json
import logging
from typing import Callable

from caller.presenter import CallerPresenter
from hall.protocol import HUB_CLIENT, encode
from hall.service.bus import BrokerAddress, Bus

log = logging.getLogger("yichuang.caller")


class CallerLink:
    def __init__(self, presenter: CallerPresenter, broker: BrokerAddress, post: Callable[[Callable[[], None]], None],
                 on_change: Callable[[], None] = lambda: None):
        self.presenter, self.post, self.on_change = presenter, post, on_change
        topics = presenter.topics
        self.request_topic = topics.request(presenter.device.id)
        self.hub_status = topics.status(HUB_CLIENT)
        self.bus = Bus(broker, f"{presenter.device.id}-{presenter._prefix}",
                       topics.status(presenter.device.id), self._deliver, subscriptions=presenter.subscriptions())
        presenter.send = self.send

    def start(self) -> None:
        self.bus.start()

    def stop(self) -> None:
        self.bus.stop()

    def send(self, payload: dict) -> bool:
        self.bus.publish(self.request_topic, encode(payload), qos=1)
        return True

    def _deliver(self, kind: str, value) -> None:  # paho's thread
        if kind == "connected":
            self.post(lambda: self._apply(lambda: self.presenter.set_connected(True)))
        elif kind == "disconnected":
            self.post(lambda: self._apply(lambda: self.presenter.set_connected(False)))
        elif kind == "message":
            message, _ = value
            topic, payload = message.topic, message.payload
            if topic == self.hub_status:
                body = payload
            else:
                try:
                    body = json.loads(payload.decode("utf-8")) if payload else None
                except ValueError:
                    log.warning("ignored a payload that is not JSON on %s", topic)
                    return
            self.post(lambda: self._apply(lambda: self.presenter.receive(topic, body)))

    def _apply(self, change: Callable[[], None]) -> None:
        change()
        self.on_change()
