"""社会保障卡 (social-security card) codec: pure functions between APDU bytes and values.

The card follows MOHRSS "社会保障(个人)卡规范". A reader selects the SSSE application
(AID ``"sx1.sh." + GBK("社会保障")``), selects EF05 (卡的基本信息) or EF06 (持卡人基本信息)
and reads each data element by its tag with ``READ RECORD`` (``00 B2 <tag> 00 <Le>``).
Every record answers ``tag len value`` followed by the status word.

Nothing here does I/O. Clear personal data (ID number, name, card number) is decoded only
long enough to be masked and hashed: :func:`decode_holder` and :func:`decode_card_info`
return objects that hold masked forms and keyed hashes, never the clear values.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from devices.errors import GARBLED, DeviceError, device_error
from devices.idcard import idnumber

# --- application and files -------------------------------------------------------------

SSSE_AID = b"sx1.sh." + "社会保障".encode("gbk")  # 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF
EF05 = 0xEF05  # 卡的基本信息 (card information)
EF06 = 0xEF06  # 持卡人基本信息 (card holder information)

# Data elements: tag -> (file, value length, what it is). Le for a READ RECORD by tag is
# length + 2 (the tag and length bytes come back with the value).
CARD_ID, CARD_TYPE, SPEC_VERSION, ISSUER_ID, ISSUE_DATE, EXPIRY_DATE, CARD_NUMBER = range(1, 8)
ID_NUMBER, NAME, GENDER, NATION, BIRTH_PLACE, BIRTH_DATE = range(8, 14)

ELEMENTS: dict[int, tuple[int, int, str]] = {
    CARD_ID: (EF05, 16, "卡识别码"),
    CARD_TYPE: (EF05, 1, "卡的类别"),
    SPEC_VERSION: (EF05, 4, "规范版本"),
    ISSUER_ID: (EF05, 12, "初始化机构编号"),
    ISSUE_DATE: (EF05, 4, "发卡日期"),
    EXPIRY_DATE: (EF05, 4, "卡有效期"),
    CARD_NUMBER: (EF05, 9, "卡号"),
    ID_NUMBER: (EF06, 18, "社会保障号码"),
    NAME: (EF06, 30, "姓名"),
    GENDER: (EF06, 1, "性别"),
    NATION: (EF06, 1, "民族"),
    BIRTH_PLACE: (EF06, 3, "出生地"),
    BIRTH_DATE: (EF06, 4, "出生日期"),
}


def tags_of(file_id: int) -> list[int]:
    """The tags a reader fetches from EF05 or EF06, in order."""
    return [tag for tag, (fid, _, _) in ELEMENTS.items() if fid == file_id]


# --- command APDUs ---------------------------------------------------------------------


def select_ssse() -> bytes:
    """SELECT the SSSE application by name: ``00 A4 04 00 0F <AID>``."""
    return bytes([0x00, 0xA4, 0x04, 0x00, len(SSSE_AID)]) + SSSE_AID


def select_file(file_id: int) -> bytes:
    """SELECT an elementary file by identifier: ``00 A4 02 00 02 EF 05``."""
    return bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + file_id.to_bytes(2, "big")


def read_record_by_tag(tag: int, le: int | None = None) -> bytes:
    """READ RECORD of the current EF by record identifier: ``00 B2 <tag> 00 <Le>``.

    Without ``le`` the expected length of the element (value + 2) is asked for.
    """
    if le is None:
        le = ELEMENTS[tag][1] + 2 if tag in ELEMENTS else 0
    return bytes([0x00, 0xB2, tag & 0xFF, 0x00, le & 0xFF])


def get_response(length: int) -> bytes:
    """GET RESPONSE after a T=0 ``61 xx``: ``00 C0 00 00 xx``."""
    return bytes([0x00, 0xC0, 0x00, 0x00, length & 0xFF])


def with_le(command: bytes, le: int) -> bytes:
    """The same command with Le replaced, after a ``6C xx`` (wrong length) answer."""
    body = command[:4] if len(command) <= 5 else command[: 5 + command[4]]
    return body + bytes([le & 0xFF])


def verify_pin(pin: str) -> bytes:
    """VERIFY the card holder PIN: ``00 20 00 00 <n> <PIN as BCD, F-padded>``."""
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("a card PIN is 4 to 12 digits")
    digits = pin + ("F" if len(pin) % 2 else "")
    body = bytes.fromhex(digits)
    return bytes([0x00, 0x20, 0x00, 0x00, len(body)]) + body


# --- response APDUs and status words ---------------------------------------------------


def split_response(response: bytes) -> tuple[bytes, int]:
    """Split an R-APDU into (data, SW as an int such as 0x9000)."""
    if len(response) < 2:
        raise device_error(GARBLED, f"R-APDU of {len(response)} bytes")
    return bytes(response[:-2]), (response[-2] << 8) | response[-1]


PIN_REQUIRED = ("pin_required", "此社保卡需要验证密码才能读取，请到人工窗口办理",
                "the card requires a PIN before this file can be read")
CARD_LOCKED = ("card_locked", "社保卡密码已锁定，请到社保窗口解锁", "the card PIN is blocked")
NOT_SSCARD = ("not_social_security_card", "无法识别此卡，请插入社会保障卡",
              "the card has no SSSE application (not a social-security card)")
RECORD_MISSING = ("record_missing", "社保卡信息不完整，请到社保窗口核查",
                  "a file or record the card should have is missing")
CARD_ERROR = ("card_error", "读卡失败，请重新插入社保卡", "the card answered an unexpected status word")


def pin_wrong(left: int) -> tuple[str, str, str]:
    return ("pin_wrong", f"社保卡密码错误，还可尝试{left}次", f"wrong card PIN, {left} tries left")


def check_sw(sw: int, *, step: str) -> None:
    """Raise the DeviceError a status word means; return quietly on ``90 00``.

    ``step`` is ``select_app``, ``select_file``, ``read`` or ``verify``: the same status
    word means a different thing to a citizen at each step.
    """
    if sw == 0x9000:
        return
    kind = CARD_ERROR
    if sw in (0x6982, 0x6985):
        kind = PIN_REQUIRED
    elif sw in (0x6983, 0x6984):
        kind = CARD_LOCKED
    elif sw & 0xFFF0 == 0x63C0:
        kind = pin_wrong(sw & 0x0F)
    elif step == "select_app" and sw in (0x6A82, 0x6A86, 0x6A81, 0x6D00, 0x6E00):
        kind = NOT_SSCARD
    elif sw in (0x6A82, 0x6A83):
        kind = RECORD_MISSING
    raise device_error(kind, f"SW {sw:04X}")


# --- record values ---------------------------------------------------------------------


def parse_record(data: bytes, tag: int) -> bytes:
    """Check a ``tag len value`` record and return the value.

    A record whose tag differs, whose length overruns the data, or that is too short
    raises DeviceError(garbled_frame) with the reason.
    """
    if len(data) < 2:
        raise device_error(GARBLED, f"record {tag:02X}: {len(data)} bytes, no tag/length")
    if data[0] != tag:
        raise device_error(GARBLED, f"record {tag:02X}: tag {data[0]:02X} in answer")
    length = data[1]
    if 2 + length > len(data):
        raise device_error(GARBLED, f"record {tag:02X}: length {length} > {len(data) - 2} bytes")
    return bytes(data[2 : 2 + length])


def parse_tlv(data: bytes) -> dict[int, bytes]:
    """Parse a run of ``tag len value`` elements (a whole file read at once)."""
    out: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding after the last element
            break
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            raise device_error(GARBLED, f"TLV overruns at offset {i}")
        out[data[i]] = bytes(data[i + 2 : i + 2 + data[i + 1]])
        i += 2 + data[i + 1]
    return out


def bcd_digits(value: bytes) -> str:
    """BCD bytes as a digit string, F-padding dropped (``37 01 02 FF`` -> ``370102``)."""
    text = value.hex().upper().rstrip("F")
    if not text.isdigit():
        raise device_error(GARBLED, f"not BCD: {value.hex()}")
    return text


def bcd_date(value: bytes) -> dt.date | None:
    """A 4-byte BCD ``YYYYMMDD`` date; ``None`` for an all-zero or all-F (unset) date."""
    if len(value) != 4:
        raise device_error(GARBLED, f"BCD date of {len(value)} bytes")
    if value in (b"\x00" * 4, b"\xff" * 4):
        return None
    text = bcd_digits(value)
    if len(text) != 8:
        raise device_error(GARBLED, f"BCD date {value.hex()}")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise device_error(GARBLED, f"BCD date {value.hex()}: {exc}") from exc


def text_value(value: bytes, encoding: str = "ascii") -> str:
    """Text padded with NUL, space or FF, decoded strictly (garbled bytes raise)."""
    core = value.rstrip(b"\x00\x20\xff")
    try:
        return core.decode(encoding).strip()
    except UnicodeDecodeError as exc:
        raise device_error(GARBLED, f"text not {encoding}") from exc


def nation_code(value: bytes) -> str:
    """民族 as a two-digit GB 3304 code: BCD on most cards (``10`` = 朝鲜), else binary."""
    if len(value) != 1:
        raise device_error(GARBLED, "民族 is one byte")
    text = value.hex()
    return text if text.isdigit() else f"{value[0]:02d}"


GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# --- privacy ---------------------------------------------------------------------------


def mask_id(number: str) -> str:
    """``370102199001011234`` -> ``3701**********1234`` (first 4, last 4 kept)."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """``张三丰`` -> ``张*丰``, ``张三`` -> ``张*``, ``欧阳娜娜`` -> ``欧**娜``."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_card_number(number: str) -> str:
    """``A12345678`` -> ``A1*****78``."""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def keyed_hash(value: str, key: bytes) -> str:
    """The project's one keyed hash (``devices.idcard.idnumber.keyed_hash``): same person,
    same key, same hash, whichever card they show."""
    return idnumber.keyed_hash(value, key)


# --- decoded files ---------------------------------------------------------------------


@dataclass(frozen=True)
class CardInfo:
    """EF05, 卡的基本信息. The card number is kept only masked and hashed."""

    card_id: str  # 卡识别码, 32 hex digits
    region_code: str  # 发卡地行政区划 (first 6 digits of 卡识别码)
    card_type: str  # 卡的类别
    spec_version: str  # 规范版本 "1.00" / "2.00" / "3.00"
    issuer_id: str  # 初始化机构编号, hex
    issue_date: dt.date | None  # 发卡日期
    expiry_date: dt.date | None  # 卡有效期
    card_number_masked: str  # 卡号, masked
    card_number_hash: str  # 卡号, HMAC-SHA256

    @property
    def generation(self) -> int | None:
        """1, 2 or 3 for 一代/二代/三代卡, from the spec version."""
        head = self.spec_version[:1]
        return int(head) if head in ("1", "2", "3") else None

    def expired(self, today: dt.date) -> bool:
        return self.expiry_date is not None and self.expiry_date < today


@dataclass(frozen=True)
class CardHolder:
    """EF06, 持卡人基本信息, as the hall may keep it: masked forms and keyed hashes only."""

    id_masked: str  # 社会保障号码 (the ID number), e.g. 3701**********1234
    id_hash: str  # HMAC-SHA256 of the ID number
    name_masked: str  # 姓名, e.g. 张*三
    name_hash: str  # HMAC-SHA256 of the name
    gender: str  # 男 / 女 / 未知 / 未说明
    nation_code: str  # 民族, GB 3304 two digits ("01" = 汉)
    birth_place: str  # 出生地, 行政区划 digits
    birth_date: dt.date | None


def _require(records: dict[int, bytes], tags: list[int]) -> None:
    missing = [f"{t:02X}" for t in tags if t not in records]
    if missing:
        raise device_error(GARBLED, "missing tags " + ",".join(missing))


def decode_card_info(records: dict[int, bytes], key: bytes) -> CardInfo:
    """EF05 values by tag -> CardInfo. Bad values raise DeviceError(garbled_frame)."""
    _require(records, tags_of(EF05))
    card_id = records[CARD_ID].hex().upper()
    number = text_value(records[CARD_NUMBER])
    raw_type = records[CARD_TYPE]
    readable = raw_type.isascii() and raw_type.isalnum()
    card_type = raw_type.decode("ascii") if readable else raw_type.hex()
    return CardInfo(
        card_id=card_id,
        region_code=card_id[:6],
        card_type=card_type,
        spec_version=text_value(records[SPEC_VERSION]),
        issuer_id=records[ISSUER_ID].hex().upper(),
        issue_date=bcd_date(records[ISSUE_DATE]),
        expiry_date=bcd_date(records[EXPIRY_DATE]),
        card_number_masked=mask_card_number(number),
        card_number_hash=keyed_hash(number, key),
    )


def decode_holder(records: dict[int, bytes], key: bytes) -> CardHolder:
    """EF06 values by tag -> CardHolder; the clear ID number and name do not outlive this call."""
    _require(records, tags_of(EF06))
    id_number = text_value(records[ID_NUMBER]).upper()
    if len(id_number) not in (15, 18) or not id_number[:-1].isdigit():
        raise device_error(GARBLED, f"社会保障号码 of {len(id_number)} characters")
    name = text_value(records[NAME], "gbk")
    if not name:
        raise device_error(GARBLED, "empty name")
    gender = text_value(records[GENDER])
    return CardHolder(
        id_masked=mask_id(id_number),
        id_hash=keyed_hash(id_number, key),
        name_masked=mask_name(name),
        name_hash=keyed_hash(name, key),
        gender=GENDERS.get(gender, "未知"),
        nation_code=nation_code(records[NATION]),
        birth_place=bcd_digits(records[BIRTH_PLACE]),
        birth_date=bcd_date(records[BIRTH_DATE]),
    )


# --- building records (used by the virtual card and by tests) ---------------------------


def bcd_encode(digits: str, length: int) -> bytes:
    """Digits as BCD, F-padded to ``length`` bytes."""
    text = digits + "F" * (2 * length - len(digits))
    return bytes.fromhex(text)


def text_encode(text: str, length: int, encoding: str = "ascii") -> bytes:
    """Text padded with NUL to ``length`` bytes."""
    raw = text.encode(encoding)
    if len(raw) > length:
        raise ValueError(f"{len(raw)} bytes do not fit in {length}")
    return raw + b"\x00" * (length - len(raw))


def record(tag: int, value: bytes) -> bytes:
    """One ``tag len value`` record."""
    return bytes([tag, len(value)]) + value
