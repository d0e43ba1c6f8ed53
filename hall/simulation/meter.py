"""Hour-by-hour measures of one simulated day, read from the engine's own event stream
(the same events the hub publishes): the waiting line's length, how long windows were
open and busy, no-shows and tidal alerts."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

JOINS_LINE = ("ticket_issued", "ticket_transferred", "ticket_returned", "ticket_sent_back")
ENDS_HANDLING = ("ticket_no_show", "ticket_transferred", "ticket_finished", "ticket_sent_back", "ticket_held")


@dataclass
class HourStats:
    queue_area: float = 0.0  # ticket-seconds spent waiting in this hour
    open_time: float = 0.0  # window-seconds staffed and not paused
    open_by_window: dict[str, float] = field(default_factory=dict)  # the same, per window
    busy_time: float = 0.0  # window-seconds with a ticket in hand (called or serving)
    no_shows: int = 0
    tidal_alerts: int = 0


class Meter:
    def __init__(self, midnight: float):
        self.midnight = midnight
        self.hours: dict[int, HourStats] = defaultdict(HourStats)
        self.waiting = 0
        self.since = midnight
        self.open_since: dict[str, float] = {}
        self.busy_since: dict[str, float] = {}

    def hour(self, ts: float) -> int:
        return int((ts - self.midnight) // 3600)

    def _spread(self, attr: str, a: float, b: float, weight: float = 1.0) -> None:
        """Add ``weight`` × the length of [a, b) to ``attr`` of each hour it covers."""
        while b > a:
            h = self.hour(a)
            end = min(b, self.midnight + (h + 1) * 3600.0)
            stats = self.hours[h]
            setattr(stats, attr, getattr(stats, attr) + weight * (end - a))
            a = end

    def _opened(self, window: str, a: float, b: float) -> None:
        while b > a:
            h = self.hour(a)
            end = min(b, self.midnight + (h + 1) * 3600.0)
            stats = self.hours[h]
            stats.open_time += end - a
            stats.open_by_window[window] = stats.open_by_window.get(window, 0.0) + end - a
            a = end

    def _line(self, ts: float, change: int) -> None:
        if self.waiting:
            self._spread("queue_area", self.since, ts, self.waiting)
        self.since = ts
        self.waiting += change

    def feed(self, events: list[dict]) -> None:
        for e in events:
            kind, ts, window = e["type"], e["ts"], e["window"]
            if kind in ENDS_HANDLING and window in self.busy_since:
                self._spread("busy_time", self.busy_since.pop(window), ts)
            if kind in JOINS_LINE:
                self._line(ts, +1)
            elif kind == "ticket_called":
                self._line(ts, -1)
                self.busy_since[window] = ts
            elif kind in ("staff_login", "window_resumed"):
                self.open_since.setdefault(window, ts)
            elif kind in ("window_paused", "window_closed") and window in self.open_since:
                self._opened(window, self.open_since.pop(window), ts)
            if kind == "ticket_no_show":
                self.hours[self.hour(ts)].no_shows += 1
            elif kind == "tidal_alert":
                self.hours[self.hour(ts)].tidal_alerts += 1

    def close(self, ts: float) -> None:
        """End of the day: count what is still open up to ``ts``."""
        self._line(ts, 0)
        for window, since in list(self.open_since.items()):
            self._opened(window, since, ts)
        for window, since in list(self.busy_since.items()):
            self._spread("busy_time", since, ts)
        self.open_since.clear()
        self.busy_since.clear()
