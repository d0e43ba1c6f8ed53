"""`yichuang broker [--host H] [--port P]`: an embedded MQTT broker (amqtt) for a demo or a small hall.

It runs in-process on an asyncio loop of its own thread, speaks MQTT 3.1.1 only, keeps
retained messages and sessions in memory (a restart forgets them; the hub republishes its
state when it reconnects) and lets anyone connect. A hall in production runs Mosquitto with
config/mosquitto/ (persistence, queue limits, accounts and ACL): see docs/mqtt-api.md.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading

from amqtt.broker import Broker

from hall.service.main import stop_on_signals

log = logging.getLogger("yichuang.broker")


def broker_config(host: str, port: int) -> dict:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


class HallBroker(Broker):
    """amqtt 0.12.1 with one fix: on every connect it sends the new client the retained
    messages matching *any* client's subscriptions (so a client that subscribed only to its
    reply topic got the hub's status as its "reply"). MQTT 3.1.1 §3.3.1.3 sends a retained
    message only to subscriptions that match it; this sends only for the session's own."""

    async def _publish_retained_messages_for_subscription(self, subscription, session) -> None:
        if any(s is session for s, _ in self._subscriptions.get(subscription[0], ())):
            await super()._publish_retained_messages_for_subscription(subscription, session)


class EmbeddedBroker:
    """An amqtt broker on its own thread: ``start()`` returns once it listens, ``stop()`` ends it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883):
        self.host, self.port = host, port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="amqtt-broker", daemon=True)

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> "EmbeddedBroker":
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"the embedded broker did not start within {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"the embedded broker could not listen on {self.host}:{self.port}: {self._error}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stopped is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread ends
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        broker = HallBroker(broker_config(self.host, self.port))
        await broker.start()
        self._ready.set()
        await self._stopped.wait()
        await broker.shutdown()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang broker", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=1883, help="port (default %(default)s)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        broker = EmbeddedBroker(args.host, args.port).start()
    except RuntimeError as err:
        print(f"yichuang broker: {err}", file=sys.stderr)
        return 2
    log.info("embedded MQTT broker (amqtt, MQTT 3.1.1) listening on %s", broker.url)
    stop.wait()
    broker.stop()
    return 0
