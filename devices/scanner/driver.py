"""QR / barcode scanner in serial line mode (USB-CDC ``/dev/ttyACM*``, RS-232, a pty).

Addressed by a transport URL; the scanner's own settings may ride along in the query::

    serial:///dev/serial/by-id/usb-SCANNER-if00?baudrate=115200&terminator=crlf&encoding=auto

``terminator`` is ``cr`` | ``lf`` | ``crlf`` | ``any`` | ``none`` (idle-gap framing, with
``idle_gap`` seconds), ``encoding`` is ``auto`` (UTF-8, else GBK) | ``utf-8`` | ``gbk``.

:meth:`SerialScanner.read` returns the next classified :class:`Scan` (None on timeout).
An unplugged scanner raises DeviceError(``disconnected``) once the timeout has passed
without it coming back; every call tries to reopen it, so the driver recovers by itself
when the device returns. Garbage never raises: it comes back as an ``unreadable`` Scan.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Callable

from devices import transport
from devices.errors import DISCONNECTED, DeviceError, device_error
from devices.scanner.classify import Classifier, Scan
from devices.scanner.codec import (DEFAULT_IDLE_GAP, DEFAULT_MAX_LENGTH, Framer, Payload,
                                   Terminator, decode_payload)
from devices.transport import PORT_ERRORS, open_transport

log = logging.getLogger(__name__)

SCANNER_DISCONNECTED = (DISCONNECTED[0], "扫码器未连接，请联系工作人员", "scanner is not connected")
_SCANNER_KEYS = {"terminator", "encoding", "idle_gap"}


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """Separate the scanner's own query options from the transport URL."""
    return transport.split_url(url, _SCANNER_KEYS)


class SerialScanner:
    """A line-mode scanner. Thread-safe ``read``; or ``start(on_scan)`` for a reading thread."""

    def __init__(self, url: str, *, terminator: str | None = None, encoding: str | None = None,
                 idle_gap: float | None = None, baudrate: int = 115200,
                 max_length: int = DEFAULT_MAX_LENGTH, classifier: Classifier | None = None,
                 reconnect_interval: float = 0.2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.transport_url, options = split_url(url)
        self.terminator = Terminator(terminator or options.get("terminator", "any"))
        self.encoding = encoding or options.get("encoding", "auto")
        decode_payload(b"", self.encoding)  # rejects an unknown encoding now, not at first scan
        gap = idle_gap if idle_gap is not None else float(options.get("idle_gap", DEFAULT_IDLE_GAP))
        self.framer = Framer(self.terminator, idle_gap=gap, max_length=max_length)
        self.classifier = classifier or Classifier()
        self.baudrate = baudrate
        self.reconnect_interval = reconnect_interval
        self.clock = clock
        self._port = None
        self._ready: collections.deque[Scan] = collections.deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def __repr__(self) -> str:
        return f"SerialScanner({self.url!r}, {self.terminator.value}, {self.encoding})"

    @property
    def connected(self) -> bool:
        return self._port is not None

    # --- reading ---

    def open(self) -> None:
        """Open the port now (otherwise the first read does); DeviceError if it is absent."""
        with self._lock:
            if self._port is None:
                self._reopen(0)

    def read(self, timeout: float = 1.0) -> Scan | None:
        """The next scan within ``timeout`` seconds, or None. DeviceError if unplugged."""
        with self._lock:
            deadline = self.clock() + timeout
            while True:
                if self._ready:
                    return self._ready.popleft()
                left = deadline - self.clock()
                if self._port is None and not self._reopen(left):
                    continue
                self._queue(self.framer.poll(self.clock()))
                if self._ready:
                    continue
                if left <= 0:
                    return None
                self._read_some(left)

    def _reopen(self, left: float) -> bool:
        """Try to open the port; False means: loop again (waited, or queued an error)."""
        try:
            self._port = open_transport(self.transport_url, baudrate=self.baudrate, timeout=0.05)
            log.info("scanner %s connected", self.transport_url)
            return True
        except DeviceError as exc:
            if left <= 0:
                raise device_error(SCANNER_DISCONNECTED, exc.detail) from exc
            time.sleep(min(self.reconnect_interval, left))
            return False

    def _read_some(self, left: float) -> None:
        waiting = self.framer.pending and self.terminator is Terminator.NONE
        timeout = min(left, self.framer.idle_gap if waiting else 0.1)
        try:
            if self._port.timeout != timeout:
                self._port.timeout = timeout  # reconfigures the port: may fail if unplugged
            chunk = self._port.read(max(1, self._port.in_waiting))
        except PORT_ERRORS as exc:
            self._lost(exc)
            return
        now = self.clock()
        self._queue(self.framer.feed(chunk, now) if chunk else self.framer.poll(now))

    def _lost(self, exc: Exception) -> None:
        log.warning("scanner %s lost: %s", self.transport_url, exc)
        self._queue(self.framer.flush())
        self._close_port()

    def _queue(self, items: list) -> None:
        for item in items:
            if isinstance(item, DeviceError):
                payload = Payload(raw=b"", error=item)
            else:
                payload = decode_payload(item, self.encoding)
            scan = self.classifier.classify(payload)
            log.info("scan: %s, %d bytes%s", scan.kind, len(payload.raw),
                     f" ({payload.error.code})" if payload.error else "")
            self._ready.append(scan)

    # --- a reading thread for an app ---

    def start(self, on_scan: Callable[[Scan], None],
              on_status: Callable[[DeviceError | None], None] | None = None) -> None:
        """Read on a thread: ``on_scan(scan)`` per code; ``on_status(None)`` once the port
        is open (at start and whenever the scanner is back), ``on_status(error)`` when it
        goes away. Callbacks run on the reading thread (a Kivy app hands over with
        Clock.schedule_once)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(on_scan, on_status),
                                        name=f"scanner:{self.transport_url}", daemon=True)
        self._thread.start()

    def _run(self, on_scan, on_status) -> None:
        ready = None  # unknown until the first read: then True (port open) or False
        while not self._stop.is_set():
            try:
                scan = self.read(0.2)
            except DeviceError as exc:
                if ready is not False and on_status:
                    on_status(exc)
                ready = False
                self._stop.wait(self.reconnect_interval)
                continue
            if ready is not True and self.connected:
                ready = True
                if on_status:
                    on_status(None)
            if scan is not None:
                try:
                    on_scan(scan)
                except Exception:  # noqa: BLE001 - an app bug must not stop the scanner
                    log.exception("on_scan callback failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self.close()

    def close(self) -> None:
        with self._lock:
            self._close_port()

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass
