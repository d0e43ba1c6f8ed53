"""Who is waiting for what: the order of the waiting line, the choice of the next ticket
for a window, people ahead, and the estimated wait. Pure functions over ``HallState``.

The wait estimate is the queue-length estimator: (people ahead + 1) × the service's
smoothed handling time ÷ the windows now serving it. It is stored on every ticket next to
the real wait, so its accuracy can be reported.
"""
from __future__ import annotations

from hall.config import HallConfig, Window
from hall.state import HallState, Ticket

SERVING_STATUSES = ("open", "paused")


def waiting_for_service(state: HallState, service: str) -> list[Ticket]:
    """Waiting tickets of one service that any window may call, in line order."""
    line = [
        t for t in state.tickets.values()
        if t.status == "waiting" and t.service == service and t.pinned_window is None
    ]
    line.sort(key=line_order)
    return line


def waiting_counts(state: HallState) -> dict[str, int]:
    """Per service, how many wait in its open line (not pinned to one window): one pass."""
    counts: dict[str, int] = {}
    for t in state.tickets.values():
        if t.status == "waiting" and t.pinned_window is None:
            counts[t.service] = counts.get(t.service, 0) + 1
    return counts


def line_order(t: Ticket) -> tuple:
    return (0 if t.priority else 1, t.queue_key, t.number)


def candidates(state: HallState, window: Window) -> list[tuple[int, Ticket]]:
    """Waiting tickets this window may call, with their skill rank (0 primary, 1 secondary)."""
    found = []
    for t in state.tickets.values():
        if t.status != "waiting":
            continue
        if t.pinned_window is not None:
            if t.pinned_window == window.id:
                found.append((0, t))
            continue
        skill = window.skill(t.service)
        if skill is not None:
            found.append((0 if skill == "primary" else 1, t))
    return found


def choose_next(state: HallState, window: Window, priority_guard: int) -> Ticket | None:
    """The ticket a window should call next (顺呼).

    Green channel and checked-in appointments first, unless this window has already called
    ``priority_guard`` of them in a row while ordinary tickets wait (so nobody starves);
    then primary skills before secondary; then the longest waiting by original arrival.
    """
    found = candidates(state, window)
    if not found:
        return None
    streak = state.windows[window.id].priority_streak
    has_ordinary = any(t.priority is None for _, t in found)
    ordinary_first = priority_guard > 0 and streak >= priority_guard and has_ordinary

    def rank(item: tuple[int, Ticket]) -> tuple:
        skill, t = item
        prio = 0 if t.priority else 1
        if ordinary_first:
            prio = 1 - prio
        return (prio, skill, t.queue_key, t.number)

    return min(found, key=rank)[1]


def windows_serving(config: HallConfig, state: HallState, service: str) -> int:
    """Staffed windows (open or briefly paused) that can serve ``service``."""
    return sum(
        1 for wid, ws in state.windows.items()
        if ws.status in SERVING_STATUSES and wid in config.windows and config.windows[wid].skill(service)
    )


def planned_windows(config: HallConfig, service: str) -> int:
    """Regular (non-tidal, non-seasonal) windows with this skill: used when none is staffed."""
    return sum(
        1 for w in config.windows.values() if w.kind not in ("tidal", "seasonal") and w.skill(service)
    )


def handling_seconds(config: HallConfig, state: HallState, service: str) -> float:
    return state.handling.get(service, config.services[service].handling_minutes * 60.0)


def people_ahead(state: HallState, service: str, priority: bool) -> int:
    """How many would be called before a new ticket of ``service`` (same service only)."""
    line = waiting_for_service(state, service)
    return sum(1 for t in line if t.priority) if priority else len(line)


def estimate_wait(config: HallConfig, state: HallState, service: str, ahead: int) -> float:
    """Estimated seconds until a ticket with ``ahead`` people before it is called."""
    servers = windows_serving(config, state, service) or planned_windows(config, service) or 1
    return round((ahead + 1) * handling_seconds(config, state, service) / servers, 1)


def service_summary(config: HallConfig, state: HallState) -> dict[str, dict]:
    """Per service: waiting count, estimated wait for a new ticket (minutes), windows serving."""
    out = {}
    counts = waiting_counts(state)
    for code, svc in config.services.items():
        waiting = counts.get(code, 0)
        out[code] = {
            "waiting": waiting,
            "estimated_wait_min": round(estimate_wait(config, state, code, waiting) / 60.0, 1),
            "windows_serving": windows_serving(config, state, code),
            "open": not (svc.closed or code in state.closed_services),
        }
    return out
