"""Reports: simulated days written to a real hall database, `yichuang report` over them, and
every figure recomputed here independently from the event log with SQL."""
from __future__ import annotations

import json
import math
import sqlite3

import pytest
from openpyxl import load_workbook

from hall.cli import main as yichuang
from hall.web import sample
from tests.hub.conftest import TOWNSHIP


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    db = d / "hall.sqlite"
    results = sample.fill(TOWNSHIP, db, days=2, seed=7)
    return db, [r.date.isoformat() for r in results], d


def _sql(db, sql, params=()):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _p90(values):
    values = sorted(values)
    return values[math.ceil(len(values) * 9 / 10) - 1]


def _expected_by_service(db, first, last):
    """Per service from the event log: tickets, served, mean and p90 wait (min), no-shows, transfers."""
    where = "day BETWEEN ? AND ?"
    out = {}
    for code, n in _sql(db, f"SELECT service, COUNT(*) FROM events WHERE type='ticket_issued' AND {where} "
                            "GROUP BY service", (first, last)):
        out[code] = {"tickets": n, "served": 0, "no_shows": 0, "transfers": 0, "waits": [], "green": 0}
    for code, n in _sql(db, f"SELECT service, COUNT(*) FROM events WHERE type='ticket_finished' AND {where} "
                            "GROUP BY service", (first, last)):
        out.setdefault(code, {"tickets": 0, "no_shows": 0, "transfers": 0, "waits": [], "green": 0})["served"] = n
    for code, n in _sql(db, f"SELECT service, COUNT(*) FROM events WHERE type='ticket_no_show' AND {where} "
                            "GROUP BY service", (first, last)):
        out[code]["no_shows"] = n
    for code, n in _sql(db, f"SELECT json_extract(data, '$.from_service'), COUNT(*) FROM events "
                            f"WHERE type='ticket_transferred' AND {where} GROUP BY 1", (first, last)):
        out[code]["transfers"] = n
    for code, waited in _sql(db, f"SELECT service, json_extract(data, '$.waited') FROM events WHERE "
                                 f"type='ticket_called' AND json_extract(data, '$.first_call') AND {where}",
                             (first, last)):
        out[code]["waits"].append(waited)
    for code, n in _sql(db, f"SELECT service, COUNT(*) FROM events WHERE type='ticket_issued' AND "
                            f"json_extract(data, '$.priority') = 'green' AND {where} GROUP BY service",
                        (first, last)):
        out[code]["green"] = n
    return out


def _rows(ws, header_row=1):
    rows = list(ws.iter_rows(values_only=True))
    head = rows[header_row - 1]
    return head, [dict(zip(head, r)) for r in rows[header_row:] if r[0] is not None]


def test_month_workbook_figures_match_the_event_log(month, capsys):
    db, days, out = month
    mon = days[0][:7]
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--month", mon, "--out", str(out)]) == 0
    xlsx = out / f"yichuang-banzhuyuan-{mon}.xlsx"
    assert xlsx.exists() and (out / f"yichuang-banzhuyuan-{mon}.png").stat().st_size > 10_000
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["总览", "按业务", "按窗口", "按人员"]
    assert wb["按业务"]._charts and wb["按窗口"]._charts and wb["按人员"]._charts
    names = {s.name: s.code for s in sample.load_hall(TOWNSHIP).services.values()}
    head, rows = _rows(wb["按业务"])
    assert head[:5] == ("业务", "取号数", "办结数", "平均等待（分钟）", "90%等待（分钟）")
    expected = _expected_by_service(db, days[0], days[-1])
    assert {names[r["业务"]] for r in rows} == set(expected)
    for r in rows:
        e = expected[names[r["业务"]]]
        assert r["取号数"] == e["tickets"]
        assert r["办结数"] == e["served"]
        assert r["过号数"] == e["no_shows"]
        assert r["转办数"] == e["transfers"]
        if e["waits"]:
            assert r["平均等待（分钟）"] == round(sum(e["waits"]) / len(e["waits"]) / 60, 1)
            assert r["90%等待（分钟）"] == round(_p90(e["waits"]) / 60, 1)
            assert r["过号率"] == round(e["no_shows"] / len(e["waits"]), 3)
        if e["tickets"]:
            assert r["绿色通道占比"] == round(e["green"] / e["tickets"], 3)
    # the whole hall, and one row per day
    _, hall_rows = _rows(wb["总览"], header_row=3)
    total = hall_rows[0]
    assert total["取号数"] == _sql(db, "SELECT COUNT(*) FROM events WHERE type='ticket_issued'")[0][0]
    assert [r["日期"] for r in hall_rows[1:]] == days
    for r in hall_rows[1:]:
        assert r["办结数"] == _sql(db, "SELECT COUNT(*) FROM events WHERE type='ticket_finished' AND day=?",
                                   (r["日期"],))[0][0]


def test_window_and_staff_sheets_match_the_event_log(month):
    db, days, out = month
    day = days[0]
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--day", day, "--out", str(out)]) == 0
    wb = load_workbook(out / f"yichuang-banzhuyuan-{day}.xlsx")
    config = sample.load_hall(TOWNSHIP)
    by_name = {w.name: w.id for w in config.windows.values()}
    _, rows = _rows(wb["按窗口"])
    for r in rows:
        wid = by_name[r["窗口"]]
        served = _sql(db, "SELECT COUNT(*) FROM events WHERE type='ticket_finished' AND window=? AND day=?",
                      (wid, day))[0][0]
        called = _sql(db, "SELECT COUNT(*) FROM events WHERE type='ticket_called' AND window=? AND day=? AND "
                          "json_extract(data, '$.first_call')", (wid, day))[0][0]
        handled = [h for (h,) in _sql(db, "SELECT json_extract(data, '$.handled') FROM events WHERE type IN "
                                          "('ticket_finished', 'ticket_sent_back') AND window=? AND day=?",
                                      (wid, day))]
        assert (r["办结数"], r["取号数"]) == (served, called)
        assert r["平均办理（分钟）"] == round(sum(handled) / len(handled) / 60, 1)
    _, rows = _rows(wb["按人员"])
    staff_rows = {r["工作人员"]: r for r in rows}
    for number, served in _sql(db, "SELECT staff, COUNT(*) FROM events WHERE type='ticket_finished' AND day=? "
                                   "GROUP BY staff", (day,)):
        s = config.staff[number]
        assert staff_rows[f"{s.name} ({number})"]["办结数"] == served


def test_english_headings_and_bad_periods(month, capsys):
    db, days, out = month
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--day", days[0], "--lang", "en",
                     "--out", str(out / "en")]) == 0
    wb = load_workbook(out / "en" / f"yichuang-banzhuyuan-{days[0]}.xlsx")
    assert wb.sheetnames == ["Hall", "Services", "Windows", "Staff"]
    assert wb["Services"]["B1"].value == "Tickets"
    capsys.readouterr()
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--month", "2025-13"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(out / "missing.sqlite"), "--day",
                     days[0]]) == 2
    assert "no such database" in capsys.readouterr().err
    assert not (out / "missing.sqlite").exists()


def test_an_empty_day_gives_a_workbook_of_zeros(month):
    db, days, out = month
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--day", "2024-01-01",
                     "--out", str(out / "empty")]) == 0
    wb = load_workbook(out / "empty" / "yichuang-banzhuyuan-2024-01-01.xlsx")
    _, rows = _rows(wb["总览"], header_row=3)
    assert rows[0]["取号数"] == 0 and rows[0]["平均等待（分钟）"] is None
    json.dumps(rows[0], default=str)


def test_ratings_and_cases_in_the_report_match_the_event_log(tmp_path):
    """好差评 figures: ratings by level, satisfaction, 差评 cases opened and closed on time."""
    from tests.hall.conftest import Hall as CoreHall

    config = sample.load_hall(TOWNSHIP)
    hall = CoreHall(tmp_path / "rated.sqlite", config)
    hall.ok("staff_login", window="9", staff="0104")
    levels = ["very_satisfied", "satisfied", "satisfied", "basically_satisfied", "dissatisfied"]
    for level in levels:
        number = hall.ok("issue", service="help")["ticket"]
        hall.ok("call_next", window="9")
        hall.ok("finish", window="9")
        extra = {"reasons": ["slow"]} if level == "dissatisfied" else {}
        hall.ok("rate", window="9", number=number, level=level, channel="kiosk", **extra)
    hall.ok("case_step", case=1, step="verify", verdict="untrue", note="查看录像，不属实", by="陈主任")
    hall.ok("case_step", case=1, step="close", note="已说明", by="陈主任")
    hall.store.close()
    out = tmp_path / "out"
    db = tmp_path / "rated.sqlite"
    assert yichuang(["report", "--config", str(TOWNSHIP), "--db", str(db), "--day", hall.DAY, "--out", str(out)]) == 0
    wb = load_workbook(out / f"yichuang-banzhuyuan-{hall.DAY}.xlsx")
    _, rows = _rows(wb["按业务"])
    help_row = next(r for r in rows if r["业务"] == "帮办代办与咨询")
    by_level = dict(_sql(db, "SELECT json_extract(data, '$.level'), COUNT(*) FROM events WHERE type='ticket_rated' "
                             "GROUP BY 1"))
    assert help_row["评价数"] == sum(by_level.values()) == 5
    assert help_row["满意"] == by_level["satisfied"] == 2 and help_row["不满意"] == 1
    assert help_row["满意率"] == round(3 / 5, 3)
    opened = _sql(db, "SELECT COUNT(*) FROM events WHERE type='case_opened'")[0][0]
    closed = _sql(db, "SELECT COUNT(*) FROM events WHERE type='case_step' AND json_extract(data, '$.status')='closed'")
    assert (help_row["差评立案"], help_row["差评办结"], help_row["按期办结"]) == (opened, closed[0][0], 1) == (1, 1, 1)
