"""The soft caller on a real Mosquitto with the hub as a process: it signs in, acts once on a
press whose reply is late (the hub frozen), says it cannot act while the broker is gone, and
recovers by itself when it is back."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from caller.ledbar import bars_for_caller
from caller.link import CallerLink
from devices.ledbar.simulator import LedBarSimulator
from caller.presenter import CallerPresenter
from hall.config import load_hall
from hall.service.bus import parse_broker_url
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub
from caller.rehearsal import PIN

ROOT = Path(__file__).resolve().parents[2]


def wait_until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"not within {timeout} s: {what}")


def test_the_caller_on_the_bus_acts_once_and_recovers(tmp_path):
    text = (ROOT / "config" / "halls" / "township.toml").read_text()
    text = text.replace('id = "banzhuyuan"', f'id = "cl{os.getpid()}x{int(time.time()) % 10000}"', 1)
    bars = LedBarSimulator([3], link=str(tmp_path / "bar"))
    bars.start()
    # this caller's PC drives window 3's LED bar
    text = text.replace('role = "caller"\nwindow = "3"\n', f'role = "caller"\nwindow = "3"\nledbars = "serial://{bars.path}"\n')
    hall = tmp_path / "hall.toml"
    hall.write_text(text)
    config = load_hall(hall)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    status = HubStatus(broker.url, config.id).start()
    hub = spawn_hub(hall, db, broker.url, log, "--always-open")
    lock = threading.RLock()
    presenter = CallerPresenter(config, "caller-3", send=lambda p: False, retry_every=0.5)
    bar = bars_for_caller(config, "caller-3")

    def post(fn):
        with lock:
            fn()

    link = CallerLink(presenter, parse_broker_url(broker.url), post, lambda: bar.follow(presenter.window_state))
    kiosk = None

    def view():
        with lock:
            presenter.tick()
            return presenter.view()

    def act(fn):
        with lock:
            fn()

    def called() -> int:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket_called'").fetchone()[0]
        finally:
            conn.close()

    try:
        status.wait_online(30, hub, log)
        link.start()
        wait_until(lambda: view().online, "the caller sees the hub")
        assert view().situation == "signed_out"
        act(lambda: presenter.sign_in("0103", PIN))
        wait_until(lambda: view().situation == "idle", "signed in")
        kiosk = HallClient(broker.url, config.id, "kiosk-1").connect()
        number = kiosk.request("issue", service="household")["data"]["ticket"]
        kiosk.request("issue", service="household")
        wait_until(lambda: view().waiting == 2, "the waiting count")

        hub.send_signal(signal.SIGSTOP)  # the hub hangs: replies are late
        act(lambda: presenter.press("call_next"))
        wait_until(lambda: view().working and presenter.pending.attempts >= 3, "sent again, same transaction")
        hub.send_signal(signal.SIGCONT)
        wait_until(lambda: view().ticket is not None, "the call answered")
        assert view().ticket.number == number and not view().working
        wait_until(lambda: bars.state(3).text == f"请{number}号到3号窗口", "the caller's PC drives its LED bar")
        time.sleep(1.0)  # the repeats reach the hub too: answered with the first answer
        assert called() == 1

        broker.stop()
        wait_until(lambda: not view().online, "the caller notices the broker is gone")
        act(lambda: presenter.press("finish"))
        assert view().notice.text == "与叫号系统的连接已中断，正在自动重连，暂时不能操作"
        broker.start()
        status.wait_online(30, hub, log)
        wait_until(lambda: view().online, "the caller reconnects by itself", timeout=40)
        act(lambda: presenter.press("finish"))
        wait_until(lambda: view().ticket is None, "finished after the broker came back")
        assert view().served == 1
    finally:
        if kiosk is not None:
            kiosk.close()
        link.stop()
        bar.close()
        bars.stop()
        if hub.poll() is None:
            hub.send_signal(signal.SIGCONT)
            hub.send_signal(signal.SIGTERM)
            hub.wait(15)
        status.close()
        broker.stop()
