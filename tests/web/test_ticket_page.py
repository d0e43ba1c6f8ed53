"""The citizen's ticket page (/t/<token>) in headless Chromium on a 390×844 phone, against a
real Mosquitto, hub and web (township hall): it updates by itself when the ticket is called."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.web.conftest import shoot

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def site(township_site):
    return township_site


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def issue(clients, site, service="household") -> dict:
    reply = clients(site, "kiosk-1").request("issue", service=service)
    assert reply["status"] == "ok", reply
    return reply["data"]


def test_the_page_follows_the_ticket_until_it_is_called_and_finished(phone, site, clients):
    caller = clients(site, "caller-3")
    first = issue(clients, site)
    mine = issue(clients, site)
    assert mine["token"] and mine["ticket"] not in mine["token"]
    phone.goto(f"{site.web.base}/t/{mine['token']}")
    phone.evaluate("window.__marker = 'same page'")
    assert phone.inner_text("#number") == mine["ticket"]
    assert phone.inner_text("#ahead") == "1"
    assert "户籍与证明开具" in phone.inner_text(".service")
    shoot(phone, "ticket-portrait-waiting-zh.png")

    assert caller.request("staff_login", staff="0103")["status"] == "ok"
    assert caller.request("call_next")["data"]["ticket"] == first["ticket"]
    phone.locator("#ahead", has_text="0").wait_for(timeout=10_000)
    assert caller.request("finish")["status"] == "ok"
    assert caller.request("call_next")["data"]["ticket"] == mine["ticket"]
    phone.locator("#headline .window-name", has_text="3号窗口").wait_for(timeout=10_000)
    assert phone.get_attribute("#headline", "aria-label") == "请到3号窗口"
    assert phone.inner_text("#headline .go") == "请到"
    assert phone.evaluate("window.__marker") == "same page"  # no reload: the stream did it
    size = phone.eval_on_selector("#headline .window-name", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48
    shoot(phone, "ticket-portrait-called-zh.png")

    assert caller.request("start")["status"] == "ok"
    assert caller.request("finish")["status"] == "ok"
    phone.locator("#headline", has_text="已办结").wait_for(timeout=10_000)
    shoot(phone, "ticket-portrait-finished-zh.png")


def test_english_and_no_personal_data(phone, site, clients):
    data = issue(clients, site, "social_insurance")
    phone.goto(f"{site.web.base}/t/{data['token']}?lang=en")
    assert phone.inner_text("#number") == data["ticket"]
    text = phone.inner_text("body")
    assert "Ahead of you" in text and "Social and medical insurance" in text
    shoot(phone, "ticket-portrait-waiting-en.png")
    phone.click("a.lang")
    phone.locator(".label", has_text="前面还有").wait_for(timeout=10_000)
    html = phone.content()
    for staff in site.hall.config.staff.values():
        assert staff.name not in html


def test_a_bad_or_unknown_token_gets_a_plain_page(phone, site):
    for token in ("nonsense", "A" * 22, "../../etc/passwd", "x" * 300):
        try:
            with urllib.request.urlopen(f"{site.web.base}/t/{token}", timeout=10) as r:
                status, body = r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            status, body = err.code, err.read().decode()
        assert status == 404
        assert "没有找到这张号" in body and "Traceback" not in body
    phone.goto(f"{site.web.base}/t/{'B' * 22}")
    assert "请核对二维码" in phone.inner_text("body")
    shoot(phone, "ticket-portrait-unknown-zh.png")


def test_a_finished_ticket_is_rated_on_the_phone_and_a_bad_rating_opens_a_case(phone, site, clients):
    """好差评's 二维码 channel: the holder rates on the ticket page; a 差评 asks why first."""
    caller = clients(site, "caller-9")  # the help desk has no rating pad: the matter waits for the QR
    mine = issue(clients, site, "help")
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    assert caller.request("call_next")["data"]["ticket"] == mine["ticket"]
    assert caller.request("finish")["status"] == "ok"
    phone.goto(f"{site.web.base}/t/{mine['token']}")
    phone.locator("button.level-dissatisfied").wait_for(timeout=10_000)
    shoot(phone, "ticket-portrait-rate-zh.png")
    phone.click("button.level-dissatisfied")
    phone.locator("form.why").wait_for(timeout=10_000)
    phone.check("input[name=reason][value=long_wait]")
    shoot(phone, "ticket-portrait-reasons-zh.png")
    phone.click("form.why button.send")
    phone.locator(".rated", has_text="不满意").wait_for(timeout=10_000)
    rows = site.hall.query("SELECT level, channel, reasons, window, \"case\" FROM ratings WHERE ticket = ?",
                           (mine["ticket"],))
    assert rows == [("dissatisfied", "qr", '["long_wait"]', "9", 1)]
    assert site.hall.query("SELECT status, ticket FROM cases WHERE id = 1") == [("open", mine["ticket"])]
    phone.goto(f"{site.web.base}/t/{mine['token']}")  # one matter, one rating: no second form
    assert phone.locator("button.level").count() == 0


def test_a_forged_rating_is_refused(site, clients):
    caller = clients(site, "caller-9")
    mine = issue(clients, site, "help")
    assert caller.request("call_next")["data"]["ticket"] == mine["ticket"]
    assert caller.request("finish")["status"] == "ok"
    data = urllib.parse.urlencode({"level": "very_dissatisfied", "reason": "attitude", "csrf": "forged"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{site.web.base}/t/{mine['token']}/rate", data=data),
                                timeout=10) as r:
        assert r.status == 200  # redirected back to the page
    assert site.hall.query("SELECT COUNT(*) FROM ratings WHERE ticket = ?", (mine["ticket"],)) == [(0,)]
