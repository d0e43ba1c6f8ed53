"""The demo's device window without its window: each button of ``PanelPresenter`` acts on a
simulator that the kiosk's real drivers hear through the rig's links — the ID card reader
driver reads the card laid down (and finds none after 取走), the scanner driver reads the
appointment's QR, the printer driver hears paper out and in (DLE EOT), and a printed ticket
is kept as the exact bytes sent and shown. The window shows the holder masked only."""
from __future__ import annotations

import datetime as dt
import queue

import pytest

from devices.errors import DeviceError
from devices.idcard.cards import demo_cards
from devices.idcard.driver import IdCardReader
from devices.panel.presenter import PanelPresenter
from devices.panel.rig import DeviceRig, kiosk_urls, ready
from devices.printer.driver import TicketPrinter
from devices.printer.interpreter import Interpreter, TextLine
from devices.printer.preview import sample_ticket
from devices.scanner.driver import SerialScanner

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def rig(tmp_path):
    rig = DeviceRig(tmp_path / "devices", "DEMO20261130").start()
    yield rig
    rig.stop()


def test_the_buttons_reach_the_kiosks_drivers(rig, tmp_path):
    panel = PanelPresenter(rig, green_age=60, today=lambda: TODAY)
    urls = kiosk_urls(rig.folder)
    assert ready(rig.folder)
    holder = demo_cards()["resident_long_term"]

    reader = IdCardReader(urls["idcard"])
    try:
        with pytest.raises(DeviceError):
            reader.read_card()  # nobody there
        assert panel.press("place", "resident_long_term")
        assert reader.read_card().card.masked_name == holder.masked_name
        shown = "\n".join(line for s in panel.view().sections for line in s.lines)
        assert f"{holder.masked_name} 71岁（绿色通道）" in shown
        assert holder.name not in repr(panel.view()) and holder.id_number not in repr(panel.view())
        assert panel.press("lift") and not panel.press("lift")  # once: the card is gone
        with pytest.raises(DeviceError):
            reader.read_card()
    finally:
        reader.close()

    scans: queue.Queue = queue.Queue()
    opened: queue.Queue = queue.Queue()
    scanner = SerialScanner(urls["scanner"])
    scanner.start(scans.put, opened.put)
    try:
        assert opened.get(timeout=5) is None  # the port is open (and its old input flushed)
        assert panel.press("scan")
        scan = scans.get(timeout=5)
        assert (scan.kind, scan.fields.get("code")) == ("appointment", "DEMO20261130")
    finally:
        scanner.stop()

    printer = TicketPrinter(urls["printer"])
    try:
        assert panel.press("paper_out") and not panel.press("paper_out")
        assert not printer.status().can_print
        assert [b.action for b in panel.view().sections[2].buttons] == ["paper_in"]
        assert panel.press("paper_in") and printer.status().can_print
        assert printer.print_ticket(sample_ticket()).ok
    finally:
        printer.close()
    view = panel.view()
    assert rig.printed == 1 and view.ticket_picture == str(rig.tray / "0001.png")
    lines = [e.text for e in Interpreter().feed((rig.tray / "0001.escpos").read_bytes()) if isinstance(e, TextLine)]
    assert "A012" in "".join(lines) and any("【绿色通道】" in line for line in lines)


def test_the_links_go_when_the_rig_stops(tmp_path):
    rig = DeviceRig(tmp_path / "devices").start()
    assert ready(rig.folder)
    rig.stop()
    assert not ready(rig.folder)
    assert not any((rig.folder / name).exists() for name in ("idcard", "scanner", "printer"))
