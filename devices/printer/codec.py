"""ESC/POS command bytes for the ticket printer (取号小票打印机), and DLE EOT status decoding.

Pure functions: values in, bytes out (and status bytes in, states out). No I/O.

Chinese text is sent as GB18030 between ``FS &`` (Chinese mode on) and ``FS .`` (off); we do
not rely on the printer's power-on mode, and we use no ESC/POS library (python-escpos's text
layer sends no ``FS &`` and turns CJK punctuation into ``?``). Sizes use ``GS !``, which scales Chinese
glyphs too (``ESC !`` scales only ASCII on many printers).

Reference: docs/devices/printer.md; Epson ESC/POS command reference (clones follow it).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

import qrcode
import qrcode.constants

from devices.errors import DeviceError

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"

INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ALIGN = {"left": 0, "center": 1, "right": 2}

# GS ( k error-correction level bytes (function 169), and the matching qrcode constants.
QR_EC = {"L": 0x30, "M": 0x31, "Q": 0x32, "H": 0x33}
_QR_EC_LIB = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


# ---------------------------------------------------------------------------- text and layout

def clean_text(text: str) -> str:
    """Replace control characters (which would be read as commands) with spaces."""
    return _CONTROL.sub(" ", text)


def text(value: str) -> bytes:
    """Encode printable text: ASCII as is, anything else as GB18030 inside FS & … FS .

    Control characters are replaced by spaces so a string from the hall config can never
    smuggle in a printer command.
    """
    value = clean_text(value)
    if value.isascii():
        return value.encode("ascii")
    return CHINESE_ON + value.encode("gb18030") + CHINESE_OFF


def column_width(char: str) -> int:
    """Print columns a character takes at 1×1: 2 for wide (CJK) characters, else 1."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def line(value: str = "") -> bytes:
    """``text(value)`` followed by LF (print and feed one line)."""
    return text(value) + LF


def size(width: int = 1, height: int = 1) -> bytes:
    """GS ! n: character size for every character, Chinese included (1–8 each way)."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size {width}x{height} outside 1..8")
    return GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])


def align(where: str) -> bytes:
    """ESC a n: justification, 'left' / 'center' / 'right'."""
    return ESC + b"a" + bytes([ALIGN[where]])


def bold(on: bool) -> bytes:
    """ESC E n: emphasised (bold) on or off."""
    return ESC + b"E" + bytes([1 if on else 0])


def feed(lines: int) -> bytes:
    """ESC d n: print the buffer and feed n lines (0–255)."""
    return ESC + b"d" + bytes([max(0, min(255, lines))])


def cut(partial: bool = False, feed_lines: int = 4) -> bytes:
    """Feed ``feed_lines`` (past the cutter) then GS V 0 (full) or GS V 1 (partial cut)."""
    return feed(feed_lines) + GS + b"V" + (b"\x01" if partial else b"\x00")


# ---------------------------------------------------------------------------------- QR codes

def _gs_k(fn: int, data: bytes) -> bytes:
    """GS ( k pL pH cn=0x31 fn data: one QR function; pL+256*pH = len(data) + 2."""
    length = len(data) + 2
    return GS + b"(k" + bytes([length & 0xFF, length >> 8, 0x31, fn]) + data


def qr_native(payload: str, module_size: int = 6, ec: str = "M") -> bytes:
    """The printer's own QR code: model 2, module size, EC level, store the data, print it.

    The payload is stored as UTF-8 (URLs are ASCII anyway). Some printers lack GS ( k:
    use ``qr_raster`` for those.
    """
    if not 1 <= module_size <= 16:
        raise ValueError("QR module size must be 1..16 dots")
    data = payload.encode("utf-8")
    if len(data) > 7089:
        raise ValueError("QR payload too long")
    return (
        _gs_k(0x41, b"\x32\x00")              # model 2
        + _gs_k(0x43, bytes([module_size]))   # module size in dots
        + _gs_k(0x45, bytes([QR_EC[ec]]))     # error correction level
        + _gs_k(0x50, b"\x30" + data)         # store the data in the symbol area
        + _gs_k(0x51, b"\x30")                # print the stored symbol
    )


def qr_matrix(payload: str, ec: str = "M", border: int = 4) -> list[list[bool]]:
    """The QR module matrix (True = dark), quiet zone of ``border`` modules included."""
    code = qrcode.QRCode(error_correction=_QR_EC_LIB[ec], border=border, box_size=1)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    return code.get_matrix()


def raster(rows: list[list[bool]]) -> bytes:
    """GS v 0 m xL xH yL yH d…: a bit image, 1 = black dot, most significant bit leftmost."""
    height = len(rows)
    width = len(rows[0]) if rows else 0
    width_bytes = (width + 7) // 8
    if width_bytes > 0xFFFF or height > 0xFFFF:
        raise ValueError("raster image too large")
    out = bytearray(GS + b"v0\x00")
    out += bytes([width_bytes & 0xFF, width_bytes >> 8, height & 0xFF, height >> 8])
    for row in rows:
        packed = bytearray(width_bytes)
        for x, dark in enumerate(row):
            if dark:
                packed[x >> 3] |= 0x80 >> (x & 7)
        out += packed
    return bytes(out)


def qr_raster(payload: str, module_size: int = 6, ec: str = "M", border: int = 4) -> bytes:
    """The QR code drawn by us (``qrcode`` package) and sent as a GS v 0 raster image,
    for printers without native QR. Each module becomes module_size × module_size dots."""
    rows = []
    for matrix_row in qr_matrix(payload, ec, border):
        dots = [dark for dark in matrix_row for _ in range(module_size)]
        rows.extend([dots] * module_size)
    return raster(rows)


# ------------------------------------------------------------------------- DLE EOT real-time status

def status_query(n: int) -> bytes:
    """DLE EOT n: ask for real-time status (1 printer, 2 offline cause, 3 error cause, 4 paper)."""
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n must be 1..4")
    return DLE + EOT + bytes([n])


STATUS_FIXED_MASK = 0x93   # bits 0, 1, 4, 7 are fixed in every DLE EOT reply …
STATUS_FIXED_VALUE = 0x12  # … as 0, 1, 1, 0

OFFLINE = 0x08            # n=1 bit 3
COVER_OPEN = 0x04         # n=2 bit 2
FEED_BUTTON = 0x08        # n=2 bit 3
STOPPED_PAPER_END = 0x20  # n=2 bit 5
ERROR = 0x40              # n=2 bit 6
NEAR_END = 0x0C           # n=4 bits 2-3
PAPER_END = 0x60          # n=4 bits 5-6


def is_status_byte(value: int) -> bool:
    """True if ``value`` has the fixed bits of a DLE EOT reply (0xx1xx10)."""
    return value & STATUS_FIXED_MASK == STATUS_FIXED_VALUE


class PrinterState(str, Enum):
    """What the kiosk can act on. Only ``ready`` and ``paper_low`` can print."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"

    @property
    def can_print(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_LOW)

    @property
    def message_zh(self) -> str:
        return MESSAGES[self][0]

    @property
    def message_en(self) -> str:
        return MESSAGES[self][1]

    @property
    def code(self) -> str:
        """The DeviceError code for this state (``printer_paper_out`` …)."""
        return f"printer_{self.value}"


MESSAGES = {
    PrinterState.READY: ("打印机就绪", "printer ready"),
    PrinterState.PAPER_LOW: ("打印纸即将用完，请工作人员及时更换", "paper near end"),
    PrinterState.PAPER_OUT: ("打印机缺纸，请联系工作人员", "printer is out of paper"),
    PrinterState.COVER_OPEN: ("打印机仓盖未关好，请联系工作人员", "printer cover is open"),
    PrinterState.OFFLINE: ("打印机未连接或已脱机，请联系工作人员", "printer offline or not connected"),
    PrinterState.ERROR: ("打印机故障，请联系工作人员", "printer error"),
}


@dataclass(frozen=True)
class PrinterStatus:
    """A decoded status: the state, and the raw DLE EOT replies it came from ({n: byte})."""

    state: PrinterState
    replies: dict = field(default_factory=dict)
    detail: str = ""

    @property
    def can_print(self) -> bool:
        return self.state.can_print

    def error(self) -> DeviceError | None:
        """A DeviceError for a state that stops printing (paper_low is a warning, not one)."""
        if self.state.can_print:
            return None
        return DeviceError(self.state.code, self.state.message_zh, self.state.message_en,
                           self.detail)


def decode_status(replies: dict[int, int | None]) -> PrinterStatus:
    """Map DLE EOT replies {n: byte or None (no answer)} to one state.

    Precedence: no answer to n=1 → offline; a malformed byte → error; cover open; paper out
    (n=4 paper end or n=2 stopped by paper end); error (n=2 bit 6); offline with no known
    cause; paper near end; ready. Missing n=2 / n=4 replies are treated as "nothing known".
    """
    raw = {n: b for n, b in replies.items() if b is not None}
    if raw.get(1) is None:
        return PrinterStatus(PrinterState.OFFLINE, raw, "no reply to DLE EOT 1")
    for n, value in raw.items():
        if not is_status_byte(value):
            return PrinterStatus(PrinterState.ERROR, raw, f"malformed status byte 0x{value:02X} for n={n}")
    cause, paper = raw.get(2, 0x12), raw.get(4, 0x12)
    if cause & COVER_OPEN:
        return PrinterStatus(PrinterState.COVER_OPEN, raw)
    if paper & PAPER_END or cause & STOPPED_PAPER_END:
        return PrinterStatus(PrinterState.PAPER_OUT, raw)
    if cause & ERROR:
        return PrinterStatus(PrinterState.ERROR, raw)
    if raw[1] & OFFLINE:
        return PrinterStatus(PrinterState.OFFLINE, raw, "printer reports offline")
    if paper & NEAR_END:
        return PrinterStatus(PrinterState.PAPER_LOW, raw)
    return PrinterStatus(PrinterState.READY, raw)


def status_reply(n: int, *, paper: str = "ok", cover_open: bool = False, error: bool = False,
                 offline: bool = False) -> bytes:
    """The byte a printer answers to DLE EOT n (used by the simulator and dummy printer).

    ``paper`` is 'ok', 'low' or 'out'. A printer is offline while its cover is open, while
    it has stopped at paper end, and after an error.
    """
    value = STATUS_FIXED_VALUE
    if n == 1 and (offline or cover_open or error or paper == "out"):
        value |= OFFLINE
    elif n == 2:
        value |= (COVER_OPEN if cover_open else 0) | (STOPPED_PAPER_END if paper == "out" else 0)
        value |= ERROR if error else 0
    elif n == 4:
        value |= {"ok": 0, "low": NEAR_END, "out": PAPER_END}[paper]
    return bytes([value])
