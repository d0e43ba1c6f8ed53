"""QR / barcode scanner codec: a serial byte stream -> payloads -> text.

A scanner in serial (USB-CDC / RS-232) line mode sends each scanned code as raw bytes
followed by a suffix the installer chose with the vendor's setup barcodes: CR, LF, CRLF,
or nothing at all, in which case a code ends when the line goes quiet (the idle gap).
Chinese text arrives as UTF-8 or as GBK, depending on the code's creator.

Pure: the framer keeps no clock of its own; the driver passes ``now`` (seconds).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from devices.errors import DeviceError, device_error


class Terminator(str, Enum):
    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    ANY = "any"  # CR, LF or CRLF: whatever the scanner was set to
    NONE = "none"  # no suffix: a payload ends after an idle gap

    @property
    def suffix(self) -> bytes:
        """The bytes a scanner set to this terminator appends (ANY sends CR)."""
        return {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "any": b"\r", "none": b""}[self.value]


DEFAULT_IDLE_GAP = 0.08  # seconds; at 9600 baud a byte takes ~1 ms, scanners send in one burst
DEFAULT_MAX_LENGTH = 4096  # a QR code holds at most 2953 bytes (version 40-L, binary)

UNREADABLE = ("unreadable_code", "无法识别此码，请重新扫码", "the scanned bytes are not readable text")
INCOMPLETE = ("incomplete_code", "扫码不完整，请重新扫码", "the scanner stopped in the middle of a code")
TOO_LONG = ("code_too_long", "无法识别此码，请重新扫码", "no terminator within the maximum code length")


@dataclass(frozen=True)
class Payload:
    """One scanned code. ``text`` is None when it could not be read (then ``error`` says why)."""

    raw: bytes
    text: str | None = None
    encoding: str | None = None
    error: DeviceError | None = None

    @property
    def readable(self) -> bool:
        return self.text is not None

    def __repr__(self) -> str:  # codes may carry personal tokens: show only a short head
        if self.text is None:
            code = self.error.code if self.error else ""
            return f"Payload(unreadable, {len(self.raw)} bytes, {code})"
        head = self.text[:4] + ("…" if len(self.text) > 4 else "")
        return f"Payload({head!r}, {len(self.text)} chars, {self.encoding})"


class Framer:
    """Splits a byte stream into raw payloads, whatever the chunking of the reads.

    ``feed(data, now)`` returns the payloads completed by ``data``; ``poll(now)`` returns
    the payload an idle gap has completed (``Terminator.NONE``). Items are ``bytes`` for a
    payload, or a ``DeviceError`` for a run of bytes that had no terminator within
    ``max_length`` (dropped, so one bad code cannot block the next).
    """

    def __init__(self, terminator: Terminator | str = Terminator.CR, *,
                 idle_gap: float = DEFAULT_IDLE_GAP, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        self.terminator = Terminator(terminator)
        self.idle_gap = idle_gap
        self.max_length = max_length
        self._buffer = bytearray()
        self._last = 0.0
        self._skip_lf = False  # after a CR in ANY mode, an LF straight after belongs to it

    @property
    def pending(self) -> bytes:
        return bytes(self._buffer)

    def feed(self, data: bytes, now: float) -> list[bytes | DeviceError]:
        out: list[bytes | DeviceError] = []
        if self.terminator is Terminator.NONE:
            out += self.poll(now)  # a gap before this chunk ends the previous payload
            self._buffer += data
            self._last = now
            return out + self._overflow()
        for byte in data:
            self._byte(byte, out)
        self._last = now
        return out + self._overflow()

    def _byte(self, byte: int, out: list) -> None:
        t = self.terminator
        if self._skip_lf:
            self._skip_lf = False
            if byte == 0x0A:
                return
        if t is Terminator.CRLF:
            self._buffer.append(byte)
            if self._buffer.endswith(b"\r\n"):
                self._emit(self._buffer[:-2], out)
            return
        ends = (byte == 0x0D and t in (Terminator.CR, Terminator.ANY)) or \
               (byte == 0x0A and t in (Terminator.LF, Terminator.ANY))
        if not ends:
            self._buffer.append(byte)
            return
        if byte == 0x0D:
            self._skip_lf = True  # a scanner set to CRLF talking to a CR reader
        elif self._buffer.endswith(b"\r"):
            del self._buffer[-1]  # the same scanner talking to an LF reader
        self._emit(self._buffer, out)

    def _emit(self, payload: bytearray, out: list) -> None:
        if payload:
            out.append(bytes(payload))
        self._buffer = bytearray()

    def _overflow(self) -> list[DeviceError]:
        if len(self._buffer) <= self.max_length:
            return []
        size = len(self._buffer)
        self._buffer = bytearray()
        return [device_error(TOO_LONG, f"{size} bytes without a terminator")]

    def poll(self, now: float) -> list[bytes]:
        """The payload an idle gap has ended (only without a terminator)."""
        quiet = now - self._last >= self.idle_gap
        if self.terminator is Terminator.NONE and self._buffer and quiet:
            payload, self._buffer = bytes(self._buffer), bytearray()
            return [payload]
        return []

    def flush(self) -> list[bytes | DeviceError]:
        """The line went away: a pending payload is whole (no terminator) or cut off."""
        if not self._buffer:
            return []
        data, self._buffer = bytes(self._buffer), bytearray()
        if self.terminator is Terminator.NONE:
            return [data]
        return [device_error(INCOMPLETE, f"{len(data)} bytes before the link dropped")]


# Control characters a real code may carry: TAB, LF, CR, and the ISO 15434 / GS1
# separators (EOT, GS, RS). Any other C0 control, or DEL, marks line noise.
_ALLOWED_CONTROLS = {0x04, 0x09, 0x0A, 0x0D, 0x1D, 0x1E}

ENCODINGS = {"auto": ("utf-8", "gbk"), "utf-8": ("utf-8",), "gbk": ("gbk",)}


def _looks_like_text(text: str) -> bool:
    return not any((ord(c) < 0x20 and ord(c) not in _ALLOWED_CONTROLS) or ord(c) == 0x7F
                   or c == "\ufffd" for c in text)


def decode_payload(raw: bytes, encoding: str = "auto") -> Payload:
    """Raw payload -> Payload with text, or an unreadable one carrying a DeviceError.

    ``auto`` tries strict UTF-8 first (GBK Chinese is almost never valid UTF-8), then GBK.
    A UTF-8 byte-order mark is dropped.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {sorted(ENCODINGS)}")
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    for name in ENCODINGS[encoding]:
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return Payload(raw=raw, text=text, encoding=name)
    tried = "/".join(ENCODINGS[encoding])
    return Payload(raw=raw, error=device_error(UNREADABLE, f"{len(raw)} bytes, not {tried} text"))


def encode_payload(text: str, encoding: str = "utf-8",
                   terminator: Terminator | str = Terminator.CR) -> bytes:
    """What a scanner sends for ``text``: encoded bytes and the suffix (simulator, tests)."""
    return text.encode(encoding) + Terminator(terminator).suffix
