"""The web's pure parts without a browser: the read-only snapshot, the ticket page presenter,
the dashboard model, sign-in and lockout, the hall file's accounts, the action table."""
from __future__ import annotations

import sqlite3

import pytest

from hall.config import ConfigError, parse_hall
from hall.web import actions, citizen, dashboard
from hall.web.accounts import CHEAP, Accounts, hash_password
from hall.web.snapshot import HallReader, NoDatabase
from tests.hall.conftest import Hall, tiny_hall, township  # noqa: F401  (a fixture)


@pytest.fixture
def hall(tmp_path, township):
    h = Hall(tmp_path / "hall.db", township)
    yield h
    h.store.close()


def _row(hall, number):
    reader = HallReader(hall.path, hall.config)
    state = reader.state()
    t = state.ticket_by_number(number)
    return reader, state, reader.ticket_row("id = ?", (t.id,))


def test_the_read_only_snapshot_equals_the_hubs_state(hall):
    hall.ok("staff_login", window="1", staff="0101")
    for _ in range(3):
        hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    reader = HallReader(hall.path, hall.config)
    assert reader.state().snapshot() == hall.store.state.snapshot()
    with pytest.raises(sqlite3.OperationalError):
        reader.query("DELETE FROM tickets")
    assert len(reader.events(hall.DAY, hall.DAY)) == len(hall.events)


def test_no_database_is_a_clear_error(tmp_path, township):
    with pytest.raises(NoDatabase):
        HallReader(tmp_path / "none.sqlite", township).state()
    assert not (tmp_path / "none.sqlite").exists()


def test_the_ticket_page_from_waiting_to_called_to_finished(hall):
    hall.ok("staff_login", window="3", staff="0103")
    numbers = [hall.ok("issue", service="household")["ticket"] for _ in range(3)]
    reader, state, row = _row(hall, numbers[2])
    page = citizen.ticket_page(hall.config, state, row, hall.now)
    assert (page["phase"], page["number"], page["ahead"]) == ("waiting", numbers[2], 2)
    assert page["service"] == "户籍与证明开具" and page["estimate"].startswith("约 ")
    hall.ok("call_next", window="3")
    hall.ok("finish", window="3")
    hall.ok("call_next", window="3")
    _, state, row = _row(hall, numbers[2])
    assert citizen.ticket_page(hall.config, state, row, hall.now)["ahead"] == 0
    hall.ok("finish", window="3")
    hall.ok("call_next", window="3")
    _, state, row = _row(hall, numbers[2])
    page = citizen.ticket_page(hall.config, state, row, hall.now)
    assert (page["phase"], page["headline"]) == ("called", "请到3号窗口")
    en = citizen.ticket_page(hall.config, state, row, hall.now, "en")
    assert en["headline"] == "Please go to Window 3"
    hall.ok("finish", window="3")
    _, state, row = _row(hall, numbers[2])
    page = citizen.ticket_page(hall.config, state, row, hall.now)
    assert page["phase"] == "finished" and page["tx"]["rate"]
    assert not {k for k, v in page.items() if isinstance(v, str) and "0103" in v}


def test_a_ticket_of_an_earlier_day_has_expired(hall):
    number = hall.ok("issue", service="household")["ticket"]
    _, _, row = _row(hall, number)
    hall.at("09:00", "2026-11-24")
    hall.ok("issue", service="household")  # the day rolls
    reader = HallReader(hall.path, hall.config)
    old = reader.ticket_row("id = ?", (row["id"],))
    page = citizen.ticket_page(hall.config, reader.state(), old, hall.now)
    assert page["phase"] == "expired" and page["headline"] == "该号已过期"


def test_token_lookup_refuses_malformed_tokens_without_a_query(hall):
    lookup = citizen.TokenLookup(HallReader(hall.path, hall.config))
    for bad in ("", "short", "a b" * 10, "../../" * 5, "x" * 65, "A001"):
        assert lookup(bad) is None


def test_the_viewer_dashboard_has_staff_numbers_and_no_names(hall):
    hall.ok("staff_login", window="1", staff="0101")
    hall.ok("issue", service="household")
    hall.ok("call_next", window="1")
    reader = HallReader(hall.path, hall.config)
    state, events = reader.state(), reader.events(hall.DAY, hall.DAY)
    viewer = dashboard.model(hall.config, state, events, hall.now, False, lambda ts: 9)
    manager = dashboard.model(hall.config, state, events, hall.now, True, lambda ts: 9)
    assert viewer["windows"][0]["staff"] == "0101" and viewer["windows"][0]["ticket"] == "C001"
    assert "陈晓梅" in manager["windows"][0]["staff"]
    assert "陈晓梅" not in repr(viewer)
    assert viewer["calls"][0]["ticket"] == "C001" and viewer["today"]["tickets"] == 1


def _hall_with_accounts(**web):
    raw = tiny_hall()
    raw["device"] = [{"id": "mgr", "role": "manager"}]
    raw["account"] = [{"name": "chen", "role": "manager", "password_hash": hash_password("right-one", CHEAP)},
                      {"name": "look", "role": "viewer", "password_hash": hash_password("viewer-one", CHEAP)}]
    raw["web"] = {"lockout_after": 3, **web}
    return parse_hall(raw, "tiny.toml")


def test_sign_in_and_lockout_by_name():
    now = [1000.0]
    accounts = Accounts(_hall_with_accounts(), clock=lambda: now[0])
    s, why = accounts.sign_in("chen", "right-one", "10.0.0.5")
    assert s and s.may_act and not why and accounts.session(s.id) is s
    viewer, _ = accounts.sign_in("look", "viewer-one", "10.0.0.5")
    assert not viewer.may_act
    assert accounts.sign_in("nobody", "right-one", "10.0.0.5") == (None, "wrong")
    for _ in range(2):
        assert accounts.sign_in("chen", "wrong", "10.0.0.6") == (None, "wrong")
    assert accounts.sign_in("chen", "wrong", "10.0.0.6") == (None, "locked")
    assert accounts.sign_in("chen", "right-one", "10.0.0.7") == (None, "locked")
    assert accounts.sign_in("look", "viewer-one", "10.0.0.6")[0] is not None
    now[0] += 8 * 3600 + 1
    assert accounts.session(s.id) is None  # the session ran out


def test_many_names_from_one_address_lock_the_address():
    accounts = Accounts(_hall_with_accounts())
    for i in range(12):
        accounts.sign_in(f"guess{i}", "x", "10.0.0.9")
    assert accounts.sign_in("chen", "right-one", "10.0.0.9") == (None, "locked")
    assert accounts.sign_in("chen", "right-one", "10.0.0.10")[0] is not None


@pytest.mark.parametrize("change, key", [
    ({"account": [{"name": "a", "role": "boss", "password_hash": "$argon2id$x"}]}, "account[0].role"),
    ({"account": [{"name": "a", "role": "viewer", "password_hash": "secret"}]}, "account[0].password_hash"),
    ({"web": {"device": "nope"}}, "web.device"),
    ({"web": {"lockout_after": 0}}, "web.lockout_after"),
])
def test_bad_accounts_in_the_hall_file_are_named(change, key):
    raw = {**tiny_hall(), **change}
    with pytest.raises(ConfigError) as err:
        parse_hall(raw, "tiny.toml")
    assert key in {k for _, k, _ in err.value.problems}


def test_the_action_table(township):
    assert actions.request_for(township, {"action": "open_window", "window": "2", "staff": "0102"})[:2] == (
        "staff_login", {"window": "2", "staff": "0102"})
    assert actions.request_for(township, {"action": "close_service", "service": "help"})[0] == "close_service"
    for form in ({"action": "open_window", "window": "99", "staff": "0102"},
                 {"action": "open_window", "window": "2", "staff": "nobody"},
                 {"action": "drop_table"}, {"action": "pause", "window": ""}):
        with pytest.raises(actions.ActionError):
            actions.request_for(township, form)


def test_web_password_prints_a_hash_that_verifies():
    import subprocess
    import sys

    from argon2 import PasswordHasher

    done = subprocess.run([sys.executable, "-m", "hall.cli", "web-password"], input="a long secret\n",
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.startswith("$argon2id$")
    assert PasswordHasher().verify(done.stdout.strip(), "a long secret")
    short = subprocess.run([sys.executable, "-m", "hall.cli", "web-password"], input="short\n",
                           capture_output=True, text=True, timeout=30)
    assert short.returncode == 1 and "8 characters" in short.stderr
