"""What a refusal says: the Chinese sentence has no English in it, the English one no Chinese
(services by their English names, statuses in English), and every documented code is what
the hall really answers in its case."""
from __future__ import annotations

import re

import pytest

from hall.config import parse_hall
from tests.hall.conftest import Hall, tiny_hall

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_WORD = re.compile(r"[a-z]{2,}")  # a Chinese sentence may hold codes like A001, not words


def assert_pure(error: dict) -> None:
    assert not CJK.search(error["message_en"]), error
    assert not ENGLISH_WORD.search(error["message"]), error


def test_services_are_named_in_english_in_english(hall):
    svc = hall.config.services["civil_affairs"]
    err = hall.no("issue", "id_card_required", service="civil_affairs")
    assert svc.name in err["message"] and svc.name_en in err["message_en"]
    assert_pure(err)
    hall.ok("issue", service="civil_affairs", person={"hash": "p1"})
    err = hall.no("issue", "already_holding", service="civil_affairs", person={"hash": "p1"})
    assert svc.name_en in err["message_en"]
    assert_pure(err)
    hall.ok("close_service", service="household")
    err = hall.no("issue", "service_closed", service="household")
    assert hall.config.services["household"].name_en in err["message_en"]
    assert_pure(err)
    hall.at("20:00")
    assert_pure(hall.no("issue", "outside_hours", service="help"))


def test_quota_names_the_service_in_english_or_by_its_code(tmp_path):
    raw = tiny_hall()
    raw["service"][0].update(daily_quota=1, name_en="Item A")
    h = Hall(tmp_path / "q.db", parse_hall(raw, "tiny.toml"))
    h.ok("issue", service="a")
    err = h.no("issue", "quota_reached", service="a")
    assert "甲事项" in err["message"] and "Item A" in err["message_en"]
    assert_pure(err)
    h.ok("close_service", service="b")  # no English name: the code stands in, never the Chinese
    assert h.no("issue", "service_closed", service="b")["message_en"].startswith("b is not taking tickets")


@pytest.mark.parametrize("verb, fields", [
    ("issue", {"service": 5.5}),
    ("issue", {"service": "help", "channel": "fax"}),
    ("issue", {"service": "help", "person": "x"}),
    ("issue", {"service": "help", "person": {"birth": "1950/01/01"}}),
    ("call_next", {}),
    ("call_number", {"window": "1"}),
])
def test_a_bad_request_says_what_is_wrong_in_each_language(hall, verb, fields):
    hall.ok("staff_login", window="1", staff="0101")
    err = hall.no(verb, "bad_request", **fields)
    assert err["message"].startswith("请求格式有误：") and len(err["message"]) > len("请求格式有误：")
    assert_pure(err)


def test_a_finished_ticket_answers_ticket_final_whatever_is_asked(hall):
    hall.ok("issue", service="household")
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("call_next", window="1")
    hall.ok("finish", window="1")
    for verb, fields in (("call_number", {"window": "1"}), ("return_missed", {}), ("cancel", {})):
        err = hall.no(verb, "ticket_final", number="C001", **fields)
        assert err["message"] == "C001号已办结，不能再操作" and err["message_en"] == "Ticket C001 is already finished."
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    err = hall.no("call_number", "ticket_in_hand", window="1", number="C002")
    hall.ok("no_show", window="1")
    err = hall.no("call_number", "not_waiting", window="1", number="C002")
    assert err["message_en"] == "Ticket C002 is missed and cannot be called."
    assert_pure(err)


def test_pause_without_a_reason_and_an_unknown_outcome_answer_their_own_codes(hall):
    hall.ok("staff_login", window="1", staff="0101")
    assert_pure(hall.no("pause", "reason_required", window="1"))
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    assert_pure(hall.no("finish", "unknown_outcome", window="1", outcome="done"))
    assert_pure(hall.no("finish", "reason_required", window="1", outcome="rejected"))


def test_out_of_season_in_english(county_hall):
    season = next(w for w in county_hall.config.windows.values() if w.season)
    staff = next(s for s in county_hall.config.staff.values() if s.may_work_at(season.id))
    county_hall.at("10:00", day="2026-03-03")  # a Tuesday outside 09-01..12-31
    err = county_hall.no("staff_login", "out_of_season", window=season.id, staff=staff.number)
    assert "09-01 to 12-31" in err["message_en"]
    assert_pure(err)
