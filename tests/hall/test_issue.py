"""Issuing tickets (取号): numbers, people ahead, estimates, and every refusal in Chinese."""
from __future__ import annotations


def test_numbers_are_prefix_and_three_digits_consecutive_per_service(hall):
    got = [hall.ok("issue", service="social_insurance")["ticket"] for _ in range(3)]
    got.append(hall.ok("issue", service="household")["ticket"])
    assert got == ["A001", "A002", "A003", "C001"]


def test_reply_tells_people_ahead_and_estimated_wait(hall):
    hall.ok("issue", service="social_insurance")
    data = hall.ok("issue", service="social_insurance")
    assert data["people_ahead"] == 1
    # nobody logged in yet: 3 regular windows can serve it, 6 minutes each → (1+1)×6/3 = 4 min
    assert data["estimated_wait_min"] == 4.0
    assert data["service_name"] == "社保医保业务"
    hall.ok("staff_login", window="1", staff="0101")
    data = hall.ok("issue", service="social_insurance")
    # window 1 is free now: A001 at once, A002 after 6 minutes, this one after 12
    assert data["people_ahead"] == 2 and data["estimated_wait_min"] == 12.0


def test_estimate_is_recorded_on_the_ticket_beside_its_real_wait(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="social_insurance")
    hall.ok("issue", service="social_insurance")
    hall.later(200).ok("call_next", window="1")
    hall.ok("finish", window="1")
    hall.later(100).ok("call_next", window="1")
    t = hall.ticket("A002")
    assert t.estimated_wait == 360.0  # one ahead, 6 minutes
    assert t.first_called_at - t.issued_at == 300.0


def test_unknown_service_is_refused(hall):
    err = hall.no("issue", "unknown_service", service="fishing_licence")
    assert err["message"] == "没有这个办理事项，请重新选择"


def test_outside_hours_is_refused_with_the_hours(hall):
    hall.at("12:30")
    err = hall.no("issue", "outside_hours", service="household")
    assert err["message"] == "现在不在办理时间（09:00-12:00、13:30-17:30），请在办理时间内取号"
    assert "outside service hours" in err["message_en"]
    hall.at("13:30")
    assert hall.ok("issue", service="household")["ticket"] == "C001"


def test_staff_may_issue_outside_hours_for_extended_service(hall):
    hall.at("17:45")
    assert hall.ok("issue", service="household", channel="staff")["ticket"] == "C001"


def test_weekend_is_refused(hall):
    hall.at("10:00", day="2026-11-28")  # a Saturday
    err = hall.no("issue", "closed_day", service="household")
    assert "今天大厅不办理业务" in err["message"]


def test_daily_quota(tiny, tmp_path):
    from hall.config import parse_hall
    from tests.hall.conftest import Hall, tiny_hall

    raw = tiny_hall()
    raw["service"][0]["daily_quota"] = 2
    h = Hall(tmp_path / "q.db", parse_hall(raw))
    h.ok("issue", service="a")
    h.ok("issue", service="a")
    err = h.no("issue", "quota_reached", service="a")
    assert err["message"] == "今日甲事项号源已满（2个），请明天再来或网上办理"
    assert h.ok("issue", service="b")["ticket"] == "B001"


def test_closed_service_is_refused_until_reopened(hall):
    hall.ok("close_service", service="veterans", reason="系统升级")
    err = hall.no("issue", "service_closed", service="veterans", person={"hash": "p1"})
    assert err["message"] == "退役军人优抚今天暂停取号，请咨询服务台"
    hall.ok("open_service", service="veterans")
    assert hall.ok("issue", service="veterans", person={"hash": "p1"})["ticket"] == "D001"


def test_id_card_required(hall):
    err = hall.no("issue", "id_card_required", service="civil_affairs")
    assert err["message"] == "办理民政救助（低保、五保、残疾人补贴）需刷身份证取号，请将身份证放在感应区"
    ok = hall.ok("issue", service="civil_affairs", channel="id_card",
                 person={"hash": "k1", "masked": "3701**********1234"})
    assert ok["ticket"] == "B001"
    assert hall.ticket("B001").person_masked == "3701**********1234"


def test_same_person_cannot_hold_two_live_tickets_for_one_service(hall):
    person = {"hash": "k1", "masked": "3701**********1234"}
    hall.ok("issue", service="household", channel="id_card", person=person)
    err = hall.no("issue", "already_holding", service="household", channel="id_card", person=person)
    assert err["message"] == "您已领取户籍与证明开具的C001号，请留意叫号"
    assert hall.ok("issue", service="social_insurance", channel="id_card", person=person)["ticket"] == "A001"
    hall.ok("cancel", number="C001")
    assert hall.ok("issue", service="household", channel="id_card", person=person)["ticket"] == "C002"


def test_per_person_daily_cap(tiny):
    h = tiny(per_person_daily_cap=2)
    p = {"hash": "k9"}
    h.ok("issue", service="a", person=p)
    h.ok("issue", service="b", person=p)
    h.ok("staff_login", window="1", staff="01")
    h.ok("call_next", window="1")
    h.ok("finish", window="1")
    err = h.no("issue", "person_daily_cap", service="a", person=p)
    assert err["message"] == "您今天已取号2次，已达上限，请到服务台咨询"


def test_green_channel_by_age_from_the_id_card(hall):
    elder = hall.ok("issue", service="household", channel="id_card", person={"hash": "e", "birth": "1960-05-01"})
    younger = hall.ok("issue", service="household", channel="id_card", person={"hash": "y", "birth": "1966-11-24"})
    assert elder["priority"] == "green"  # 66 on the test day, threshold 60
    assert younger["priority"] is None  # turns 60 tomorrow


def test_green_channel_by_staff_decision_only(hall):
    err = hall.no("issue", "green_needs_staff", service="household", green=True)
    assert err["message"] == "绿色通道请由工作人员办理"
    assert hall.ok("issue", service="household", channel="staff", green=True)["priority"] == "green"


def test_appointment_check_in_needs_a_code_and_gets_priority(hall):
    hall.no("issue", "appointment_required", service="household", channel="appointment")
    data = hall.ok("issue", service="household", channel="appointment", appointment="YY20261123-0042")
    assert data["priority"] == "appointment"
    assert hall.ticket(data["ticket"]).appointment == "YY20261123-0042"


def test_malformed_commands_get_bad_request(hall):
    assert hall.no("issue", "bad_request", service=None)["message"].startswith("请求格式有误")
    hall.no("issue", "bad_request", service="household", channel="fax")
    hall.no("issue", "bad_request", service="household", person="3701")
    hall.no("issue", "bad_request", service="household", person={"hash": "x", "birth": "yesterday"})
    assert hall.no("fly", "unknown_verb")["message"] == "不支持的操作：fly"
    assert hall.store.state.counters == {}


def test_issued_event_carries_only_masked_person(hall):
    hall.ok("issue", service="household", channel="id_card",
            person={"hash": "hmac-abc", "masked": "3701**********1234", "birth": "1990-01-01"})
    issued = [e for e in hall.events if e["type"] == "ticket_issued"][0]
    assert issued["data"]["person_masked"] == "3701**********1234"
    assert "1990-01-01" not in str(issued)
