"""The county's ingest: halls' events from the county broker into PostgreSQL, acknowledged end to end.

Subscribes to ``$share/county/yc/+/up/#`` (a shared subscription: several supervisors split the
halls' traffic between them, the broker giving each message to one). Events are stored in batches
(one transaction per batch); only after the commit does a hall get ``down/ack`` with the last seq
up to which the county holds everything. A hole (events after a missing one) is asked for again
with ``down/resend``; every few seconds each hall is told its acknowledgement again, so an
acknowledgement lost on the WAN costs nothing. A malformed message is logged and dropped.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import threading
import time

from county.store import CountyStore
from hall.protocol import ROOT, V, Topics
from hall.service.bus import BrokerAddress, Bus

log = logging.getLogger("yichuang.county.ingest")
SHARE_GROUP = "county"
BATCH = 2000
BATCH_WAIT = 0.05  # seconds to gather a batch
GAP_PATIENCE = 2.0  # seconds a hole may stay before it is asked for again
REACK_EVERY = 10.0
GAP_CHECK_EVERY = 1.0  # seconds between looks for holes (a query over every hall)


def up_subscription() -> str:
    return f"$share/{SHARE_GROUP}/{ROOT}/+/up/#"


def parse_up(topic: str, payload: bytes) -> tuple[str, str, dict] | None:
    """``yc/<hall>/up/<kind>`` with a JSON object from that same hall, or None. An event must
    carry what PostgreSQL will store: a positive ``seq``, a ``day`` and an ``at`` it can read,
    texts or nulls where texts go, an object as ``data``, so one bad event never fails a batch."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != ROOT or parts[2] != "up":
        return None
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(body, dict) or body.get("hall") != parts[1]:
        return None
    if parts[3] == "event" and not _good_event(body):
        return None
    return parts[1], parts[3], body


def _good_event(e: dict) -> bool:
    seq, day, at, type_ = e.get("seq"), e.get("day"), e.get("at"), e.get("type")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2 ** 62:
        return False
    if not (isinstance(type_, str) and 0 < len(type_) <= 64 and isinstance(day, str) and isinstance(at, str)):
        return False
    try:
        dt.date.fromisoformat(day)
        if dt.datetime.fromisoformat(at).tzinfo is None:
            return False
    except ValueError:
        return False
    if any(e.get(k) is not None and not (isinstance(e[k], str) and len(e[k]) <= 200)
           for k in ("ticket", "service", "window", "staff")):
        return False
    return e.get("data") is None or isinstance(e.get("data"), dict)


class Ingest:
    def __init__(self, store: CountyStore, address: BrokerAddress, county_id: str, client_id: str | None = None):
        self.store = store
        self.inbox: queue.Queue = queue.Queue()
        client_id = client_id or f"county-{county_id}-ingest"
        self.bus = Bus(address, client_id, f"yc-county/{county_id}/status/{client_id}",
                       lambda kind, value: self.inbox.put((kind, value)), subscriptions=(up_subscription(),),
                       persistent=True)
        self.counts = {"events": 0, "stored": 0, "dropped": 0, "acks": 0, "resends": 0}
        self._gap_since: dict[str, tuple[int, float]] = {}
        self._last_reack = 0.0
        self._last_gap_check = 0.0

    def run(self, stop: threading.Event, on_loop=lambda: None) -> None:
        self.bus.start()
        try:
            while not stop.is_set():
                on_loop()
                self.step()
        finally:
            self.bus.stop()

    def step(self) -> None:
        """Gather one batch, store it, acknowledge; then look after holes and re-acknowledge."""
        events, summaries = [], {}
        deadline = time.monotonic() + BATCH_WAIT
        while len(events) < BATCH:
            try:
                kind, value = self.inbox.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if kind == "connected":
                self._last_reack = 0.0  # tell every hall where it stands
            if kind != "message":
                continue
            message, _generation = value
            parsed = parse_up(message.topic, message.payload)
            if parsed is None:
                self.counts["dropped"] += 1
                log.warning("dropped a malformed message on %s", message.topic)
                continue
            hall, what, body = parsed
            if what == "event":
                events.append(body)
            elif what == "summary":
                summaries[hall] = body
        if events:
            self.counts["events"] += len(events)
            for hall, upto in self.store.ingest(events).items():
                self._ack(hall, upto)
        for hall, body in summaries.items():
            self.store.save_summary(hall, body)
        now = time.monotonic()
        self._ask_for_holes(now)
        if now - self._last_reack >= REACK_EVERY and self.bus.connected:
            self._last_reack = now
            for hall, upto in self.store.contiguous.items():
                if upto:
                    self._ack(hall, upto)

    def _ack(self, hall: str, upto: int) -> None:
        self.bus.publish(Topics(hall).down_ack(), json.dumps({"v": V, "upto": upto}).encode())
        self.counts["acks"] += 1

    def _ask_for_holes(self, now: float) -> None:
        if now - self._last_gap_check < GAP_CHECK_EVERY:
            return
        self._last_gap_check = now
        gaps = self.store.gaps()
        for hall in list(self._gap_since):
            if hall not in gaps:
                del self._gap_since[hall]
        for hall, first_missing in gaps.items():
            seen = self._gap_since.get(hall)
            if seen is None or seen[0] != first_missing:
                self._gap_since[hall] = (first_missing, now)
            elif now - seen[1] >= GAP_PATIENCE:
                log.info("hall %s: events after seq %d are here but %d is not; asking again", hall,
                         first_missing - 1, first_missing)
                self.bus.publish(Topics(hall).down_resend(), json.dumps({"v": V, "from": first_missing}).encode())
                self._gap_since[hall] = (first_missing, now)
                self.counts["resends"] += 1
