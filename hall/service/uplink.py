"""The uplink to the county (上报): every committed event, in order, acknowledged end to end.

The hub publishes its events on ``yc/<hall>/up/event`` and a retained summary on
``yc/<hall>/up/summary``; the hall's Mosquitto bridges ``up/#`` out to the county broker and
``down/#`` in (``yichuang bridge-config``), so a WAN of hours queues in the bridge and the
hub never waits on the WAN. An event counts as uploaded only when the county supervisor has
stored it and says so on ``yc/<hall>/down/ack`` (``{"upto": seq}``: every event up to
``seq`` is in PostgreSQL). The store marks those events ``uploaded`` in the same database
as the events, so a hall reboot, a county restart or a bridge that lost its queue costs
nothing: what is not acknowledged is sent again, in order, and the county drops a duplicate
by (hall, seq). ``down/resend`` (``{"from": seq}``) asks again from a gap the county found.

Flow control: at most ``WINDOW`` events are in flight beyond the last acknowledgement; when
no acknowledgement comes for ``STALL`` seconds, everything after it is sent again from there.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Callable

from hall.protocol import V, Topics
from hall.store import HallStore

log = logging.getLogger("yichuang.uplink")
WINDOW = 2000  # events in flight beyond the county's last acknowledgement
BATCH = 500
STALL = 30.0  # seconds without an acknowledgement before sending again from it
SUMMARY_EVERY = 5.0  # at most one summary in this many seconds; the latest state follows when they pass
SUMMARY_HEARTBEAT = 60.0  # a summary at least this often, so the county can tell a quiet hall from a silent one


def summary(messages: dict[str, dict], topics: Topics, now_iso: str, ratings: dict[int, int] | None = None) -> dict:
    """The hall at a glance for the county, from the hub's retained state messages and the
    day's 好差评 (stars -> count)."""
    ratings = ratings or {}
    rated = sum(ratings.values())
    hall = messages[topics.hall_state()]
    services = [m for t, m in messages.items() if t.startswith(topics.service(""))]
    windows = [m for t, m in messages.items() if t.startswith(topics.window(""))]
    waiting = sum(s.get("waiting", 0) for s in services)
    waits = [s["estimated_wait_min"] for s in services if s.get("waiting") and s.get("estimated_wait_min") is not None]
    return {
        "v": V, "hall": hall["hall"], "name": hall["name"], "level": hall.get("level"), "at": now_iso,
        "day": hall.get("day"), "open_now": hall.get("open_now"),
        "windows_total": len(windows),
        "windows_open": sum(1 for w in windows if w["status"] != "closed"),
        "windows_paused": [{"window": w["window"], "name": w["name"], "reason": w.get("pause_reason"),
                            "since": w.get("since")} for w in windows if w["status"] == "paused"],
        "waiting": waiting,
        "max_wait_min": max(waits) if waits else 0.0,
        "mean_wait_min": round(sum(waits) / len(waits), 1) if waits else 0.0,
        "alerts": hall.get("alerts", []),
        "services": {m["service"]: m.get("name", m["service"]) for m in services if "service" in m},
        "ratings": {"count": rated, "good": sum(n for stars, n in ratings.items() if stars >= 3),
                    "bad": sum(n for stars, n in ratings.items() if stars <= 2),
                    "mean_stars": round(sum(s * n for s, n in ratings.items()) / rated, 2) if rated else None},
    }


class Uplink:
    """Driven by the hub's loop: ``pump`` sends, ``on_down`` takes the county's answers."""

    def __init__(self, store: HallStore, topics: Topics, publish: Callable[[str, bytes, bool], object],
                 clock: Callable[[], float] = time.monotonic, stall: float = STALL):
        self.store, self.topics, self._publish, self._clock = store, topics, publish, clock
        self.stall = stall
        self.acked = store.uploaded_upto()
        self.sent = self.acked
        self._last_progress = clock()
        self._last_summary = float("-inf")
        self._summary_pending = False
        self.counts = {"sent": 0, "resent": 0, "acks": 0}

    def pump(self) -> int:
        """Send what the window allows; start again from the acknowledgement after a stall."""
        now = self._clock()
        if self.sent > self.acked and now - self._last_progress > self.stall:
            log.warning("no acknowledgement from the county for %.0f s; sending again from seq %d",
                        now - self._last_progress, self.acked + 1)
            self.counts["resent"] += self.sent - self.acked
            self.sent = self.acked
            self._last_progress = now
        count = 0
        last = self.store.state.seq
        if self.sent == self.acked and last > self.sent:
            self._last_progress = now  # nothing was outstanding: the wait for an answer starts now
        while self.sent < last and self.sent - self.acked < WINDOW:
            batch = self.store.events(after=self.sent, limit=min(BATCH, WINDOW - (self.sent - self.acked)))
            if not batch:
                break
            for event in batch:
                self._publish(self.topics.up_event(), _encode({"v": V, "hall": self.topics.hall, **event}), False)
                self.sent = event["seq"]
            count += len(batch)
        self.counts["sent"] += count
        return count

    def summary_due(self) -> bool:
        """A summary held back by the rate limit may go now, or the heartbeat is due."""
        since = self._clock() - self._last_summary
        return (self._summary_pending and since >= SUMMARY_EVERY) or since >= SUMMARY_HEARTBEAT

    def publish_summary(self, messages: dict[str, dict], now_iso: str, force: bool = False) -> bool:
        now = self._clock()
        if not force and now - self._last_summary < SUMMARY_EVERY:
            self._summary_pending = True  # the hall changed: its latest state goes when the limit passes
            return False
        self._last_summary, self._summary_pending = now, False
        day = messages[self.topics.hall_state()].get("day")
        ratings = self.store.rating_counts(day) if day else {}
        self._publish(self.topics.up_summary(), _encode(summary(messages, self.topics, now_iso, ratings)), True)
        return True

    def on_down(self, topic: str, payload: bytes) -> None:
        """``down/ack`` and ``down/resend`` from the county; anything else is logged and dropped."""
        kind = {self.topics.down_ack(): "ack", self.topics.down_resend(): "resend"}.get(topic)
        if kind is None:
            log.warning("dropped an unknown county message on %s", topic)
            return
        try:
            body = json.loads(payload)
            value = body["upto" if kind == "ack" else "from"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(value)
        except (ValueError, KeyError, TypeError, RecursionError):
            log.warning("dropped a malformed county message on %s", topic)
            return
        if kind == "ack":
            upto = min(value, self.store.state.seq)
            if upto > self.acked:
                self.store.mark_uploaded(upto, after=self.acked)
                self.acked = upto
                self.sent = max(self.sent, upto)
                self._last_progress = self._clock()
                self.counts["acks"] += 1
        elif kind == "resend":
            start = max(value, self.acked + 1)
            if start <= self.sent:
                log.info("the county asks again from seq %d", start)
                self.counts["resent"] += self.sent - start + 1
                self.sent = start - 1


def _encode(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
