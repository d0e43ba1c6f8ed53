"""Who is waiting for what: the calling rule (顺呼), the choice of the next ticket for a
window, people ahead, and the wait a ticket is told. Pure functions over ``HallState``.

The calling rule is written once, in ``call_rank`` and ``ordinary_goes_first``: the
engine's ``call_next`` (``choose_next``), the wait estimate (``Forecast``, which plays the
rule forward) and so the hall simulator (which drives the engine) all use it.

There is one wait: ``predict_wait``. A ticket is told it at issue, ``state/service/<code>``
shows what an ordinary ticket taken now would be told (``wait_told``), and the tidal
windows' trigger watches the same figure. It is stored on every ticket next to the real
wait, so its accuracy can be reported (``yichuang simulate``).
"""
from __future__ import annotations

import bisect
import heapq
import time

from hall.config import HallConfig, Window
from hall.state import HallState, Ticket

SERVING_STATUSES = ("open", "paused")


# ---------------------------------------------------------------------- the calling rule

def call_rank(t: Ticket, skill: int = 0, ordinary_first: bool = False) -> tuple:
    """Where ``t`` stands in a window's calling order (smaller is called first): green
    channel and checked-in appointments first (ordinary tickets first instead while the
    priority guard holds), then the window's primary skills before its secondary ones
    (``skill`` 0 or 1; a ticket transferred to the window counts as primary), then the
    original arrival (``queue_key``), then the number."""
    prio = 0 if t.priority else 1
    return (1 - prio if ordinary_first else prio, skill, t.queue_key, t.number)


def ordinary_goes_first(streak: int, priority_guard: int, ordinary_waiting: bool) -> bool:
    """The priority guard: a window that has called ``priority_guard`` priority tickets in a
    row calls an ordinary ticket next, if one waits for it (so nobody starves)."""
    return priority_guard > 0 and streak >= priority_guard and ordinary_waiting


def pick(found: list[tuple[int, Ticket]], streak: int, priority_guard: int) -> tuple[int, Ticket]:
    """The (skill, ticket) a window calls from its candidates ``found``."""
    first = ordinary_goes_first(streak, priority_guard, any(t.priority is None for _, t in found))
    return min(found, key=lambda item: call_rank(item[1], item[0], first))


line_order = call_rank  # the order of one line (one service, or the tickets pinned to one window)


def waiting_for_service(state: HallState, service: str) -> list[Ticket]:
    """Waiting tickets of one service that any window may call, in line order."""
    line = [
        t for t in state.tickets.values()
        if t.status == "waiting" and t.service == service and t.pinned_window is None
    ]
    line.sort(key=line_order)
    return line


def waiting_counts(state: HallState) -> dict[str, int]:
    """Per service, how many wait in its open line (status ``waiting``, not pinned to one
    window; held and missed tickets are not in a line): one pass."""
    counts: dict[str, int] = {}
    for t in state.tickets.values():
        if t.status == "waiting" and t.pinned_window is None:
            counts[t.service] = counts.get(t.service, 0) + 1
    return counts


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
    """The ticket a window should call next (顺呼), by the calling rule."""
    found = candidates(state, window)
    if not found:
        return None
    return pick(found, state.windows[window.id].priority_streak, priority_guard)[1]


# ---------------------------------------------------------------------- windows and handling

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


def next_number(state: HallState, prefix: str) -> tuple[int, str]:
    """Today's next ticket number of a prefix: (count, "A012")."""
    n = state.counters.get(prefix, 0) + 1
    return n, f"{prefix}{n:03d}"


def wait_minutes(seconds: float | None) -> float | None:
    """A wait as every message shows it: minutes, one decimal."""
    return None if seconds is None else round(seconds / 60.0, 1)


# ---------------------------------------------------------------------- the wait

PAUSED_BACK_AFTER = 600.0  # a paused window is expected back this long after it paused (s)
RESIDUAL_FLOOR = 0.5  # a ticket past its mean handling time still needs this share of it
RECENT = 3600.0  # arrivals in this many seconds before now give the rates of tickets yet to come
CROWDED = 0.5  # future arrivals that rank first take at most this share of a window's time


def predict_wait(config: HallConfig, state: HallState, ticket: Ticket, now: float) -> float:
    """Seconds until the waiting ``ticket`` is called (``Forecast.wait``)."""
    return Forecast(config, state, now).wait(ticket)


def provisional_ticket(config: HallConfig, state: HallState, service: str, now: float) -> Ticket:
    """The ordinary ticket of ``service`` the kiosk would issue at ``now``, not yet issued."""
    _, number = next_number(state, config.services[service].prefix)
    now = round(now, 3)
    return Ticket(id=f"{state.day}:{number}", day=state.day, number=number, service=service,
                  channel="kiosk", issued_at=now, queue_key=now)


def wait_told(config: HallConfig, state: HallState, service: str, now: float,
              forecast: "Forecast | None" = None) -> float:
    """Seconds an ordinary ticket of ``service`` taken at ``now`` would be told."""
    forecast = forecast or Forecast(config, state, now)
    return forecast.told([service])[service]


def service_summary(config: HallConfig, state: HallState, now: float | None = None) -> dict[str, dict]:
    """Per service: people waiting in its line, the wait an ordinary ticket taken at ``now``
    is told (minutes), windows serving it, open or closed. ``now`` defaults to the wall clock,
    for a reader beside the hub (the hall web) that shows the present."""
    now = time.time() if now is None else now
    out = {}
    counts = waiting_counts(state)
    told = Forecast(config, state, now).told(config.services)
    for code, svc in config.services.items():
        out[code] = {
            "waiting": counts.get(code, 0),
            "estimated_wait_min": wait_minutes(told[code]),
            "windows_serving": windows_serving(config, state, code),
            "open": not (svc.closed or code in state.closed_services),
        }
    return out


class Forecast:
    """The hall at one moment, ready to play the calling rule forward for any waiting ticket.

    ``wait(ticket)``: seconds until the ticket is called. Each staffed window, when it comes
    free, takes the ticket the calling rule gives it (``pick``: priority, the priority guard
    with the window's own streak, primary skill, arrival), and holds it for the service's
    smoothed handling time plus the hall's mean walk from call to counter. So it counts every
    ticket the ticket's windows will take first (other services they serve, tickets other
    windows take off the line) and what the windows have in hand. Tickets still to come that
    will rank first (green channel; a window's primary services when the ticket is only
    secondary there) stretch each window's time by 1 / (1 − their load), their rates taken
    from the last hour's issues. When no staffed window can call the ticket, the line-length
    formula over the planned windows (``_by_line_length``) is the answer.

    A ticket not in the state (``provisional_ticket``) is placed in its line as if issued.
    """

    def __init__(self, config: HallConfig, state: HallState, now: float):
        self.config, self.state, self.now = config, state, now
        lines: dict[tuple[str, bool], list[Ticket]] = {}
        walk_sum, walks = 0.0, 0
        recent: dict[tuple[str, bool], int] = {}
        since = now - RECENT
        for t in state.tickets.values():
            if t.status == "waiting":
                key = (t.service if t.pinned_window is None else "@" + t.pinned_window, t.priority is not None)
                line = lines.get(key)
                if line is None:
                    lines[key] = [t]
                else:
                    line.append(t)
            elif t.started_at is not None and t.called_at is not None and t.started_at >= t.called_at:
                walk_sum += t.started_at - t.called_at
                walks += 1
            if since <= t.issued_at < now:
                key = (t.service, t.priority is not None)
                recent[key] = recent.get(key, 0) + 1
        for line in lines.values():
            line.sort(key=line_order)
        self.lines, self.recent = lines, recent
        walk = self.walk = min(walk_sum / walks, 300.0) if walks else 0.0
        self.cost = {code: handling_seconds(config, state, code) + walk for code in config.services}
        self.staffed = [(wid, ws, config.windows[wid]) for wid, ws in state.windows.items()
                        if wid in config.windows and ws.status in SERVING_STATUSES]
        self.free: dict[str, float] = {}  # seconds until each window is free, unstretched
        for wid, ws, _ in self.staffed:
            free = 0.0
            if ws.ticket is not None:
                t = state.tickets[ws.ticket]
                h = self.cost[t.service] - walk
                if t.status == "serving" and t.started_at is not None:
                    free = max(h - (now - t.started_at), RESIDUAL_FLOOR * h)
                else:
                    free = max(0.0, (t.called_at or now) + walk - now) + h
            elif ws.status == "paused":
                free = max(0.0, (ws.since or now) + PAUSED_BACK_AFTER - now)
            self.free[wid] = free
        self._loads: dict | None = None  # computed when an ordinary ticket first needs it
        self.sources = {wid: [(key, level) for key in lines if (level := _level(window, key)) is not None]
                        for wid, _, window in self.staffed}  # the lines each window calls from

    def wait(self, ticket: Ticket) -> float:
        lines, recent = self.lines, self.recent
        own = _line_key(ticket)
        in_state = self.state.tickets.get(ticket.id) is ticket
        if ticket.status == "waiting" and not in_state:
            lines = {**lines, own: sorted([*lines.get(own, ()), ticket], key=line_order)}
        if all(_level(window, own) is None for _, _, window in self.staffed):
            return self._fallback(lines, ticket)  # no staffed window may call it
        if ticket.priority is not None:
            stretch = dict.fromkeys(self.free, 1.0)
        elif in_state and self.now - RECENT <= ticket.issued_at < self.now:  # not a ticket still to come
            key = (ticket.service, False)
            stretch = _stretch(self.staffed, _loads(self.staffed, {**recent, key: recent[key] - 1}, self.cost), ticket)
        else:
            if self._loads is None:
                self._loads = _loads(self.staffed, recent, self.cost)
            stretch = _stretch(self.staffed, self._loads, ticket)
        sources = self.sources
        if own not in self.lines and own in lines:  # the ticket opens a line of its own
            sources = {wid: src + [(own, level)] if (level := _level(window, own)) is not None else src
                       for (wid, _, window), src in zip(self.staffed, sources.values())}
        guard = self.config.rules.priority_guard
        heads = dict.fromkeys(lines, 0)
        heap, streak = [], {}
        for rank, (wid, ws, window) in enumerate(self.staffed):
            streak[wid] = ws.priority_streak
            heap.append((self.free[wid] * stretch[wid], rank, wid))
        heapq.heapify(heap)
        while heap:
            free, rank, wid = heapq.heappop(heap)
            found = [(level, lines[key][heads[key]]) for key, level in sources[wid] if heads[key] < len(lines[key])]
            if not found:
                continue  # nothing more this window may call
            t = found[0][1] if len(found) == 1 else pick(found, streak[wid], guard)[1]
            heads[_line_key(t)] += 1
            if t is ticket:
                return round(free, 1)
            streak[wid] = streak[wid] + 1 if t.priority else 0
            heapq.heappush(heap, (free + self.cost[t.service] * stretch[wid], rank, wid))
        return self._fallback(lines, ticket)

    def _fallback(self, lines: dict, ticket: Ticket) -> float:
        own = _line_key(ticket)
        line = [*lines.get((own[0], True), ()), *lines.get((own[0], False), ())]
        ahead = next((i for i, t in enumerate(line) if t is ticket), 0)
        return _by_line_length(self.config, self.state, ticket.service, ahead)

    def told(self, codes) -> dict[str, float]:
        """Seconds an ordinary ticket of each service in ``codes`` taken now would be told:
        what ``wait`` gives its provisional ticket, for all of them in one play of the calling
        rule per group of services whose ordinary tickets the windows stretch alike.

        Exact, not an approximation: a play with one more ticket in it runs exactly like the
        play without it until a window would call that ticket (before, it is never the best
        candidate, and it ranks just before the ticket behind it in its line, so nobody else
        is called differently). So one play without the provisional tickets can tell, at each
        window's turn, whether each one would be called there."""
        out: dict[str, float] = {}
        groups: dict[tuple, list] = {}
        for code in codes:
            p = provisional_ticket(self.config, self.state, code, self.now)
            levels = {wid: _level(window, (code, False)) for wid, _, window in self.staffed}
            place = bisect.bisect_left(self.lines.get((code, False), ()), line_order(p), key=line_order)
            if all(level is None for level in levels.values()):
                out[code] = self._provisional_fallback(code, place)
                continue
            alike = tuple(window.skill(code) == "secondary" for _, _, window in self.staffed)
            groups.setdefault(alike, []).append((code, p, levels, place))
        for group in groups.values():
            out.update(self._play_for(group))
        return out

    def _play_for(self, group: list) -> dict[str, float]:
        """``told`` for services whose provisional tickets share one stretch."""
        if self._loads is None:
            self._loads = _loads(self.staffed, self.recent, self.cost)
        stretch = _stretch(self.staffed, self._loads, group[0][1])
        lines, guard = self.lines, self.config.rules.priority_guard
        pending = {code: p for code, p, _, _ in group}
        place = {code: where for code, _, _, where in group}  # where each provisional ticket stands in its line
        serves = {wid: [(code, levels[wid]) for code, _, levels, _ in group if levels[wid] is not None]
                  for wid, _, _ in self.staffed}
        heads = dict.fromkeys(lines, 0)
        heap, streak, out = [], {}, {}
        for rank, (wid, ws, _) in enumerate(self.staffed):
            streak[wid] = ws.priority_streak
            heap.append((self.free[wid] * stretch[wid], rank, wid))
        heapq.heapify(heap)
        while heap and pending:
            free, rank, wid = heapq.heappop(heap)
            found = [(level, lines[key][heads[key]]) for key, level in self.sources[wid] if heads[key] < len(lines[key])]
            best = (found[0] if len(found) == 1 else pick(found, streak[wid], guard)) if found else None
            for code, level in serves[wid]:
                if code in pending and heads.get((code, False), 0) == place[code]:  # its ticket would be a head
                    if best is None or _beats(pending[code], level, best, found, streak[wid], guard):
                        out[code] = round(free, 1)
                        del pending[code]
            if best is None:
                continue
            t = best[1]
            heads[_line_key(t)] += 1
            streak[wid] = streak[wid] + 1 if t.priority else 0
            heapq.heappush(heap, (free + self.cost[t.service] * stretch[wid], rank, wid))
        for code in pending:
            out[code] = self._provisional_fallback(code, place[code])
        return out

    def _provisional_fallback(self, code: str, place: int) -> float:
        """``_fallback`` for the provisional ticket of ``code`` standing at ``place`` among
        the ordinary tickets of its line (after every priority one)."""
        ahead = len(self.lines.get((code, True), ())) + place
        return _by_line_length(self.config, self.state, code, ahead)


def _beats(p: Ticket, level: int, best: tuple[int, Ticket], found: list, streak: int, guard: int) -> bool:
    """Would the ordinary ticket ``p`` (at skill ``level``) be called instead of ``best``, the
    pick among ``found``? The same as ``pick([*found, (level, p)], …)[1] is p``, in O(1)."""
    first = ordinary_goes_first(streak, guard, any(t.priority is None for _, t in found))
    if ordinary_goes_first(streak, guard, True) != first:
        return True  # the guard holds and p would be the only ordinary ticket: it goes first
    return call_rank(p, level, first) < call_rank(best[1], best[0], first)


def _level(window: Window, key: tuple[str, bool]) -> int | None:
    """The skill rank (0 primary, 1 secondary) of a window for a line, or None if it may not call it."""
    source = key[0]
    if source[0] == "@":
        return 0 if source[1:] == window.id else None
    skill = window.skill(source)
    return None if skill is None else (0 if skill == "primary" else 1)


def _line_key(t: Ticket) -> tuple[str, bool]:
    """The line a waiting ticket stands in: its service's, or its pinned window's ("@2");
    priority tickets and ordinary ones apart, so the guard can reach past the priority ones."""
    return (t.service if t.pinned_window is None else "@" + t.pinned_window, t.priority is not None)


def _by_line_length(config: HallConfig, state: HallState, service: str, ahead: int) -> float:
    """When no staffed window can call the ticket: (people ahead + 1) × the service's smoothed
    handling time ÷ the regular windows planned for it."""
    servers = windows_serving(config, state, service) or planned_windows(config, service) or 1
    return round((ahead + 1) * handling_seconds(config, state, service) / servers, 1)


def _loads(staffed, recent, cost) -> dict[str, tuple[float, float]]:
    """Per window, the share of its time that tickets still to come will take before an
    ordinary ticket: (priority arrivals of its services, + ordinary arrivals of its primary
    services, which go first where the ordinary ticket is only secondary)."""
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
        extra = sum(recent.get((code, False), 0) * cost[code] / primary[code] for code in window.primary)
        out[wid] = (load / RECENT, (load + extra) / RECENT)
    return out


def _stretch(staffed, loads, ticket: Ticket) -> dict[str, float]:
    """Per window: how much longer its time runs for the ordinary ``ticket`` because of
    tickets still to come that it will call first (fluid approximation: 1 / (1 − their load))."""
    out = {}
    for wid, _, window in staffed:
        load = loads[wid][1 if window.skill(ticket.service) == "secondary" else 0]
        out[wid] = 1.0 / (1.0 - min(CROWDED, load))
    return out
