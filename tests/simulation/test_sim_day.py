"""A simulated day drives the real engine the way a hall works: checked through the engine's
own events and final state, not through the simulator's bookkeeping."""
from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from hall.simulation.model import Simulation
from hall.simulation.profile import parse_profile
from hall.simulation.report import render, summarise


@pytest.fixture(scope="module")
def township_day(township):
    config, profile = township
    events: list[dict] = []
    sim = Simulation(config, profile, seed=11, listener=events.extend)
    results = sim.run(2)
    return config, profile, sim, results, events


def test_same_seed_same_output_other_seed_other_output(township):
    config, profile = township

    def text(seed):
        return render(summarise(config, profile, Simulation(config, profile, seed=seed).run(3), seed), "en")

    assert text(4) == text(4)
    assert text(4) != text(5)


def test_every_ticket_is_called_and_every_window_closed_at_the_end(township_day):
    config, profile, sim, results, events = township_day
    assert all(t.wait is not None for r in results for t in r.tickets)
    assert {t.status for t in sim.state.tickets.values()} <= {"finished", "missed"}
    assert {ws.status for ws in sim.state.windows.values()} == {"closed"}
    issued = [e for e in events if e["type"] == "ticket_issued"]
    assert len(issued) == sum(len(r.tickets) for r in results)


def test_the_recorded_estimate_is_the_one_the_engine_told(township_day):
    config, profile, sim, results, events = township_day
    told = sorted(e["data"]["estimated_wait"] for e in events if e["type"] == "ticket_issued")
    assert told == sorted(t.estimate for r in results for t in r.tickets)


def test_absent_citizens_are_recalled_per_the_rules_before_the_no_show(township_day):
    config, profile, sim, results, events = township_day
    no_shows = [e for e in events if e["type"] == "ticket_no_show"]
    assert no_shows and all(e["data"]["reason"] == "no_show" for e in no_shows)
    for e in no_shows:
        before = [x for x in events if x["day"] == e["day"] and x["ticket"] == e["ticket"] and x["seq"] < e["seq"]]
        last_call = max(i for i, x in enumerate(before) if x["type"] == "ticket_called")
        recalls = [x for x in before[last_call:] if x["type"] == "ticket_recalled"]
        assert len(recalls) == config.rules.recall_limit
        assert e["ts"] - before[last_call]["ts"] == pytest.approx((config.rules.recall_limit + 1) * profile.recall_seconds)
    returned = [e for e in events if e["type"] == "ticket_returned"]
    assert returned  # some come back (回呼) and are called again
    assert sum(s.no_shows for r in results for s in r.hours.values()) == len(no_shows)


def test_breaks_pause_each_window_for_their_length(township_day):
    config, profile, sim, results, events = township_day
    paused = [e for e in events if e["type"] == "window_paused"]
    assert {e["window"] for e in paused} == set(profile.windows)
    assert {e["data"]["reason"] for e in paused} == {"休息"}
    for e in paused:
        back = next(x for x in events if x["type"] == "window_resumed" and x["window"] == e["window"]
                    and x["seq"] > e["seq"])
        assert back["ts"] - e["ts"] == pytest.approx(profile.breaks[0].minutes * 60)


def test_refusals_come_only_outside_hours_and_most_come_back_at_opening(township_day):
    config, profile, sim, results, events = township_day
    refused = Counter()
    for r in results:
        refused.update(r.refusals)
    assert set(refused) == {"outside_hours"}
    hours = {h for r in results for h in r.refused_by_hour}
    assert hours <= {8, 12, 13, 17, 18}
    early = sum(r.refused_by_hour[8] for r in results)
    at_nine = sum(1 for r in results for t in r.tickets if t.hour == 9)
    assert early > 0 and at_nine > early


def test_transfers_and_green_channel_go_through_the_engine(township_day):
    config, profile, sim, results, events = township_day
    moved = [e for e in events if e["type"] == "ticket_transferred"]
    assert len(moved) == sum(r.transfers for r in results) > 0
    assert all(e["data"]["to_service"] != e["data"]["from_service"] for e in moved)
    green = [e for e in events if e["type"] == "ticket_issued" and e["data"]["priority"] == "green"]
    assert {e["data"]["channel"] for e in green} == {"staff", "id_card"}  # granted, and by age from the card
    assert sum(1 for r in results for t in r.tickets if t.priority == "green") == len(green)


def test_quota_refusals_are_counted(make_hall):
    config = make_hall(2, 6.0, quota=5)
    profile = parse_profile({"arrivals": {"09": 20}, "mix": {"svc": 1}}, config)
    (day,) = Simulation(config, profile, seed=2).run(1)
    assert len(day.tickets) == 5
    assert day.refusals["quota_reached"] >= 5


def test_a_busy_county_day_runs_on_the_thirty_window_hall(county):
    config, profile = county
    busy = dataclasses.replace(profile, arrivals={h: n * 1.3 for h, n in profile.arrivals.items()})
    events: list[dict] = []
    (day,) = Simulation(config, busy, seed=1, listener=events.extend).run(1)
    assert len(day.tickets) > 1200
    assert all(t.wait is not None for t in day.tickets)
    logins = {e["window"] for e in events if e["type"] == "staff_login"}
    assert set(profile.windows) <= logins and "30" not in logins  # the seasonal window is out of season
    assert day.tidal_opened >= 1 and logins & {"28", "29"}
