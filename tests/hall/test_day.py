"""The hall day: numbers restart at the day boundary (03:00 local), never within a day."""
from __future__ import annotations


def test_numbers_restart_after_the_day_boundary_and_live_tickets_expire(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("issue", service="household", channel="staff")
    hall.at("17:20").ok("call_next", window="1")  # C001 called, C002 still waiting
    seq_before = hall.store.state.seq
    # 02:59 next morning still belongs to the 23rd: staff may issue late (延时服务)
    hall.at("02:59", day="2026-11-24")
    assert hall.ok("issue", service="household", channel="staff")["ticket"] == "C003"
    hall.at("03:00", day="2026-11-24")
    hall.ok("tick")
    assert hall.store.state.day == "2026-11-24"
    types = hall.event_types()
    assert types.count("ticket_expired") == 3 and "day_started" in types
    assert hall.window("1").status == "closed" and hall.window("1").ticket is None
    hall.at("09:00", day="2026-11-24")
    assert hall.ok("issue", service="household")["ticket"] == "C001"
    assert hall.store.state.seq > seq_before  # sequence numbers never restart
    # yesterday's tickets stay in the database in their final state
    old = hall.store.tickets_of_day("2026-11-23")
    assert [(t["number"], t["status"]) for t in old] == [("C001", "expired"), ("C002", "expired"), ("C003", "expired")]


def test_day_boundary_survives_a_restart(hall):
    hall.ok("issue", service="household")
    hall.ok("issue", service="household")
    hall.reopen()
    assert hall.ok("issue", service="household")["ticket"] == "C003"
    hall.at("09:00", day="2026-11-24").reopen()
    assert hall.ok("issue", service="household")["ticket"] == "C001"


def test_a_clock_that_goes_back_never_reopens_a_finished_day(hall):
    hall.at("09:00", day="2026-11-24")
    hall.ok("issue", service="household")
    hall.at("16:00", day="2026-11-23")
    assert hall.ok("issue", service="household")["ticket"] == "C002"
    assert hall.store.state.day == "2026-11-24"
