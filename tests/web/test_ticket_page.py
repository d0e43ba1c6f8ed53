"""The citizen's ticket page (/t/<token>) in headless Chromium on a 390×844 phone, against a
real Mosquitto, hub and web (township hall): it updates by itself when the ticket is called."""
from __future__ import annotations

import urllib.error
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
