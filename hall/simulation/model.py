"""The hall simulator's event loop: simulated citizens and staff drive the real engine.

Every action goes through ``Engine(config).handle(state, command, now)``, the code the
hub runs: citizens take tickets at the kiosk (refused outside hours or over quota, like
real ones), staff log in at their windows, call the next ticket when free, recall an
absent citizen per the hall's rules before marking the ticket missed, start and finish,
transfer some tickets to another line, pause for breaks, and open a tidal window when the
engine raises its alert (after a reaction delay), closing it again when the line subsides.
The measures come from the engine's own tickets and events.
"""
from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import Counter
from dataclasses import dataclass, field

from hall import queueing, tidal
from hall.config import HallConfig, Window
from hall.engine import Engine
from hall.simulation.arrivals import Citizen, CitizenFactory
from hall.simulation.baselines import common_estimate
from hall.simulation.handling import HandlingTimes
from hall.simulation.meter import HourStats, Meter
from hall.simulation.profile import Profile


class SimulationError(Exception):
    """The simulated hall did something the engine refused unexpectedly, or ran away."""


@dataclass(frozen=True)
class TicketRecord:
    """One ticket of a simulated day, as the engine recorded it."""

    service: str
    hour: int  # local hour of issue
    wait: float | None  # seconds from issue to first call; None if never called
    estimate: float | None  # the engine's estimate told at issue (seconds)
    common: float | None  # the common formula at the same moment (seconds)
    priority: str | None
    work: float  # handling seconds the citizen needed, all visits


@dataclass
class DayResult:
    date: dt.date
    tickets: list[TicketRecord]
    hours: dict[int, HourStats]
    open_hours: tuple[int, ...]  # hours wholly inside the hall's opening hours
    refusals: Counter = field(default_factory=Counter)
    refused_by_hour: Counter = field(default_factory=Counter)
    transfers: int = 0
    tidal_opened: int = 0
    tidal_unstaffed: int = 0
    commands: int = 0


class Clerk:
    """A simulated member of staff at one window (the window's caller)."""

    def __init__(self, window: Window, rank: int):
        self.window, self.id, self.rank = window, window.id, rank
        self.tidal = window.tidal is not None and window.kind == "tidal"
        self.staff: str | None = None
        self.wanted = False  # the staffing plan wants this window open now
        self.idle_since: float | None = None
        self.citizen: Citizen | None = None
        self.break_minutes: float | None = None  # a break is due
        self.opened_at = 0.0


class Simulation:
    """Whole hall days through one engine and one state (learned handling times carry over)."""

    def __init__(self, config: HallConfig, profile: Profile, seed=1, plan: dict[int, int] | None = None,
                 tidal: bool = True, order: list[str] | None = None, listener=None):
        """``plan``: open windows by hour (the first n of ``order``); ``tidal``: answer the
        engine's tidal alerts; ``listener``: called with every command's events."""
        self.config, self.profile, self.seed = config, profile, seed
        self.engine = Engine(config)
        self.state = self.engine.new_state()
        self.calendar = self.engine.calendar
        self.times = HandlingTimes(profile)
        self.citizens = CitizenFactory(config, profile, self.times, seed)
        self.plan = plan if plan is not None else (dict(profile.staffing) or None)
        self.order = list(order or profile.windows)
        self.tidal = tidal
        self.listener = listener

    def dates(self, days: int) -> list[dt.date]:
        out, d = [], self.profile.start
        for _ in range(days * 7 + 366):  # bounded: a year of closed days at most
            if len(out) == days:
                break
            if self.config.is_open_day(d):
                out.append(d)
            d += dt.timedelta(days=1)
        return out

    def run(self, days: int, progress=None) -> list[DayResult]:
        results = []
        for i, date in enumerate(self.dates(days)):
            results.append(_Day(self, i, date).run())
            if progress is not None:
                progress.step()
        return results


class _Day:
    def __init__(self, sim: Simulation, index: int, date: dt.date):
        self.sim, self.cfg, self.engine, self.state = sim, sim.config, sim.engine, sim.state
        self.p = sim.profile
        self.index, self.date = index, date
        self.midnight = sim.calendar.epoch(f"{date.isoformat()}T00:00:00")
        self.now = self.midnight
        self.heap: list = []
        self.seq = 0
        self.meter = Meter(self.midnight)
        self.result = DayResult(date, [], {}, self._open_hours())
        self.open = False
        self.last_period_end = self.midnight + max(b for _, b in self.cfg.hours.periods) * 60.0
        order = sim.order + [w for w in self.cfg.windows if w not in sim.order]
        self.clerks = {w: Clerk(self.cfg.windows[w], i) for i, w in enumerate(order)}
        self.regular = [self.clerks[w] for w in sim.order]
        self.idle: dict[str, Clerk] = {}
        self.by_ticket: dict[str, Citizen] = {}
        self.common: dict[str, float] = {}
        self.assigned = self._assign_staff()

    # ------------------------------------------------------------------ the loop

    def at(self, t: float, fn, *args) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, fn, args))

    def run(self) -> DayResult:
        citizens = self.sim.citizens.day(self.index, self.date, self.midnight)
        for c in citizens:
            self.at(c.arrive, self._arrive, c)
        for i, (a, b) in enumerate(self.cfg.hours.periods):
            self.at(self.midnight + a * 60.0, self._open_period)
            self.at(self.midnight + b * 60.0, self._close_period)
            if self.sim.plan:
                for h in range(a // 60 + 1, (b - 1) // 60 + 1):
                    self.at(self.midnight + h * 3600.0, self._replan)
        rng = random.Random(f"{self.sim.seed}/{self.index}/staff")
        for clerk in self.regular:
            for b in self.p.breaks:
                self.at(self.midnight + (b.at + rng.uniform(0, b.spread)) * 60.0, self._break_due, clerk, b.minutes)
        budget = 20_000 + 60 * len(citizens)  # bounded: a runaway hall stops with an error
        while self.heap:
            budget -= 1
            if budget < 0:
                raise SimulationError(f"{self.date}: the simulated day did not settle")
            t, _, fn, args = heapq.heappop(self.heap)
            self.now = t
            fn(*args)
        self.meter.close(max(self.now, self.last_period_end))
        return self._collect(citizens)

    def do(self, command: dict, expect_ok: bool = True):
        out = self.engine.handle(self.state, command, self.now)
        self.result.commands += 1
        self.meter.feed(out.events)
        if self.sim.listener is not None:
            self.sim.listener(out.events)
        for e in out.events:
            if e["type"] == "tidal_alert" and self.sim.tidal:
                self.at(self.now + self.p.tidal_reaction_minutes * 60.0, self._tidal_open, e["window"])
        if expect_ok and not out.ok:
            raise SimulationError(f"{command} refused at {self.sim.calendar.iso(self.now)}: {out.error.message_en}")
        return out

    # ------------------------------------------------------------------ citizens

    def _arrive(self, c: Citizen) -> None:
        cmd = {"verb": "issue", "service": c.service, "channel": c.channel}
        if c.person:
            cmd["person"] = c.person
        if c.channel == "staff":
            minute = int((self.now - self.midnight) // 60)
            if self.cfg.service_hours(c.service).contains(minute):
                cmd["green"] = True
            else:  # no desk to grant it outside hours: the kiosk refuses like anyone's
                cmd["channel"] = "id_card" if c.person.get("hash") else "kiosk"
        out = self.do(cmd, expect_ok=False)
        if not out.ok:
            self.result.refusals[out.error.code] += 1
            self.result.refused_by_hour[int((self.now - self.midnight) // 3600)] += 1
            if out.error.code == "outside_hours" and c.retry_delay is not None:
                opening = self._next_opening(c.service)
                if opening is not None:
                    self.at(opening + c.retry_delay, self._arrive, c)
                    c.retry_delay = None  # one more try only
            return
        c.ticket = out.data["id"]
        self.by_ticket[c.ticket] = c
        t = self.state.tickets[c.ticket]
        self.common[c.ticket] = common_estimate(self.cfg, self.state, c.service, t.people_ahead)
        self._wake(c.service)

    def _next_opening(self, service: str) -> float | None:
        minute = (self.now - self.midnight) / 60.0
        starts = [a for a, _ in self.cfg.service_hours(service).periods if a > minute]
        return self.midnight + min(starts) * 60.0 if starts else None

    def _come_back(self, c: Citizen) -> None:
        """回呼: a missed citizen returns and staff put the ticket back into the line."""
        c.absent = False
        self.do({"verb": "return_missed", "number": self.state.tickets[c.ticket].number})
        self._wake(c.service)

    # ------------------------------------------------------------------ windows

    def _wake(self, service: str) -> None:
        """A ticket joined a line: the longest-idle window that can serve it calls."""
        for clerk in sorted(self.idle.values(), key=lambda k: (k.idle_since, k.rank)):
            if clerk.window.skill(service) and self._call(clerk):
                return

    def _call(self, k: Clerk) -> bool:
        out = self.do({"verb": "call_next", "window": k.id}, expect_ok=False)
        if not out.ok:
            if out.error.code != "queue_empty":
                raise SimulationError(f"call_next at {k.id}: {out.error.message_en}")
            return False
        self.idle.pop(k.id, None)
        c = self.by_ticket[out.data["id"]]
        k.citizen = c
        if c.absent:
            self.at(self.now + self.p.recall_seconds, self._recall, k, c, 1)
        else:
            self.at(self.now + c.walk, self._start, k, c)
        return True

    def _start(self, k: Clerk, c: Citizen) -> None:
        self.do({"verb": "start", "window": k.id})
        self.at(self.now + (c.second_handling if c.transferred else c.handling), self._done, k, c)

    def _done(self, k: Clerk, c: Citizen) -> None:
        if c.transfer_to and not c.transferred:
            c.transferred = True
            self.result.transfers += 1
            self.do({"verb": "transfer", "window": k.id, "to_service": c.transfer_to})
            self._free(k)
            self._wake(c.transfer_to)
            return
        self.do({"verb": "finish", "window": k.id, "outcome": "completed"})
        self._free(k)

    def _recall(self, k: Clerk, c: Citizen, n: int) -> None:
        if n <= self.cfg.rules.recall_limit:
            self.do({"verb": "recall", "window": k.id})
            self.at(self.now + self.p.recall_seconds, self._recall, k, c, n + 1)
            return
        self.do({"verb": "no_show", "window": k.id})
        if c.back_after is not None and self.now + c.back_after < self.last_period_end:
            self.at(self.now + c.back_after, self._come_back, c)
        self._free(k)

    def _free(self, k: Clerk) -> None:
        """The window has nothing in hand: break, close, call the next ticket, or wait."""
        k.citizen = None
        if k.break_minutes is not None and self.open:
            minutes, k.break_minutes = k.break_minutes, None
            self.do({"verb": "pause", "window": k.id, "reason": "休息"})
            self.at(self.now + minutes * 60.0, self._resume, k)
            return
        k.break_minutes = None
        if not k.wanted or (k.tidal and self._tidal_done(k)):
            self._logout(k, "plan" if not k.wanted else "tidal_subsided")
            return
        if self._call(k):
            return
        if not self.open:
            self._logout(k, "period_end")
            return
        k.idle_since = self.now
        self.idle[k.id] = k
        if k.tidal:
            self.at(k.opened_at + self.p.tidal_min_open_minutes * 60.0, self._tidal_idle, k)

    def _resume(self, k: Clerk) -> None:
        self.do({"verb": "resume", "window": k.id})
        self._free(k)

    def _break_due(self, k: Clerk, minutes: float) -> None:
        if k.staff is None or not self.open:
            return
        k.break_minutes = minutes
        if k.id in self.idle:
            self.idle.pop(k.id)
            self._free(k)

    def _login(self, k: Clerk, staff: str) -> bool:
        out = self.do({"verb": "staff_login", "window": k.id, "staff": staff}, expect_ok=False)
        if not out.ok:
            self.result.refusals[out.error.code] += 1
            return False
        k.staff, k.opened_at = staff, self.now
        self._free(k)
        return True

    def _logout(self, k: Clerk, reason: str) -> None:
        self.idle.pop(k.id, None)
        self.do({"verb": "staff_logout", "window": k.id, "reason": reason})
        k.staff = None

    # ------------------------------------------------------------------ staffing

    def _assign_staff(self) -> dict[str, str]:
        """Who sits at which regular window today: the most restricted staff first (AB岗)."""
        free = sorted(self.cfg.staff.values(), key=lambda s: ("*" in s.windows, len(s.windows)))
        assigned = {}
        for clerk in self.regular:
            for s in free:
                if s.may_work_at(clerk.id):
                    assigned[clerk.id] = s.number
                    free.remove(s)
                    break
        return assigned

    def _wanted(self) -> set[str]:
        plan = self.sim.plan
        if not plan:
            return {k.id for k in self.regular}
        hour = int((self.now - self.midnight) // 3600)
        n = plan.get(hour, len(self.regular))
        return {k.id for k in self.regular[:n]}

    def _open_period(self) -> None:
        self.open = True
        self._replan()

    def _close_period(self) -> None:
        self.open = False
        for k in list(self.idle.values()):
            self._logout(k, "period_end")

    def _replan(self) -> None:
        if not self.open:
            return
        wanted = self._wanted()
        for k in self.regular:
            k.wanted = k.id in wanted
            if k.wanted and k.staff is None and k.id in self.assigned:
                self._login(k, self.assigned[k.id])
            elif not k.wanted and k.id in self.idle:
                self._logout(k, "plan")

    # ------------------------------------------------------------------ tidal windows (潮汐窗口)

    def _tidal_open(self, wid: str) -> None:
        k = self.clerks[wid]
        if wid not in self.state.alerts or k.staff is not None or not self.open:
            return
        staff = self._spare_staff(wid)
        if staff is None:
            self.result.tidal_unstaffed += 1
            self.at(self.now + self.p.tidal_reaction_minutes * 60.0, self._tidal_open, wid)
            return
        k.wanted = True
        if self._login(k, staff):
            self.result.tidal_opened += 1

    def _spare_staff(self, wid: str) -> str | None:
        on_duty = {ws.staff for ws in self.state.windows.values() if ws.staff}
        planned = set(self.assigned.values())
        wanted = {self.assigned[k.id] for k in self.regular if k.wanted and k.id in self.assigned}
        for reserve_first in (True, False):
            for s in self.cfg.staff.values():
                if s.number in on_duty or s.number in wanted or not s.may_work_at(wid):
                    continue
                if reserve_first and s.number in planned:
                    continue
                return s.number
        return None

    def _tidal_done(self, k: Clerk) -> bool:
        """The line has fallen below the engine's own clearing level, after a minimum spell."""
        if self.now - k.opened_at < self.p.tidal_min_open_minutes * 60.0:
            return False
        _, waiting, minutes = tidal.pressure(self.cfg, self.state, k.window.tidal, self.now)
        return not tidal.over(k.window.tidal, waiting, minutes, self.cfg.rules.tidal_clear_ratio)

    def _tidal_idle(self, k: Clerk) -> None:
        if k.id in self.idle:
            self._logout(k, "tidal_subsided")

    # ------------------------------------------------------------------ results

    def _open_hours(self) -> tuple[int, ...]:
        return tuple(h for h in range(24) if all(self.cfg.hours.contains(h * 60 + m) for m in (0, 59)))

    def _collect(self, citizens: list[Citizen]) -> DayResult:
        r = self.result
        for tid, t in self.state.tickets.items():
            c = self.by_ticket[tid]
            r.tickets.append(TicketRecord(
                service=c.service, hour=int((t.issued_at - self.midnight) // 3600),
                wait=None if t.first_called_at is None else t.first_called_at - t.issued_at,
                estimate=t.estimated_wait, common=self.common.get(tid),
                priority=t.priority,
                work=c.handling + (c.second_handling if c.transferred else 0.0),
            ))
        r.hours = dict(self.meter.hours)
        return r
