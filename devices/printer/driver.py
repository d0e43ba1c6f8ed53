"""The ticket printer as the kiosk sees it: one URL, ``status()``, ``print_ticket()``.

Transports are python-escpos printer classes, chosen by the URL:

    serial:///dev/ttyUSB0?baudrate=9600   Serial (also pty:///dev/pts/N or a bare /dev path)
    tcp://192.168.1.50:9100               Network (raw port 9100)
    file:///dev/usb/lp0                   File (status read back from the same device node)
    usb://0416:5011                       Usb (vendor:product in hex; needs pyusb)
    dummy://?state=ok|low|out|cover_open  Dummy (collects bytes; answers status from the URL)

Common options in the query string: ``timeout`` (status reply wait, seconds), ``qr=native|raster``
(raster for printers without GS ( k), ``paper=58|80`` (mm).

Every call returns a value, never raises: the status is checked before printing; a job that
cannot be printed (or whose printing was interrupted, e.g. the roll ran out) is kept in
``pending`` and printed again by ``retry_pending()`` once paper is loaded. A reprint shows the
same ticket number, so a duplicate is harmless while a lost ticket is not. A dead connection is
closed and reopened on the next call, so an unplugged printer that comes back just works.
"""
from __future__ import annotations

import logging
import os
import select
import stat
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from escpos import printer as escpos_printer

from devices.errors import DeviceError
from devices.printer import codec
from devices.printer.codec import PrinterState, PrinterStatus
from devices.printer.ticket import Ticket, TicketLayout, render_ticket

log = logging.getLogger(__name__)


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


class _DummyPrinter(escpos_printer.Dummy):
    """python-escpos's Dummy, answering DLE EOT from a fixed state instead of echoing."""

    def __init__(self, state: str = "ok"):
        super().__init__()
        self.paper = state if state in ("ok", "low", "out") else "ok"
        self.cover_open = state == "cover_open"

    def _read(self) -> bytes:
        last = self.output[-3:]
        if last[:2] != codec.DLE + codec.EOT:
            return b""
        return codec.status_reply(last[2], paper=self.paper, cover_open=self.cover_open)


@dataclass(frozen=True)
class PrinterUrl:
    kind: str          # serial, network, file, usb, dummy
    target: str        # device path, host, or vid:pid
    port: int = 9100
    options: dict = field(default_factory=dict)

    @staticmethod
    def parse(url: str) -> "PrinterUrl":
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        scheme = parts.scheme or "serial"
        if scheme in ("serial", "pty"):
            return PrinterUrl("serial", parts.path if parts.scheme else url.split("?")[0], options=options)
        if scheme == "tcp":
            return PrinterUrl("network", parts.hostname or "", parts.port or 9100, options)
        if scheme == "file":
            return PrinterUrl("file", parts.path, options=options)
        if scheme == "usb":
            return PrinterUrl("usb", parts.netloc, options=options)
        if scheme == "dummy":
            return PrinterUrl("dummy", "", options=options)
        raise ValueError(f"unsupported printer URL {url!r}")

    def layout(self) -> TicketLayout:
        return TicketLayout(paper_mm=int(self.options.get("paper", 58)),
                            native_qr=self.options.get("qr", "native") != "raster")


def _force_close(p) -> None:
    """Close python-escpos's underlying handle without the flush that failed."""
    handle = getattr(p, "_device", None)
    try:
        if handle:
            handle.close()
    except (OSError, ValueError):  # serial, socket and USB errors are all OSErrors
        pass
    p._device = False


class TicketPrinter:
    """A ticket printer addressed by URL. Thread-safe; every method returns, never raises."""

    def __init__(self, url: str, *, status_timeout: float | None = None,
                 layout: TicketLayout | None = None):
        self.url = url
        self.address = PrinterUrl.parse(url)
        self.status_timeout = status_timeout or float(self.address.options.get("timeout", 0.5))
        self.layout = layout or self.address.layout()
        self.pending: list[bytes] = []
        self._escpos = None
        self._lock = threading.RLock()

    # -- connection

    def _open(self):
        if self._escpos is not None:
            return self._escpos
        a = self.address
        if a.kind == "serial":
            p = escpos_printer.Serial(a.target, baudrate=int(a.options.get("baudrate", 9600)),
                                      timeout=self.status_timeout)
        elif a.kind == "network":
            p = escpos_printer.Network(a.target, a.port, timeout=max(self.status_timeout, 1.0))
        elif a.kind == "file":
            p = escpos_printer.File(a.target)
        elif a.kind == "usb":
            if not escpos_printer.Usb.is_usable():
                raise OSError("USB printing needs the pyusb package")
            vid, pid = (int(x, 16) for x in a.target.split(":"))
            p = escpos_printer.Usb(vid, pid)
        else:
            p = _DummyPrinter(a.options.get("state", "ok"))
        p.open()
        if a.kind == "serial":
            p.device.write_timeout = 5.0
        self._escpos = p
        return p

    def close(self) -> None:
        with self._lock:
            p, self._escpos = self._escpos, None
            if p is not None:
                try:
                    p.close()
                except Exception:  # closing a dead port fails (flush on EIO); drop it anyway
                    log.debug("closing %s failed", self.url, exc_info=True)
                    _force_close(p)

    # -- status

    def _drain(self, p) -> None:
        """Drop stale bytes (a late reply to an earlier query) before asking again."""
        kind = self.address.kind
        if kind == "serial":
            p.device.reset_input_buffer()
        elif kind == "network":
            p.device.setblocking(False)
            try:
                while p.device.recv(64):
                    pass
            except (BlockingIOError, OSError):
                pass
            finally:
                p.device.settimeout(self.status_timeout)

    def _read_byte(self, p) -> int | None:
        kind = self.address.kind
        if kind == "serial":
            p.device.timeout = self.status_timeout
            got = p.device.read(1)
        elif kind == "network":
            p.device.settimeout(self.status_timeout)
            try:
                got = p.device.recv(1)
            except TimeoutError:
                got = b""
        elif kind == "file":
            got = self._read_file_byte()
        else:
            got = bytes(p._read() or b"")
        return got[0] if got else None

    def _read_file_byte(self) -> bytes:
        path = self.address.target
        if not stat.S_ISCHR(os.stat(path).st_mode):
            return codec.status_reply(1)  # a spool file: no status to read, assume ready
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        try:
            ready, _, _ = select.select([fd], [], [], self.status_timeout)
            return os.read(fd, 1) if ready else b""
        finally:
            os.close(fd)

    def _query(self, p, n: int) -> int | None:
        self._drain(p)
        p._raw(codec.status_query(n))
        if self.address.kind == "file":
            p.flush()
        return self._read_byte(p)

    def _status(self) -> PrinterStatus:
        try:
            p = self._open()
            replies = {1: self._query(p, 1)}
            if replies[1] is not None:
                replies[2] = self._query(p, 2)
                replies[4] = self._query(p, 4)
        except Exception as exc:  # any transport failure: the printer is not reachable
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
            p = self._escpos
            p._raw(job)
            if self.address.kind == "file":
                p.flush()
        except Exception as exc:
            self.close()
            state = PrinterState.OFFLINE
            return PrintResult(False, state, DeviceError(state.code, state.message_zh,
                                                         state.message_en, f"write failed: {exc}"))
        after = self._status()
        if not after.can_print:  # stopped while printing: the ticket may be cut short
            return PrintResult(False, after.state, after.error())
        return PrintResult(True, after.state)
