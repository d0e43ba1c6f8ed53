"""The hall hub on the bus (大厅中枢): requests in, replies, events and retained state out.

Everything that touches the store happens on the one thread that calls ``run``; paho's
network thread only puts things on ``inbox``. For each request:

0. note it in flight (``hall.service.inflight``): a request that stopped the hub before
   (poison) is answered ``poison_request`` and not handled again; a device id that is itself
   an ID number is dropped, logged, since a reply would carry it in its topic;
1. check the payload and the sender (``hall.protocol``, ``hall.service.auth``): a bad one
   gets an error reply and changes nothing;
2. apply it through the store, which commits it (or finds the first answer to the same
   transaction id, so a duplicate changes nothing);
3. publish its events (the outbox), then the reply on the request's ``reply_to``;
4. acknowledge the request to the broker (manual ack: a request the hub died holding is
   delivered again, since the hub's session is persistent).

Whatever escapes all that (a fault of the hub's own, never what a device sent) is caught at
the request boundary, answered ``internal_error``, logged as ``LAST GUARD`` and acknowledged;
the hub goes on.

Retained state is refreshed before the reply when no other request is waiting (so a device
that reads the state after its reply sees its own change), and every ``REFRESH`` seconds
during a burst; only what changed is published, everything when the hub (re)connects and
when a terminal announces itself ``online``. The hall day rolls by a ``tick`` command when the clock passes
the hall's day boundary (and every ``tick_seconds`` in a hall with tidal windows, so their
alerts are re-checked).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from hall import rating_engine
from hall.protocol import (HUB_CLIENT, ONLINE, Topics, encode, error_reply, has_id_number, parse_request,
                           parse_status, reply_error)
from hall.protocol_errors import ProtocolError
from hall.service.auth import authorise, device_of
from hall.service.bus import BrokerAddress, Bus
from hall.service.inflight import InFlight, request_key
from hall.service.outbox import Outbox
from hall.service.retained import RetainedState
from hall.service.sdnotify import Watchdog
from hall.service.uplink import Uplink
from hall.store import HallStore

log = logging.getLogger("yichuang.hub")
REFRESH = 0.2  # seconds between retained-state refreshes during a burst
CONFIRM = 0.5  # seconds between outbox confirmations (one SQLite write for many PUBACKs)


class Hub:
    def __init__(self, store: HallStore, broker: BrokerAddress, clock: Callable[[], float] = time.time,
                 tick_seconds: float = 30.0, uplink: bool = False, uplink_stall: float = 30.0):
        self.store = store
        self.config = store.config
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.topics = Topics(self.config.id)
        self.inbox: queue.Queue = queue.Queue()
        self.bus = Bus(broker, self.topics.hub_client_id(), self.topics.status(HUB_CLIENT),
                       lambda kind, value: self.inbox.put((kind, value)),
                       subscriptions=(self.topics.request(), self.topics.status(),
                                      *((self.topics.down() + "#",) if uplink else ())),
                       persistent=True, manual_ack=True)
        self.outbox = Outbox(store, self._publish_event)
        self.retained = RetainedState(store, self.topics)
        self.has_tidal = any(w.tidal is not None for w in self.config.windows.values())
        self.counts = {"requests": 0, "ok": 0, "error": 0, "dropped": 0, "poison": 0, "guard": 0}
        self.inflight = InFlight(store.path)
        self._dirty = True
        self._republish = True
        self._tick_due = False
        self.watchdog = Watchdog()
        self.uplink = Uplink(store, self.topics, lambda t, p, r: self.bus.publish(t, p, retain=r),
                             stall=uplink_stall) if uplink else None

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set. Committed-but-unpublished events go out first."""
        self.inflight.open()
        self._tick()
        self.outbox.flush()
        self.bus.start()
        mono = time.monotonic
        last_refresh = last_confirm = mono()
        next_tick = last_refresh + self.tick_seconds
        try:
            while not stop.is_set():
                self.watchdog.feed()
                wait = max(0.0, min(next_tick - mono(), 0.25))
                try:
                    kind, value = self.inbox.get(timeout=wait)
                except queue.Empty:
                    kind = None
                if kind is not None:
                    self._dispatch(kind, value)
                idle = self.inbox.empty()
                now = mono()
                if (self._dirty or self._republish) and (idle or now - last_refresh >= REFRESH):
                    self._refresh()
                    last_refresh = now
                if now - last_confirm >= (CONFIRM if idle else 4 * CONFIRM):
                    self.outbox.confirm()
                    last_confirm = now
                if self.uplink is not None and self.bus.connected:
                    self.uplink.pump()
                    if self.uplink.summary_due():
                        self._publish_summary(False)
                if now >= next_tick or self._tick_due:
                    self._tick_due = False
                    self._tick()
                    next_tick = now + self.tick_seconds
        finally:
            self.watchdog.stopping()
            self.outbox.confirm()
            self.bus.stop()
            self.inflight.close()
            log.info("stopped after %(requests)d requests (%(ok)d ok, %(error)d refused, %(dropped)d dropped, "
                     "%(poison)d poison, %(guard)d at the last guard)", self.counts)

    def _dispatch(self, kind: str, value) -> None:
        if kind == "message":
            message, generation = value
            try:
                self._on_message(message.topic, message.payload, message.retain)
            except Exception:
                self._last_guard(message)
            self.bus.ack(message, generation)
        elif kind == "published":
            self.outbox.acknowledged(value)
        elif kind == "connected":
            log.info("connected to %s; republishing retained state", self.bus.address)
            self._republish = True
            self.outbox.flush()
            self.watchdog.ready(f"serving {self.config.id} on {self.bus.address}")
        elif kind == "disconnected":
            log.warning("lost the broker (%s); reconnecting", value)

    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        if self.uplink is not None and topic.startswith(self.topics.down()):
            self.uplink.on_down(topic, payload)
            return
        device = self.topics.device_of_request(topic)
        if device is not None:
            self._on_request(device, request_key(topic, payload), payload)
            return
        client = self.topics.client_of_status(topic)
        if client not in (None, HUB_CLIENT) and not retained and parse_status(payload) == ONLINE:
            log.info("%s is online; republishing retained state", _shown(client))
            self._republish = True

    def _on_request(self, device: str, key: str, payload: bytes) -> None:
        poison = self.inflight.poison(key)
        if poison is not None:
            self.counts["requests"] += 1
            self.counts["poison"] += 1
            log.error("refused a request from %s (transaction %s) that stopped the hub before (poison)",
                      _shown(device), poison.get("transaction"))
            reply_topic = poison.get("reply_to") or self.topics.reply(device)
            reply = reply_error(poison.get("transaction"), "poison_request")
        else:
            self.inflight.begin(key, device)
            reply_topic, reply = self.handle(device, payload)
            if self._dirty and self.inbox.empty():
                self._refresh()  # not in a burst: the sender sees its change once it has the reply
        if reply_topic is not None:
            self.bus.publish(reply_topic, encode(reply))
        self.inflight.end()

    def _last_guard(self, message) -> None:
        """A request that escaped every check: answered ``internal_error``, and the hub goes on.

        Nothing a device sends should get here (the fuzz test in tests/hub checks that); a
        fault of the hub's own may. Logged with its traceback, so it can be fixed.
        """
        self.counts["guard"] += 1
        self.counts["error"] += 1
        device = None
        try:
            device = self.topics.device_of_request(message.topic)
        except Exception:
            pass
        log.exception("LAST GUARD: a message on a request topic from %s escaped every check",
                      _shown(device) if device else "an unreadable topic")
        try:
            if device is not None and not has_id_number(device):
                self.bus.publish(self.topics.reply(device), encode(reply_error(None, "internal_error")))
            self.inflight.end()
        except Exception:
            log.exception("LAST GUARD: could not answer")

    # ------------------------------------------------------------------ one request

    def handle(self, device: str, payload: bytes) -> tuple[str | None, dict | None]:
        """Answer one request from ``device``: (reply topic, reply). Never raises.

        ``(None, None)`` is a deliberate drop, logged: a device id that is itself an ID number
        gets no reply, since its reply topic would carry personal data.
        """
        self.counts["requests"] += 1
        if has_id_number(device):
            self.counts["dropped"] += 1
            log.warning("dropped a request from a device whose id is an ID number (no reply under that topic)")
            return None, None
        try:
            request = parse_request(payload)
            reply_topic = self.topics.reply_to(device, request.reply_to, request.transaction)
            self.inflight.read(reply_topic, request.transaction)
            command = authorise(device_of(self.config, device, request), request)
        except ProtocolError as err:
            self.counts["error"] += 1
            log.info("refused a request from %s: %s", _shown(device), err.code)
            return self._error_topic(device, err), error_reply(err)
        command["transaction"] = f"{device}:{request.transaction}"  # ids are unique per device
        try:
            reply, events = self.store.apply(command, self.clock(), source=device)
        except Exception:
            log.exception("%s from %s failed", request.verb, _shown(device))
            self.counts["error"] += 1
            return reply_topic, reply_error(request.transaction, "internal_error")
        self.counts[reply["status"]] += 1
        if events:
            self._committed(events)
        return reply_topic, {**reply, "transaction": request.transaction}

    def _error_topic(self, device: str, err: ProtocolError) -> str:
        try:
            return self.topics.reply_to(device, err.reply_to)
        except ProtocolError:
            return self.topics.reply(device)

    def _committed(self, events: list[dict]) -> None:
        self.outbox.flush(events)
        self.retained.feed(events)
        self._dirty = True

    def _publish_event(self, event: dict) -> int:
        return self.bus.publish(self.topics.event(event["type"]), encode(event))

    # ------------------------------------------------------------------ time and state

    def tick_soon(self) -> None:
        """Tick at the next turn of the loop (within a quarter of a second), not at the next
        ``tick_seconds``: the clock was moved on (``--next-day-on-signal``, tests only).
        Safe from a signal handler: it only sets a flag."""
        self._tick_due = True

    def _tick(self) -> None:
        """Roll the hall day when the clock has passed its boundary; re-check tidal alerts."""
        now = self.clock()
        today = self.store.engine.calendar.day(now).isoformat()
        if today != self.store.state.day or self.has_tidal or rating_engine.due(self.store.state, today, now):
            _, events = self.store.apply({"verb": "tick"}, now, source="hub")
            if events:
                self._committed(events)
        self._dirty = True  # "open now" follows the clock

    def _refresh(self) -> None:
        force, self._republish, self._dirty = self._republish, False, False
        for topic, message in self.retained.changes(self.clock(), force=force):
            self.bus.publish(topic, encode(message), retain=True)
        if self.uplink is not None:
            self._publish_summary(force)

    def _publish_summary(self, force: bool) -> None:
        now = self.clock()
        self.uplink.publish_summary(self.retained.messages(now), self.store.engine.calendar.iso(now), force)


def _shown(client: str) -> str:
    """A client id as the log may show it: never a clear ID number, even one used as an id."""
    return "<an ID number>" if has_id_number(client) else client
