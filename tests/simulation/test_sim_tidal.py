"""Tidal windows (潮汐窗口) in the simulation: opened by the engine's own alert after the staff's
reaction delay, closed again when the line subsides, and worth it at a peak."""
from __future__ import annotations

from hall.simulation import erlang
from hall.simulation.model import Simulation
from hall.simulation.profile import parse_profile
from hall.simulation.report import summarise

PEAK = {"08": 12, "09": 16, "10": 34, "11": 16, "12": 10}


def peak_day(make_hall):
    config = make_hall(2, 6.0, tidal={"services": ["svc"], "waiting_over": 6})
    profile = parse_profile({
        "profile": {"name": "高峰"}, "arrivals": PEAK, "mix": {"svc": 1},
        "staff": {"tidal_reaction_minutes": 4, "tidal_min_open_minutes": 20},
        "citizens": {"walk_seconds": 30},
    }, config)
    return config, profile


def test_a_tidal_window_cuts_the_wait_at_a_peak(make_hall):
    config, profile = peak_day(make_hall)
    with_tidal = Simulation(config, profile, seed=5).run(4)
    without = Simulation(config, profile, seed=5, tidal=False).run(4)  # the very same citizens

    def peak_waits(results):
        return [t.wait for r in results for t in r.tickets if t.hour in (10, 11)]

    assert [len(r.tickets) for r in with_tidal] == [len(r.tickets) for r in without]
    assert erlang.mean(peak_waits(with_tidal)) < 0.7 * erlang.mean(peak_waits(without))
    assert all(r.tidal_opened >= 1 for r in with_tidal)
    assert all(r.tidal_opened == 0 for r in without)
    totals = summarise(config, profile, without, 5).totals
    assert totals["tidal_alerts"] >= 1  # the engine still raised the alert; nobody answered it


def test_the_window_opens_after_the_reaction_delay_and_closes_when_the_line_subsides(make_hall):
    config, profile = peak_day(make_hall)
    events = []
    Simulation(config, profile, seed=5, listener=events.extend).run(1)
    tidal = [e for e in events if e["window"] == "T"]
    kinds = [e["type"] for e in tidal]
    assert kinds[:3] == ["tidal_alert", "staff_login", "tidal_alert_cleared"]
    alert, login = tidal[0], tidal[1]
    assert login["ts"] - alert["ts"] == 4 * 60
    assert login["staff"] not in {e["staff"] for e in events if e["type"] == "staff_login" and e["window"] != "T"}
    closing = [e for e in tidal if e["type"] == "window_closed"]
    assert closing and closing[0]["data"]["reason"] == "tidal_subsided"
    assert closing[0]["ts"] - login["ts"] >= 20 * 60  # stays at least the minimum spell
    assert [e for e in tidal if e["type"] == "ticket_called"]  # and served while open
