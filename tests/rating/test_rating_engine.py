"""好差评 through the real store: asks, one rating per matter, refusals, 未评价, the record."""
from __future__ import annotations

import json

from hall import protocol_rating
from hall.rating_phone import seal

from tests.rating.conftest import RatingHall, township_with


def test_a_finished_matter_asks_the_windows_pad(rhall):
    number = rhall.serve("3")
    asked = [e for e in rhall.events if e["type"] == "rating_asked"]
    assert len(asked) == 1
    e = asked[0]
    assert (e["ticket"], e["window"], e["staff"], e["service"]) == (number, "3", "0103", "household")
    assert e["data"]["pad"] == "pad-3" and e["data"]["matter"] == f"20261123-3-{number}-household"
    pad = protocol_rating.pad_state(rhall.config, rhall.store.state, rhall.calendar, "3")
    assert pad["ask"]["ticket"] == number and pad["ask"]["matter"] == e["data"]["matter"]
    assert pad["staff"] == {"number": "0103", "name": "王芳", "photo": "staff/0103.jpg"}
    assert [lv["name"] for lv in pad["levels"]] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert pad["reasons"][0]["name"] == "服务态度差" and pad["reasons"][-1] == {
        "code": "other", "name": "其他", "name_en": "Other", "text": True}


def test_a_window_without_a_pad_is_not_asked(rhall):
    rhall.serve("9", service="help")
    assert "rating_asked" not in rhall.event_types()
    (m,) = rhall.store.state.rating.matters.values()
    assert m.status == "served" and m.window == "9"


def test_a_rating_is_recorded_with_the_national_fields(rhall):
    number = rhall.serve("3")
    rhall.later(20)
    data = rhall.ok("rate", window="3", number=number, level="very_satisfied")
    assert data["level"] == "very_satisfied" and data["level_name"] == "非常满意" and data["case"] is None
    (row,) = rhall.store.db.query("SELECT * FROM ratings")
    assert row["id"] == f"20261123-3-{number}-household"  # 办件编号
    assert (row["service"], row["service_name"], row["window"], row["staff"], row["ticket"]) == (
        "household", "户籍与证明开具", "3", "0103", number)
    assert (row["channel"], row["level"], row["stars"], json.loads(row["reasons"]), row["text"]) == (
        "pad", "very_satisfied", 5, [], None)
    assert row["at"] == rhall.now and row["named"] == 0 and row["reported"] == 0 and row["case"] is None
    rated = [e for e in rhall.events if e["type"] == "ticket_rated"][-1]
    assert rated["ticket"] == number and rated["data"]["stars"] == 5 and rated["window"] == "3"
    # the pad goes back to idle
    assert protocol_rating.pad_state(rhall.config, rhall.store.state, rhall.calendar, "3")["ask"] is None


def test_one_rating_per_matter(rhall):
    number = rhall.serve("3")
    rhall.ok("rate", window="3", number=number, level="satisfied")
    before = rhall.facts()
    err = rhall.no("rate", "already_rated", window="3", number=number, level="very_dissatisfied",
                   reasons=["attitude"])
    assert err["message"] == f"{number}号在3号窗口的这次办理已经评价过，一事一评"
    assert rhall.facts() == before


def test_a_ticket_the_window_did_not_serve_is_refused(rhall):
    served_at_3 = rhall.serve("3")
    waiting = rhall.ok("issue", service="household")["ticket"]
    before = rhall.facts()
    rhall.ok("staff_login", window="2", staff="0102")
    before = rhall.facts()
    err = rhall.no("rate", "not_served_here", window="2", number=served_at_3, level="satisfied")
    assert err["message"] == f"{served_at_3}号不是在2号窗口办结的，不能在这里评价"
    rhall.no("rate", "not_served_here", window="3", number=waiting, level="satisfied")
    rhall.no("rate", "unknown_ticket", window="3", number="C999", level="satisfied")
    rhall.no("rate", "unknown_window", window="7", number=served_at_3, level="satisfied")
    assert rhall.facts() == before


def test_bad_ratings_need_a_reason_and_bad_input_is_refused(rhall):
    number = rhall.serve("3")
    before = rhall.facts()
    assert rhall.no("rate", "reason_needed", window="3", number=number, level="dissatisfied")["message"] == \
        "请至少选择一项不满意的原因"
    rhall.no("rate", "reason_needed", window="3", number=number, level="very_dissatisfied", reasons=[])
    rhall.no("rate", "unknown_level", window="3", number=number, level="good")
    rhall.no("rate", "unknown_level", window="3", number=number, level=5)
    rhall.no("rate", "unknown_reason", window="3", number=number, level="dissatisfied", reasons=["rude"])
    err = rhall.no("rate", "reason_text_needed", window="3", number=number, level="dissatisfied", reasons=["other"])
    assert err["message"] == "选择“其他”时请写明具体情况" and "Other" in err["message_en"]
    rhall.no("rate", "reasons_for_bad_only", window="3", number=number, level="satisfied", reasons=["slow"])
    rhall.no("rate", "phone_in_text", window="3", number=number, level="dissatisfied", reasons=["other"],
             text="请回电 138 1234 5678")
    rhall.no("rate", "phone_not_masked", window="3", number=number, level="dissatisfied", reasons=["slow"],
             phone={"sealed": "A" * 40, "masked": "13812345678"})
    rhall.no("rate", "bad_request", window="3", number=number, level="dissatisfied", reasons="slow")
    assert rhall.facts() == before  # nothing of it changed anything
    data = rhall.ok("rate", window="3", number=number, level="dissatisfied", reasons=["slow", "other"],
                    text="材料跑了三趟")
    assert data["case"] == 1


def test_no_answer_in_time_is_unrated_never_satisfied(rhall):
    number = rhall.serve("3")
    rhall.later(59).ok("tick")
    assert "rating_unrated" not in rhall.event_types()
    rhall.later(1).ok("tick")
    (unrated,) = [e for e in rhall.events if e["type"] == "rating_unrated"]
    assert unrated["ticket"] == number and unrated["data"]["reason"] == "timeout"
    (row,) = rhall.store.db.query("SELECT level, stars, channel, at FROM ratings")
    assert (row["level"], row["stars"]) == ("unrated", 0)
    assert row["at"] == rhall.calendar.epoch("2026-11-23T09:06:00")  # when the time ran out
    assert rhall.no("rate", "rating_expired", window="3", number=number, level="satisfied")["message"] == \
        f"{number}号的评价时间已过，已记为未评价"


def test_a_late_answer_before_the_tick_is_refused_too(rhall):
    number = rhall.serve("3")
    rhall.later(61)
    rhall.no("rate", "rating_expired", window="3", number=number, level="very_satisfied")
    (row,) = rhall.store.db.query("SELECT level FROM ratings")
    assert row["level"] == "unrated"  # the refused command still let the time run out


def test_the_next_citizen_ends_the_previous_ask(rhall):
    first = rhall.serve("3")
    rhall.later(10)
    second = rhall.serve("3")
    unrated = [e for e in rhall.events if e["type"] == "rating_unrated"]
    assert [(e["ticket"], e["data"]["reason"]) for e in unrated] == [(first, "next_citizen")]
    pad = protocol_rating.pad_state(rhall.config, rhall.store.state, rhall.calendar, "3")
    assert pad["ask"]["ticket"] == second


def test_the_hall_day_ends_an_open_ask(tmp_path):
    h = RatingHall(tmp_path / "h.db", township_with(ask_seconds=86400))
    h.at("17:00")
    number = h.serve("3")
    h.at("09:00", day="2026-11-24").ok("tick")
    (e,) = [e for e in h.events if e["type"] == "rating_unrated"]
    assert e["ticket"] == number and e["data"]["reason"] == "day_end" and e["day"] == "2026-11-24"
    assert h.store.state.rating.matters == {} and h.store.state.rating.asks == {}
    (row,) = h.store.db.query("SELECT day, level FROM ratings")
    assert (row["day"], row["level"]) == ("2026-11-23", "unrated")
    h.store.close()


def test_one_ticket_two_windows_two_matters(rhall):
    """A ticket served at window 3, transferred with return_after to window 2 and finished there,
    then finished back at 3: two matters (one per window), each rated once."""
    number = rhall.ok("issue", service="household")["ticket"]
    rhall.ok("staff_login", window="3", staff="0103")
    rhall.ok("staff_login", window="2", staff="0102")
    rhall.ok("call_number", window="3", number=number)
    rhall.ok("transfer", window="3", to_window="2", return_after=True)
    rhall.ok("call_number", window="2", number=number)
    rhall.ok("finish", window="2")  # sent back to 3
    rhall.ok("rate", window="2", number=number, level="satisfied")
    rhall.ok("call_number", window="3", number=number)
    rhall.ok("finish", window="3")
    rhall.ok("rate", window="3", number=number, level="basically_satisfied")
    rhall.no("rate", "already_rated", window="3", number=number, level="satisfied")
    rows = list(rhall.store.db.query("SELECT window, level FROM ratings ORDER BY window"))
    assert [(r["window"], r["level"]) for r in rows] == [("2", "satisfied"), ("3", "basically_satisfied")]


def test_a_kiosk_rating_of_a_matter_at_a_window_without_pad(rhall):
    number = rhall.serve("9", service="help")
    rhall.no("rate", "bad_request", window="9", number=number, level="satisfied", channel="wechat")
    data = rhall.ok("rate", window="9", number=number, level="satisfied", channel="kiosk")
    (row,) = rhall.store.db.query("SELECT channel FROM ratings")
    assert row["channel"] == "kiosk" and data["matter"].endswith(f"-9-{number}-help")


def test_a_phone_number_is_stored_sealed_and_shown_masked(rhall, hall_key):
    number = rhall.serve("3")
    phone = seal(hall_key, "13812345678")
    data = rhall.ok("rate", window="3", number=number, level="very_dissatisfied", reasons=["attitude"],
                    phone=phone)
    (row,) = rhall.store.db.query("SELECT named, phone_masked, phone_sealed FROM ratings")
    assert row["named"] == 1 and row["phone_masked"] == "138****5678" and row["phone_sealed"] == phone["sealed"]
    case = rhall.store.state.rating.cases[data["case"]]
    assert case.named and case.phone_masked == "138****5678"
    rated = [e for e in rhall.events if e["type"] == "ticket_rated"][-1]
    assert rated["data"]["phone"] == "138****5678"
    rhall.store.db.conn.commit()
    dump = "\n".join(rhall.store.db.conn.iterdump())
    assert "13812345678" not in dump and "12345678" not in dump
    assert "13812345678" not in json.dumps(rhall.events)


def test_a_ticket_taken_with_an_id_card_is_named(rhall):
    number = rhall.serve("3", person={"hash": "yc1-abcdef", "masked": "3701**********1234"})
    data = rhall.ok("rate", window="3", number=number, level="dissatisfied", reasons=["long_wait"])
    assert rhall.store.state.rating.cases[data["case"]].named


def test_the_store_rebuilds_asks_and_cases_exactly(rhall):
    a = rhall.serve("3")
    rhall.ok("rate", window="3", number=a, level="dissatisfied", reasons=["slow"])
    rhall.serve("3")
    rhall.serve("1")
    before = rhall.store.state.snapshot()
    rhall.reopen()
    assert rhall.store.state.snapshot() == before
    assert sorted(rhall.store.state.rating.asks) == ["1", "3"] and list(rhall.store.state.rating.cases) == [1]


def test_a_rating_that_reaches_the_record_rejects_wrong_shapes_from_replay(tmp_path):
    h = RatingHall(tmp_path / "h.db", township_with())
    h.at("09:05")
    number = h.serve("3")
    h.no("rate", "bad_request", window="3", number=number, level="dissatisfied", reasons=[1, 2])
    h.no("rate", "bad_request", window="3", number=number, level="dissatisfied", reasons=["slow"], phone="138")
    h.no("rate", "bad_request", window="3", number=number, level="satisfied", text=["x"])
    h.store.close()
