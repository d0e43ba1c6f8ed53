"""queueing.predict_wait: the calling rule played forward, checked against what the engine
then really does with the same state (no simulator involved)."""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from hall import protocol_state, queueing
from hall.config import load_hall
from hall.engine import Engine
from hall.simulation.baselines import common_estimate
from hall.simulation.model import Simulation

ROOT = Path(__file__).resolve().parents[2]


class Desk:
    """The township hall driven through the real engine at a controlled time."""

    def __init__(self):
        self.config = load_hall(ROOT / "config" / "halls" / "township.toml")
        self.engine = Engine(self.config)
        self.state = self.engine.new_state()
        self.now = self.engine.calendar.epoch("2026-11-23T09:00:00")

    def ok(self, verb: str, **fields) -> dict:
        out = self.engine.handle(self.state, {"verb": verb, **fields}, self.now)
        assert out.ok, out.error
        return out.data

    def issue(self, service: str, **fields):
        data = self.ok("issue", service=service, **fields)
        return self.state.tickets[data["id"]]

    def predict(self, ticket) -> float:
        return queueing.predict_wait(self.config, self.state, ticket, self.now)


@pytest.fixture
def desk():
    d = Desk()
    d.ok("staff_login", window="1", staff="0101")
    d.ok("staff_login", window="2", staff="0102")
    return d


def test_other_services_ahead_at_the_same_windows_are_counted(desk):
    desk.issue("household")
    desk.issue("household")
    desk.ok("call_next", window="1")
    desk.ok("call_next", window="2")
    a = desk.issue("social_insurance")
    # Both windows hold an 8-minute household ticket: A001 is called when the first frees.
    assert a.people_ahead == 0
    assert common_estimate(desk.config, desk.state, "social_insurance", 0) == 180.0  # the common formula: 6 min ÷ 2
    assert desk.predict(a) == 480.0
    desk.now += 480
    desk.ok("finish", window="1")
    assert desk.ok("call_next", window="1")["ticket"] == a.number


def test_an_idle_window_calls_at_once(desk):
    t = desk.issue("civil_affairs", person={"hash": "k1"})
    assert desk.predict(t) == 0.0


def test_waiting_tickets_of_every_service_are_served_in_arrival_order(desk):
    for code in ("household", "social_insurance", "household"):
        desk.issue(code)
        desk.now += 1
    t = desk.issue("social_insurance")
    # windows 1 and 2 take C001 (8 min) and A001 (6 min) now; window 2 is free at 6 min and
    # takes C002 (8 min) until 14; window 1 is free at 8 min and takes A002.
    assert desk.predict(t) == 480.0


def test_green_channel_goes_first(desk):
    plain = [desk.issue("household") for _ in range(3)]
    green = desk.issue("household", channel="staff", green=True)
    assert green.priority == "green"
    assert desk.predict(green) == 0.0
    # the green ticket and C001 are called now, C002 and C003 when both windows free at 8 min
    assert desk.predict(plain[2]) == 480.0


def test_a_secondary_skill_waits_for_the_window_s_primary_line(desk):
    desk.ok("staff_logout", window="1")
    desk.ok("staff_logout", window="2")
    desk.ok("staff_login", window="9", staff="0104")  # help desk: help first, household second
    desk.issue("help")
    desk.issue("help")
    c = desk.issue("household")
    h = desk.issue("help")
    # the help desk serves H001, H002, H003 (4 min each) before the older C001
    assert desk.predict(c) == 720.0
    assert desk.predict(h) == 480.0


def test_what_the_window_has_in_hand_still_counts(desk):
    desk.ok("staff_logout", window="2")
    desk.issue("social_insurance")
    desk.ok("call_next", window="1")
    desk.ok("start", window="1")
    desk.now += 120
    t = desk.issue("social_insurance")
    assert desk.predict(t) == 240.0  # 6 min handling, 2 min done
    desk.now += 600
    assert desk.predict(t) == 180.0  # past its mean: at least half a handling time more


def test_a_paused_window_is_expected_back_after_ten_minutes(desk):
    desk.ok("staff_logout", window="2")
    desk.ok("pause", window="1", reason="接电话")
    t = desk.issue("household")
    assert desk.predict(t) == queueing.PAUSED_BACK_AFTER


def test_with_no_window_staffed_it_falls_back_to_the_planned_windows():
    d = Desk()
    d.issue("social_insurance")
    t = d.issue("social_insurance")
    assert d.predict(t) == common_estimate(d.config, d.state, "social_insurance", 1) == 240.0  # 2 × 6 min ÷ 3 planned


def test_tickets_still_to_come_that_rank_first_stretch_a_secondary_wait(desk):
    desk.ok("staff_logout", window="1")
    desk.ok("staff_logout", window="2")
    desk.ok("staff_login", window="9", staff="0104")  # help desk: help first, household second
    for _ in range(6):  # the last hour: a help ticket every 10 minutes, 4 minutes each
        desk.issue("help")
        desk.ok("call_next", window="9")
        desk.ok("start", window="9")
        desk.now += 240
        desk.ok("finish", window="9")
        desk.now += 360
    h = desk.issue("help")
    c = desk.issue("household")
    assert desk.predict(h) == 0.0
    # help arrives at 6 × 4 min per hour = 40 % of the desk's time and will keep going first:
    # C001 waits for H007 (4 min) stretched by 1 / (1 − 0.4)
    assert desk.predict(c) == 400.0


def test_the_estimate_honours_the_priority_guard(desk):
    desk.ok("staff_logout", window="2")
    plain = desk.issue("household")
    greens = [desk.issue("household", channel="staff", green=True) for _ in range(5)]
    desk.now += queueing.RECENT + 1  # these arrivals are no longer "the last hour": no stretch
    for g in greens[:2]:
        assert desk.ok("call_next", window="1")["ticket"] == g.number
        desk.now += 480  # household takes 8 minutes: the smoothed time stays 8
        desk.ok("finish", window="1")
    assert desk.config.rules.priority_guard == 3
    # window 1 has called two green tickets in a row: one more, then the ordinary C001, then
    # the rest (without the guard C001 would wait for all three: 24 minutes)
    waits = {t.number: desk.predict(t) for t in (plain, *greens[2:])}
    assert waits == {greens[2].number: 0.0, plain.number: 480.0, greens[3].number: 960.0,
                     greens[4].number: 1440.0}
    called = []
    for _ in range(4):  # and the engine calls them in exactly that order
        called.append(desk.ok("call_next", window="1")["ticket"])
        desk.now += 480
        desk.ok("finish", window="1")
    assert called == sorted(waits, key=waits.get)


def _issue_now(engine, state, code, now) -> dict:
    """What a kiosk's ticket of ``code`` taken at ``now`` is told (on a copy of the state)."""
    person = {"hash": "k-probe"} if engine.config.services[code].id_card_required else None
    cmd = {"verb": "issue", "service": code, **({"person": person, "channel": "id_card"} if person else {})}
    fork = dataclasses.replace(state, tickets=dict(state.tickets), counters=dict(state.counters),
                               alerts=dict(state.alerts), dirty_tickets={}, dirty_windows=set())
    return engine.handle(fork, cmd, now)  # issuing adds a ticket and a count, changes no other


@pytest.mark.parametrize("hall", ["township", "county"])
def test_the_service_state_tells_what_a_ticket_taken_at_that_instant_is_told(hall, request):
    """Through a simulated day (busy, paused, transferred, green, tidal windows), every so
    often: state/service/<code>'s estimated_wait_min for every service equals the
    estimated_wait_min of a ticket of that service issued at the same instant, and a tidal
    alert names the wait the service state shows."""
    config, profile = request.getfixturevalue(hall)
    sim = Simulation(config, profile, seed=3)
    compared, busy, alerts = [], [], []
    n, every = itertools.count(), 13 if hall == "township" else 151

    def look(events):
        for e in events:
            if e["type"] == "tidal_alert":  # the tidal trigger watches the same figure
                shown = protocol_state.service_states(config, sim.state, e["ts"])[e["service"]]
                alerts.append((e["data"]["estimated_wait_min"], shown["estimated_wait_min"]))
        if not events or next(n) % every:
            return
        now, state = events[-1]["ts"], sim.state
        shown = protocol_state.service_states(config, state, now)
        for code in config.services:
            out = _issue_now(sim.engine, state, code, now)
            if out.ok:  # refused outside hours, over quota, closed: nothing is told
                compared.append((code, shown[code]["estimated_wait_min"], out.data["estimated_wait_min"]))
        busy.append(any(ws.ticket for ws in state.windows.values()))

    sim.listener = look
    sim.run(1)
    assert len(compared) > 60 and any(busy)
    assert any(shown > 0 for _, shown, _ in compared)
    assert [(c, s) for c, s, _ in compared] == [(c, told) for c, _, told in compared]
    assert hall == "township" or alerts
    assert [a for a, _ in alerts] == [shown for _, shown in alerts]
