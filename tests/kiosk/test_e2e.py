"""End to end, as a citizen would: a real Mosquitto, the hub as a process, the kiosk's
runtime with the real ID-card driver on the reader simulator's pty and the real printer
driver on the printer simulator's pty; the printed bytes decoded and their QR read back
with zbarimg; the clear ID number in no MQTT message, log line or database row.

The touches go to the presenter the way the Kivy buttons send them (``act`` → ``touch`` with
the generation of the screen drawn); the window itself is tested in test_app.py.
"""
from __future__ import annotations

import json
import logging
import queue
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from devices.idcard.cards import demo_cards, demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.printer.interpreter import QrCode, TextLine
from devices.printer.preview import render_png
from devices.printer.simulator import PrinterSimulator
from hall.appointments import import_bookings, parse
from hall.clock import HallCalendar
from hall.config import load_hall
from hall.protocol import has_id_number, token_from_ticket_url
from hall.service.local_broker import Mosquitto, spawn_hub_online
from kiosk.flow import KioskFlow, KioskSettings
from kiosk.runtime import DeviceUrls, KioskRuntime

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
CLOCK = "2025-03-04T10:00:00"  # a Tuesday inside the hours
KEY = b"e2e-hall-key"


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory):
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


class Sniffer:
    """Every message under the hall's root, as raw bytes (what any broker client could see)."""

    def __init__(self, url_port: int, hall_id: str):
        self.payloads: list[bytes] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sniff-{hall_id}")
        self.client.on_connect = lambda c, *a: c.subscribe(f"yc/{hall_id}/#", qos=1)
        self.client.on_message = lambda c, u, m: self.payloads.append(m.topic.encode() + b" " + m.payload)
        self.client.connect("127.0.0.1", url_port)
        self.client.loop_start()

    def stop(self):
        self.client.loop_stop()
        self.client.disconnect()


class Kiosk:
    """The kiosk's presenter and runtime, pumped on the test's thread (the UI thread)."""

    def __init__(self, config, url, urls: DeviceUrls):
        self.flow = KioskFlow(config, KioskSettings(device="kiosk-1", has_printer=bool(urls.printer)))
        self.inbox: queue.Queue = queue.Queue()
        self.runtime = KioskRuntime(self.flow, url, urls, KEY, self.inbox.put).start()

    def pump(self, until, timeout=15.0, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            try:
                fn = self.inbox.get(timeout=0.05)
                fn()
            except queue.Empty:
                pass
            self.flow.tick()
            self.runtime.run_effects()
            if until():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"kiosk: no {what} within {timeout} s; screen {self.flow.screen} {self.flow.ctx}")

    def tap(self, action, arg=None):
        view = self.flow.view()
        assert self.flow.touch(action, arg, view.generation), (action, arg, view.screen)
        self.runtime.run_effects()

    def view(self):
        return self.flow.view()

    def stop(self):
        self.runtime.stop()


@pytest.fixture
def hall(tmp_path, mosquitto):
    hid = f"k{int(time.time() * 1000) % 10_000_000}"
    text = re.sub(r'(?m)^id = "[^"]+"$', f'id = "{hid}"', TOWNSHIP.read_text(), count=1)
    path = tmp_path / "hall.toml"
    path.write_text(text)
    config = load_hall(path)
    db, log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    rows, problems = parse("code,service,date,slot,person\nAPPT20250304,household,2025-03-04,10:00-10:30,王*明\n",
                           config)
    assert not problems
    import_bookings(db, config, rows)
    sniffer = Sniffer(mosquitto.port, hid)
    hub = spawn_hub_online(path, db, mosquitto.url, log, "--clock", CLOCK)
    yield config, db, log, sniffer
    hub.terminate()
    hub.wait(15)
    sniffer.stop()


def printed_qr(sim: PrinterSimulator, tmp_path: Path, name: str) -> tuple[str, str]:
    paper = sim.last_ticket()
    text = "\n".join(item.text for item in paper if isinstance(item, TextLine))
    assert any(isinstance(item, QrCode) for item in paper)
    png = render_png(paper, str(tmp_path / f"{name}.png"))
    out = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return text, out.stdout.decode().strip()


def test_a_citizens_morning_at_the_kiosk(hall, mosquitto, tmp_path, caplog):
    config, db, log, sniffer = hall
    caplog.set_level(logging.DEBUG)
    cards = demo_virtual_cards()
    elder = cards["resident_long_term"]  # 李秀英, born 1955: 70 on the test day, green channel at 60
    reader = IdCardSimulator()
    reader.start()
    printer = PrinterSimulator()
    printer.start()
    kiosk = Kiosk(config, mosquitto.url, DeviceUrls(idcard=reader.path, printer=f"serial://{printer.path}"))
    try:
        kiosk.pump(lambda: kiosk.flow.online and kiosk.flow.catalogue.services, what="connection")

        # 1. a ticket by touch: one tap on the tile
        kiosk.tap("take", "household")
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", what="printed ticket")
        v = kiosk.view()
        assert v.number == "C001" and v.extra["mode"] == "printed"
        text, scanned = printed_qr(printer, tmp_path, "touch")
        assert "C001" in text and "户籍与证明开具" in text
        assert scanned == v.qr and token_from_ticket_url(scanned)
        kiosk.tap("done")

        # 2. a refusal: civil affairs needs an ID card; the hub's sentence is shown as it is
        kiosk.tap("take", "civil_affairs")
        kiosk.pump(lambda: kiosk.flow.screen == "refused", what="refusal")
        assert kiosk.view().lines[0] == "办理民政救助（低保、五保、残疾人补贴）需刷身份证取号，请将身份证放在感应区"

        # 3. ... so the citizen places an elderly card: the ticket follows on the green channel
        reader.place(elder)
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", what="card ticket")
        v = kiosk.view()
        assert v.number == "B001" and v.extra["green"]
        text, scanned = printed_qr(printer, tmp_path, "card")
        assert "【绿色通道】" in text and scanned == v.qr
        kiosk.tap("done")
        reader.lift()

        # 4. an appointment check-in by its code
        kiosk.flow.scan("appointment", "YY-APPT20250304", {"code": "APPT20250304"})
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", what="check-in ticket")
        v = kiosk.view()
        assert v.title == "预约签到成功" and v.number == "C002"
        kiosk.tap("done")
        kiosk.flow.scan("appointment", "YY-APPT20250304", {"code": "APPT20250304"})
        kiosk.pump(lambda: kiosk.flow.screen == "refused", what="second check-in refused")
        assert "已经签到过（C002号）" in kiosk.view().lines[0]
        kiosk.tap("home")

        # 5. paper out: the kiosk says so before issuing, and offers the number on screen
        printer.paper = "out"
        kiosk.tap("take", "social_insurance")
        kiosk.pump(lambda: kiosk.flow.screen == "printer_problem", what="printer problem")
        assert kiosk.view().lines == ("打印机缺纸，请联系工作人员",)
        kiosk.tap("no_print")
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", what="screen-only ticket")
        v = kiosk.view()
        assert v.number == "A001" and v.qr and v.button("noted")
        kiosk.tap("noted")
        tickets_printed = len(printer.tickets())
        assert tickets_printed == 3

        # a ticket QR scanned back shows its live status
        kiosk.flow.scan("ticket", scanned, {"token": token_from_ticket_url(scanned)})
        kiosk.pump(lambda: kiosk.flow.screen == "status", what="status")
        assert kiosk.view().number == "B001" and kiosk.view().lines[0] == "等候中"
    finally:
        kiosk.stop()
        reader.stop()
        printer.stop()

    # the hub has the four tickets; the card's citizen only as keyed hash and masked number
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute("SELECT number, status, priority, person, person_masked FROM tickets ORDER BY number").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("A001", "waiting", None), ("B001", "waiting", "green"), ("C001", "waiting", None),
        ("C002", "waiting", "appointment")]
    card = demo_cards()["resident_long_term"]
    assert rows[1][4] == card.masked_id and rows[1][3].startswith("kh-")
    dump = "\n".join(map(str, conn.execute("SELECT * FROM tickets").fetchall()))
    dump += "\n".join(map(str, conn.execute("SELECT * FROM events").fetchall()))
    dump += "\n".join(map(str, conn.execute("SELECT * FROM transactions").fetchall()))
    conn.close()
    secret = card.id_number
    traffic = b"\n".join(sniffer.payloads)
    assert traffic and secret.encode() not in traffic and card.name.encode() not in traffic
    assert not has_id_number(traffic.decode("utf-8", "replace"))
    assert secret not in dump and card.name not in dump
    assert secret not in log.read_text() and secret not in caplog.text and card.name not in caplog.text


def test_reader_faults_are_plain_sentences_and_the_reader_recovers(mosquitto, tmp_path):
    """A garbled frame, the reader unplugged and back: a sentence on screen, then cards again."""
    cards = demo_virtual_cards()
    reader = IdCardSimulator(link=str(tmp_path / "yc-idcard"))
    reader.start()
    kiosk = Kiosk(load_hall(TOWNSHIP), mosquitto.url, DeviceUrls(idcard=reader.path))
    try:
        reader.inject("bad_checksum", count=4)  # the driver retries once, then says so
        reader.place(cards["resident"])
        # garbled frames: the driver says so, or that the device did not answer (a frame it dropped)
        kiosk.pump(lambda: kiosk.view().notice in ("设备通信异常，请重试", "设备无响应，请稍候再试"), what="fault notice")
        kiosk.pump(lambda: kiosk.flow.person is not None, what="the card read after the fault", timeout=30)
        assert kiosk.view().greeting == "张*丰，您好"
        reader.stop()  # unplugged
        kiosk.pump(lambda: kiosk.view().notice == "读卡器暂不可用，您仍可点击业务取号", what="unplugged notice")
        kiosk.flow.reset()
        reader.start()  # plugged back at the same path; a new card
        reader.lift()
        reader.place(cards["resident_long_term"])
        kiosk.pump(lambda: kiosk.flow.person is not None, what="a card after the reader came back", timeout=30)
        assert kiosk.view().greeting == "李*英，您好" and kiosk.view().green
    finally:
        kiosk.stop()
        reader.stop()
