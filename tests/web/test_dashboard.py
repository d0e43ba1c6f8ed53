"""The manager's dashboard in headless Chromium against a real Mosquitto, hub and web (county hall)."""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.web.conftest import PASSWORDS, shoot, sign_in


@pytest.fixture(scope="module")
def site(county_site):
    return county_site


@pytest.fixture(scope="module")
def manager_page(browser, site):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, site, "chen")
    page.wait_for_selector("main.dash")
    yield page
    context.close()


def window_status(site, wid: str) -> tuple:
    conn = sqlite3.connect(f"file:{site.hall.db}?mode=ro", uri=True, timeout=10)
    try:
        row = conn.execute("SELECT status, staff FROM windows WHERE id = ?", (wid,)).fetchone()
    finally:
        conn.close()
    return tuple(row) if row else ("closed", None)


def test_a_call_appears_live_without_a_reload(manager_page, site, clients):
    page = manager_page
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads
    bridge = clients(site, "keypads")
    kiosk = clients(site, "kiosk-1")
    assert bridge.request("staff_login", window="1", staff="1001")["status"] == "ok"
    issued = kiosk.request("issue", service="employee_insurance")
    assert issued["status"] == "ok"
    number = issued["data"]["ticket"]
    assert bridge.request("call_next", window="1")["status"] == "ok"
    row = page.locator("#windows tr[data-window='1']")
    row.locator(".ticket-no", has_text=number).wait_for(timeout=10_000)
    page.locator("#calls li", has_text=number).first.wait_for(timeout=10_000)
    assert "陈晓梅" in row.inner_text()  # a manager sees who serves (持证上岗)
    assert page.evaluate("window.__marker") == "same page"
    assert "1001" in row.inner_text()
    shoot(page, "dashboard-landscape-live-zh.png")


def test_a_tidal_alert_opens_its_window_through_the_hub(manager_page, site, clients):
    page = manager_page
    kiosk = clients(site, "kiosk-1")
    for _ in range(16):
        reply = kiosk.request("issue", service="employee_insurance")
        assert reply["status"] == "ok", reply
    alert = page.locator("#alerts .alert[data-window='28']")
    alert.wait_for(timeout=10_000)
    assert "请开启28号潮汐窗口" in alert.inner_text()
    shoot(page, "dashboard-landscape-alert-zh.png")
    staff = alert.locator("select[name=staff]").input_value()
    alert.locator("button[type=submit]").click()
    page.locator("#toast").wait_for(timeout=10_000)
    assert "已开启" in page.inner_text("#toast")
    assert window_status(site, "28") == ("open", staff)
    page.locator("#windows tr[data-window='28'].st-open").wait_for(timeout=10_000)
    page.locator("#alerts .alert[data-window='28']").wait_for(state="detached", timeout=10_000)


def test_a_bad_rating_becomes_a_case_the_manager_moves_through_the_hub(manager_page, site, clients):
    page = manager_page
    bridge = clients(site, "keypads")
    kiosk = clients(site, "kiosk-1")
    number = page.locator("#windows tr[data-window='1'] .ticket-no").inner_text().split()[0]
    assert bridge.request("finish", window="1")["status"] == "ok"
    rated = kiosk.request("rate", window="1", number=number, level="very_dissatisfied", reasons=["attitude"],
                          channel="kiosk")
    assert rated["status"] == "ok", rated
    case = rated["data"]["case"]
    row = page.locator(f"#cases tr[data-case='{case}']")
    row.wait_for(timeout=10_000)
    assert number in row.inner_text() and "服务态度差" in row.inner_text() and "待核实" in row.inner_text()
    row.locator("select[name=verdict]").select_option("true")
    row.locator("input[name=note]").fill("已调取录像，属实，已约谈窗口人员")
    shoot(page, "dashboard-landscape-case-zh.png")
    row.locator("button[type=submit]").click()
    page.locator("#toast", has_text="已处置").wait_for(timeout=10_000)
    assert site.hall.query("SELECT status, verdict FROM cases WHERE id = ?", (case,)) == [("verified", "true")]
    page.locator(f"#cases tr[data-case='{case}']", has_text="已核实").wait_for(timeout=10_000)
    steps = json.loads(site.hall.query("SELECT steps FROM cases WHERE id = ?", (case,))[0][0])
    assert steps[-1]["by"] == "陈主任" and steps[-1]["note"].startswith("已调取录像")


def _post(site, path: str, fields: dict, cookies: dict) -> tuple[int, dict]:
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(site.web.base + path, data=data, method="POST")
    req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    req.add_header("Accept", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def _cookies(page) -> dict:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def test_an_action_without_the_csrf_token_is_refused(manager_page, site):
    page = manager_page
    cookies = _cookies(page)
    assert next(c for c in page.context.cookies() if c["name"] == "yc_session")["httpOnly"]
    before = window_status(site, "5")
    status, body = _post(site, "/manage/act", {"action": "open_window", "window": "5", "staff": "1005"}, cookies)
    assert status == 403 and not body["ok"]
    status, body = _post(site, "/manage/act", {"action": "open_window", "window": "5", "staff": "1005",
                                               "csrf": "forged"}, cookies)
    assert status == 403
    assert window_status(site, "5") == before == ("closed", None)
    csrf = page.locator("input[name=csrf]").first.input_value()
    status, body = _post(site, "/manage/act", {"action": "open_window", "window": "5", "staff": "1005",
                                               "csrf": csrf}, cookies)
    assert status == 200 and body["ok"], body
    assert window_status(site, "5") == ("open", "1005")


def test_a_viewer_sees_the_hall_but_cannot_act(browser, site):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, site, "look")
        page.wait_for_selector("main.dash")
        page.locator("#windows tr[data-window='28'].st-open").wait_for(timeout=10_000)
        assert page.locator("form.act").count() == 0
        text = page.inner_text("body")
        staff_names = [s.name for s in site.hall.config.staff.values()]
        assert not [n for n in staff_names if n in text]
        csrf = page.locator("input[name=csrf]").first.input_value()  # the sign-out form's
        status, body = _post(site, "/manage/act", {"action": "close_window", "window": "5", "csrf": csrf},
                             _cookies(page))
        assert status == 403 and not body["ok"]
        assert window_status(site, "5")[0] == "open"
        shoot(page, "dashboard-landscape-viewer-zh.png")
        with page.expect_download() as info:
            page.click("form.report button")
        from openpyxl import load_workbook
        saved = site.hall.db.with_name("viewer.xlsx")
        info.value.save_as(saved)
        wb = load_workbook(saved)
        cells = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c)
        assert "1001" in cells and not [n for n in staff_names if n in cells]
    finally:
        context.close()


def test_signed_out_pages_send_to_the_sign_in(browser, site):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(site.web.base + "/manage")
        assert page.url.endswith("/login")
        status, _ = _post(site, "/manage/act", {"action": "close_window", "window": "5"}, {})
        assert status == 401
    finally:
        context.close()


def test_the_days_report_downloads_from_the_dashboard(manager_page, site, tmp_path):
    from openpyxl import load_workbook

    with manager_page.expect_download() as info:
        manager_page.click("form.report button")
    path = tmp_path / "day.xlsx"
    info.value.save_as(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["总览", "按业务", "按窗口", "按人员"]
    issued = site.hall.query("SELECT COUNT(*) FROM events WHERE type = 'ticket_issued'")[0][0]
    assert wb["总览"]["B4"].value == issued
    staff = [row[0] for row in wb["按人员"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert "陈晓梅 (1001)" in staff


def test_repeated_wrong_passwords_lock_the_name(browser, site):
    context = browser.new_context()
    page = context.new_page()
    try:
        for _ in range(3):
            sign_in(page, site, "chen", "wrong-password")
            assert page.locator(".error").inner_text() in ("用户名或密码错误。",) or "锁定" in page.inner_text(".error")
        sign_in(page, site, "chen", PASSWORDS["chen"])
        assert "锁定" in page.inner_text(".error")
        assert page.url.endswith("/login")
        sign_in(page, site, "look")  # another name from the same address still signs in
        page.wait_for_selector("main.dash")
    finally:
        context.close()
