"""The demo's device rig: the three simulators a kiosk needs, on ptys with stable names.

``DeviceRig(folder)`` serves the ID card reader (GA 467 frames), the QR scanner (serial line
mode) and the ESC/POS printer on pseudo-terminals, each behind a symlink in ``folder``
(``idcard``, ``scanner``, ``printer``), like the udev names of a real kiosk. ``kiosk_urls``
gives the URLs a kiosk is started with; ``ready`` tells whether the rig is serving.

Every ticket the printer cuts is kept as the exact bytes the kiosk sent
(``printed/0001.escpos``) and drawn as a picture (``printed/0001.png``), so anyone can decode
what was printed, and the window can show it.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from devices.idcard.cards import demo_cards, demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.printer.interpreter import Cut
from devices.printer.preview import render_png
from devices.printer.simulator import PrinterSimulator
from devices.scanner.simulator import ScannerSimulator

LINKS = ("idcard", "scanner", "printer")
APPOINTMENT_PREFIX = "YY"  # what an appointment's QR code carries before the code


def kiosk_urls(folder: str | Path) -> dict[str, str]:
    """The kiosk's ``--idcard/--scanner/--printer`` for a rig serving in ``folder``."""
    folder = Path(folder)
    return {"idcard": f"serial://{folder / 'idcard'}", "scanner": f"serial://{folder / 'scanner'}",
            "printer": f"serial://{folder / 'printer'}?timeout=2"}


def ready(folder: str | Path) -> bool:
    """Are the rig's three ports there (a rig in another process has started)?"""
    return all(os.path.islink(Path(folder) / name) for name in LINKS)


class RecordingPrinter(PrinterSimulator):
    """The printer simulator, keeping each cut ticket's bytes and picture in ``tray``."""

    def __init__(self, tray: Path, **kw):
        super().__init__(**kw)
        self.tray = tray
        self._bytes = bytearray()

    def handle(self, data: bytes) -> bytes:
        if self.can_print:
            self._bytes += data
        cuts = sum(isinstance(item, Cut) for item in self.printed)
        reply = super().handle(data)
        if sum(isinstance(item, Cut) for item in self.printed) > cuts:
            self._keep()
        return reply

    def _keep(self) -> None:
        n = len(self.tickets())
        raw = self.tray / f"{n:04d}.escpos"
        raw.write_bytes(bytes(self._bytes))
        self._bytes.clear()
        render_png(self.last_ticket(), str(self.tray / f"{n:04d}.png"), self.columns)


class DeviceRig:
    """The kiosk's simulated card reader, scanner and printer; safe to press from any thread."""

    def __init__(self, folder: str | Path, appointment: str = ""):
        self.folder = Path(folder)
        self.tray = self.folder / "printed"
        self.appointment = appointment
        self.cards = demo_virtual_cards()
        self.reader = IdCardSimulator(link=str(self.folder / "idcard"))
        self.scanner = ScannerSimulator(link=str(self.folder / "scanner"))
        self.printer = RecordingPrinter(self.tray, link=str(self.folder / "printer"))
        self.card: str | None = None  # the kind of card on the reader
        self._lock = threading.Lock()

    def start(self) -> "DeviceRig":
        self.tray.mkdir(parents=True, exist_ok=True)
        self.reader.start()
        self.scanner.start()
        self.printer.start()
        return self

    def stop(self) -> None:
        for device in (self.reader, self.scanner, self.printer):
            device.stop()

    # -- what a person at the demo does -------------------------------------------------------
    def place(self, kind: str) -> None:
        """Lay a card of ``kind`` (a key of ``demo_virtual_cards``) on the reader."""
        with self._lock:
            self.reader.place(self.cards[kind])
            self.card = kind

    def lift(self) -> None:
        with self._lock:
            self.reader.lift()
            self.card = None

    def scan_appointment(self) -> None:
        """Hold the demo appointment's QR code under the scanner."""
        if self.appointment:
            self.scanner.scan(APPOINTMENT_PREFIX + self.appointment)

    def paper(self, loaded: bool) -> None:
        if loaded:
            self.printer.load_paper()
        else:
            self.printer.paper = "out"

    # -- what it shows ------------------------------------------------------------------------
    @property
    def paper_loaded(self) -> bool:
        return self.printer.paper != "out"

    @property
    def printed(self) -> int:
        return len(self.printer.tickets())

    def last_picture(self) -> str | None:
        n = self.printed
        path = self.tray / f"{n:04d}.png"
        return str(path) if n and path.exists() else None


def card_holder(kind: str, today) -> tuple[str, int]:
    """(masked name, age) of a demo card's fictional holder: what the window may show."""
    card = demo_cards()[kind]
    return card.masked_name, card.age_on(today)
