"""Every 差评 is followed to the end: case steps, working-day deadlines, overdue alerts."""
from __future__ import annotations

import datetime as dt

import pytest

from hall import protocol_state, rating
from hall.messages import Refusal
from tests.rating.conftest import HOLIDAY, MAKEUP, RatingHall, township_with


def bad(h: RatingHall, window: str = "3", **fields) -> dict:
    number = h.serve(window, **{k: v for k, v in fields.items() if k == "person"})
    return h.ok("rate", window=window, number=number, level="very_dissatisfied", reasons=["attitude"],
                **{k: v for k, v in fields.items() if k != "person"})


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days():
    cfg = township_with()
    thursday = dt.date(2026, 11, 26)
    # Fri 27, [Sat 28, Sun 29, Mon 30 = holiday], Tue 1, Wed 2
    assert rating.working_day_after(cfg, thursday, 1) == dt.date(2026, 11, 27)
    assert rating.working_day_after(cfg, thursday, 2) == dt.date(2026, 12, 1)
    assert rating.working_day_after(cfg, thursday, 3) == dt.date(2026, 12, 2)
    # Thu 3, Fri 4, Sat 5 is a make-up working day (调休), Mon 7
    assert rating.working_day_after(cfg, dt.date(2026, 12, 2), 3) == dt.date(2026, 12, 5)
    assert rating.working_day_after(cfg, dt.date(2026, 12, 2), 4) == dt.date(2026, 12, 7)
    # a rating given on a Saturday (extended service) counts from the next working day
    assert rating.working_day_after(cfg, dt.date(2026, 11, 28), 1) == dt.date(2026, 12, 1)
    assert HOLIDAY == "2026-11-30" and MAKEUP == "2026-12-05"


def test_a_bad_rating_opens_a_case_with_its_deadline(tmp_path):
    h = RatingHall(tmp_path / "h.db", township_with(case_days=3))
    h.at("10:00", day="2026-11-26")  # Thursday
    data = bad(h)
    assert data["case"] == 1 and data["deadline"] == "2026-12-02"  # across the weekend and the holiday
    (opened,) = [e for e in h.events if e["type"] == "case_opened"]
    assert opened["data"]["case"] == 1 and opened["data"]["deadline"] == "2026-12-02"
    assert opened["data"]["reasons"] == ["attitude"] and opened["data"]["named"] is False
    (row,) = h.store.db.query("SELECT * FROM cases")
    assert (row["status"], row["deadline"], row["rating"]) == ("open", "2026-12-02", data["matter"])
    (r,) = h.store.db.query("SELECT \"case\" FROM ratings")
    assert r["case"] == 1
    h.store.close()


def test_a_good_rating_opens_no_case(rhall):
    number = rhall.serve("3")
    rhall.ok("rate", window="3", number=number, level="basically_satisfied")
    assert "case_opened" not in rhall.event_types() and rhall.store.state.rating.cases == {}


def test_every_step_by_a_manager_with_a_note_each_an_event(rhall):
    case = bad(rhall)["case"]
    step = lambda **f: rhall.ok("case_step", case=case, by="张主任", **f)  # noqa: E731
    rhall.no("case_step", "verdict_needed", case=case, step="verify", note="调阅录像", by="张主任")
    rhall.no("case_step", "step_out_of_order", case=case, step="rectify", note="x", by="张主任")
    rhall.no("case_step", "note_needed", case=case, step="verify", verdict="true", note="  ", by="张主任")
    rhall.no("case_step", "unknown_step", case=case, step="approve", note="x", by="张主任")
    rhall.no("case_step", "unknown_case", case=99, step="verify", verdict="true", note="x", by="张主任")
    assert step(step="verify", verdict="true", note="调阅录像，情况属实")["status"] == "verified"
    err = rhall.no("case_step", "step_out_of_order", case=case, step="close", note="x", by="张主任")
    assert err["message"] == "案件现为“已核实”，下一步只能是：整改"
    assert step(step="rectify", note="窗口人员已培训")["next"] == ["answer", "close"]  # anonymous
    assert step(step="answer", note="已在公示栏答复")["status"] == "answered"
    done = step(step="close", note="办结")
    assert done["status"] == "closed" and done["status_name"] == "办结"
    assert [s["step"] for s in done["steps"]] == ["verify", "rectify", "answer", "close"]
    assert all(s["by"] == "张主任" and s["note"] for s in done["steps"])
    steps = [e for e in rhall.events if e["type"] == "case_step"]
    assert [(e["data"]["step"], e["data"]["status"]) for e in steps] == [
        ("verify", "verified"), ("rectify", "rectified"), ("answer", "answered"), ("close", "closed")]
    assert steps[0]["data"]["verdict"] == "true" and steps[0]["data"]["note"] == "调阅录像，情况属实"
    seqs = [e["seq"] for e in steps]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    rhall.no("case_step", "case_closed", case=case, step="close", note="again", by="张主任")
    (row,) = rhall.store.db.query("SELECT status, verdict, steps, closed_at FROM cases")
    assert row["status"] == "closed" and row["verdict"] == "true" and row["closed_at"] == rhall.now
    rhall.reopen()
    rhall.no("case_step", "case_closed", case=case, step="close", note="again", by="张主任")


def test_untrue_and_mistaken_cases_are_not_rectified(rhall):
    a, b = bad(rhall)["case"], bad(rhall)["case"]
    rhall.ok("case_step", case=a, step="verify", verdict="untrue", note="录像显示服务规范", by="李")
    rhall.no("case_step", "step_out_of_order", case=a, step="rectify", note="x", by="李")
    rhall.ok("case_step", case=a, step="close", note="匿名，不属实，办结", by="李")  # anonymous: may close
    rhall.ok("case_step", case=str(b), step="verify", verdict="mistaken", note="误点", by="李")
    rhall.ok("case_step", case=str(b), step="answer", note="已说明", by="李")
    rhall.ok("case_step", case=str(b), step="close", note="办结", by="李")


def test_a_named_case_must_be_answered_before_it_closes(rhall):
    case = bad(rhall, person={"hash": "yc1-0123", "masked": "3701**********1234"})["case"]
    rhall.ok("case_step", case=case, step="verify", verdict="untrue", note="核实不属实", by="李")
    err = rhall.no("case_step", "step_out_of_order", case=case, step="close", note="x", by="李")
    assert "反馈" in err["message"]
    rhall.ok("case_step", case=case, step="answer", note="电话回访并解释", by="李")
    rhall.ok("case_step", case=case, step="close", note="办结", by="李")


def test_an_overdue_case_raises_an_alert_in_the_hall_state(tmp_path):
    h = RatingHall(tmp_path / "h.db", township_with(case_days=3))
    h.at("10:00", day="2026-11-26")
    case = bad(h)["case"]
    h.at("16:00", day="2026-12-02").ok("tick")  # the deadline day itself: not yet overdue
    assert "case_overdue" not in h.event_types()
    h.at("09:00", day="2026-12-03").ok("tick")
    (e,) = [e for e in h.events if e["type"] == "case_overdue"]
    assert e["data"]["case"] == case and e["data"]["deadline"] == "2026-12-02"
    hall = protocol_state.hall_state(h.config, h.store.state, h.calendar, h.now)
    (alert,) = hall["case_alerts"]
    assert alert["case"] == case and alert["message"] == "差评案件1（3号窗口）已超过办理期限（2026-12-02），请尽快处置"
    h.later(60).ok("tick")
    assert h.event_types().count("case_overdue") == 1  # once
    h.reopen()
    assert protocol_state.hall_state(h.config, h.store.state, h.calendar, h.now)["case_alerts"] == [alert]
    for step, extra in (("verify", {"verdict": "true"}), ("rectify", {}), ("close", {})):
        h.ok("case_step", case=case, step=step, note="补办", by="李", **extra)
    assert protocol_state.hall_state(h.config, h.store.state, h.calendar, h.now)["case_alerts"] == []
    (row,) = h.store.db.query("SELECT overdue, status FROM cases")
    assert (row["overdue"], row["status"]) == (1, "closed")  # the record remembers it was late
    h.store.close()


@pytest.mark.parametrize("status,verdict,named,allowed", [
    ("open", None, False, ("verify",)),
    ("verified", "true", True, ("rectify",)),
    ("verified", "untrue", True, ("answer",)),
    ("verified", "mistaken", False, ("answer", "close")),
    ("rectified", "true", True, ("answer",)),
    ("rectified", "true", False, ("answer", "close")),
    ("answered", "true", True, ("close",)),
    ("closed", "true", True, ()),
])
def test_the_state_machine(status, verdict, named, allowed):
    assert rating.allowed_steps(status, verdict, named) == allowed
    for step in rating.STEPS:
        if step in allowed:
            rating.move(status, verdict, named, step, "true" if step == "verify" else None)
        else:
            with pytest.raises(Refusal):
                rating.move(status, verdict, named, step, "true" if step == "verify" else None)
