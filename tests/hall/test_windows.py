"""Staff at windows (AB岗), pause and resume, tidal and seasonal windows."""
from __future__ import annotations


def test_any_authorised_staff_at_any_window_and_served_by_is_recorded(hall):
    hall.ok("staff_login", window="2", staff="0103")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="2")
    hall.ok("finish", window="2")
    assert hall.ticket("C001").staff == "0103"
    finished = [e for e in hall.events if e["type"] == "ticket_finished"][0]
    assert (finished["window"], finished["staff"]) == ("2", "0103")


def test_login_refusals(hall):
    assert hall.no("staff_login", "unknown_staff", window="1", staff="9999")["message"] == "工号9999不存在，请核对"
    hall.ok("staff_login", window="1", staff="0101")
    err = hall.no("staff_login", "staff_elsewhere", window="2", staff="0101")
    assert err["message"] == "工号0101已在1号窗口登录，请先退出"
    err = hall.no("staff_login", "window_occupied", window="1", staff="0102")
    assert err["message"] == "1号窗口已由工号0101登录"
    assert hall.ok("staff_login", window="1", staff="0101")["staff"] == "0101"  # again: nothing changes


def test_b_takes_over_from_a_with_the_ticket_in_hand(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    hall.ok("staff_login", window="1", staff="0102", takeover=True)
    hall.ok("finish", window="1")
    assert hall.ticket("C001").staff == "0102"
    logout = [e for e in hall.events if e["type"] == "staff_logout"][0]
    assert (logout["staff"], logout["data"]["by"]) == ("0101", "0102")


def test_staff_restricted_to_windows(county_hall):
    h = county_hall
    err = h.no("staff_login", "staff_not_authorised", window="1", staff="1019")
    assert err["message"] == "工号1019未被授权在1号窗口服务"
    assert h.ok("staff_login", window="19", staff="1019")["status"] == "open"


def test_logout_needs_the_ticket_dealt_with(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    hall.no("staff_logout", "ticket_in_hand", window="1")
    hall.ok("hold", window="1")
    assert hall.ok("staff_logout", window="1")["status"] == "closed"
    assert hall.window("1").staff is None


def test_pause_needs_a_reason_and_stops_calls_until_resumed(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.no("pause", "reason_required", window="1")
    hall.ok("pause", window="1", reason="午休")
    assert hall.no("call_next", "window_paused", window="1")["message"] == "1号窗口已暂停，请先恢复服务"
    hall.ok("resume", window="1")
    assert hall.ok("call_next", window="1")["ticket"] == "C001"
    assert hall.no("resume", "window_not_paused", window="1")["message"] == "1号窗口未暂停"


def test_paused_window_still_counts_for_the_estimate_closed_does_not(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("staff_login", window="2", staff="0102")
    hall.ok("pause", window="2", reason="接电话")  # expected back in 10 minutes
    waits = [hall.ok("issue", service="household")["estimated_wait_min"] for _ in range(3)]
    # window 1 takes C001 now and C002 after 8 min; window 2 is back at 10 min for C003
    assert waits == [0.0, 8.0, 10.0]
    hall.ok("resume", window="2")
    hall.ok("staff_logout", window="2")
    # only window 1 now: three people ahead of 8 minutes each
    assert hall.ok("issue", service="household")["estimated_wait_min"] == 24.0


def test_seasonal_window_serves_only_within_its_dates(county_hall):
    h = county_hall  # window 30 season 09-01..12-31
    assert h.ok("staff_login", window="30", staff="1030")["status"] == "open"
    h2 = h.at("09:00", day="2027-01-04")
    err = h2.no("staff_login", "out_of_season", window="30", staff="1031")
    assert err["message"] == "30号窗口不在开放季节（09-01至12-31）"


def test_tidal_window_alert_raised_then_cleared_when_opened(county_hall):
    h = county_hall  # window 28: 社保/医保 waiting ≥ 15 or ≥ 30 min
    for wid in ("1", "5", "6", "7"):  # four windows serve 医保: 15 × 5 min ÷ 4 stays under 30 min
        h.ok("staff_login", window=wid, staff=f"10{int(wid):02d}")
    for i in range(14):
        h.ok("issue", service="medical_enroll", person={"hash": f"p{i}"})
    assert "tidal_alert" not in h.event_types()
    h.ok("issue", service="medical_enroll", person={"hash": "p14"})
    alert = [e for e in h.events if e["type"] == "tidal_alert"]
    assert [(a["window"], a["service"]) for a in alert] == [("28", "medical_enroll")]
    assert h.store.state.alerts["28"]["window_name"] == "28号潮汐窗口"
    h.ok("issue", service="medical_enroll", person={"hash": "p15"})
    assert h.event_types().count("tidal_alert") == 1  # raised once, not on every ticket
    h.ok("staff_login", window="28", staff="1028")
    cleared = [e for e in h.events if e["type"] == "tidal_alert_cleared"]
    assert cleared[-1]["window"] == "28" and cleared[-1]["data"]["reason"] == "opened"
    assert "28" not in h.store.state.alerts
    # the opened tidal window adds its skills: it can call the line
    assert h.ok("call_next", window="28")["service"] == "medical_enroll"


def test_tidal_alert_subsides_when_the_line_shrinks(county_hall):
    h = county_hall
    for wid in ("1", "5", "6", "7"):
        h.ok("staff_login", window=wid, staff=f"10{int(wid):02d}")
    for i in range(15):
        h.ok("issue", service="medical_enroll", person={"hash": f"p{i}"})
    assert "28" in h.store.state.alerts
    for _ in range(10):  # clear ratio 0.4: below 6 waiting (and below 12 minutes)
        h.ok("call_next", window="5")
        h.ok("finish", window="5")
    assert "28" not in h.store.state.alerts
    assert [e for e in h.events if e["type"] == "tidal_alert_cleared"][-1]["data"]["reason"] == "subsided"
