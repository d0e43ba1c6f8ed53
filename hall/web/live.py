"""The hall as the live pages see it: the database snapshot, reloaded when MQTT says something
changed, and a broadcast that wakes every open page's event stream.

One snapshot serves every page: a change reloads the current day's tickets and windows once
(and only the new events), however many phones and dashboards are watching.
"""
from __future__ import annotations

import asyncio
import time

import anyio

from hall.clock import HallCalendar
from hall.web.snapshot import HallReader, NoDatabase

COALESCE = 0.03  # seconds: an event and the retained state after it become one update
KEEPALIVE = 15.0  # seconds between comments on an idle stream (proxies, dead clients)


class LiveHall:
    def __init__(self, config, reader: HallReader, link, clock=time.time):
        self.config = config
        self.reader = reader
        self.link = link
        self.clock = clock
        self.calendar = HallCalendar(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self._loaded_version = -1
        self._state = None
        self._events: list[dict] = []
        self._events_day: str | None = None
        self._events_seq = 0
        self._lock = asyncio.Lock()
        self.version = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._changed = asyncio.Event()
        if self.link is not None:
            self.link.listen(lambda: loop.call_soon_threadsafe(self._bump))

    def _bump(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_change(self, seen: int, timeout: float = KEEPALIVE) -> bool:
        """True when something changed after version ``seen``, False after ``timeout`` seconds of quiet."""
        changed = self._changed
        if self.version != seen:
            await asyncio.sleep(COALESCE)
            return True
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        await asyncio.sleep(COALESCE)
        return True

    def hour_of(self, ts: float) -> int:
        return self.calendar.local(ts).hour

    @property
    def online(self) -> bool:
        return self.link is None or self.link.connected

    async def snapshot(self):
        """(state, today's events) as of the latest change; None when there is no database yet."""
        async with self._lock:
            if self._loaded_version != self.version or self._state is None:
                version = self.version
                try:
                    self._state = await anyio.to_thread.run_sync(self._load)
                except NoDatabase:
                    return None
                self._loaded_version = version
            return self._state, self._events

    def _load(self):
        state = self.reader.state()
        if state.day != self._events_day:
            self._events, self._events_day, self._events_seq = [], state.day, 0
        if state.day is not None:
            new = self.reader.events_after(state.day, self._events_seq)
            if new:
                self._events = self._events + new
                self._events_seq = new[-1]["seq"]
        return state
