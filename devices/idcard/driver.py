"""The ID card reader over a transport URL: one SAM command at a time, errors as values.

    reader = IdCardReader("serial:///dev/ttyUSB0")      # or a pty path, socket://, loop://
    read = reader.read_card()                         # raises DeviceError("no_card", "请将身份证放在感应区")
    ticket_request = read.to_public(hall_key)         # masked name/ID and keyed hash only

The reader opens lazily and reopens by itself after the device vanishes (at most once per
``reconnect_interval``). Without a ``baudrate`` (in the URL or the constructor) it finds the
SAM's speed the way vendor SDKs do: ``11 FF`` at 115200, 57600, 38400, 19200, 9600 until a
valid frame answers. Garbage before a frame is skipped; a garbled frame or a timeout is
retried ``retries`` times, then raised as DeviceError. A card that was read must leave the
reader before it is read again (the SAM enforces this; the driver also refuses the same card
twice in a row without an empty find in between, for readers that do not).

Logging never contains a name, an ID number, or any reply data: only command names, SW3
codes, byte counts and masked forms.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

from devices.errors import DISCONNECTED, GARBLED, TIMEOUT, DeviceError, device_error
from devices.idcard import codec
from devices.idcard.photo import WltPhoto
from devices.idcard.text import Card, UnsupportedCard, parse_appended_address, parse_text
from devices.transport import PORT_ERRORS, open_transport, parse_url

log = logging.getLogger("devices.idcard")

CARD_NOT_LIFTED = ("card_not_lifted", "请取走身份证后再重新放置", "the card already read is still on the reader")
NO_CARD = 0x80
POLL = 0.05  # the port's read timeout: how often a waiting read looks at its deadline
LINK_ERRORS = PORT_ERRORS  # what a vanished port raises (devices.transport)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for each kind of reply (vendor practice: find 0.1-0.3, read 2-3)."""

    command: float = 0.5
    find: float = 0.3
    read: float = 2.0
    read_fingerprint: float = 3.0
    detect: float = 0.3  # per speed tried while detecting the baud rate


@dataclass(frozen=True, repr=False)
class CardRead:
    """One complete read of a card. Holds personal data: its repr shows masked forms only.

    ``fingerprint`` is present only when asked for; it must never be stored.
    """

    card: Card | UnsupportedCard
    photo: WltPhoto
    serial: bytes
    appended_address: str | None = None
    fingerprint: bytes | None = None

    @property
    def address(self) -> str:
        """The current address: the latest appended one if any, else the printed one."""
        return self.appended_address or getattr(self.card, "address", "")

    def to_public(self, key: bytes | str) -> dict:
        """Masked name and ID and the keyed hash: all the kiosk and hub may keep or send."""
        return self.card.to_public(key)

    def __repr__(self) -> str:
        return f"CardRead({self.card!r}, photo {len(self.photo.data)} B)"

    __str__ = __repr__


class IdCardReader:
    """A GA 467 SAM reader addressed by URL (see module docstring)."""

    def __init__(self, url: str, *, baudrate: int | None = None, timeouts: Timeouts = Timeouts(),
                 retries: int = 1, reconnect_interval: float = 1.0) -> None:
        self.url = url
        url_baud = parse_url(url)[1].get("baudrate")
        self.fixed_baudrate = url_baud or baudrate
        self.baudrate = self.fixed_baudrate or codec.BAUD_RATES[0]
        self.timeouts = timeouts
        self.retries = retries
        self.reconnect_interval = reconnect_interval
        self._port = None
        self._last_attempt: float | None = None
        # (serial, digest of serial+text) of the card last read, until a find comes back empty
        self._held: tuple[bytes, bytes] | None = None
        self._lock = threading.RLock()  # one command at a time, whichever thread asks

    # -- connection ---------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        """Connect now (otherwise the first command does); raises DeviceError if it cannot."""
        with self._lock:
            self._last_attempt = None
            self._ensure_open()

    def close(self) -> None:
        with self._lock:
            port, self._port = self._port, None
            if port is not None:
                try:
                    port.close()
                except LINK_ERRORS:
                    pass

    def __enter__(self) -> "IdCardReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure_open(self):
        if self._port is not None:
            return self._port
        now = time.monotonic()
        if self._last_attempt is not None and now - self._last_attempt < self.reconnect_interval:
            raise device_error(DISCONNECTED, f"{self.url}: waiting to reconnect")
        self._last_attempt = now
        port = open_transport(self.url, baudrate=self.baudrate, timeout=POLL)
        self._port = port
        try:
            if self.fixed_baudrate is None:
                self._detect_baudrate(port)
        except DeviceError:
            self.close()
            raise
        log.info("idcard reader connected on %s at %s baud", self.url, self.baudrate)
        return port

    def _lost(self, exc: Exception) -> DeviceError:
        log.warning("idcard reader on %s lost: %s", self.url, exc)
        self.close()  # the card last read is still remembered: a replug proves no lift
        return device_error(DISCONNECTED, f"{self.url}: {exc}")

    def _detect_baudrate(self, port) -> None:
        candidates = [self.baudrate] + [b for b in codec.BAUD_RATES if b != self.baudrate]
        for baud in candidates:
            try:
                port.baudrate = baud
                reply = self._exchange(port, codec.SAM_STATUS, self.timeouts.detect)
            except DeviceError as err:
                if err.code == DISCONNECTED[0]:
                    raise
                log.debug("idcard: no valid answer at %s baud (%s)", baud, err.code)
                continue
            except (*LINK_ERRORS, ValueError) as exc:
                raise self._lost(exc) from exc
            log.info("idcard: SAM answers at %s baud (SW3=%02X)", baud, reply.sw3)
            self.baudrate = baud
            return
        raise device_error(TIMEOUT, f"{self.url}: no SAM answer at any of {codec.BAUD_RATES}")

    # -- one command ----------------------------------------------------------------------------
    def _exchange(self, port, command: codec.Command, timeout: float) -> codec.Reply:
        """Send one frame and wait for one reply frame (raises DeviceError or OSError)."""
        port.reset_input_buffer()
        port.write(command.encode())
        parser = codec.FrameParser()
        deadline = time.monotonic() + timeout
        try:
            while True:
                body = parser.next_frame()
                if body is not None:
                    return codec.decode_reply(body)
                if time.monotonic() >= deadline:
                    raise device_error(TIMEOUT, f"{command.name} ({command.cmd:02X} {command.para:02X}):"
                                                f" {parser.pending} bytes after {timeout}s")
                parser.feed(port.read(port.in_waiting or 1))
        finally:
            if parser.discarded:
                log.info("idcard: skipped %d bytes of line noise around a reply", parser.discarded)

    def transact(self, command: codec.Command, timeout: float | None = None) -> codec.Reply:
        """Send ``command`` and return the SAM's reply, whatever its SW3.

        Link failures (timeout, garbled frame) are retried, then raised as DeviceError; a
        vanished device raises DeviceError(disconnected) and is reopened on a later call.
        """
        timeout = self.timeouts.command if timeout is None else timeout
        with self._lock:
            for attempt in range(self.retries + 1):
                port = self._ensure_open()
                try:
                    reply = self._exchange(port, command, timeout)
                except DeviceError as err:
                    if err.code in (TIMEOUT[0], GARBLED[0]) and attempt < self.retries:
                        log.info("idcard: %s %s, retrying (%s)", command.name, err.code, err.detail)
                        continue
                    log.warning("idcard: %s failed: %s", command.name, err)
                    raise
                except LINK_ERRORS as exc:
                    raise self._lost(exc) from exc
                log.debug("idcard: %s -> SW3=%02X, %d data bytes",
                          command.name, reply.sw3, len(reply.data))
                return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _expect(self, command: codec.Command, timeout: float | None = None,
                sw3: int = 0x90) -> codec.Reply:
        reply = self.transact(command, timeout)
        if reply.sw3 != sw3:
            raise reply.error() or device_error(GARBLED, f"SW3={reply.sw3:02X}, expected {sw3:02X}")
        return reply

    # -- the SAM's commands ----------------------------------------------------------------------
    def reset(self) -> None:
        """10 FF: reset the SAM."""
        self._expect(codec.RESET)

    def status(self) -> None:
        """11 FF: raises DeviceError unless the SAM reports 90 (ready)."""
        self._expect(codec.SAM_STATUS)

    def sam_id(self) -> str:
        """12 FF: the SAM's id, e.g. ``05.01-20230101-0001234567-0089012345``."""
        return codec.parse_sam_id(self._expect(codec.SAM_ID).data)

    def set_baudrate(self, baudrate: int) -> None:
        """60 PP: switch the SAM (it answers at the old speed) and then this port."""
        with self._lock:
            self._expect(codec.set_baudrate_command(baudrate))
            try:
                self._port.baudrate = baudrate
            except LINK_ERRORS as exc:
                raise self._lost(exc) from exc
            self.baudrate = baudrate
        log.info("idcard: switched to %s baud", baudrate)

    def find(self) -> bool:
        """20 01: True if a card (not yet read) lies on the reader, False if none (SW3 80)."""
        reply = self.transact(codec.FIND, self.timeouts.find)
        if reply.sw3 == 0x9F:
            return True
        if reply.sw3 == NO_CARD:
            self._held = None  # the reader saw no readable card: the last one may come again
            return False
        raise reply.error()

    def select(self) -> bytes:
        """20 02: select the found card; returns its 8-byte serial (often all zeros)."""
        return self._expect(codec.SELECT, self.timeouts.find).data

    def read_text_photo(self, fingerprint: bool = False) -> codec.ReadPayload:
        """30 01 (text + photo) or 30 10 (also fingerprint templates) of the selected card."""
        command = codec.READ_WITH_FINGERPRINT if fingerprint else codec.READ_TEXT_PHOTO
        timeout = self.timeouts.read_fingerprint if fingerprint else self.timeouts.read
        return codec.parse_read_payload(self._expect(command, timeout).data, fingerprint)

    def read_appended_address(self) -> str | None:
        """30 03: the latest appended address, or None if the card has none (SW3 91)."""
        reply = self.transact(codec.READ_APPENDED_ADDRESS, self.timeouts.command)
        if reply.sw3 == 0x91:
            return None
        if reply.sw3 != 0x90:
            raise reply.error()
        return parse_appended_address(reply.data) or None

    def read_card(self, *, fingerprint: bool = False, appended_address: bool = True,
                  accept_unsupported: bool = False) -> CardRead:
        """The whole cycle: find, select, read, (appended address). Raises DeviceError.

        ``no_card`` ("请将身份证放在感应区") is the usual answer while nobody is there.
        """
        with self._lock:
            return self._read_card(fingerprint, appended_address, accept_unsupported)

    def _not_lifted(self) -> DeviceError:
        return device_error(CARD_NOT_LIFTED)

    def _read_card(self, fingerprint: bool, appended_address: bool,
                   accept_unsupported: bool) -> CardRead:
        if not self.find():
            raise codec.status_error(NO_CARD)
        serial_number = self.select()
        if self._held and any(serial_number) and serial_number == self._held[0]:
            raise self._not_lifted()  # a real serial: known without reading the card again
        payload = self.read_text_photo(fingerprint)
        digest = hashlib.sha256(serial_number + payload.text).digest()
        if self._held and digest == self._held[1]:
            raise self._not_lifted()
        card = parse_text(payload.text)
        self._held = (serial_number, digest)
        if isinstance(card, UnsupportedCard) and not accept_unsupported:
            log.warning("idcard: unsupported card type flag %r", card.flag)
            raise card.error()
        address = None
        if appended_address and card.kind in ("resident", "residence_permit"):
            try:
                address = self.read_appended_address()
            except DeviceError as err:  # the main read stands; the address is optional
                if err.code == DISCONNECTED[0]:
                    raise
                log.warning("idcard: appended address not read: %s", err)
        log.info("idcard: read %s", card)
        return CardRead(card, WltPhoto(payload.photo), serial_number, address,
                        payload.fingerprint if fingerprint else None)
