"""One ticket, one QR: a real hub's issue reply → printed_ticket → ESC/POS bytes → the printer
simulator → a picture of the paper → zbarimg reads back the ticket URL, which the scanner
recognises as a ticket with the same token; nothing personal on the paper."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from devices.printer.interpreter import QrCode, RasterImage, TextLine
from devices.printer.preview import render_png
from devices.printer.simulator import PrinterSimulator
from devices.printer.ticket import TicketLayout, render_ticket
from devices.scanner.classify import TICKET, Classifier
from devices.scanner.codec import decode_payload
from hall.config import load_hall
from hall.printed_ticket import printed_ticket
from hall.protocol import Topics, has_id_number, ticket_url, token_from_ticket_url

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "docs" / "screens" / "printer"
ID_NUMBER = "370303195001011234"  # fictional; only its keyed hash and masked form leave the reader
PERSON = {"hash": hashlib.sha256(b"key" + ID_NUMBER.encode()).hexdigest()[:32],
          "masked": ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:], "birth": "1950-01-01"}


def zbar(png: str) -> str:
    scanned = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, timeout=20)
    assert scanned.returncode == 0, scanned.stderr
    return scanned.stdout.decode().strip()


def print_on_simulator(ticket, layout: TicketLayout) -> tuple[bytes, list]:
    job = render_ticket(ticket, layout)
    sim = PrinterSimulator(columns=layout.columns)
    sim.handle(job)
    assert sim.interpreter.warnings == [] and len(sim.tickets()) == 1
    return job, sim.last_ticket()


def test_a_real_issue_reply_prints_the_ticket_whose_qr_scans_back(mosquitto, hall, start_hub, connect, tmp_path):
    start_hub(hall, mosquitto.url)
    board = connect(mosquitto.url, hall, "board-1", watch_state=True, watch_events=True)
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    kiosk.request("issue", service="social_insurance")
    reply = kiosk.request("issue", service="social_insurance", person=PERSON, channel="id_card")
    assert reply["status"] == "ok", reply
    data = reply["data"]
    url = ticket_url(hall.config.web_url, data["token"])
    # the token goes to the kiosk alone: not in the retained state or the events every screen reads
    board.wait_for(lambda: any(e["ticket"] == "A002" for e in board.events), 10)
    board.wait_for(lambda: board.state.get(Topics(hall.id).service("social_insurance"), {}).get("waiting") == 2, 10)
    heard = json.dumps([board.state, board.events], ensure_ascii=False)
    assert "A002" in heard and data["token"] not in heard

    ticket = printed_ticket(data, hall.config)
    issued = dt.datetime.fromisoformat(data["issued_at"]).astimezone(hall.config.timezone)
    assert (ticket.number, ticket.service_name, ticket.service_name_en) == (
        data["ticket"], data["service_name"], data["service_name_en"]) == ("A002", "社保医保业务",
                                                                          "Social and medical insurance")
    assert (ticket.people_ahead, ticket.estimated_wait_min) == (data["people_ahead"], data["estimated_wait_min"])
    assert ticket.people_ahead == 0  # the green channel (age 75) goes before A001
    assert ticket.issued_at == issued.replace(tzinfo=None) and ticket.reprinted_at is None
    assert (ticket.hall_name, ticket.notice, ticket.green_channel) == (hall.config.name, hall.config.notice, True)
    assert ticket.qr == url == f"http://127.0.0.1:8080/t/{data['token']}"

    for layout in (TicketLayout(native_qr=False), TicketLayout()):
        job, paper = print_on_simulator(ticket, layout)
        png = render_png(paper, str(tmp_path / f"ticket-{layout.native_qr}.png"))
        scanned = zbar(png)
        assert scanned == url
        codes = [item for item in paper if isinstance(item, (QrCode, RasterImage))]
        assert len(codes) == 1 and isinstance(codes[0], QrCode) is layout.native_qr
        scan = Classifier().classify(decode_payload(scanned.encode()))
        assert (scan.kind, scan.fields) == (TICKET, {"token": data["token"]})
        assert token_from_ticket_url(scanned) == data["token"]

        text = "\n".join(item.text for item in paper if isinstance(item, TextLine))
        for shown in ("A002", "社保医保业务", "Social and medical insurance", "【绿色通道】",
                      "前面没有人等候", issued.strftime("取号时间：%Y-%m-%d %H:%M:%S"), hall.config.name):
            assert shown in text
        wait = data["estimated_wait_min"]
        assert (f"预计等候约 {int(wait + 0.5)} 分钟" if wait >= 0.5 else "即将为您办理") in text
        # nothing personal: not the number, not its masked form, not the hash, not the birth date
        for secret in (ID_NUMBER, PERSON["masked"], PERSON["hash"], "1950", ID_NUMBER[-4:]):
            assert secret not in text and secret not in scanned
            assert secret.encode() not in job and secret.encode("gb18030") not in job
        assert not has_id_number(text + scanned)

    # what the hub sent the kiosk carries no personal data either (only the token, no number)
    assert not has_id_number(data) and PERSON["masked"] not in str(data) and PERSON["hash"] not in str(data)


def test_web_url_override_and_a_late_reprint():
    config = load_hall(ROOT / "config" / "halls" / "township.toml")
    data = {"ticket": "C007", "id": "2025-03-04:C007", "service": "household", "service_name": "户籍业务",
            "service_name_en": "", "status": "waiting", "priority": None, "people_ahead": 3,
            "estimated_wait_min": None, "issued_at": "2025-03-04T01:15:32.000Z".replace("Z", "+00:00"),
            "window": None, "pinned_window": None, "token": "Zq8mW9xQ0vLp4sT7yB1nHc"}
    at = dt.datetime(2025, 3, 4, 9, 15, 32)  # 01:15:32 UTC is 09:15:32 in Shanghai
    same = printed_ticket(data, config, now=at.replace(tzinfo=config.timezone).timestamp() + 59)
    assert same.issued_at == at and same.reprinted_at is None and not same.green_channel
    assert same.qr == "http://127.0.0.1:8080/t/Zq8mW9xQ0vLp4sT7yB1nHc"
    late = printed_ticket(data, config, web_url="http://192.168.10.2:8080", now=at + dt.timedelta(minutes=5))
    assert late.reprinted_at == at + dt.timedelta(minutes=5)
    assert late.qr == "http://192.168.10.2:8080/t/Zq8mW9xQ0vLp4sT7yB1nHc"
    _, paper = print_on_simulator(late, TicketLayout())
    text = [item.text for item in paper if isinstance(item, TextLine)]
    assert "补打时间：2025-03-04 09:20:32" in text and "请留意叫号屏和语音叫号" in text  # no estimate
    no_token = printed_ticket({**data, "token": None}, config)
    _, paper = print_on_simulator(no_token, TicketLayout())
    assert no_token.qr == "" and not [item for item in paper if isinstance(item, QrCode)]
    with pytest.raises(KeyError):
        printed_ticket({"status": "error"}, config)


def test_ticket_preview_for_people_to_look_at():
    """docs/screens/printer/: the ticket as printed (fixed token, so the picture is stable)."""
    config = load_hall(ROOT / "config" / "halls" / "township.toml")
    data = {"ticket": "A012", "service_name": "社保医保业务", "service_name_en": "Social and medical insurance",
            "priority": "green", "people_ahead": 5, "estimated_wait_min": 14.6,
            "issued_at": "2025-03-04T09:15:32.000+08:00", "token": "q3Vb8kPz1XwY7sLmN0aR2c"}
    SCREENS.mkdir(parents=True, exist_ok=True)
    for mm in (58, 80):
        layout = TicketLayout(paper_mm=mm)
        _, paper = print_on_simulator(printed_ticket(data, config), layout)
        png = render_png(paper, str(SCREENS / f"ticket-{mm}mm-green-zh.png"), layout.columns)
        assert zbar(png) == ticket_url(config.web_url, data["token"])
