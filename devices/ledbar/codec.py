"""YC-LED v1: the serial protocol of the window LED bar (窗口条屏) above each counter.

Open and documented in docs/devices/ledbar.md. Frames on an RS-485 bus (9600 8N1):

    STX ADDR CMD LEN DATA… BCC ETX
    02                     start
    ADDR                   bar address 0x01–0xFE (DIP switches); 0xFF = broadcast (no reply)
    CMD                    command; bit 7 set = a reply from a bar
    LEN                    number of DATA bytes (0 … 65)
    BCC                    ADDR XOR CMD XOR LEN XOR every DATA byte
    03                     end

A bar answers every frame addressed to it (not broadcasts) with ``CMD | 0x80`` and one
status byte (0 = done), or for QUERY with its state.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from devices.errors import FrameError

STX, ETX = 0x02, 0x03
BROADCAST = 0xFF
MAX_DATA = 65
MAX_TEXT = 64        # GB18030 bytes of text (32 Chinese characters)
MAX_BRIGHTNESS = 15


class Command(IntEnum):
    TEXT = 0x01         # DATA = [mode] + GB18030 text; mode bit 0 blink, bit 1 scroll
    BLINK = 0x02        # DATA = [0 steady | 1 blink]
    BRIGHTNESS = 0x03   # DATA = [0 … 15]
    CLEAR = 0x04        # DATA = []
    QUERY = 0x05        # DATA = []; reply DATA = [mode, brightness] + text


class Status(IntEnum):
    OK = 0
    BAD_LENGTH = 1
    BAD_TEXT = 2
    UNKNOWN_COMMAND = 3
    BAD_VALUE = 4


MODE_BLINK, MODE_SCROLL = 0x01, 0x02


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes = b""

    @property
    def is_reply(self) -> bool:
        return bool(self.command & 0x80)


@dataclass(frozen=True)
class BarState:
    """What a bar shows."""

    text: str = ""
    blink: bool = False
    scroll: bool = False
    brightness: int = 8


def bcc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode(address: int, command: int, data: bytes = b"") -> bytes:
    if not 0 <= address <= 0xFF or not 0 <= command <= 0xFF:
        raise ValueError("address and command are one byte each")
    if len(data) > MAX_DATA:
        raise ValueError(f"LED bar frame data longer than {MAX_DATA} bytes")
    body = bytes([address, command, len(data)]) + data
    return bytes([STX]) + body + bytes([bcc(body), ETX])


def fit_gb18030(text: str, limit: int = MAX_TEXT) -> bytes:
    """GB18030 bytes of the printable part of ``text``, cut at a character boundary."""
    out = b""
    for char in text:
        if not char.isprintable():
            continue
        encoded = char.encode("gb18030")
        if len(out) + len(encoded) > limit:
            break
        out += encoded
    return out


def show_text(address: int, text: str, blink: bool = False, scroll: bool = False) -> bytes:
    mode = (MODE_BLINK if blink else 0) | (MODE_SCROLL if scroll else 0)
    return encode(address, Command.TEXT, bytes([mode]) + fit_gb18030(text))


def blink(address: int, on: bool) -> bytes:
    return encode(address, Command.BLINK, bytes([1 if on else 0]))


def brightness(address: int, level: int) -> bytes:
    if not 0 <= level <= MAX_BRIGHTNESS:
        raise ValueError("brightness is 0..15")
    return encode(address, Command.BRIGHTNESS, bytes([level]))


def clear(address: int) -> bytes:
    return encode(address, Command.CLEAR)


def query(address: int) -> bytes:
    return encode(address, Command.QUERY)


def reply(address: int, command: int, status: Status = Status.OK) -> bytes:
    """A bar's answer to a TEXT/BLINK/BRIGHTNESS/CLEAR frame (or a refusal of any frame)."""
    return encode(address, command | 0x80, bytes([status]))


def state_reply(address: int, state: BarState) -> bytes:
    mode = (MODE_BLINK if state.blink else 0) | (MODE_SCROLL if state.scroll else 0)
    return encode(address, Command.QUERY | 0x80,
                  bytes([mode, state.brightness]) + fit_gb18030(state.text))


def decode_state(frame: Frame) -> BarState:
    """The BarState in a QUERY reply. Raises ValueError if it is not one."""
    if frame.command != Command.QUERY | 0x80 or len(frame.data) < 2:
        raise ValueError("not a QUERY reply")
    mode, level = frame.data[0], frame.data[1]
    return BarState(frame.data[2:].decode("gb18030"), bool(mode & MODE_BLINK),
                    bool(mode & MODE_SCROLL), level)


def apply(state: BarState, frame: Frame) -> tuple[BarState, Status]:
    """What a bar does with a command frame: its new state and the status it answers."""
    command, data = frame.command, frame.data
    if command == Command.TEXT:
        if not data:
            return state, Status.BAD_LENGTH
        try:
            text = data[1:].decode("gb18030")
        except UnicodeDecodeError:
            return state, Status.BAD_TEXT
        return BarState(text, bool(data[0] & MODE_BLINK), bool(data[0] & MODE_SCROLL),
                        state.brightness), Status.OK
    if command == Command.BLINK:
        if len(data) != 1:
            return state, Status.BAD_LENGTH
        return BarState(state.text, bool(data[0]), state.scroll, state.brightness), Status.OK
    if command == Command.BRIGHTNESS:
        if len(data) != 1:
            return state, Status.BAD_LENGTH
        if data[0] > MAX_BRIGHTNESS:
            return state, Status.BAD_VALUE
        return BarState(state.text, state.blink, state.scroll, data[0]), Status.OK
    if command == Command.CLEAR:
        return BarState(brightness=state.brightness), Status.OK
    if command == Command.QUERY:
        return state, Status.OK
    return state, Status.UNKNOWN_COMMAND


class FrameReader:
    """Split a byte stream into Frames and FrameErrors, in any chunks, resynchronising on STX."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buffer += data
        buf = self._buffer
        out: list[Frame | FrameError] = []
        junk = bytearray()

        def flush_junk():
            if junk:
                out.append(FrameError("garbage", bytes(junk)))
                junk.clear()

        while buf:
            if buf[0] != STX:
                junk.append(buf.pop(0))
                continue
            if len(buf) < 4:
                break
            length = buf[3]
            if length > MAX_DATA:
                junk.append(buf.pop(0))
                continue
            total = 4 + length + 2
            if len(buf) < total:
                break
            body = bytes(buf[1:4 + length])
            if buf[total - 1] != ETX or buf[total - 2] != bcc(body):
                flush_junk()
                out.append(FrameError("bad end byte" if buf[total - 1] != ETX else "bad checksum",
                                      bytes(buf[:total])))
                buf.pop(0)
                continue
            flush_junk()
            out.append(Frame(body[0], body[1], body[3:]))
            del buf[:total]
        flush_junk()
        return out
