"""GA 467 SAM frames: pure functions between bytes and values (no I/O, no clock).

Both directions share one frame shape::

    host -> SAM : AA AA AA 96 69 | LEN_H LEN_L | CMD | PARA | DATA... | CHK
    SAM -> host : AA AA AA 96 69 | LEN_H LEN_L | SW1 | SW2 | SW3 | DATA... | CHK

LEN is the big-endian count of the bytes after it, CHK included; CHK is the XOR of every
byte from LEN_H to the byte before CHK. SW3 is the SAM's status (``STATUSES``).

The *body* of a frame, as used below, is what lies between LEN and CHK: CMD PARA DATA for
a command, SW1 SW2 SW3 DATA for a reply.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import reduce

from devices.errors import GARBLED, DeviceError, device_error

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2  # preamble + LEN

# Largest LEN a reply can carry: 30 10 with two fingerprint templates is 0x090A. Anything
# much larger is line noise that happened to contain a preamble.
MAX_REPLY_LEN = 0x0A00
MAX_COMMAND_LEN = 0x40

TEXT_SIZE = 256
PHOTO_SIZE = 1024
FINGERPRINT_SIZE = 1024
SAM_ID_SIZE = 16
SERIAL_SIZE = 8


@dataclass(frozen=True)
class Command:
    """One host command: CMD, PARA and optional DATA, named as the SAM sheets name it."""

    cmd: int
    para: int
    data: bytes = b""
    name: str = ""

    def encode(self) -> bytes:
        return encode_command(self.cmd, self.para, self.data)


RESET = Command(0x10, 0xFF, name="复位SAM")
SAM_STATUS = Command(0x11, 0xFF, name="SAM状态检测")
SAM_ID = Command(0x12, 0xFF, name="读SAM管理信息")
FIND = Command(0x20, 0x01, name="寻找证/卡")
SELECT = Command(0x20, 0x02, name="选取证/卡")
READ_TEXT_PHOTO = Command(0x30, 0x01, name="读固定信息")
READ_APPENDED_ADDRESS = Command(0x30, 0x03, name="读最新追加住址")
READ_PHYSICAL_ID = Command(0x30, 0x05, name="读物理卡号")  # only some SAM_V firmwares
READ_WITH_FINGERPRINT = Command(0x30, 0x10, name="读固定信息和指纹")

# 60 PP: set the UART speed; the SAM answers at the old speed, then switches.
BAUD_CODES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
BAUD_BY_CODE = {code: baud for baud, code in BAUD_CODES.items()}
BAUD_RATES = tuple(BAUD_CODES)  # the order a host tries when detecting the speed


def set_baudrate_command(baudrate: int) -> Command:
    """60 PP: the command that switches the SAM's UART to ``baudrate``."""
    if baudrate not in BAUD_CODES:
        raise ValueError(f"SAM speeds are {', '.join(map(str, BAUD_RATES))}, not {baudrate}")
    return Command(0x60, BAUD_CODES[baudrate], name="设置UART速率")


def set_rf_frame_size_command(size: int) -> Command:
    """61 FF nn: the radio adapter's largest frame in bytes (vendors use 0x50 = 80)."""
    if not 1 <= size <= 0xFF:
        raise ValueError("frame size must be 1..255")
    return Command(0x61, 0xFF, bytes([size]), name="设置射频适配器最大通信字节数")


@dataclass(frozen=True)
class Status:
    """One SW3 value: its meaning in the GA 467 tables and what the hall does with it."""

    sw3: int
    meaning_zh: str  # the table's own words, for the operator's log
    code: str  # DeviceError code; "" for success
    message_zh: str  # what a citizen or clerk reads
    message_en: str  # what the operator reads


_TRY_AGAIN = "读卡失败，请将身份证重新放在感应区"
_GO_TO_COUNTER = "无法读取此证件，请到人工窗口办理"
_CALL_STAFF = "读卡器故障，请联系工作人员"
_LINK = "读卡器通信异常，请重试"

STATUSES: dict[int, Status] = {s.sw3: s for s in (
    Status(0x90, "操作成功", "", "", "ok"),
    Status(0x9F, "寻找居民身份证成功", "", "", "card found"),
    Status(0x91, "居民身份证中无此项内容", "no_such_item", "证件中无此项内容",
           "the card holds no such item"),
    Status(0x10, "接收业务终端数据的校验和错", "reader_link_error", _LINK,
           "the SAM saw a bad checksum from the host"),
    Status(0x11, "接收业务终端数据的长度错", "reader_link_error", _LINK,
           "the SAM saw a bad length from the host"),
    Status(0x21, "接收业务终端的命令错误", "command_rejected", _CALL_STAFF,
           "the SAM does not know this command"),
    Status(0x23, "越权操作", "command_rejected", _CALL_STAFF, "operation not permitted"),
    Status(0x24, "无法识别的错误", "reader_error", _CALL_STAFF, "unrecognised SAM error"),
    Status(0x31, "居民身份证认证SAM失败", "card_auth_failed", _GO_TO_COUNTER,
           "the card did not accept the SAM"),
    Status(0x32, "SAM认证居民身份证失败", "card_auth_failed", _GO_TO_COUNTER,
           "the SAM did not accept the card"),
    Status(0x33, "信息验证失败", "card_auth_failed", _GO_TO_COUNTER,
           "card data failed verification"),
    Status(0x37, "指纹信息验证错误", "fingerprint_error", "指纹信息读取失败，请重试",
           "fingerprint data failed verification"),
    Status(0x3F, "信息长度错误", "reader_link_error", _LINK, "bad data length"),
    Status(0x40, "无法识别的居民身份证类型", "unknown_card_type",
           "无法识别此证件，请到人工窗口办理", "unrecognised card type"),
    Status(0x41, "读居民身份证操作失败", "read_failed", _TRY_AGAIN, "reading the card failed"),
    Status(0x47, "取随机数失败", "read_failed", _TRY_AGAIN, "the card gave no random number"),
    Status(0x60, "SAM自检失败,不能接收命令", "sam_fault", _CALL_STAFF, "SAM self-test failed"),
    Status(0x66, "SAM没经过授权,无法使用", "sam_unauthorized", "读卡器未授权，请联系工作人员",
           "SAM is not authorised"),
    Status(0x80, "寻找居民身份证失败", "no_card", "请将身份证放在感应区", "no card on the reader"),
    Status(0x81, "选取居民身份证失败", "select_failed", _TRY_AGAIN, "selecting the card failed"),
)}

SUCCESS = frozenset({0x90, 0x9F})


def status_error(sw3: int) -> DeviceError | None:
    """``None`` for a success status, else the DeviceError the app acts on."""
    if sw3 in SUCCESS:
        return None
    status = STATUSES.get(sw3)
    if status is None:
        return DeviceError("reader_error", _CALL_STAFF, "unknown SAM status", f"SW3={sw3:02X}")
    return DeviceError(status.code, status.message_zh, status.message_en,
                       f"SW3={sw3:02X} {status.meaning_zh}")


def xor_checksum(data: bytes) -> int:
    """XOR of all bytes (the frame's CHK, computed over LEN and body)."""
    return reduce(lambda a, b: a ^ b, data, 0)


def build_frame(body: bytes) -> bytes:
    """Wrap a body in preamble, LEN and CHK."""
    length = struct.pack(">H", len(body) + 1)
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A host -> SAM frame: ``encode_command(0x20, 0x01)`` -> ``AA AA AA 96 69 00 03 20 01 22``."""
    return build_frame(bytes([cmd, para]) + bytes(data))


def encode_reply(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A SAM -> host frame: ``encode_reply(0x90)`` -> ``AA AA AA 96 69 00 04 00 00 90 94``."""
    return build_frame(bytes([sw1, sw2, sw3]) + bytes(data))


@dataclass(frozen=True)
class Reply:
    """A decoded SAM reply. ``data`` may hold personal data: it has no readable repr."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""

    def __repr__(self) -> str:
        return f"Reply(sw1={self.sw1:02X}, sw2={self.sw2:02X}, sw3={self.sw3:02X}, {len(self.data)} data bytes)"

    @property
    def ok(self) -> bool:
        return self.sw3 in SUCCESS

    def error(self) -> DeviceError | None:
        return status_error(self.sw3)


def decode_reply(body: bytes) -> Reply:
    """A reply body (SW1 SW2 SW3 DATA) -> Reply; too short a body is a garbled frame."""
    if len(body) < 3:
        raise device_error(GARBLED, f"reply body of {len(body)} bytes, need at least 3")
    return Reply(body[0], body[1], body[2], bytes(body[3:]))


def decode_command(body: bytes) -> Command:
    """A command body (CMD PARA DATA) -> Command; too short a body is a garbled frame."""
    if len(body) < 2:
        raise device_error(GARBLED, f"command body of {len(body)} bytes, need at least 2")
    return Command(body[0], body[1], bytes(body[2:]))


def parse_frame(frame: bytes, max_len: int = MAX_REPLY_LEN) -> bytes:
    """Check one complete frame (preamble, LEN, CHK) and return its body."""
    parser = FrameParser(max_len)
    parser.feed(frame)
    body = parser.next_frame()
    if body is None or parser.pending or parser.discarded:
        raise device_error(GARBLED, "not exactly one complete frame")
    return body


class FrameParser:
    """Split a byte stream into frame bodies, as every SAM host does.

    Bytes before a preamble are skipped (``discarded`` counts them); a LEN outside
    ``3..max_len`` means the preamble was noise and the search goes on one byte later.
    ``next_frame`` returns a body, ``None`` when more bytes are needed, or raises
    DeviceError(garbled_frame) for a frame whose checksum is wrong (that frame is dropped,
    the bytes after it are kept).
    """

    def __init__(self, max_len: int = MAX_REPLY_LEN) -> None:
        self.max_len = max_len
        self._buffer = bytearray()
        self.discarded = 0

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def pending(self) -> int:
        """Bytes held that do not yet form a frame."""
        return len(self._buffer)

    def clear(self) -> None:
        self.discarded += len(self._buffer)
        self._buffer.clear()

    def next_frame(self) -> bytes | None:
        buf = self._buffer
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that could be the beginning of a preamble
                keep = next((n for n in range(min(len(buf), 4), 0, -1)
                             if buf.endswith(PREAMBLE[:n])), 0)
                self._drop(len(buf) - keep)
                return None
            self._drop(start)
            if len(buf) < HEADER_LEN:
                return None
            length = (buf[5] << 8) | buf[6]
            if not 3 <= length <= self.max_len:
                self._drop(1)
                continue
            if len(buf) < HEADER_LEN + length:
                return None
            frame = bytes(buf[:HEADER_LEN + length])
            del buf[:HEADER_LEN + length]
            if xor_checksum(frame[5:-1]) != frame[-1]:
                raise device_error(
                    GARBLED, f"checksum {frame[-1]:02X}, expected {xor_checksum(frame[5:-1]):02X}")
            return frame[HEADER_LEN:-1]

    def _drop(self, count: int) -> None:
        if count:
            self.discarded += count
            del self._buffer[:count]


@dataclass(frozen=True)
class ReadPayload:
    """The data of a 30 01 / 30 10 reply: text block, WLT photo, fingerprint templates."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None  # None for 30 01; b"" if the card holds none

    def __repr__(self) -> str:
        fp = "-" if self.fingerprint is None else f"{len(self.fingerprint)} B"
        return f"ReadPayload(text {len(self.text)} B, photo {len(self.photo)} B, fingerprint {fp})"


def parse_read_payload(data: bytes, with_fingerprint: bool) -> ReadPayload:
    """Split ``TEXT_LEN PHOTO_LEN [FP_LEN] text photo [fingerprint]`` (lengths big-endian)."""
    head = 6 if with_fingerprint else 4
    if len(data) < head:
        raise device_error(GARBLED, f"read reply of {len(data)} bytes has no length fields")
    lengths = struct.unpack(">HHH" if with_fingerprint else ">HH", data[:head])
    if sum(lengths) != len(data) - head:
        raise device_error(GARBLED, f"read reply lengths {lengths} do not add up to {len(data) - head}")
    text_len, photo_len = lengths[0], lengths[1]
    text = data[head:head + text_len]
    photo = data[head + text_len:head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len:] if with_fingerprint else None
    return ReadPayload(bytes(text), bytes(photo), None if fingerprint is None else bytes(fingerprint))


def encode_read_payload(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """The inverse of ``parse_read_payload`` (used by the simulator)."""
    if fingerprint is None:
        return struct.pack(">HH", len(text), len(photo)) + text + photo
    return struct.pack(">HHH", len(text), len(photo), len(fingerprint)) + text + photo + fingerprint


def parse_sam_id(data: bytes) -> str:
    """The SAM's printed id from the 16 bytes of a 12 FF reply.

    ``%02X.%02X-%u-%010u-%010u`` of d[0], d[2], then three little-endian 32-bit numbers
    d[4..7], d[8..11], d[12..15].
    """
    if len(data) < SAM_ID_SIZE:
        raise device_error(GARBLED, f"SAM id of {len(data)} bytes, need {SAM_ID_SIZE}")
    a, b, c = struct.unpack("<III", data[4:16])
    return f"{data[0]:02X}.{data[2]:02X}-{a}-{b:010d}-{c:010d}"
