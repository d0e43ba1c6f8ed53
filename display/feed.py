"""A display terminal's MQTT connection: retained state, the hub's status and the call events.

Built on ``hall.service.bus.Bus`` (reconnects by itself, says ``online``/``offline`` on
``status/<device>`` with a last will; the hub republishes all retained state when it hears
``online``). Each message is handed to ``deliver(kind, value)`` on paho's thread: the Kivy
apps move it to the main thread with ``Clock.schedule_once``, the voice process with a queue.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
import uuid
from pathlib import Path
from typing import Callable

from hall.config import HallConfig
from hall.protocol import CALL_EVENTS, HUB_CLIENT, Topics
from hall.service.bus import Bus, parse_broker_url


def subscriptions(topics: Topics, events: bool) -> tuple[str, ...]:
    subs = (topics.state(), topics.status(HUB_CLIENT))
    return subs + (tuple(topics.event(t) for t in CALL_EVENTS) if events else ())


class Feed:
    """``deliver`` gets ("connected", None), ("disconnected", reason) and
    ("message", (topic, payload, monotonic arrival))."""

    def __init__(self, url: str, config: HallConfig, device: str, deliver: Callable[[str, object], None], *,
                 events: bool = True, password: str | None = None):
        address = parse_broker_url(url)
        if password is not None:
            address = dataclasses.replace(address, password=password)
        self.topics = Topics(config.id)
        self.device = device
        self._deliver = deliver
        self.bus = Bus(address, f"{device}-{uuid.uuid4().hex[:6]}", self.topics.status(device), self._on,
                       subscriptions=subscriptions(self.topics, events))

    def start(self) -> "Feed":
        self.bus.start()
        return self

    def stop(self) -> None:
        self.bus.stop()

    def _on(self, kind: str, value) -> None:
        if kind == "message":
            message, _ = value
            self._deliver("message", (message.topic, message.payload, time.monotonic()))
        elif kind in ("connected", "disconnected"):
            self._deliver(kind, value)


def add_connection_options(p: argparse.ArgumentParser, device_help: str) -> None:
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--device", help=device_help)
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883",
                   help="mqtt://[user[:password]@]HOST:PORT (default %(default)s)")
    p.add_argument("--password-file", help="read the broker password from this file (not the command line)")
    p.add_argument("--clock", metavar="ISO", help="TESTS/DEMOS ONLY: start this terminal's clock at this local time")
    p.add_argument("--trace", metavar="FILE", help="BENCHMARKS: append one line per redraw/announcement to FILE")


def password_of(args) -> str | None:
    return Path(args.password_file).read_text().strip() if args.password_file else None


def pick_device(config: HallConfig, wanted: str | None, roles: tuple[str, ...]) -> str:
    """The device id to run as: the one asked for (checked against the hall file), or the first
    device of one of ``roles``."""
    if wanted:
        device = config.devices.get(wanted)
        if device is None:
            raise ValueError(f"no device {wanted!r} in the hall file (its [[device]] entries: "
                             f"{', '.join(config.devices) or 'none'})")
        if device.role not in roles:
            raise ValueError(f"device {wanted!r} is a {device.role}, not a {' or '.join(roles)}")
        return wanted
    for d in config.devices.values():
        if d.role in roles:
            return d.id
    raise ValueError(f"the hall file has no {' or '.join(roles)} device: add a [[device]] with role = \"{roles[0]}\"")


class Trace:
    """One line per thing a benchmark wants to time: ``<what> <seq> <ticket> <monotonic>``."""

    def __init__(self, path: str | None):
        self.file = open(path, "a", buffering=1, encoding="utf-8") if path else None

    def __call__(self, what: str, seq, ticket) -> None:
        if self.file:
            self.file.write(f"{what} {seq} {ticket} {time.monotonic():.6f}\n")
