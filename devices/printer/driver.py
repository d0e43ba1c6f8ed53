"""The ticket printer as the kiosk sees it: one URL, ``status()``, ``print_ticket()``.

The URL names the port, like every device's (``devices/printer/ports.py`` has one class per
way in, each with its own read):

    serial:///dev/ttyUSB0?baudrate=9600   a serial port (also pty:///dev/pts/N, a bare /dev path)
    socket://192.168.1.50:9100            a network printer's raw port (pyserial's socket://)
    tcp://192.168.1.50:9100               the same; the port defaults to 9100
    loop://, spy://PORT?file=…, rfc2217://…   pyserial's test, trace and remote-port URLs
    file:///dev/usb/lp0                   a device node (status read back from it); a regular
                                          file is a spool that counts as ready
    usb://0416:5011                       vendor:product in hex, bulk endpoints (needs pyusb)
    dummy://?state=ok|low|out|cover_open  keeps the bytes; answers status from the URL

The printer's own options in the query string, taken out before the port sees it:
``timeout`` (status reply wait, seconds), ``qr=native|raster`` (raster for printers without
GS ( k), ``paper=58|80`` (mm).

A port failure never raises: the status is checked before printing; a job that cannot be
printed (or whose printing was interrupted, e.g. the roll ran out) is kept in ``pending`` and
printed again by ``retry_pending()`` once paper is loaded. A reprint shows the same ticket
number, so a duplicate is harmless while a lost ticket is not. A dead connection is closed and
reopened on the next call, so an unplugged printer that comes back just works. Only what a
port raises (``PORT_ERRORS``: OSError, serial.SerialException, a DeviceError from opening)
means "offline"; any other exception is a bug and propagates.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from devices.errors import DeviceError
from devices.printer import codec
from devices.printer.codec import PrinterState, PrinterStatus
from devices.printer.ports import check_url, open_port
from devices.printer.ticket import Ticket, TicketLayout, render_ticket
from devices.transport import PORT_ERRORS, split_url

log = logging.getLogger(__name__)

PRINTER_KEYS = {"timeout", "qr", "paper"}
FAILURES = (*PORT_ERRORS, DeviceError)  # DeviceError(disconnected): the port would not open


@dataclass(frozen=True)
class PrintResult:
    """``ok`` if the whole job went to a printer that stayed able to print.

    ``state`` is the printer's state afterwards (``paper_low`` still prints: tell staff);
    ``error`` says why not, with ``error.message_zh`` for the screen.
    """

    ok: bool
    state: PrinterState
    error: DeviceError | None = None

    @property
    def message_zh(self) -> str:
        return self.error.message_zh if self.error else self.state.message_zh


class TicketPrinter:
    """A ticket printer addressed by URL. Thread-safe; a port failure is a result, not an error."""

    def __init__(self, url: str, *, status_timeout: float | None = None,
                 layout: TicketLayout | None = None, baudrate: int = 9600):
        self.url = url
        self.port_url, self.options = split_url(url, PRINTER_KEYS)
        check_url(self.port_url)
        self.status_timeout = status_timeout or float(self.options.get("timeout", 0.5))
        self.layout = layout or TicketLayout(paper_mm=int(self.options.get("paper", 58)),
                                             native_qr=self.options.get("qr", "native") != "raster")
        self.baudrate = baudrate
        self.pending: list[bytes] = []
        self.port = None  # the open port (devices/printer/ports.py), None until first used
        self._lock = threading.RLock()

    # -- connection

    def _open(self):
        if self.port is None:
            self.port = open_port(self.port_url, baudrate=self.baudrate, timeout=self.status_timeout)
        return self.port

    def close(self) -> None:
        with self._lock:
            port, self.port = self.port, None
            if port is not None:
                try:
                    port.close()
                except PORT_ERRORS:  # closing a dead port may fail (flush on EIO); drop it anyway
                    log.debug("closing %s failed", self.url, exc_info=True)

    # -- status

    def _status(self) -> PrinterStatus:
        try:
            port = self._open()
            replies = {1: _byte(port.ask(codec.status_query(1), self.status_timeout))}
            if replies[1] is not None:
                replies[2] = _byte(port.ask(codec.status_query(2), self.status_timeout))
                replies[4] = _byte(port.ask(codec.status_query(4), self.status_timeout))
        except FAILURES as exc:  # the port failed: the printer is not reachable
            self.close()
            return PrinterStatus(PrinterState.OFFLINE, {}, f"{self.url}: {exc}")
        status = codec.decode_status(replies)
        if status.state is PrinterState.OFFLINE and not status.replies:
            self.close()  # no answer at all: reopen next time (the port may have come back)
        return status

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 2, 4) and return its state; offline if it does not answer."""
        with self._lock:
            return self._status()

    # -- printing

    def print_ticket(self, ticket: Ticket) -> PrintResult:
        """Render and print one ticket (see ``print_job``)."""
        return self.print_job(render_ticket(ticket, self.layout))

    def print_job(self, job: bytes) -> PrintResult:
        """Print ``job`` if the printer can; otherwise keep it in ``pending`` and say why."""
        with self._lock:
            result = self._send(job)
            if not result.ok:
                self.pending.append(job)
            return result

    def retry_pending(self) -> PrintResult:
        """Print the kept jobs in order; stop at the first that fails (it stays pending)."""
        with self._lock:
            result = PrintResult(True, self._status().state)
            while self.pending:
                result = self._send(self.pending[0])
                if not result.ok:
                    return result
                self.pending.pop(0)
            return result

    def _send(self, job: bytes) -> PrintResult:
        before = self._status()
        if not before.can_print:
            return PrintResult(False, before.state, before.error())
        try:
            self.port.write(job)
        except PORT_ERRORS as exc:
            self.close()
            lost = PrinterStatus(PrinterState.OFFLINE, {}, f"write failed: {exc}")
            return PrintResult(False, lost.state, lost.error())
        after = self._status()
        if not after.can_print:  # stopped while printing: the ticket may be cut short
            return PrintResult(False, after.state, after.error())
        return PrintResult(True, after.state)


def _byte(answer: bytes) -> int | None:
    return answer[0] if answer else None
