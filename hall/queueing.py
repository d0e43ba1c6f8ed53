"""Who is waiting for what: the order of the waiting line, the choice of the next ticket
for a window, people ahead, and the estimated wait. Pure functions over ``HallState``.

The wait estimate is the queue-length estimator: (people ahead + 1) × the service's
smoothed handling time ÷ the windows now serving it. It is stored on every ticket next to
the real wait, so its accuracy can be reported. ``predict_wait`` plays the calling rule
forward instead; the hall simulator (``yichuang simulate``) measures both against real waits.
"""
from __future__ import annotations

import heapq

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


# ---------------------------------------------------------------------- prediction by dispatch

PAUSED_BACK_AFTER = 600.0  # a paused window is expected back this long after it paused (s)
RESIDUAL_FLOOR = 0.5  # a ticket past its mean handling time still needs this share of it
RECENT = 3600.0  # arrivals in this many seconds before now give the rates of tickets yet to come
CROWDED = 0.5  # future arrivals that rank first take at most this share of a window's time


def predict_wait(config: HallConfig, state: HallState, ticket: Ticket, now: float) -> float:
    """Seconds until the waiting ``ticket`` is called, found by playing the hall's calling
    rule forward with expected times: each staffed window, when it comes free, takes the
    ticket ``choose_next`` would give it (priority, then primary skill, then arrival), and
    holds it for the service's smoothed handling time plus the hall's mean walk from call
    to counter. Unlike ``estimate_wait`` it counts every ticket the ticket's windows will
    take first (other services they serve, tickets other windows take off the line) and
    what the windows have in hand. Tickets still to come that will rank first (green
    channel; a window's primary services when the ticket is only secondary there) stretch
    each window's time by 1 / (1 − their load), their rates taken from the last hour's
    issues. Falls back to ``estimate_wait`` when no staffed window can call the ticket.
    The priority guard is ignored.
    """
    lines: dict[str, list[Ticket]] = {}
    walk_sum, walks = 0.0, 0
    recent: dict[tuple[str, bool], int] = {}
    for t in state.tickets.values():
        if t.status == "waiting":
            lines.setdefault(t.service if t.pinned_window is None else "@" + t.pinned_window, []).append(t)
        elif t.started_at is not None and t.called_at is not None and t.started_at >= t.called_at:
            walk_sum, walks = walk_sum + t.started_at - t.called_at, walks + 1
        if now - RECENT <= t.issued_at < now and t is not ticket:
            key = (t.service, t.priority is not None)
            recent[key] = recent.get(key, 0) + 1
    walk = min(walk_sum / walks, 300.0) if walks else 0.0
    for line in lines.values():
        line.sort(key=line_order)
    heads = dict.fromkeys(lines, 0)
    cost = {code: handling_seconds(config, state, code) + walk for code in config.services}
    staffed = [(wid, ws, config.windows[wid]) for wid, ws in state.windows.items()
               if wid in config.windows and ws.status in SERVING_STATUSES]
    stretch = _stretch(staffed, recent, cost, ticket)

    heap, sources = [], {}
    for rank, (wid, ws, window) in enumerate(staffed):
        free = 0.0  # seconds of this window's own (stretched) time from now
        if ws.ticket is not None:
            t = state.tickets[ws.ticket]
            h = cost[t.service] - walk
            if t.status == "serving" and t.started_at is not None:
                free = max(h - (now - t.started_at), RESIDUAL_FLOOR * h)
            else:
                free = max(0.0, (t.called_at or now) + walk - now) + h
        elif ws.status == "paused":
            free = max(0.0, (ws.since or now) + PAUSED_BACK_AFTER - now)
        mine = [(code, 0) for code in window.primary if code in lines]
        mine += [(code, 1) for code in window.secondary if code in lines]
        if "@" + wid in lines:
            mine.append(("@" + wid, 0))
        sources[wid] = mine
        heap.append((free * stretch[wid], rank, wid))
    heapq.heapify(heap)
    while heap:
        free, rank, wid = heapq.heappop(heap)
        best, best_key = None, None
        for key, level in sources[wid]:
            i = heads[key]
            line = lines[key]
            if i < len(line):
                t = line[i]
                order = (0 if t.priority else 1, level, t.queue_key, t.number)
                if best is None or order < best[0]:
                    best, best_key = (order, t), key
        if best is None:
            continue  # nothing more this window may call
        t = best[1]
        heads[best_key] += 1
        if t is ticket:
            return round(free, 1)
        heapq.heappush(heap, (free + cost[t.service] * stretch[wid], rank, wid))
    line = lines.get(ticket.service if ticket.pinned_window is None else "@" + ticket.pinned_window, [])
    ahead = next((i for i, t in enumerate(line) if t is ticket), 0)
    return estimate_wait(config, state, ticket.service, ahead)


def _stretch(staffed, recent, cost, ticket: Ticket) -> dict[str, float]:
    """Per window: how much longer its time runs for ``ticket`` because of tickets still to
    come that it will call first (fluid approximation: 1 / (1 − their load))."""
    if ticket.priority is not None:
        return {wid: 1.0 for wid, _, _ in staffed}
    serving, primary = {}, {}
    for _, _, window in staffed:
        for code in window.primary:
            serving[code] = serving.get(code, 0) + 1
            primary[code] = primary.get(code, 0) + 1
        for code in window.secondary:
            serving[code] = serving.get(code, 0) + 1
    out = {}
    for wid, _, window in staffed:
        load = sum(recent.get((code, True), 0) * cost[code] / serving[code]
                   for code in (*window.primary, *window.secondary))
        if window.skill(ticket.service) == "secondary":
            load += sum(recent.get((code, False), 0) * cost[code] / primary[code] for code in window.primary)
        out[wid] = 1.0 / (1.0 - min(CROWDED, load / RECENT))
    return out
