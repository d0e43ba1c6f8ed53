"""The hall's calendar: local time in the hall's zone, and the hall day.

The hall day begins at ``[hall] day_starts`` (03:00 by default) local time, not at
midnight, so a late evening service and the counters it uses belong to one day. Nothing
here reads the clock: callers pass epoch seconds.
"""
from __future__ import annotations

import datetime as dt

from hall.config import HallConfig


class HallCalendar:
    def __init__(self, config: HallConfig):
        self.tz = config.timezone
        self.day_starts = config.day_starts

    def local(self, ts: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, self.tz)

    def day(self, ts: float) -> dt.date:
        """The hall day that epoch second ``ts`` belongs to."""
        return (self.local(ts) - dt.timedelta(minutes=self.day_starts)).date()

    def minute_of_day(self, ts: float) -> int:
        t = self.local(ts)
        return t.hour * 60 + t.minute

    def iso(self, ts: float) -> str:
        return self.local(ts).isoformat(timespec="milliseconds")

    def epoch(self, text: str) -> float:
        """Parse an ISO time; a time without a zone is taken as the hall's local time."""
        t = dt.datetime.fromisoformat(text)
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz)
        return t.timestamp()
