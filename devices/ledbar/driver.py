"""Window LED bars (窗口条屏) on one serial line, addressed by URL.

    bars = LedBars("serial:///dev/ttyUSB1?baudrate=9600")
    error = bars.show(3, "请A012号到3号窗口", blink=True)   # None, or a DeviceError

Every call returns None on success or a DeviceError (``ledbar_offline`` when a bar does not
answer after the retries, ``ledbar_refused`` when it rejects a frame, ``disconnected`` when
the port is gone); nothing raises. The driver remembers what each bar should show, and after
the port comes back, or a bar answers again after being offline, it sends that state again
before anything else, so a bar that lost power shows the right text once it is back.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from devices.errors import DISCONNECTED, DeviceError, FrameError, device_error
from devices.ledbar import codec
from devices.ledbar.codec import BarState, Frame, FrameReader, Status
from devices.transport import PORT_ERRORS, open_transport

log = logging.getLogger(__name__)

LEDBAR_OFFLINE = ("ledbar_offline", "窗口屏无响应，请检查连线", "LED bar does not answer")
LEDBAR_REFUSED = ("ledbar_refused", "窗口屏拒绝了显示指令，请联系工作人员", "LED bar refused the frame")


class LedBars:
    """All bars on one port. Thread-safe: one request on the line at a time."""

    def __init__(self, url: str, *, baudrate: int = 9600, reply_timeout: float = 0.2,
                 retries: int = 2, opener: Callable = open_transport):
        self.url, self.baudrate = url, baudrate
        self.reply_timeout, self.retries = reply_timeout, retries
        self.opener = opener
        self.port = None
        self.reader = FrameReader()
        self.garbled = 0
        self.wanted: dict[int, BarState] = {}      # what each bar should show
        self._stale: set[int] = set()              # bars that may not show it (after a failure)
        self._lock = threading.RLock()

    # -- what the app calls

    def show(self, address: int, text: str, *, blink: bool = False, scroll: bool = False) -> DeviceError | None:
        """Show ``text`` (cut to 64 GB18030 bytes), steady or blinking, still or scrolling."""
        return self._set(address, codec.show_text(address, text, blink, scroll))

    def blink(self, address: int, on: bool) -> DeviceError | None:
        return self._set(address, codec.blink(address, on))

    def brightness(self, address: int, level: int) -> DeviceError | None:
        return self._set(address, codec.brightness(address, level))

    def clear(self, address: int) -> DeviceError | None:
        return self._set(address, codec.clear(address))

    def refresh(self) -> dict[int, DeviceError]:
        """Send every bar its whole state again (after a power cut on the bars' side)."""
        with self._lock:
            errors = {a: self._restore(a) for a in list(self.wanted)}
            return {a: e for a, e in errors.items() if e}

    def query(self, address: int) -> BarState | DeviceError:
        """What the bar says it shows."""
        with self._lock:
            reply = self._request(address, codec.query(address))
            if isinstance(reply, DeviceError):
                return reply
            try:
                return codec.decode_state(reply)
            except ValueError as exc:
                return device_error(LEDBAR_REFUSED, f"address {address}: {exc}")

    def close(self) -> None:
        with self._lock:
            self._close()

    # -- internals

    def _set(self, address: int, frame_bytes: bytes) -> DeviceError | None:
        frame = FrameReader().feed(frame_bytes)[0]
        with self._lock:
            if address == codec.BROADCAST:
                for bar in self.wanted:  # each bar does with it what a bar does (codec.apply)
                    self.wanted[bar] = codec.apply(self.wanted[bar], frame)[0]
                return self._broadcast(frame_bytes)
            self.wanted[address] = codec.apply(self.wanted.get(address, BarState()), frame)[0]
            self._ensure()  # a port opened just now may face bars that were reset: restore them whole
            if address in self._stale:
                return self._restore(address)  # BRIGHTNESS + TEXT carry the whole state
            return self._check(address, self._request(address, frame_bytes))

    def _broadcast(self, frame: bytes) -> DeviceError | None:
        if not self._ensure():
            return self._down_error
        try:
            self.port.write(frame)
        except PORT_ERRORS as exc:
            return self._lost(exc)
        return None

    def _restore(self, address: int) -> DeviceError | None:
        state = self.wanted[address]
        for frame in (codec.brightness(address, state.brightness),
                      codec.show_text(address, state.text, state.blink, state.scroll)):
            error = self._check(address, self._request(address, frame))
            if error:
                return error
        self._stale.discard(address)
        return None

    def _check(self, address: int, reply: Frame | DeviceError) -> DeviceError | None:
        if isinstance(reply, DeviceError):
            self._stale.add(address)
            return reply
        if reply.data[:1] != bytes([Status.OK]):
            status = reply.data[0] if reply.data else -1
            return device_error(LEDBAR_REFUSED, f"address {address}: status {status}")
        return None

    def _ensure(self) -> bool:
        if self.port is None:
            try:
                self.port = self.opener(self.url, baudrate=self.baudrate, timeout=self.reply_timeout)
            except DeviceError as exc:
                self._down_error = exc
                return False
            self._stale.update(self.wanted)  # bars may have been reset meanwhile
        return True

    def _lost(self, exc: Exception) -> DeviceError:
        self._close()
        self._down_error = device_error(DISCONNECTED, f"{self.url}: {exc}")
        return self._down_error

    def _close(self) -> None:
        port, self.port = self.port, None
        self.reader = FrameReader()
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass

    def _request(self, address: int, frame: bytes) -> Frame | DeviceError:
        """Send ``frame`` and wait for the bar's reply, with retries; reopen a lost port once."""
        for attempt in range(self.retries + 1):
            if not self._ensure():
                return self._down_error
            try:
                self.reader = FrameReader()   # a half frame from before is of no use now
                self.port.reset_input_buffer()
                self.port.write(frame)
                reply = self._await(address, frame[2])
            except PORT_ERRORS as exc:
                error = self._lost(exc)
                if attempt == self.retries:
                    return error
                continue
            if reply is not None:
                return reply
            log.debug("LED bar %d: no reply (attempt %d)", address, attempt + 1)
        return device_error(LEDBAR_OFFLINE, f"address {address}")

    def _await(self, address: int, command: int) -> Frame | None:
        deadline = time.monotonic() + self.reply_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self.port.timeout = remaining
            data = self.port.read(self.port.in_waiting or 1)
            for item in self.reader.feed(data):
                if isinstance(item, FrameError):
                    self.garbled += 1
                elif item.address == address and item.command == command | 0x80:
                    return item
        return None

    _down_error: DeviceError | None = None
