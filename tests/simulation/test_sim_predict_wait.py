"""queueing.predict_wait: the calling rule played forward, checked against what the engine
then really does with the same state (no simulator involved)."""
from __future__ import annotations

from pathlib import Path

import pytest

from hall import queueing
from hall.config import load_hall
from hall.engine import Engine

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
    assert queueing.estimate_wait(desk.config, desk.state, "social_insurance", 0) == 180.0  # 6 min ÷ 2 windows
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
    assert d.predict(t) == queueing.estimate_wait(d.config, d.state, "social_insurance", 1) == 240.0


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
