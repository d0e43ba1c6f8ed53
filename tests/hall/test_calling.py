"""Calling (叫号) at a window: next, a number, recall, no-show, return, hold, transfer, finish."""
from __future__ import annotations

import pytest


@pytest.fixture
def open_hall(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("staff_login", window="2", staff="0102")
    return hall


def test_call_next_takes_the_longest_waiting_across_services(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.later(10).ok("issue", service="social_insurance")
    assert h.ok("call_next", window="1")["ticket"] == "C001"
    assert h.ok("call_next", window="2")["ticket"] == "A001"
    called = [e for e in h.events if e["type"] == "ticket_called"]
    assert [(e["ticket"], e["window"], e["staff"]) for e in called] == [("C001", "1", "0101"), ("A001", "2", "0102")]
    assert called[0]["data"]["window_name"] == "1号窗口"


def test_call_next_refusals(open_hall):
    h = open_hall
    assert h.no("call_next", "queue_empty", window="1")["message"] == "当前没有等候的群众"
    assert h.no("call_next", "window_closed", window="3")["message"] == "3号窗口未登录，请先登录"
    assert h.no("call_next", "unknown_window", window="99")["message"] == "没有99号窗口"
    h.ok("issue", service="household")
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    err = h.no("call_next", "ticket_in_hand", window="1")
    assert err["message"] == "请先办结、挂起或转办当前的C001号"


def test_green_channel_first_but_ordinary_tickets_never_starve(tiny):
    h = tiny(priority_guard=2)
    h.ok("staff_login", window="1", staff="01")
    h.ok("issue", service="a")  # A001 ordinary, arrived first
    for _ in range(4):
        h.later(1).ok("issue", service="a", channel="staff", green=True)  # A002..A005
    order = []
    for _ in range(5):
        order.append(h.ok("call_next", window="1")["ticket"])
        h.ok("finish", window="1")
    assert order == ["A002", "A003", "A001", "A004", "A005"]


def test_primary_skill_before_secondary(tiny):
    h = tiny()
    h.ok("staff_login", window="1", staff="01")  # primary a, secondary b
    h.ok("issue", service="b")
    h.later(5).ok("issue", service="a")
    assert h.ok("call_next", window="1")["ticket"] == "A001"
    h.ok("finish", window="1")
    assert h.ok("call_next", window="1")["ticket"] == "B001"


def test_call_a_given_number(open_hall):
    h = open_hall
    for _ in range(3):
        h.ok("issue", service="household")
    assert h.ok("call_number", window="1", number="c003")["ticket"] == "C003"
    called = [e for e in h.events if e["type"] == "ticket_called"][-1]
    assert called["data"]["how"] == "number"
    assert h.no("call_number", "unknown_ticket", window="2", number="C009")["message"] == "今天没有C009号"
    assert h.no("call_number", "not_waiting", window="2", number="C003")["message"] == "C003号当前状态为已叫号，不能呼叫"
    h.ok("issue", service="help")
    assert h.no("call_number", "not_eligible", window="2", number="H001")["message"] == "本窗口不能办理H001号的事项"


def test_recall_until_the_limit_then_no_show(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    assert h.ok("recall", window="1")["status"] == "called"
    assert h.ok("recall", window="1")["status"] == "called"
    assert h.ok("recall", window="1")["status"] == "missed"  # limit 2 in the township hall
    assert h.window("1").ticket is None
    assert h.event_types()[-3:] == ["ticket_recalled", "ticket_recalled", "ticket_no_show"]
    assert h.events[-1]["data"]["reason"] == "recall_limit"


def test_recall_after_start_is_refused(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    h.ok("start", window="1")
    assert h.no("recall", "already_started", window="1")["message"] == "C001号已开始办理"
    assert h.no("recall", "no_ticket", window="2")["message"] == "2号窗口当前没有正在办理的号"


def test_no_show_then_return_at_front_or_after_k(open_hall):
    h = open_hall
    for _ in range(5):
        h.later(1).ok("issue", service="household")
    h.ok("call_next", window="1")  # C001
    h.ok("no_show", window="1")
    assert h.ticket("C001").status == "missed"
    assert h.no("call_number", "not_waiting", window="1", number="C001")["message"] == "C001号当前状态为过号，不能呼叫"
    h.ok("return_missed", number="C001", place=2)
    order = []
    for _ in range(5):
        order.append(h.ok("call_next", window="1")["ticket"])
        h.ok("no_show", window="1")
    assert order == ["C002", "C003", "C001", "C004", "C005"]
    h.ok("return_missed", number="C005", place="front")
    assert h.ok("call_next", window="2")["ticket"] == "C005"
    assert h.no("return_missed", "not_missed", number="C005")["message"] == "C005号不在过号列表中"


def test_hold_then_any_eligible_window_calls_it(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    h.ok("start", window="1")
    assert h.ok("hold", window="1", reason="回去取户口簿")["status"] == "held"
    assert h.ok("call_next", window="1")["ticket"] == "C002"  # held tickets wait to be asked for
    data = h.ok("call_number", window="2", number="C001")
    assert data["window"] == "2" and data["status"] == "called"
    assert [e for e in h.events if e["type"] == "ticket_called"][-1]["data"]["how"] == "held"


def test_transfer_to_another_service_keeps_arrival_time(open_hall):
    h = open_hall
    h.ok("issue", service="household")  # C001 arrives first
    h.later(60).ok("issue", service="social_insurance")  # A001
    h.ok("call_next", window="1")
    data = h.ok("transfer", window="1", to_service="social_insurance")
    assert data["service"] == "social_insurance" and data["status"] == "waiting"
    # C001 keeps its place: it arrived before A001
    assert h.ok("call_next", window="2")["ticket"] == "C001"
    ev = [e for e in h.events if e["type"] == "ticket_transferred"][0]
    assert ev["data"]["from_service"] == "household" and ev["data"]["to_service"] == "social_insurance"


def test_transfer_to_a_window_and_back(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    h.ok("start", window="1")
    h.ok("transfer", window="1", to_window="9", return_after=True)  # the help desk fills the form
    h.ok("issue", service="help")
    h.ok("staff_login", window="9", staff="0104")
    assert h.ok("call_next", window="9")["ticket"] == "C001"  # pinned to window 9, arrived first
    assert h.no("call_number", "not_eligible", window="2", number="H001") is not None
    h.ok("finish", window="9")
    t = h.ticket("C001")
    assert (t.status, t.pinned_window) == ("waiting", "1")
    h.no("call_next", "queue_empty", window="2")  # pinned to window 1; H001 is the help desk's
    assert h.ok("call_next", window="1")["ticket"] == "C001"
    h.ok("finish", window="1", outcome="accepted_to_backoffice")
    assert h.ticket("C001").status == "finished"
    assert h.ticket("C001").outcome == "accepted_to_backoffice"
    assert "ticket_sent_back" in h.event_types()


def test_transfer_refusals(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    h.no("transfer", "bad_request", window="1")
    h.no("transfer", "bad_request", window="1", to_service="help", to_window="9")
    h.no("transfer", "unknown_service", window="1", to_service="nope")
    h.no("transfer", "unknown_window", window="1", to_window="42")
    assert h.no("transfer", "same_window", window="1", to_window="1")["message"] == "不能转办到本窗口"
    assert h.ticket("C001").status == "called"


def test_finish_outcomes_and_rejection_needs_a_reason(open_hall):
    h = open_hall
    for _ in range(3):
        h.ok("issue", service="household")
    h.ok("call_next", window="1")
    assert h.no("finish", "reason_required", window="1", outcome="rejected")["message"] == "请填写原因"
    assert h.no("finish", "unknown_outcome", window="1", outcome="lost")["message"] == "办结结果无效"
    h.ok("finish", window="1", outcome="rejected", reason="不属于本中心受理范围，已告知到县公安局办理")
    t = h.ticket("C001")
    assert (t.status, t.outcome, t.staff) == ("finished", "rejected", "0101")
    h.ok("call_next", window="1")
    h.ok("finish", window="1", outcome="notified_to_supplement")
    assert h.ticket("C002").outcome == "notified_to_supplement"
    h.ok("call_next", window="1")
    h.ok("finish", window="1")
    assert h.ticket("C003").outcome == "completed"


def test_finishing_teaches_the_handling_time(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    h.ok("start", window="1")
    h.later(180).ok("finish", window="1")
    # 8 min default, smoothing 0.2: 0.8×480 + 0.2×180 = 420 s
    assert h.store.state.handling["household"] == 420.0


def test_cancel_a_ticket_in_hand_frees_the_window(open_hall):
    h = open_hall
    h.ok("issue", service="household")
    h.ok("call_next", window="1")
    assert h.ok("cancel", number="C001", reason="群众离开")["status"] == "cancelled"
    assert h.window("1").ticket is None
    assert h.no("cancel", "ticket_final", number="C001")["message"] == "C001号已取消，不能再操作"
