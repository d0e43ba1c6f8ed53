"""An ESC/POS interpreter: the printer's side of the byte stream, for the simulator.

Fed bytes in any chunks (a command split across reads waits for its tail), it produces what
a printer would put on paper — text lines with their sizes, QR codes, raster images, cuts —
and the real-time status requests (DLE EOT n) it must answer. Like an Epson printer it starts
with Chinese mode *off*: bytes ≥ 0x80 outside FS & … FS . are read as code page PC437, so a
job that forgets FS & shows up garbled in the simulator's dump, as it would on paper.

Unknown commands are skipped (recorded in ``warnings``), never raised.
"""
from __future__ import annotations

from dataclasses import dataclass, field

NEED_MORE = -1

# Commands with a fixed number of parameter bytes after the two command bytes.
_ESC_FIXED = {b"@": 0, b"2": 0, b"a": 1, b"E": 1, b"d": 1, b"!": 1, b"-": 1, b"t": 1, b"3": 1,
              b"J": 1, b"M": 1, b"R": 1, b"G": 1, b"V": 1, b" ": 1, b"{": 1, b"U": 1, b"$": 2,
              b"\\": 2, b"B": 2, b"p": 3, b"c": 2, b"=": 1, b"i": 0, b"m": 0}
_GS_FIXED = {b"!": 1, b"B": 1, b"h": 1, b"w": 1, b"H": 1, b"f": 1, b"a": 1, b"r": 1, b"b": 1,
             b"L": 2, b"W": 2, b"P": 2, b"I": 1}
_FS_FIXED = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"C": 1, b"W": 1, b"S": 2, b"p": 2}


@dataclass
class Segment:
    """A run of text printed with one size and weight."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False


@dataclass
class TextLine:
    segments: list[Segment]
    align: str = "left"

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class QrCode:
    payload: str
    module: int
    ec: str
    model: int
    align: str = "left"


@dataclass
class RasterImage:
    width: int            # dots
    height: int           # dots
    data: bytes           # packed rows, MSB leftmost, 1 = black
    align: str = "left"

    def pixel(self, x: int, y: int) -> bool:
        row_bytes = (self.width + 7) // 8
        return bool(self.data[y * row_bytes + (x >> 3)] & (0x80 >> (x & 7)))


@dataclass
class Cut:
    partial: bool


@dataclass
class Feed:
    lines: int


@dataclass
class StatusRequest:
    """DLE EOT n: the printer must answer one status byte at once."""

    n: int


_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_EC = {0x30: "L", 0x31: "M", 0x32: "Q", 0x33: "H"}


@dataclass
class Interpreter:
    """Feed bytes with ``feed``; get back the printed elements and status requests in order."""

    chinese: bool = False
    width: int = 1
    height: int = 1
    bold: bool = False
    align: str = "left"
    warnings: list[str] = field(default_factory=list)
    _buffer: bytearray = field(default_factory=bytearray)
    _segments: list[Segment] = field(default_factory=list)
    _qr: dict = field(default_factory=dict)

    def reset(self) -> None:
        """ESC @: back to power-on settings (the pending line is kept)."""
        self.chinese, self.width, self.height, self.bold, self.align = False, 1, 1, False, "left"
        self._qr = {}

    def feed(self, data: bytes) -> list:
        """Consume ``data``; return the elements and StatusRequests it completed, in order."""
        self._buffer += data
        out: list = []
        i = 0
        while i < len(self._buffer):
            used = self._step(i, out)
            if used == NEED_MORE:
                break
            i += used
        del self._buffer[:i]
        return out

    # -- text

    def _add_text(self, value: str) -> None:
        last = self._segments[-1] if self._segments else None
        style = (self.width, self.height, self.bold)
        if last and (last.width, last.height, last.bold) == style:
            last.text += value
        else:
            self._segments.append(Segment(value, *style))

    def _flush_line(self, out: list) -> None:
        out.append(TextLine(self._segments, self.align))
        self._segments = []

    def _flush_pending(self, out: list) -> None:
        if self._segments:
            self._flush_line(out)

    def _text_byte(self, i: int) -> int:
        buf = self._buffer
        b = buf[i]
        if b < 0x80 or not self.chinese:
            self._add_text(bytes([b]).decode("cp437"))
            return 1
        if b == 0x80 or b == 0xFF:
            self._add_text("\ufffd")
            return 1
        if i + 1 >= len(buf):
            return NEED_MORE
        second = buf[i + 1]
        length = 4 if 0x30 <= second <= 0x39 else 2
        if i + length > len(buf):
            return NEED_MORE
        self._add_text(bytes(buf[i:i + length]).decode("gb18030", errors="replace"))
        return length

    # -- commands

    def _step(self, i: int, out: list) -> int:
        buf = self._buffer
        b = buf[i]
        if b == 0x0A:
            self._flush_line(out)
            return 1
        if b in (0x1B, 0x1D, 0x1C, 0x10):
            if i + 1 >= len(buf):
                return NEED_MORE
            return {0x1B: self._esc, 0x1D: self._gs, 0x1C: self._fs, 0x10: self._dle}[b](i, out)
        if b == 0x09:
            self._add_text("    ")
            return 1
        if b < 0x20 or b == 0x7F:
            return 1  # CR, FF, NUL …: nothing visible
        return self._text_byte(i)

    def _fixed(self, table: dict, i: int) -> tuple[bytes, bytes] | int:
        """(command byte, parameters) of a fixed-length command, NEED_MORE, or 0 if unknown."""
        cmd = bytes(self._buffer[i + 1:i + 2])
        if cmd not in table:
            return 0
        end = i + 2 + table[cmd]
        if end > len(self._buffer):
            return NEED_MORE
        return cmd, bytes(self._buffer[i + 2:end])

    def _unknown(self, i: int, prefix: str) -> int:
        self.warnings.append(f"unknown command {prefix} 0x{self._buffer[i + 1]:02X}")
        return 2

    def _esc(self, i: int, out: list) -> int:
        got = self._fixed(_ESC_FIXED, i)
        if got == NEED_MORE:
            return NEED_MORE
        if not got:
            return self._unknown(i, "ESC")
        cmd, args = got
        if cmd == b"@":
            self.reset()
        elif cmd == b"a":
            self.align = _ALIGN.get(args[0], "left")
        elif cmd == b"E":
            self.bold = bool(args[0] & 1)
        elif cmd == b"d":
            self._flush_pending(out)
            out.append(Feed(args[0]))
        elif cmd == b"!":
            self.width = 2 if args[0] & 0x20 else 1
            self.height = 2 if args[0] & 0x10 else 1
            self.bold = bool(args[0] & 0x08)
        return 2 + len(args)

    def _gs(self, i: int, out: list) -> int:
        buf = self._buffer
        cmd = bytes(buf[i + 1:i + 2])
        if cmd == b"(":
            if i + 5 > len(buf):
                return NEED_MORE
            length = buf[i + 3] | buf[i + 4] << 8
            if i + 5 + length > len(buf):
                return NEED_MORE
            if buf[i + 2] == ord("k"):
                self._qr_function(bytes(buf[i + 5:i + 5 + length]), out)
            return 5 + length
        if cmd == b"v":
            if i + 8 > len(buf):
                return NEED_MORE
            width_bytes = buf[i + 4] | buf[i + 5] << 8
            height = buf[i + 6] | buf[i + 7] << 8
            end = i + 8 + width_bytes * height
            if end > len(buf):
                return NEED_MORE
            self._flush_pending(out)
            out.append(RasterImage(width_bytes * 8, height, bytes(buf[i + 8:end]), self.align))
            return 8 + width_bytes * height
        if cmd == b"V":
            if i + 3 > len(buf):
                return NEED_MORE
            mode = buf[i + 2]
            extra = 1 if mode in (0x41, 0x42) else 0
            if i + 3 + extra > len(buf):
                return NEED_MORE
            self._flush_pending(out)
            out.append(Cut(partial=mode in (1, 0x31, 0x42)))
            return 3 + extra
        got = self._fixed(_GS_FIXED, i)
        if got == NEED_MORE:
            return NEED_MORE
        if not got:
            return self._unknown(i, "GS")
        cmd, args = got
        if cmd == b"!":
            self.width, self.height = (args[0] >> 4) + 1, (args[0] & 0x0F) + 1
        return 2 + len(args)

    def _qr_function(self, body: bytes, out: list) -> None:
        if len(body) < 2 or body[0] != 0x31:
            self.warnings.append("GS ( k for a symbol other than QR")
            return
        fn, data = body[1], body[2:]
        if fn == 0x41 and data:
            self._qr["model"] = data[0] - 0x30
        elif fn == 0x43 and data:
            self._qr["module"] = data[0]
        elif fn == 0x45 and data:
            self._qr["ec"] = _EC.get(data[0], "?")
        elif fn == 0x50 and data[:1] == b"\x30":
            self._qr["data"] = data[1:]
        elif fn == 0x51:
            self._flush_pending(out)
            payload = self._qr.get("data", b"").decode("utf-8", errors="replace")
            out.append(QrCode(payload, self._qr.get("module", 3), self._qr.get("ec", "L"),
                              self._qr.get("model", 2), self.align))

    def _fs(self, i: int, out: list) -> int:
        got = self._fixed(_FS_FIXED, i)
        if got == NEED_MORE:
            return NEED_MORE
        if not got:
            return self._unknown(i, "FS")
        cmd, args = got
        if cmd == b"&":
            self.chinese = True
        elif cmd == b".":
            self.chinese = False
        return 2 + len(args)

    def _dle(self, i: int, out: list) -> int:
        buf = self._buffer
        if buf[i + 1] == 0x04:
            if i + 3 > len(buf):
                return NEED_MORE
            out.append(StatusRequest(buf[i + 2]))
            return 3
        if buf[i + 1] == 0x05:  # DLE ENQ n: real-time request, no answer
            return 3 if i + 3 <= len(buf) else NEED_MORE
        return self._unknown(i, "DLE")
