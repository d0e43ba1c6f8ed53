"""The retained state messages: what a terminal sees the moment it connects.

Pure functions from the hall config and the engine state to the payload of each retained
topic (``hall.protocol.Topics``: state/hall, state/board, state/service/<code>,
state/window/<id>). The hub publishes them; kiosks, callers, boards and screens render them.
None of them carries a citizen's name or ID number: tickets appear by number only.

``seq`` (the last committed event) is added by the hub when it publishes, so a terminal can
tell how fresh a state message is compared with the events it has seen.
"""
from __future__ import annotations

import weakref

from hall import queueing
from hall.clock import HallCalendar
from hall.config import HallConfig
from hall.protocol import CALL_EVENTS, V
from hall.state import HallState

BOARD_CALLS = 10  # how many recent calls the board shows


def service_states(config: HallConfig, state: HallState, now: float | None = None) -> dict[str, dict]:
    """state/service/<code> for every service: line length, the wait an ordinary ticket taken
    ``now`` is told (the same figure the ticket's reply gives), open or closed."""
    out = {}
    pools = ticket_pools(state)
    for code, summary in queueing.service_summary(config, state, now).items():
        svc = config.services[code]
        out[code] = {"v": V, "service": code, "name": svc.name, "name_en": svc.name_en, "prefix": svc.prefix,
                     **summary, **pools.get(code, {"held": [], "missed": []})}
    return out


def ticket_pools(state: HallState) -> dict[str, dict[str, list[str]]]:
    """Per service, the numbers held (挂起) and missed (过号), in line order: what a caller
    may call from the hold pool or return (回呼). Numbers only, never a person."""
    pools: dict[str, dict[str, list[str]]] = {}
    for t in sorted(state.tickets.values(), key=lambda t: (t.queue_key, t.number)):
        if t.status in ("held", "missed"):
            pools.setdefault(t.service, {"held": [], "missed": []})[t.status].append(t.number)
    return pools


_staff_days: dict = {"state": None, "key": None, "days": {}}  # one pass over the tickets per change


def staff_day(state: HallState, staff: str | None) -> dict | None:
    """The clerk's day so far: tickets finished and the mean handling time (minutes)."""
    if staff is None:
        return None
    key = (state.day, state.seq)  # every change to the tickets is an event: seq moves
    cached = _staff_days["state"]
    if cached is None or cached() is not state or _staff_days["key"] != key:
        days: dict[str, list[float]] = {}
        for t in state.tickets.values():
            began = t.started_at if t.started_at is not None else t.called_at
            if t.status == "finished" and t.staff and t.finished_at is not None and began is not None:
                days.setdefault(t.staff, []).append(t.finished_at - began)
        _staff_days.update(state=weakref.ref(state), key=key, days=days)
    times = _staff_days["days"].get(staff, [])
    return {"served": len(times), "handling_mean_min": round(sum(times) / len(times) / 60.0, 1) if times else None}


def window_state(config: HallConfig, state: HallState, calendar: HallCalendar, window_id: str) -> dict:
    """state/window/<id>: status, the staff on duty (持证上岗: name, number, photo), the ticket."""
    window, ws = config.windows[window_id], state.windows[window_id]
    staff = config.staff.get(ws.staff) if ws.staff else None
    ticket = state.tickets.get(ws.ticket) if ws.ticket else None
    return {
        "v": V, "window": window.id, "name": window.name, "name_en": window.name_en, "kind": window.kind,
        "status": ws.status, "pause_reason": ws.pause_reason,
        "since": calendar.iso(ws.since) if ws.since is not None else None,
        "staff": {"number": staff.number, "name": staff.name, "photo": staff.photo} if staff else None,
        "ticket": {
            "number": ticket.number, "service": ticket.service,
            "service_name": config.services[ticket.service].name, "status": ticket.status,
            "priority": ticket.priority, "issued_at": calendar.iso(ticket.issued_at),
            "called_at": calendar.iso(ticket.called_at) if ticket.called_at is not None else None,
            "started_at": calendar.iso(ticket.started_at) if ticket.started_at is not None else None,
            "transfers": ticket.transfers, "return_window": ticket.return_window,
        } if ticket else None,
        "staff_day": staff_day(state, ws.staff),
    }


def board_entry(config: HallConfig, event: dict) -> dict:
    """One call on the board, from a ticket_called or ticket_recalled event."""
    window = config.windows.get(event["window"])
    service = config.services.get(event["service"])
    return {
        "seq": event["seq"], "ticket": event["ticket"], "window": event["window"],
        "window_name": window.name if window else event["window"], "window_name_en": window.name_en if window else "",
        "service": event["service"], "service_name": service.name if service else event["service"],
        "recall": event["type"] == "ticket_recalled", "at": event["at"], "ts": event["ts"],
    }


def board_state(day: str | None, calls: list[dict]) -> dict:
    """state/board: the last calls of the hall day, newest first."""
    return {"v": V, "day": day, "calls": calls[:BOARD_CALLS]}


def alert_view(alert: dict) -> dict:
    """A tidal alert as the hall state shows it: "请开启28号潮汐窗口"."""
    return {
        **alert,
        "message": f"请开启{alert['window_name']}",
        "message_en": f"Open tidal window {alert['window']}",
    }


def hall_state(config: HallConfig, state: HallState, calendar: HallCalendar, now: float) -> dict:
    """state/hall: who the hall is, its hours, whether it is open now, the notice, the alerts."""
    day = calendar.day(now)
    open_today = config.is_open_day(day)
    return {
        "v": V, "hall": config.id, "name": config.name, "name_en": config.name_en, "level": config.level,
        "day": state.day, "hours": config.hours.as_text(), "open_today": open_today,
        "open_now": open_today and config.hours.contains(calendar.minute_of_day(now)),
        "notice": config.notice,
        "alerts": [alert_view(a) for _, a in sorted(state.alerts.items())],
        "services": list(config.services), "windows": list(config.windows),
    }


def is_call(event: dict) -> bool:
    return event["type"] in CALL_EVENTS
