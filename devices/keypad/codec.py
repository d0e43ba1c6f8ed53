"""YC-485 v1: the frame protocol of Yichuang's wired counter keypads (呼叫器) on an RS-485 bus.

Open and documented in docs/devices/keypad.md. The shape follows DL/T645 (as several Chinese
caller protocols do): ``68 L L 68 ADDR CMD DATA… CS 16``

    68        start
    L L       length of ADDR + CMD + DATA (2 … 66), sent twice
    68        start again
    ADDR      keypad address 0x01–0xFE (DIP switches); 0xFF = broadcast (no reply)
    CMD       command; bit 7 set = sent by a keypad
    DATA      0 … 64 bytes
    CS        sum of every byte from the first 68 to the last DATA byte, modulo 256
    16        end

Bytes before a ``68`` are ignored, so a sender may prefix ``FE`` wake-up bytes.
The bus master polls each keypad; a keypad speaks only when spoken to (half duplex).
Key events carry a sequence number that the next poll acknowledges, so a lost reply is sent
again and never lost, and a repeat is recognised and dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Hashable

from devices.errors import FrameError

START, END = 0x68, 0x16
BROADCAST = 0xFF
MAX_DATA = 64
DISPLAY_BYTES = 32     # one display line: 32 bytes of GB18030 (16 Chinese characters)
MAX_DIGITS = 16


class Command(IntEnum):
    POLL = 0x01        # master: DATA = [ack_seq]
    DISPLAY = 0x02     # master: DATA = [line] + GB18030 text (empty text clears the line)
    IDLE = 0x80        # keypad: nothing to report
    KEY = 0x81         # keypad: DATA = [seq, key] + ASCII digits
    ACK = 0x82         # keypad: DATA = [command acknowledged]
    HELLO = 0x83       # keypad: just powered up; DATA = [firmware version]
    NAK = 0x8E         # keypad: DATA = [command, reason]


class KeyAction(IntEnum):
    """The keys of a counter keypad, with the hall's words."""

    LOGIN = 0x01        # 登录 + staff number
    LOGOUT = 0x02       # 登出
    CALL_NEXT = 0x03    # 呼叫 / 顺呼
    RECALL = 0x04       # 重呼
    NO_SHOW = 0x05      # 过号 / 弃号
    PAUSE = 0x06        # 暂停
    RESUME = 0x07       # 恢复
    TRANSFER = 0x08     # 转移 + target window number
    HOLD = 0x09         # 挂起 (citizen fetches a missing paper; call again later)
    CALL_NUMBER = 0x0A  # 特呼 / 选呼 + ticket number, sent on 确认
    FINISH = 0x0B       # 办结
    RATE = 0x0C         # 请评价: start the rating pad for the current ticket


NEEDS_DIGITS = {KeyAction.LOGIN, KeyAction.TRANSFER, KeyAction.CALL_NUMBER}

NAK_REASONS = {1: "bad length", 2: "bad text", 3: "unknown command"}


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes = b""


@dataclass(frozen=True)
class KeyPress:
    """One key a clerk pressed. ``window`` comes from the hall config (None if unmapped)."""

    address: int
    action: KeyAction
    digits: str = ""
    window: Hashable | None = None
    source: str = "rs485"   # or "ev1527"


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def encode(address: int, command: int, data: bytes = b"") -> bytes:
    """One frame. Raises ValueError for an address, command or data that cannot be sent."""
    if not 0 <= address <= 0xFF or not 0 <= command <= 0xFF:
        raise ValueError("address and command are one byte each")
    if len(data) > MAX_DATA:
        raise ValueError(f"frame data longer than {MAX_DATA} bytes")
    length = 2 + len(data)
    body = bytes([START, length, length, START, address, command]) + data
    return body + bytes([checksum(body), END])


def fit_gb18030(text: str, limit: int) -> bytes:
    """GB18030 bytes of ``text``, cut at a character boundary to at most ``limit`` bytes."""
    out = b""
    for char in text:
        encoded = char.encode("gb18030")
        if len(out) + len(encoded) > limit:
            break
        out += encoded
    return out


# -- master → keypad

def poll(address: int, ack_seq: int = 0) -> bytes:
    return encode(address, Command.POLL, bytes([ack_seq]))


def display(address: int, text: str, line: int = 0) -> bytes:
    """Show ``text`` on display line ``line`` (cut to 32 GB18030 bytes; control chars dropped)."""
    clean = "".join(c for c in text if c.isprintable())
    return encode(address, Command.DISPLAY, bytes([line]) + fit_gb18030(clean, DISPLAY_BYTES))


# -- keypad → master

def idle(address: int) -> bytes:
    return encode(address, Command.IDLE)


def key(address: int, seq: int, action: KeyAction, digits: str = "") -> bytes:
    if not 1 <= seq <= 255:
        raise ValueError("sequence numbers run 1..255 (0 means none)")
    if len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isalnum() or digits == ""):
        raise ValueError("digits are up to 16 ASCII letters or digits")
    return encode(address, Command.KEY, bytes([seq, action]) + digits.encode("ascii"))


def ack(address: int, command: int) -> bytes:
    return encode(address, Command.ACK, bytes([command]))


def hello(address: int, version: int = 1) -> bytes:
    return encode(address, Command.HELLO, bytes([version]))


def nak(address: int, command: int, reason: int) -> bytes:
    return encode(address, Command.NAK, bytes([command, reason]))


def next_seq(seq: int) -> int:
    """1, 2, … 255, 1, … (0 is never used: it means "nothing acknowledged")."""
    return seq % 255 + 1


def decode_key(frame: Frame) -> tuple[int, KeyPress]:
    """(seq, KeyPress) from a KEY frame. Raises ValueError if the frame is not a valid key."""
    if frame.command != Command.KEY or len(frame.data) < 2:
        raise ValueError("not a KEY frame")
    seq, code, digits = frame.data[0], frame.data[1], frame.data[2:]
    try:
        action = KeyAction(code)
    except ValueError:
        raise ValueError(f"unknown key code 0x{code:02X}") from None
    if seq == 0 or not (digits.isascii() and (digits.isalnum() or not digits)):
        raise ValueError("bad sequence number or digits")
    if action in NEEDS_DIGITS and not digits:
        raise ValueError(f"{action.name} needs digits")
    return seq, KeyPress(frame.address, action, digits.decode("ascii"))


def decode_display(frame: Frame) -> tuple[int, str]:
    """(line, text) from a DISPLAY frame. Raises ValueError on bad text."""
    if frame.command != Command.DISPLAY or not frame.data:
        raise ValueError("not a DISPLAY frame")
    text = frame.data[1:].decode("gb18030")  # raises UnicodeDecodeError (a ValueError)
    return frame.data[0], text


class FrameReader:
    """Split a byte stream into Frames, in any chunks; report what is not a frame.

    ``feed(data)`` returns Frames and FrameErrors in order. After a bad byte the reader moves
    on by one byte and looks for the next ``68 L L 68``, so one bad frame never hides the next.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buffer += data
        out: list[Frame | FrameError] = []
        junk = bytearray()
        buf = self._buffer
        while buf:
            if buf[0] != START:
                junk.append(buf.pop(0))
                continue
            if len(buf) < 4:
                break
            length = buf[1]
            if buf[2] != length or buf[3] != START or not 2 <= length <= MAX_DATA + 2:
                junk.append(buf.pop(0))
                continue
            total = 4 + length + 2
            if len(buf) < total:
                break
            body = bytes(buf[:4 + length])
            if buf[total - 1] != END or buf[total - 2] != checksum(body):
                if junk:
                    out.append(FrameError("garbage", bytes(junk)))
                    junk.clear()
                reason = "bad end byte" if buf[total - 1] != END else "bad checksum"
                out.append(FrameError(reason, bytes(buf[:total])))
                buf.pop(0)
                continue
            if junk:
                out.append(FrameError("garbage", bytes(junk)))
                junk.clear()
            out.append(Frame(body[4], body[5], body[6:]))
            del buf[:total]
        if junk:
            out.append(FrameError("garbage", bytes(junk)))
        return out

    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buffer)
