"""433 MHz wireless callers (无线呼叫器) with EV1527 encoders, through a UART receiver board.

An EV1527 transmitter sends a 24-bit code: a 20-bit transmitter id fixed at the factory and
4 key bits (D3 D2 D1 D0), repeated for as long as a button is held. Receiver boards that
decode it to UART differ per vendor, so Yichuang defines the frame its receivers must send
(9600 baud, 8N1), six bytes per decoded code (docs/devices/keypad.md):

    FD  C2  C1  C0  X  DF
    FD         start
    C2 C1 C0   the 24-bit code, most significant byte first: id = code >> 4, key = code & 0xF
    X          C2 XOR C1 XOR C0
    DF         end

The hall config supplies a plain dict {transmitter_id: window_id}; which key bit means which
action is a keymap (default for a 4-button caller below).
"""
from __future__ import annotations

from dataclasses import dataclass

from devices.errors import FrameError
from devices.keypad.codec import KeyAction

START, END = 0xFD, 0xDF
FRAME_LENGTH = 6

# Four-button wireless caller: 呼叫 / 重呼 / 过号 / 评价.
DEFAULT_KEYMAP = {
    0x1: KeyAction.CALL_NEXT,
    0x2: KeyAction.RECALL,
    0x4: KeyAction.NO_SHOW,
    0x8: KeyAction.RATE,
}


@dataclass(frozen=True)
class Code:
    """One decoded EV1527 transmission."""

    transmitter: int   # 20-bit id, 0 … 0xFFFFF
    key: int           # 4 key bits

    @property
    def value(self) -> int:
        return self.transmitter << 4 | self.key


def encode(transmitter: int, key: int) -> bytes:
    """The receiver's UART frame for one code."""
    if not 0 <= transmitter <= 0xFFFFF or not 0 <= key <= 0xF:
        raise ValueError("EV1527: 20-bit transmitter id and 4-bit key")
    code = transmitter << 4 | key
    c2, c1, c0 = code >> 16, (code >> 8) & 0xFF, code & 0xFF
    return bytes([START, c2, c1, c0, c2 ^ c1 ^ c0, END])


class CodeReader:
    """Split the receiver's byte stream into Codes (and FrameErrors), in any chunks."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Code | FrameError]:
        self._buffer += data
        buf = self._buffer
        out: list[Code | FrameError] = []
        junk = bytearray()
        while buf:
            if buf[0] != START:
                junk.append(buf.pop(0))
                continue
            if len(buf) < FRAME_LENGTH:
                break
            c2, c1, c0, check, end = buf[1:FRAME_LENGTH]
            if end != END or check != c2 ^ c1 ^ c0:
                if junk:
                    out.append(FrameError("garbage", bytes(junk)))
                    junk.clear()
                out.append(FrameError("bad check byte" if end == END else "bad end byte",
                                      bytes(buf[:FRAME_LENGTH])))
                buf.pop(0)
                continue
            if junk:
                out.append(FrameError("garbage", bytes(junk)))
                junk.clear()
            code = c2 << 16 | c1 << 8 | c0
            out.append(Code(code >> 4, code & 0xF))
            del buf[:FRAME_LENGTH]
        if junk:
            out.append(FrameError("garbage", bytes(junk)))
        return out


def action_for(code: Code, keymap: dict[int, KeyAction] = DEFAULT_KEYMAP) -> KeyAction | None:
    """The action of a code's key bits, or None for a key the keymap does not know."""
    return keymap.get(code.key)
