"""The broker goes away and comes back: the ticket page says so plainly, keeps what it knew,
and follows the ticket again by itself once the web and the hub have reconnected."""
from __future__ import annotations

import pytest

from hall.service.client import HallClient
from hall.service.local_broker import Mosquitto
from tests.hub.conftest import TOWNSHIP, Hall, HubProcess
from tests.web.conftest import ACCOUNTS, WebProcess, shoot
from tests.web.test_ticket_page import PHONE


@pytest.fixture
def hall_on_own_broker(tmp_path):
    hall = Hall(tmp_path, TOWNSHIP)
    with open(hall.path, "a", encoding="utf-8") as f:
        f.write(ACCOUNTS)
    broker = Mosquitto(tmp_path / "broker").start()
    hub = HubProcess(hall, broker.url).start()
    web = WebProcess(hall, broker.url, "2025-03-04T10:00:00")
    yield hall, broker, hub, web
    web.stop()
    hub.stop()
    broker.stop()


def test_the_ticket_page_rides_out_a_broker_restart(browser, hall_on_own_broker):
    hall, broker, hub, web = hall_on_own_broker
    with HallClient(broker.url, hall.id, "kiosk-1") as kiosk:
        ticket = kiosk.request("issue", service="help")["data"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        page.goto(f"{web.base}/t/{ticket['token']}")
        assert page.inner_text("#number") == ticket["ticket"]
        broker.stop()
        page.locator(".offline", has_text="暂时连不上大厅").wait_for(timeout=15_000)
        assert page.inner_text("#number") == ticket["ticket"]  # what it knew stays on screen
        shoot(page, "ticket-portrait-offline-zh.png")
        broker.start()
        hub.wait_online(30)
        with HallClient(broker.url, hall.id, "caller-9") as caller:
            assert caller.request("staff_login", staff="0104", timeout=20)["status"] == "ok"
            assert caller.request("call_next")["data"]["ticket"] == ticket["ticket"]
        page.locator("#headline .window-name", has_text="帮办代办台").wait_for(timeout=20_000)
        assert page.locator(".offline").count() == 0
    finally:
        context.close()
