"""The hub's side of the kiosk: ``lookup``, ``checkin`` and the imported bookings, on a real
SQLite file through the store, and ``yichuang appointments import`` from the shell."""
from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from devices.idcard.cards import demo_cards
from hall.appointments import import_bookings, parse
from hall.clock import HallCalendar
from hall.store import HallStore

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"

DAY = "2026-03-03"  # a Tuesday
CSV = """code,service,date,slot,person
APPT000001,household,2026-03-03,10:00-10:30,张*三
APPT000002,social_insurance,2026-03-03,14:00-14:30,3701**********1234
APPT000003,household,2026-03-04,10:00-10:30,
APPT000004,household,2026-03-03,09:00-09:15,李*
"""


class Hub:
    def __init__(self, path, config):
        self.calendar = HallCalendar(config)
        self.now = self.calendar.epoch(f"{DAY}T10:05:00")
        self.store = HallStore(path, config, clock=lambda: self.now)
        self.ids = itertools.count(1)

    def at(self, hhmm):
        self.now = self.calendar.epoch(f"{DAY}T{hhmm}:00")
        return self

    def do(self, verb, **fields):
        reply, _ = self.store.apply({"verb": verb, "transaction": f"t{next(self.ids)}", **fields})
        return reply


@pytest.fixture
def hub(tmp_path, config):
    db = tmp_path / "hall.db"
    rows, problems = parse(CSV, config)
    assert problems == []
    assert import_bookings(db, config, rows) == 4
    h = Hub(db, config)
    yield h
    h.store.close()


def test_checkin_issues_an_appointment_ticket_with_priority(hub):
    hub.do("issue", service="household")
    reply = hub.do("checkin", appointment="APPT000001")
    assert reply["status"] == "ok", reply
    data = reply["data"]
    assert data["ticket"] == "C002" and data["priority"] == "appointment" and data["people_ahead"] == 0


@pytest.mark.parametrize("code,at,expected,words", [
    ("NOSUCH0001", "10:05", "appointment_unknown", "没有找到这个预约"),
    ("APPT000003", "10:05", "appointment_wrong_day", "您预约的是2026-03-04 10:00-10:30，不是今天"),
    ("APPT000002", "13:00", "appointment_too_early", "请在13:30以后签到"),
    ("APPT000004", "09:31", "appointment_too_late", "您预约的时段09:00-09:15已过"),
])
def test_checkin_refusals_say_why_in_chinese(hub, code, at, expected, words):
    reply = hub.at(at).do("checkin", appointment=code)
    assert reply["status"] == "error" and reply["error"]["code"] == expected
    assert words in reply["error"]["message"]


def test_an_appointment_checks_in_once(hub):
    assert hub.do("checkin", appointment="APPT000001")["status"] == "ok"
    reply = hub.do("checkin", appointment="APPT000001")
    assert reply["error"]["code"] == "appointment_used" and "C001" in reply["error"]["message"]


def test_lookup_by_number_and_by_person(hub):
    person = {"hash": "p" * 64, "masked": "1101**********1234"}
    hub.do("issue", service="household")
    mine = hub.do("issue", service="household", channel="id_card", person=person)["data"]
    assert hub.do("issue", service="household", channel="id_card", person=person)["error"]["code"] == \
        "already_holding"
    found = hub.do("lookup", service="household", person={"hash": "p" * 64})
    assert found["data"]["ticket"] == mine["ticket"] == "C002" and found["data"]["people_ahead"] == 1
    hub.do("cancel", number="C001")
    now = hub.do("lookup", number="C002")["data"]
    assert now["people_ahead"] == 0 and now["status"] == "waiting"
    assert hub.do("lookup", number="C099")["error"]["code"] == "unknown_ticket"


def test_bad_booking_files_are_refused_whole_with_every_problem(config):
    bad = ("code,service,date,slot,person\n"
           "AB,household,2026-03-03,10:00-10:30,\n"
           "APPT000009,nosuch,2026-13-03,10:30-10:00,\n"
           f"APPT000010,household,2026-03-03,10:00-10:30,{demo_cards()['resident'].id_number}\n")
    rows, problems = parse(bad, config)
    text = "\n".join(problems)
    assert "line 2: code 'AB'" in text and "line 3: no service 'nosuch'" in text
    assert "line 3: date '2026-13-03'" in text and "line 3: slot '10:30-10:00'" in text
    assert "line 4: a clear ID number" in text
    assert parse("code;service\n", config)[1] == ["line 1: the header must be code,service,date,slot,person"]


def test_appointments_import_from_the_shell(tmp_path):
    good, bad = tmp_path / "ok.csv", tmp_path / "bad.csv"
    good.write_text("\ufeff" + CSV, encoding="utf-8")
    bad.write_text(CSV + "x,household,2026-03-03,10:00-10:30,\n", encoding="utf-8")
    db = tmp_path / "hall.db"
    run = [sys.executable, "-m", "hall.cli", "appointments", "import", "--config", str(TOWNSHIP), "--db", str(db)]
    out = subprocess.run(run + [str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1 and "line 6: code 'x'" in out.stderr and not db.exists()
    out = subprocess.run(run + [str(good)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "imported 4 appointment(s)" in out.stdout
