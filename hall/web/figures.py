"""The hall's figures from its event log (the source of every statistic): per service, per
window, per staff member, and for the whole hall. Pure: a list of events in, numbers out.

Definitions (the report prints the same words):

- tickets: for the hall and a service, tickets issued (取号); for a window or a staff
  member, tickets they called for the first time.
- served: tickets finished (办结), by where they were finished.
- wait: from issue to the first call (``ticket_called`` with ``first_call``), in minutes;
  mean and the 90th percentile (nearest rank: the smallest wait that at least 90 % of
  waits do not exceed).
- handling: from the start (or the call) to the finish, in minutes, of every finish and
  every hand-back (``ticket_sent_back``); the mean.
- no-show rate: no-shows (过号, ``ticket_no_show``) over first calls.
- transfers: ``ticket_transferred``, counted where the ticket came from (its old service).
- green share: tickets in the green channel (绿色通道) over tickets.
- ratings: ``ticket_rated`` events, by level, and the satisfaction rate (满意率, the share of
  ratings that are 满意 or 非常满意; 未评价 is not a rating), when the hall has rating pads.
- 差评 cases: opened (``case_opened``), closed (a ``case_step`` to ``closed``), and closed
  on time (closed while not overdue).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

GOOD_RATINGS = ("very_satisfied", "satisfied")
RATING_LEVELS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class Tally:
    """The counts of one group (a service, a window, a staff member, or the hall)."""

    tickets: int = 0
    served: int = 0
    first_calls: int = 0
    no_shows: int = 0
    transfers: int = 0
    green: int = 0
    waits: list[float] = field(default_factory=list)  # seconds
    handled: list[float] = field(default_factory=list)  # seconds
    ratings: dict[str, int] = field(default_factory=dict)
    cases_opened: int = 0
    cases_closed: int = 0
    cases_on_time: int = 0

    def row(self) -> dict:
        rated = sum(self.ratings.values())
        good = sum(self.ratings.get(k, 0) for k in GOOD_RATINGS)
        wait_mean, wait_p90, hand = mean(self.waits), p90(self.waits), mean(self.handled)
        return {
            "tickets": self.tickets, "served": self.served,
            "wait_mean_min": None if wait_mean is None else round(wait_mean / 60, 1),
            "wait_p90_min": None if wait_p90 is None else round(wait_p90 / 60, 1),
            "handling_mean_min": None if hand is None else round(hand / 60, 1),
            "no_shows": self.no_shows,
            "no_show_rate": round(self.no_shows / self.first_calls, 3) if self.first_calls else None,
            "transfers": self.transfers,
            "green_share": round(self.green / self.tickets, 3) if self.tickets else None,
            "rated": rated, "ratings": dict(self.ratings),
            "satisfaction": round(good / rated, 3) if rated else None,
            "cases_opened": self.cases_opened, "cases_closed": self.cases_closed,
            "cases_on_time": self.cases_on_time,
        }


@dataclass
class Figures:
    hall: Tally = field(default_factory=Tally)
    services: dict[str, Tally] = field(default_factory=dict)
    windows: dict[str, Tally] = field(default_factory=dict)
    staff: dict[str, Tally] = field(default_factory=dict)
    days: dict[str, Tally] = field(default_factory=dict)
    issued_by_hour: dict[int, int] = field(default_factory=dict)
    served_by_hour: dict[int, int] = field(default_factory=dict)

    def _groups(self, e: dict, service: str | None = None) -> list[Tally]:
        out = [self.hall, self.days.setdefault(e["day"], Tally())]
        service = service or e.get("service")
        if service:
            out.append(self.services.setdefault(service, Tally()))
        return out

    def _at(self, e: dict) -> list[Tally]:
        out = []
        if e.get("window"):
            out.append(self.windows.setdefault(e["window"], Tally()))
        if e.get("staff"):
            out.append(self.staff.setdefault(e["staff"], Tally()))
        return out


def compute(events: list[dict], hour_of=None) -> Figures:
    """Figures of the given events. ``hour_of(ts)`` gives the local hour for the hourly counts."""
    f = Figures()
    for e in events:
        kind, data = e["type"], e.get("data") or {}
        if kind == "ticket_issued":
            for t in f._groups(e):
                t.tickets += 1
                t.green += data.get("priority") == "green"
            if hour_of:
                h = hour_of(e["ts"])
                f.issued_by_hour[h] = f.issued_by_hour.get(h, 0) + 1
        elif kind == "ticket_called" and data.get("first_call"):
            for t in f._groups(e):
                t.first_calls += 1
                if data.get("waited") is not None:
                    t.waits.append(float(data["waited"]))
            for t in f._at(e):
                t.tickets += 1
                t.first_calls += 1
                t.green += data.get("priority") == "green"
                if data.get("waited") is not None:
                    t.waits.append(float(data["waited"]))
        elif kind in ("ticket_finished", "ticket_sent_back"):
            groups = f._groups(e) + f._at(e)
            for t in groups:
                if data.get("handled") is not None:
                    t.handled.append(float(data["handled"]))
                if kind == "ticket_finished":
                    t.served += 1
            if kind == "ticket_finished" and hour_of:
                h = hour_of(e["ts"])
                f.served_by_hour[h] = f.served_by_hour.get(h, 0) + 1
        elif kind == "ticket_no_show":
            for t in f._groups(e) + f._at(e):
                t.no_shows += 1
        elif kind == "ticket_transferred":
            for t in f._groups(e, data.get("from_service")) + f._at(e):
                t.transfers += 1
        elif kind == "ticket_rated":
            level = data.get("level")
            if level in RATING_LEVELS:
                for t in f._groups(e) + f._at(e):
                    t.ratings[level] = t.ratings.get(level, 0) + 1
        elif kind == "case_opened":
            for t in f._groups(e) + f._at(e):
                t.cases_opened += 1
        elif kind == "case_step" and data.get("status") == "closed":
            for t in f._groups(e) + f._at(e):
                t.cases_closed += 1
                t.cases_on_time += not data.get("overdue")
    return f
