"""The 256-byte text block of a card, parsed by the type flag at offset 248.

All fields are UCS-2 little-endian, right-padded with spaces. Four layouts exist:

- ``' '`` 居民身份证 (resident ID card)                     -> ``ResidentCard``
- ``'J'`` 港澳台居民居住证 (HK/Macau/Taiwan residence permit) -> ``ResidencePermit``
- ``'I'`` 外国人永久居留身份证, 2017 version                -> ``PermanentResidenceCard2017``
- ``'Y'`` 外国人永久居留身份证, 2023 version                -> ``PermanentResidenceCard2023``

Any other flag gives an ``UnsupportedCard`` that keeps the raw block. A block of a known kind
whose ID number fails its check digit or whose dates are not dates raises
DeviceError(card_text_invalid): a SAM-authenticated card never looks like that, so the layout
or the link is wrong and nothing should be issued on it.

Privacy: cards print and repr only masked forms (``张*丰``, ``1101**********123X``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import ClassVar

from devices.errors import DeviceError, device_error
from devices.idcard import idnumber
from devices.idcard.nation import nation_name

TEXT_SIZE = 256
FLAG_OFFSET = 248
LONG_TERM = "长期"
SEX_NAMES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# (offset, length in bytes) of each field, exactly as the layouts are published.
_COMMON = {
    "name": (0, 30), "sex_code": (30, 2), "nation_code": (32, 4), "birth": (36, 16),
    "address": (52, 70), "id_number": (122, 36), "issuer": (158, 30),
    "valid_from": (188, 16), "valid_until": (204, 16),
}
LAYOUTS: dict[str, dict[str, tuple[int, int]]] = {
    "resident": dict(_COMMON),
    "residence_permit": {**_COMMON, "permit_number": (220, 18), "issue_count": (238, 4)},
    "permanent_2017": {
        "english_name": (0, 120), "sex_code": (120, 2), "id_number": (122, 30),
        "nationality": (152, 6), "chinese_name": (158, 30), "valid_from": (188, 16),
        "valid_until": (204, 16), "birth": (220, 16), "card_version": (236, 4),
        "authority_code": (240, 8),
    },
    "permanent_2023": {
        "chinese_name": (0, 30), "sex_code": (30, 2), "renewal_count": (32, 4),
        "birth": (36, 16), "english_name_1": (52, 70), "id_number": (122, 36),
        "valid_from": (188, 16), "valid_until": (204, 16), "english_name_2": (220, 22),
        "nationality": (242, 6), "previous_number_link": (250, 6),
    },
}
FLAGS = {"resident": " ", "residence_permit": "J", "permanent_2017": "I", "permanent_2023": "Y"}
KIND_BY_FLAG = {flag: kind for kind, flag in FLAGS.items()}

CARD_TEXT_INVALID = ("card_text_invalid", "证件信息无法识别，请到人工窗口办理",
                     "card text failed its checks")
UNSUPPORTED_CARD = ("unsupported_card_type", "暂不支持此类证件，请到人工窗口办理",
                    "unsupported card type")


def _invalid(detail: str) -> DeviceError:
    return device_error(CARD_TEXT_INVALID, detail)


@dataclass(frozen=True, repr=False)
class Card:
    """What every card kind has. ``valid_until`` is ``None`` for a 长期 (long-term) card.

    ``name`` is the name to address the holder by: the Chinese name, or the English name when
    a foreigner's card has none. Never log ``name`` or ``id_number``: use ``str(card)``,
    ``masked_name``, ``masked_id`` or ``to_public(key)``.
    """

    kind: ClassVar[str] = ""
    kind_zh: ClassVar[str] = ""
    supported: ClassVar[bool] = True

    name: str
    sex_code: str
    birth: date
    id_number: str
    valid_from: date
    valid_until: date | None
    issuer: str = ""

    @property
    def sex(self) -> str:
        return SEX_NAMES.get(self.sex_code, "")

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    @property
    def masked_name(self) -> str:
        return idnumber.mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return idnumber.mask_id_number(self.id_number)

    def id_hash(self, key: bytes | str) -> str:
        return idnumber.keyed_hash(self.id_number, key)

    def is_expired(self, today: date) -> bool:
        """True if ``today`` is after the last valid day (a 长期 card never expires)."""
        return self.valid_until is not None and today > self.valid_until

    def age_on(self, today: date) -> int:
        """Full years of age on ``today`` (for 老年人 priority rules)."""
        years = today.year - self.birth.year
        return years - ((today.month, today.day) < (self.birth.month, self.birth.day))

    def to_public(self, key: bytes | str) -> dict:
        """The only form that leaves the device: masked fields and the keyed hash."""
        return {
            "v": 1,
            "kind": self.kind,
            "name_masked": self.masked_name,
            "id_masked": self.masked_id,
            "id_hash": self.id_hash(key),
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.masked_name}, id={self.masked_id})"

    __str__ = __repr__

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> "Card":  # pragma: no cover - overridden
        raise NotImplementedError

    def to_fields(self) -> dict[str, str]:  # pragma: no cover - overridden
        raise NotImplementedError


def _date(value: str, what: str, long_term_ok: bool = False) -> date | None:
    if long_term_ok and value == LONG_TERM:
        return None
    if len(value) != 8 or not value.isdigit():
        raise _invalid(f"{what} is not YYYYMMDD")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _invalid(f"{what} is not a real date") from None


def _ymd(value: date | None) -> str:
    return LONG_TERM if value is None else value.strftime("%Y%m%d")


def _common_dates(f: dict[str, str]) -> dict:
    birth = _date(f["birth"], "birth date")
    valid_from = _date(f["valid_from"], "validity start")
    valid_until = _date(f["valid_until"], "validity end", long_term_ok=True)
    if valid_until is not None and valid_until < valid_from:
        raise _invalid("validity ends before it starts")
    return {"birth": birth, "valid_from": valid_from, "valid_until": valid_until}


def _check_id18(number: str, birth: date, prefixes: tuple[str, ...] = ()) -> None:
    if not idnumber.is_valid(number):
        raise _invalid(f"ID number {idnumber.mask_id_number(number)} fails its check digit or date")
    if idnumber.birth_date(number) != birth:
        raise _invalid("birth date differs from the one in the ID number")
    if prefixes and not number.startswith(prefixes):
        raise _invalid(f"ID number {idnumber.mask_id_number(number)} should start with {'/'.join(prefixes)}")


@dataclass(frozen=True, repr=False)
class ResidentCard(Card):
    """居民身份证: the mainland resident ID card."""

    kind: ClassVar[str] = "resident"
    kind_zh: ClassVar[str] = "居民身份证"

    nation_code: str = ""
    address: str = ""

    @property
    def nation(self) -> str:
        """民族 name ("汉"); the raw code when it is not in GB 3304."""
        return nation_name(self.nation_code) or self.nation_code

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> "ResidentCard":
        dates = _common_dates(f)
        number = idnumber.normalize(f["id_number"])
        _check_id18(number, dates["birth"])
        return cls(name=f["name"], sex_code=f["sex_code"], id_number=number, issuer=f["issuer"],
                   nation_code=f["nation_code"], address=f["address"], **dates)

    def to_fields(self) -> dict[str, str]:
        return {"name": self.name, "sex_code": self.sex_code, "nation_code": self.nation_code,
                "birth": _ymd(self.birth), "address": self.address, "id_number": self.id_number,
                "issuer": self.issuer, "valid_from": _ymd(self.valid_from),
                "valid_until": _ymd(self.valid_until)}


@dataclass(frozen=True, repr=False)
class ResidencePermit(Card):
    """港澳台居民居住证: ID numbers begin 81 (香港), 82 (澳门), 83 (台湾)."""

    kind: ClassVar[str] = "residence_permit"
    kind_zh: ClassVar[str] = "港澳台居民居住证"
    REGIONS: ClassVar[dict[str, str]] = {"81": "香港", "82": "澳门", "83": "台湾"}

    address: str = ""
    permit_number: str = ""  # 通行证号码 (the travel permit's number)
    issue_count: str = ""  # 签发次数

    @property
    def region(self) -> str:
        return self.REGIONS.get(self.id_number[:2], "")

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> "ResidencePermit":
        dates = _common_dates(f)
        number = idnumber.normalize(f["id_number"])
        _check_id18(number, dates["birth"], tuple(cls.REGIONS))
        return cls(name=f["name"], sex_code=f["sex_code"], id_number=number, issuer=f["issuer"],
                   address=f["address"], permit_number=f["permit_number"],
                   issue_count=f["issue_count"], **dates)

    def to_fields(self) -> dict[str, str]:
        return {"name": self.name, "sex_code": self.sex_code, "nation_code": "",
                "birth": _ymd(self.birth), "address": self.address, "id_number": self.id_number,
                "issuer": self.issuer, "valid_from": _ymd(self.valid_from),
                "valid_until": _ymd(self.valid_until), "permit_number": self.permit_number,
                "issue_count": self.issue_count}


@dataclass(frozen=True, repr=False)
class PermanentResidenceCard2017(Card):
    """外国人永久居留身份证 (2017): 15-character number, 3 letters and 12 digits."""

    kind: ClassVar[str] = "permanent_2017"
    kind_zh: ClassVar[str] = "外国人永久居留身份证"

    english_name: str = ""
    chinese_name: str = ""
    nationality: str = ""  # ISO 3166 alpha-3
    card_version: str = ""  # 证件版本号
    authority_code: str = ""  # 当次申请受理机关代码

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> "PermanentResidenceCard2017":
        dates = _common_dates(f)
        number = idnumber.normalize(f["id_number"])
        if not idnumber.is_permit_2017_shape(number):
            raise _invalid(f"permit number {idnumber.mask_id_number(number)} is not 3 letters and 12 digits")
        return cls(name=f["chinese_name"] or f["english_name"], sex_code=f["sex_code"],
                   id_number=number, english_name=f["english_name"],
                   chinese_name=f["chinese_name"], nationality=f["nationality"],
                   card_version=f["card_version"], authority_code=f["authority_code"], **dates)

    def to_fields(self) -> dict[str, str]:
        return {"english_name": self.english_name, "sex_code": self.sex_code,
                "id_number": self.id_number, "nationality": self.nationality,
                "chinese_name": self.chinese_name, "valid_from": _ymd(self.valid_from),
                "valid_until": _ymd(self.valid_until), "birth": _ymd(self.birth),
                "card_version": self.card_version, "authority_code": self.authority_code}


@dataclass(frozen=True, repr=False)
class PermanentResidenceCard2023(Card):
    """外国人永久居留身份证 (2023): 18-character number beginning 9, GB 11643 check digit."""

    kind: ClassVar[str] = "permanent_2023"
    kind_zh: ClassVar[str] = "外国人永久居留身份证"
    ENGLISH_PART_1: ClassVar[int] = 35  # characters stored at offset 52; the rest at 220

    english_name: str = ""
    chinese_name: str = ""
    nationality: str = ""
    renewal_count: str = ""  # 换证次数
    previous_number_link: str = ""  # 既往版本证件号码关联项

    @classmethod
    def from_fields(cls, f: dict[str, str]) -> "PermanentResidenceCard2023":
        dates = _common_dates(f)
        number = idnumber.normalize(f["id_number"])
        _check_id18(number, dates["birth"], ("9",))
        english = (f["english_name_1"].ljust(cls.ENGLISH_PART_1) + f["english_name_2"]).strip(" \x00")
        return cls(name=f["chinese_name"] or english, sex_code=f["sex_code"], id_number=number,
                   english_name=english, chinese_name=f["chinese_name"],
                   nationality=f["nationality"], renewal_count=f["renewal_count"],
                   previous_number_link=f["previous_number_link"], **dates)

    def to_fields(self) -> dict[str, str]:
        cut = self.ENGLISH_PART_1
        return {"chinese_name": self.chinese_name, "sex_code": self.sex_code,
                "renewal_count": self.renewal_count, "birth": _ymd(self.birth),
                "english_name_1": self.english_name[:cut], "id_number": self.id_number,
                "valid_from": _ymd(self.valid_from), "valid_until": _ymd(self.valid_until),
                "english_name_2": self.english_name[cut:], "nationality": self.nationality,
                "previous_number_link": self.previous_number_link}


@dataclass(frozen=True, repr=False)
class UnsupportedCard:
    """A block whose type flag is none of the four known: kept raw, shown as unsupported."""

    kind: ClassVar[str] = "unsupported"
    kind_zh: ClassVar[str] = "未知证件"
    supported: ClassVar[bool] = False

    flag: str
    raw: bytes = field(default=b"", compare=False)

    def error(self) -> DeviceError:
        return device_error(UNSUPPORTED_CARD, f"type flag {self.flag!r}")

    def __repr__(self) -> str:
        return f"UnsupportedCard(flag={self.flag!r}, {len(self.raw)} raw bytes)"

    __str__ = __repr__


CLASSES: dict[str, type[Card]] = {
    cls.kind: cls for cls in (ResidentCard, ResidencePermit,
                              PermanentResidenceCard2017, PermanentResidenceCard2023)
}


def decode_field(data: bytes) -> str:
    """UCS-2LE text with its padding (spaces, NULs) trimmed."""
    if len(data) % 2:
        raise _invalid(f"text field of odd length {len(data)}")
    return data.decode("utf-16-le", errors="replace").strip(" \x00")


def read_fields(block: bytes, kind: str, strip: bool = True) -> dict[str, str]:
    """Every field of ``kind``'s layout as text (trimmed unless ``strip`` is False)."""
    out = {}
    for name, (offset, length) in LAYOUTS[kind].items():
        raw = block[offset:offset + length]
        out[name] = decode_field(raw) if strip else raw.decode("utf-16-le", errors="replace")
    return out


def card_flag(block: bytes) -> str:
    """The type flag at offset 248 as a character (NUL reads as the resident flag ' ')."""
    char = block[FLAG_OFFSET:FLAG_OFFSET + 2].decode("utf-16-le", errors="replace")
    return " " if char == "\x00" else char


def parse_text(block: bytes) -> Card | UnsupportedCard:
    """Parse a 256-byte text block into the card kind its flag names."""
    if len(block) != TEXT_SIZE:
        raise _invalid(f"text block of {len(block)} bytes, expected {TEXT_SIZE}")
    flag = card_flag(block)
    kind = KIND_BY_FLAG.get(flag)
    if kind is None:
        return UnsupportedCard(flag, bytes(block))
    f = read_fields(block, kind)
    if kind == "permanent_2023":  # the English name runs on across two fields
        raw = read_fields(block, kind, strip=False)
        for part in ("english_name_1", "english_name_2"):
            f[part] = raw[part].replace("\x00", " ")
    return CLASSES[kind].from_fields(f)


def encode_text(card: Card) -> bytes:
    """The 256-byte block for ``card`` (the simulator's virtual cards use this)."""
    block = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    layout = LAYOUTS[card.kind]
    for name, value in card.to_fields().items():
        offset, length = layout[name]
        data = value.encode("utf-16-le")
        if len(data) > length:
            raise ValueError(f"{name} is longer than {length // 2} characters")
        block[offset:offset + len(data)] = data
    block[FLAG_OFFSET:FLAG_OFFSET + 2] = FLAGS[card.kind].encode("utf-16-le")
    return bytes(block)


def parse_appended_address(data: bytes) -> str:
    """The 30 03 reply data (70 bytes, 35 characters UCS-2LE) as trimmed text."""
    return decode_field(data)


def encode_appended_address(address: str) -> bytes:
    data = address.encode("utf-16-le")
    if len(data) > 70:
        raise ValueError("an appended address holds at most 35 characters")
    return data + " ".encode("utf-16-le") * ((70 - len(data)) // 2)
