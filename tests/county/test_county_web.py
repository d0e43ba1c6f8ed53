"""The county web view in headless Chromium, served by the real `yichuang county --listen` process
from what it ingested over a real Mosquitto: three halls report the way a hub's uplink does
(events on up/event, the summary on up/summary); the page shows each hall live, flags in words
the one with long waits and a window paused too long, the silent one and the one that never
reported, compares the day's halls, shows 好差评 per hall and per service, follows a new summary
without a reload, and hands out the XLSX report. Screenshots under docs/screens/county/."""
from __future__ import annotations

import datetime as dt
import io
import json
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import paho.mqtt.client as mqtt
import psycopg
import pytest
from playwright.sync_api import expect, sync_playwright

from county.config import load_county
from county.view import live_rows
from hall.service.local_broker import Mosquitto, free_port, wait_for_port
from hall.web.accounts import CHEAP, hash_password

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "docs" / "screens" / "county"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ZONE = ZoneInfo("Asia/Shanghai")
COUNTY = """[county]
id = "webtest"
name = "冠县政务服务监察"
name_en = "Guanxian County Service Supervision"
wait_alert_minutes = 30
pause_alert_minutes = 30
silent_alert_minutes = 10

[[hall]]
id = "guanxian"
name = "冠县政务服务中心"
account = "hall-guanxian"

[[hall]]
id = "banzhuyuan"
name = "斑竹园镇便民服务中心"
account = "hall-banzhuyuan"

[[hall]]
id = "dongguzhen"
name = "东古城镇便民服务中心"
account = "hall-dongguzhen"

[[hall]]
id = "lankao"
name = "兰沃乡便民服务中心"
account = "hall-lankao"

[[account]]
name = "county"
display = "县政务服务管理办公室"
password_hash = "{hash}"

[web]
lockout_after = 3
lockout_minutes = 15
"""
PASSWORD = "county-view-pass"
COUNTY = COUNTY.replace("{hash}", hash_password(PASSWORD, CHEAP))


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="milliseconds")


class Halls:
    """Publishes as the halls' uplinks do; waits for the county's acknowledgement."""

    def __init__(self, port: int, day: dt.date):
        self.day, self.seq, self.acked = day, {}, queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="web-test-halls", protocol=mqtt.MQTTv311)
        self.client.on_message = lambda c, u, m: self.acked.put((m.topic.split("/")[1], json.loads(m.payload)["upto"]))
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe("yc/+/down/ack", qos=1)

    def event(self, hall: str, type_: str, at: dt.datetime, ticket: str | None = None, service: str | None = None,
              **data) -> int:
        self.seq[hall] = self.seq.get(hall, 0) + 1
        body = {"v": 1, "hall": hall, "seq": self.seq[hall], "type": type_, "at": iso(at), "ts": at.timestamp(),
                "day": self.day.isoformat(), "ticket": ticket, "service": service, "window": None, "staff": None,
                "data": data}
        self.client.publish(f"yc/{hall}/up/event", json.dumps(body, ensure_ascii=False), qos=1).wait_for_publish(10)
        return self.seq[hall]

    def summary(self, hall: str, name: str, *, waiting: int, mean: float, longest: float, open_: int = 3,
                paused: list[dict] = (), alerts: list[dict] = (), ratings: dict | None = None) -> None:
        body = {"v": 1, "hall": hall, "name": name, "at": iso(dt.datetime.now(ZONE)), "day": self.day.isoformat(),
                "open_now": True, "windows_total": 6, "windows_open": open_, "windows_paused": list(paused),
                "waiting": waiting, "max_wait_min": longest, "mean_wait_min": mean, "alerts": list(alerts),
                "ratings": ratings or {"count": 0, "good": 0, "bad": 0, "mean_stars": None},
                "services": {"social_insurance": "社会保险", "residence": "户籍办理"}}
        self.client.publish(f"yc/{hall}/up/summary", json.dumps(body, ensure_ascii=False), qos=1,
                            retain=True).wait_for_publish(10)

    def wait_acked(self, timeout: float = 20) -> None:
        deadline, got = time.monotonic() + timeout, {}
        while any(got.get(h, 0) < n for h, n in self.seq.items()):
            got_hall, upto = self.acked.get(timeout=max(0.1, deadline - time.monotonic()))
            got[got_hall] = max(got.get(got_hall, 0), upto)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def ticket_day(halls: Halls, hall: str, start: dt.datetime, number: int, service: str, wait_min: float,
               outcome: str, stars: int | None = None) -> None:
    ticket = f"A{number:03d}"
    halls.event(hall, "ticket_issued", start, ticket, service, channel="kiosk")
    called = start + dt.timedelta(minutes=wait_min)
    halls.event(hall, "ticket_called", called, ticket, service)
    if outcome == "no_show":
        halls.event(hall, "ticket_no_show", called + dt.timedelta(minutes=2), ticket, service)
        return
    halls.event(hall, "ticket_finished", called + dt.timedelta(minutes=6), ticket, service)
    if stars is not None:
        halls.event(hall, "ticket_rated", called + dt.timedelta(minutes=7), ticket, service, matter=f"M{number}",
                    level=str(stars), stars=stars, reasons=[], text="")


@pytest.fixture(scope="module")
def county_site(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("county-web")
    county_file = tmp / "county.toml"
    county_file.write_text(COUNTY, encoding="utf-8")
    dsn = postgres.create_database(f"countyweb{int(time.time()) % 100000}")
    broker = Mosquitto(tmp / "broker").start()
    port = free_port()
    log = open(tmp / "county.log", "w")
    supervisor = subprocess.Popen([sys.executable, "-m", "hall.cli", "county", "--config", str(county_file), "--db", dsn,
                                   "--broker", broker.url, "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=log, cwd=ROOT)
    now = dt.datetime.now(ZONE)
    halls = Halls(broker.port, now.date())
    try:
        assert wait_for_port(port, 30), (tmp / "county.log").read_text()
        start = now - dt.timedelta(hours=2)
        for i, (wait, outcome, stars) in enumerate([(5, "done", 5), (9, "done", 4), (12, "no_show", None),
                                                    (4, "done", 1), (10, "done", None)]):
            ticket_day(halls, "guanxian", start + dt.timedelta(minutes=3 * i), i + 1,
                       "social_insurance" if i % 2 == 0 else "residence", wait, outcome, stars)
        for i, wait in enumerate([35, 50]):
            ticket_day(halls, "banzhuyuan", start + dt.timedelta(minutes=5 * i), i + 1, "medical", wait, "done", 2)
        ticket_day(halls, "dongguzhen", start, 1, "civil", 3, "done", 5)
        halls.wait_acked()
        halls.summary("guanxian", "冠县政务服务中心", waiting=4, mean=6.5, longest=11.0,
                      ratings={"count": 3, "good": 2, "bad": 1, "mean_stars": 3.33})
        halls.summary("banzhuyuan", "斑竹园镇便民服务中心", waiting=17, mean=31.0, longest=48.0, open_=2,
                      paused=[{"window": "3", "name": "3号窗口", "reason": "lunch",
                               "since": iso(now - dt.timedelta(minutes=55))}])
        halls.summary("dongguzhen", "东古城镇便民服务中心", waiting=1, mean=2.0, longest=2.0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with psycopg.connect(dsn) as conn:
                if conn.execute("SELECT count(*) FROM halls WHERE summary IS NOT NULL").fetchone()[0] == 3:
                    # dongguzhen went quiet an hour ago (as its row would read after an hour of silence)
                    conn.execute("UPDATE halls SET summary_at = now() - interval '1 hour', "
                                 "last_event_at = now() - interval '1 hour' WHERE id = 'dongguzhen'")
                    break
            time.sleep(0.2)
        yield {"url": f"http://127.0.0.1:{port}", "halls": halls, "dsn": dsn, "day": now.date().isoformat(),
               "log": tmp / "county.log"}
    finally:
        halls.close()
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(20)
        log.close()
        broker.stop()
    assert "Traceback" not in (tmp / "county.log").read_text()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(page, url: str, password: str = PASSWORD) -> None:
    page.goto(url + "/")
    expect(page.locator("form[action='/login']")).to_be_visible()
    page.fill("input[name=name]", "county")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_the_county_sees_every_hall_live_and_flags_them_in_words(county_site, browser):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, accept_downloads=True, locale="zh-CN")
    try:
        sign_in(page, county_site["url"], "wrong")
        expect(page.locator(".error")).to_contain_text("用户名或密码不对")
        page.screenshot(path=str(SCREENS / "login-landscape-error-zh.png"))
        sign_in(page, county_site["url"])
        halls = page.locator("table.halls tbody tr")
        expect(halls).to_have_count(4)

        bz = page.locator("table.halls tr[data-hall=banzhuyuan]")
        expect(bz.locator(".status")).to_have_text("⚠ 需关注 Attention")
        expect(bz.locator(".flags")).to_contain_text("等候超过 30 分钟")
        expect(bz.locator(".flags")).to_contain_text("3号窗口暂停 55 分钟")
        expect(bz).to_contain_text("17")
        expect(page.locator("table.halls tr[data-hall=dongguzhen] .status")).to_have_text("⚠ 失联 Silent")
        expect(page.locator("table.halls tr[data-hall=dongguzhen] .flags")).to_contain_text("失联 60 分钟")
        expect(page.locator("table.halls tr[data-hall=lankao] .flags")).to_have_text("从未上报 Never reported")
        gx = page.locator("table.halls tr[data-hall=guanxian]")
        expect(gx.locator(".status")).to_have_text("正常 Normal")
        expect(gx.locator(".rated")).to_have_text("3 条，好评 67%，差评 1")
        expect(bz.locator(".rated")).to_have_text("—")
        expect(halls.first).to_have_attribute("data-hall", "banzhuyuan")  # the flagged hall comes first

        # the day's comparison, from the events in PostgreSQL
        row = page.locator("table.compare tr[data-hall=guanxian] td")
        expect(row).to_have_text(["冠县政务服务中心", "5", "4", "1", "8.0 分", "12.0 分"])
        expect(page.locator("table.compare tr[data-hall=banzhuyuan] td")).to_have_text(
            ["斑竹园镇便民服务中心", "2", "2", "0", "42.5 分", "50.0 分"])
        expect(page.locator("table.compare tr[data-hall=lankao] td").nth(1)).to_have_text("0")
        # 好差评 per hall and per service
        expect(page.locator("table.ratings tbody tr")).to_have_count(3)
        expect(page.locator("table.ratings tbody tr").filter(has_text="冠县政务服务中心").locator("td")).to_have_text(
            ["冠县政务服务中心", "3", "3.33", "2", "1", "66.7%"])
        expect(page.locator("table.ratings-services tbody tr").filter(has_text="户籍办理")).to_contain_text("2.5")
        expect(page.locator("table.ratings-services tbody tr").filter(has_text="medical")).to_have_count(1)  # unnamed: its code
        # the comparison as a chart too (the hall web's ECharts, drawn in the page)
        expect(page.locator("#chart-compare svg")).to_be_visible()
        expect(page.locator("#chart-compare")).to_contain_text("斑竹园镇便民服务中心")
        page.screenshot(path=str(SCREENS / "county-landscape-live-zh.png"), full_page=True)

        # live: a new summary reaches the open page without a reload
        county_site["halls"].summary("guanxian", "冠县政务服务中心", waiting=23, mean=12.0, longest=41.0)
        expect(gx.locator(".status")).to_have_text("⚠ 需关注 Attention", timeout=20000)
        expect(gx.locator("td").nth(3)).to_have_text("23")
        expect(page.locator("#chart-compare svg")).to_be_visible()  # drawn again after the update

        # the county report as XLSX
        with page.expect_download() as info:
            page.click("a[href^='/report.xlsx']")
        book = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
        assert book.sheetnames[0] == "实时 Live"
        compare = {r[0]: r for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
        assert compare["冠县政务服务中心"][1:4] == (5, 4, 1)
        ratings = {r[0]: r for r in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
        assert ratings["斑竹园镇便民服务中心"][1:5] == (2, 2.0, 0, 2)
        live = {r[0]: r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
        assert "3号窗口暂停" in live["斑竹园镇便民服务中心"][7]
    finally:
        page.close()


def test_wrong_passwords_lock_the_account_for_a_while(county_site, browser):
    page = browser.new_page(locale="zh-CN")
    try:
        for _ in range(3):
            page.context.clear_cookies()
            page.goto(county_site["url"] + "/login")
            page.fill("input[name=name]", "nobody")
            page.fill("input[name=password]", "guess")
            page.click("button[type=submit]")
        expect(page.locator(".error")).to_contain_text("尝试次数过多，请 15 分钟后再试")
    finally:
        page.close()


def test_a_narrow_screen_and_the_page_without_a_session(county_site, browser):
    page = browser.new_page(viewport={"width": 820, "height": 1180}, locale="zh-CN")
    try:
        response = page.goto(county_site["url"] + "/report.xlsx")
        assert page.url.endswith("/login")  # no report without signing in
        sign_in(page, county_site["url"])
        expect(page.locator("table.halls tbody tr")).to_have_count(4)
        expect(page.locator("#chart-compare svg")).to_be_visible()
        expect(page.locator("#chart-compare")).to_contain_text("东古城镇便民服务中心")
        page.screenshot(path=str(SCREENS / "county-portrait-live-zh.png"), full_page=True)
        page.goto(county_site["url"] + "/login")
        page.screenshot(path=str(SCREENS / "login-portrait-form-zh.png"))
    finally:
        page.close()
    assert response is not None


def test_flags_without_a_browser(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(COUNTY, encoding="utf-8")
    config = load_county(path)
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZONE)
    recent = now - dt.timedelta(minutes=1)
    base = {"windows_open": 2, "windows_total": 4, "waiting": 3, "mean_wait_min": 5.0, "max_wait_min": 8.0,
            "windows_paused": [], "alerts": []}
    halls = [
        {"id": "guanxian", "last_seq": 9, "last_event_at": recent, "summary_at": recent, "summary": dict(base)},
        {"id": "banzhuyuan", "last_seq": 3, "last_event_at": recent, "summary_at": recent,
         "summary": {**base, "max_wait_min": 30.5, "windows_paused": [
             {"window": "2", "name": "2号窗口", "since": iso(now - dt.timedelta(minutes=29))}],
             "alerts": [{"message": "请开启28号潮汐窗口"}]}},
        {"id": "dongguzhen", "last_seq": 1, "last_event_at": now - dt.timedelta(minutes=10), "summary_at": None,
         "summary": None},
        {"id": "lankao", "last_seq": 0, "last_event_at": None, "summary_at": None, "summary": None},
        {"id": "stranger", "last_seq": 0, "last_event_at": recent, "summary_at": recent, "summary": dict(base)},
    ]
    rows = {r.id: r for r in live_rows(config, halls, now)}
    assert set(rows) == {"guanxian", "banzhuyuan", "dongguzhen", "lankao"}  # not the county's: not shown
    assert rows["guanxian"].status == "ok" and rows["guanxian"].flags == []
    assert rows["banzhuyuan"].flags == ["等候超过 30 分钟 Waits over 30 min", "请开启28号潮汐窗口"]  # 29 min paused: not yet
    assert rows["dongguzhen"].status == "silent" and rows["dongguzhen"].flags == ["失联 10 分钟 Silent for 10 min"]
    assert rows["lankao"].status == "never"


def test_without_its_database_the_page_says_so_and_the_web_keeps_running(tmp_path):
    import http.cookiejar
    import re as _re
    import urllib.error
    import urllib.parse
    import urllib.request

    from county.web import Reader, create_app, serve_in_thread

    path = tmp_path / "c.toml"
    path.write_text(COUNTY, encoding="utf-8")
    dead = free_port()  # nothing listens here: PostgreSQL is down
    server, thread = serve_in_thread(create_app(load_county(path), Reader(f"postgresql://postgres@127.0.0.1:{dead}/x")),
                                     "127.0.0.1", port := free_port())
    try:
        assert wait_for_port(port, 20)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
        csrf = _re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, "name": "county", "password": PASSWORD}).encode()
        for _ in range(2):  # twice: the first failure does not break the next request
            with pytest.raises(urllib.error.HTTPError) as answer:
                opener.open(f"http://127.0.0.1:{port}/login", data=data, timeout=20)  # redirected to /
            assert answer.value.code == 503
            assert "数据库暂时连不上" in answer.value.read().decode()
            form = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
            csrf = _re.search(r'name="csrf" value="([^"]+)"', form).group(1)
            data = urllib.parse.urlencode({"csrf": csrf, "name": "county", "password": PASSWORD}).encode()
    finally:
        server.should_exit = True
        thread.join(10)
