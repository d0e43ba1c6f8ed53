"""The hall's queue state: tickets of the current hall day, windows, counters.

Plain dataclasses with JSON-able fields, so the store can write them as rows and a test
can compare two states with ``snapshot()``. Times are epoch seconds (floats, rounded to
the millisecond); the hall's own day is an ISO date string.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields

LIVE = ("waiting", "called", "serving", "held", "missed")
FINAL = ("finished", "cancelled", "expired")
IN_HAND = ("called", "serving")


@dataclass
class Ticket:
    """A queue ticket (号). ``queue_key`` orders the waiting line: the original arrival time,
    kept across transfers, moved only when a missed ticket is returned (回呼)."""

    id: str
    day: str
    number: str
    service: str
    channel: str
    issued_at: float
    queue_key: float
    status: str = "waiting"
    priority: str | None = None  # "green" (绿色通道) | "appointment" (预约) | None
    person: str | None = None  # keyed hash of the ID number, never the number itself
    person_masked: str | None = None
    appointment: str | None = None
    window: str | None = None  # window that holds it now (called / serving)
    staff: str | None = None  # who served it last (AB岗: who, not just which window)
    pinned_window: str | None = None  # only this window may call it (transfer to a window)
    return_window: str | None = None  # go back here after finishing (转办后返回)
    recalls: int = 0
    transfers: int = 0
    called_at: float | None = None
    first_called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    outcome: str | None = None
    reason: str | None = None
    people_ahead: int = 0
    estimated_wait: float | None = None  # seconds, as told to the citizen at issue
    token: str | None = None  # unguessable, in the ticket's QR (hall.protocol.ticket_url); never in events

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def row(self) -> dict:
        return asdict(self)


@dataclass
class WindowState:
    id: str
    status: str = "closed"  # closed | open | paused
    staff: str | None = None
    ticket: str | None = None  # id of the ticket in hand
    pause_reason: str | None = None
    priority_streak: int = 0  # priority tickets called in a row (starvation guard)
    since: float | None = None

    def row(self) -> dict:
        return asdict(self)


@dataclass
class HallState:
    day: str | None = None
    seq: int = 0  # last event sequence number; never reset
    counters: dict[str, int] = field(default_factory=dict)  # prefix -> last number today
    tickets: dict[str, Ticket] = field(default_factory=dict)
    windows: dict[str, WindowState] = field(default_factory=dict)
    handling: dict[str, float] = field(default_factory=dict)  # service -> smoothed seconds
    closed_services: list[str] = field(default_factory=list)
    alerts: dict[str, dict] = field(default_factory=dict)  # tidal window -> alert
    # what changed since the store last wrote (not part of the state itself)
    dirty_tickets: dict[str, Ticket] = field(default_factory=dict, repr=False, compare=False)
    dirty_windows: set[str] = field(default_factory=set, repr=False, compare=False)

    def touch(self, obj: Ticket | WindowState) -> None:
        if isinstance(obj, Ticket):
            self.dirty_tickets[obj.id] = obj
        else:
            self.dirty_windows.add(obj.id)

    def scalars(self) -> dict:
        return {
            "day": self.day, "seq": self.seq, "counters": self.counters, "handling": self.handling,
            "closed_services": self.closed_services, "alerts": self.alerts,
        }

    def snapshot(self) -> dict:
        """Everything that defines the state, as a deep copy in plain data (for equality and debugging)."""
        return copy.deepcopy({
            **self.scalars(),
            "tickets": {k: t.row() for k, t in sorted(self.tickets.items())},
            "windows": {k: w.row() for k, w in sorted(self.windows.items())},
        })

    def ticket_by_number(self, number: str) -> Ticket | None:
        return self.tickets.get(f"{self.day}:{number.upper()}") if self.day else None


TICKET_FIELDS = tuple(f.name for f in fields(Ticket))
WINDOW_FIELDS = tuple(f.name for f in fields(WindowState))
