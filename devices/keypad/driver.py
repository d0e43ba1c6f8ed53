"""Counter keypads as the caller bridge sees them: a stream of typed KeyPress values.

``KeypadBus`` is the master of an RS-485 bus of YC-485 keypads (codec.py): it polls each
address in turn, acknowledges key events by sequence number (a lost reply is asked for again,
a repeat is dropped), writes display text, and reports keypads going offline and coming back.
``Ev1527Receiver`` reads a 433 MHz receiver board (ev1527.py), drops the repeats of a held
button and maps transmitters to windows.

Both open their port by URL (devices.transport), never raise on bad bytes or a lost port,
and reopen the port by themselves when it comes back. Typical use, in a thread of the bridge::

    bus = KeypadBus("serial:///dev/ttyUSB0?baudrate=9600", addresses=[1, 2, 3], windows={1: "W01"})
    for event in bus.events(stop):      # KeyPress or KeypadState
        ...
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Iterator

from devices.errors import DISCONNECTED, DeviceError, FrameError, device_error
from devices.keypad import codec, ev1527
from devices.keypad.codec import Command, Frame, FrameReader, KeyPress
from devices.transport import PORT_ERRORS, open_transport

log = logging.getLogger(__name__)

KEYPAD_OFFLINE = ("keypad_offline", "呼叫器无响应，请检查连线", "keypad does not answer")


@dataclass(frozen=True)
class KeypadState:
    """A keypad (``address``) or the whole bus / receiver (``address`` None) went on- or offline."""

    address: int | None
    online: bool
    window: Hashable | None = None
    error: DeviceError | None = None


class _LinkDown(Exception):
    pass


class Link:
    """A port opened by URL that can go away and come back."""

    def __init__(self, url: str, baudrate: int, opener: Callable = open_transport):
        self.url, self.baudrate, self.opener = url, baudrate, opener
        self.port = None
        self.last_error: DeviceError | None = None

    @property
    def connected(self) -> bool:
        return self.port is not None

    def ensure(self) -> bool:
        """Open the port if it is closed; False (and ``last_error``) if it cannot be."""
        if self.port is None:
            try:
                self.port = self.opener(self.url, baudrate=self.baudrate, timeout=0.05)
                self.last_error = None
            except DeviceError as exc:
                self.last_error = exc
        return self.port is not None

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except PORT_ERRORS as exc:
            self._down(exc)

    def read(self, timeout: float) -> bytes:
        try:
            self.port.timeout = max(0.0, timeout)
            return self.port.read(self.port.in_waiting or 1)
        except PORT_ERRORS as exc:
            self._down(exc)

    def _down(self, exc: Exception):
        self.close()
        self.last_error = device_error(DISCONNECTED, f"{self.url}: {exc}")
        raise _LinkDown() from exc

    def close(self) -> None:
        port, self.port = self.port, None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass


class KeypadBus:
    """The RS-485 bus master. ``poll_round()`` is one pass over all addresses; ``events()``
    loops forever. Only the thread running them touches the port; ``show()`` is thread-safe."""

    def __init__(self, url: str, addresses: Iterable[int], *, windows: dict | None = None,
                 baudrate: int = 9600, reply_timeout: float = 0.1, offline_after: int = 3,
                 reconnect_delay: float = 1.0, poll_interval: float = 0.02,
                 opener: Callable = open_transport):
        self.addresses = list(addresses)
        self.windows = dict(windows or {})
        self.reply_timeout, self.offline_after = reply_timeout, offline_after
        self.reconnect_delay, self.poll_interval = reconnect_delay, poll_interval
        self.link = Link(url, baudrate, opener)
        self.reader = FrameReader()
        self.garbled = 0                      # bad frames seen (noise, checksum, cut off)
        self._last_seq = {a: 0 for a in self.addresses}
        self._misses = {a: 0 for a in self.addresses}
        self._online: dict[int, bool | None] = {a: None for a in self.addresses}
        self._bus_up: bool | None = None
        self._display: dict[tuple[int, int], str] = {}
        self._unsent: set[tuple[int, int]] = set()
        self._lock = threading.Lock()

    # -- the app's side

    def show(self, address: int, text: str, line: int = 0) -> None:
        """Put ``text`` on a keypad's display line; sent on the next round, again after a reboot."""
        with self._lock:
            self._display[(address, line)] = text
            self._unsent.add((address, line))

    def window(self, address: int | None):
        return self.windows.get(address)

    def last_seq(self, address: int) -> int:
        """The sequence number of the last key taken from ``address`` (acknowledged on its next poll)."""
        return self._last_seq.get(address, 0)

    def resume(self, seqs: dict[int, int]) -> None:
        """Start from the last key each keypad sent before this process began (a bridge that
        restarts reads them from its journal): the first poll acknowledges it, and if the
        keypad sends it again it is recognised and dropped, never taken twice."""
        for address, seq in seqs.items():
            if address in self._last_seq and 0 <= seq <= 255:
                self._last_seq[address] = seq

    def events(self, stop: threading.Event) -> Iterator[KeyPress | KeypadState]:
        while not stop.is_set():
            yield from self.poll_round()
            stop.wait(self.poll_interval if self.link.connected else self.reconnect_delay)

    def close(self) -> None:
        self.link.close()

    # -- one round

    def poll_round(self) -> list[KeyPress | KeypadState]:
        out: list[KeyPress | KeypadState] = []
        if not self.link.ensure():
            if self._bus_up is not False:
                self._bus_up = False
                out.append(KeypadState(None, False, None, self.link.last_error))
            return out
        if self._bus_up is not True:
            self._bus_up = True
            out.append(KeypadState(None, True))
        try:
            self._send_broadcasts()
            for address in self.addresses:
                self._send_display(address, out)
                self._poll(address, out)
        except _LinkDown:
            self._bus_up = False
            self.reader = FrameReader()
            out.append(KeypadState(None, False, None, self.link.last_error))
            with self._lock:  # the keypads may have lost power too: show everything again
                self._unsent.update(self._display)
        return out

    def _send_broadcasts(self) -> None:
        with self._lock:
            lines = [(k, self._display[k]) for k in self._unsent if k[0] == codec.BROADCAST]
        for (address, line), text in lines:
            self.link.write(codec.display(address, text, line))
            with self._lock:
                if self._display.get((address, line)) == text:
                    self._unsent.discard((address, line))

    def _send_display(self, address: int, out: list) -> None:
        if self._online[address] is False:
            return  # wait until it answers a poll again
        with self._lock:
            lines = [(k, self._display[k]) for k in self._unsent if k[0] == address]
        for (_, line), text in sorted(lines):
            self.link.write(codec.display(address, text, line))
            reply = self._await_reply(address)
            self._note_answer(address, reply, out)
            if reply is not None and reply.command == Command.ACK:
                with self._lock:
                    if self._display.get((address, line)) == text:
                        self._unsent.discard((address, line))

    def _poll(self, address: int, out: list) -> None:
        self.link.write(codec.poll(address, self._last_seq[address]))
        reply = self._await_reply(address)
        self._note_answer(address, reply, out)
        if reply is None:
            return
        if reply.command == Command.HELLO:
            self._hello(address)
        elif reply.command == Command.KEY:
            try:
                seq, press = codec.decode_key(reply)
            except ValueError as exc:
                self.garbled += 1
                log.warning("keypad %d sent a bad key frame: %s", address, exc)
                if reply.data:
                    self._last_seq[address] = reply.data[0]  # acknowledge it, or it comes forever
                return
            if seq != self._last_seq[address]:
                self._last_seq[address] = seq
                out.append(KeyPress(press.address, press.action, press.digits, self.window(address)))
        elif reply.command == Command.NAK:
            log.warning("keypad %d refused a frame: %s", address, reply.data.hex())

    def _hello(self, address: int) -> None:
        """The keypad restarted: its sequence numbers begin again, and its display is blank."""
        self._last_seq[address] = 0
        with self._lock:
            self._unsent.update(k for k in self._display if k[0] == address)

    def _note_answer(self, address: int, reply: Frame | None, out: list) -> None:
        if reply is not None:
            self._misses[address] = 0
            if self._online[address] is not True:
                self._online[address] = True
                out.append(KeypadState(address, True, self.window(address)))
            return
        self._misses[address] += 1
        if self._misses[address] >= self.offline_after and self._online[address] is not False:
            self._online[address] = False
            out.append(KeypadState(address, False, self.window(address),
                                   device_error(KEYPAD_OFFLINE, f"address {address}")))

    def _await_reply(self, address: int) -> Frame | None:
        """The next keypad-direction frame from ``address`` within the reply timeout."""
        deadline = time.monotonic() + self.reply_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            for item in self.reader.feed(self.link.read(remaining)):
                if isinstance(item, FrameError):
                    self.garbled += 1
                    log.debug("bus noise (%s): %s", item.reason, item.raw.hex())
                elif item.address == address and item.command & 0x80:
                    return item  # anything after it in this read is stale: polled again later


class Ev1527Receiver:
    """A 433 MHz receiver board. ``read()`` returns what arrived within a timeout."""

    def __init__(self, url: str, windows: dict, *, keymap: dict | None = None,
                 baudrate: int = 9600, repeat_gap: float = 0.3, reconnect_delay: float = 1.0,
                 learn: bool = False, clock: Callable[[], float] = time.monotonic,
                 opener: Callable = open_transport):
        self.windows = windows
        self.keymap = keymap or ev1527.DEFAULT_KEYMAP
        self.repeat_gap, self.reconnect_delay, self.learn = repeat_gap, reconnect_delay, learn
        self.clock = clock
        self.link = Link(url, baudrate, opener)
        self.reader = ev1527.CodeReader()
        self.garbled = 0
        self.unknown_transmitters: set[int] = set()
        self._last_seen: dict[tuple[int, int], float] = {}
        self._up: bool | None = None

    def read(self, timeout: float = 0.1) -> list[KeyPress | KeypadState]:
        out: list[KeyPress | KeypadState] = []
        if not self.link.ensure():
            if self._up is not False:
                self._up = False
                out.append(KeypadState(None, False, None, self.link.last_error))
            return out
        if self._up is not True:
            self._up = True
            out.append(KeypadState(None, True))
        try:
            data = self.link.read(timeout)
        except _LinkDown:
            self._up = False
            self.reader = ev1527.CodeReader()
            return out + [KeypadState(None, False, None, self.link.last_error)]
        for item in self.reader.feed(data):
            if isinstance(item, FrameError):
                self.garbled += 1
                continue
            press = self._press(item)
            if press is not None:
                out.append(press)
        return out

    def _press(self, code: ev1527.Code) -> KeyPress | None:
        now = self.clock()
        last = self._last_seen.get((code.transmitter, code.key))
        self._last_seen[(code.transmitter, code.key)] = now
        if last is not None and now - last < self.repeat_gap:
            return None  # the same button still held: EV1527 repeats while pressed
        action = ev1527.action_for(code, self.keymap)
        window = self.windows.get(code.transmitter)
        if window is None:
            self.unknown_transmitters.add(code.transmitter)
            log.info("unknown 433 MHz transmitter %05X key %X", code.transmitter, code.key)
            if not self.learn:
                return None
        if action is None:
            log.info("transmitter %05X sent unmapped key bits %X", code.transmitter, code.key)
            return None
        return KeyPress(code.transmitter, action, "", window, "ev1527")

    def events(self, stop: threading.Event) -> Iterator[KeyPress | KeypadState]:
        while not stop.is_set():
            yield from self.read(0.1)
            if not self.link.connected:
                stop.wait(self.reconnect_delay)

    def close(self) -> None:
        self.link.close()
