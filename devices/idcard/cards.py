"""Virtual cards for the simulator: fictional holders of every card kind.

The people here do not exist; their numbers are built with valid check digits so they pass
the same checks as real cards. ``VirtualCard`` carries the exact bytes a SAM returns.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from devices.idcard import idnumber
from devices.idcard.codec import FINGERPRINT_SIZE, SERIAL_SIZE
from devices.idcard.photo import WLT_SIZE
from devices.idcard.text import (
    Card, PermanentResidenceCard2017, PermanentResidenceCard2023, ResidencePermit,
    ResidentCard, card_flag, encode_text, parse_text)


def _filler(seed: str, size: int) -> bytes:
    """Deterministic stand-in bytes (not a real WLT image or fingerprint template)."""
    out = b""
    block = seed.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:size]


@dataclass
class VirtualCard:
    """A card as the SAM sees it: text block, photo, fingerprint, appended address, serial."""

    text: bytes
    photo: bytes = b""
    fingerprint: bytes = b""  # 0, 512 or 1024 bytes
    appended_address: str | None = None
    serial: bytes = b"\x00" * SERIAL_SIZE
    label: str = field(default="")

    def __post_init__(self) -> None:
        if not self.photo:
            self.photo = _filler(self.text.hex(), WLT_SIZE)
        if not self.label:
            parsed = parse_text(self.text)
            self.label = str(parsed)

    def __repr__(self) -> str:
        return f"VirtualCard({self.label})"

    @classmethod
    def from_card(cls, card: Card, *, fingerprint: bool = True,
                  appended_address: str | None = None) -> "VirtualCard":
        text = encode_text(card)
        serial = hashlib.sha256(text).digest()[:SERIAL_SIZE]
        prints = _filler("fp" + text.hex(), FINGERPRINT_SIZE) if fingerprint else b""
        return cls(text=text, fingerprint=prints, appended_address=appended_address,
                   serial=serial, label=str(card))

    @property
    def flag(self) -> str:
        return card_flag(self.text)


def _id18(first17: str) -> str:
    return first17 + idnumber.check_digit(first17)


def demo_cards() -> dict[str, Card]:
    """One fictional card of each kind, plus a long-term (长期) resident card."""
    return {
        "resident": ResidentCard(
            name="张三丰", sex_code="1", nation_code="01", birth=date(1990, 3, 7),
            address="北京市东城区正义路1号院2号楼301室", id_number=_id18("11010119900307123"),
            issuer="北京市公安局东城分局", valid_from=date(2015, 3, 1),
            valid_until=date(2035, 3, 1)),
        "resident_long_term": ResidentCard(
            name="李秀英", sex_code="2", nation_code="03", birth=date(1955, 5, 20),
            address="山东省济南市历下区泉城路88号", id_number=_id18("37010219550520004"),
            issuer="济南市公安局历下分局", valid_from=date(2012, 6, 1), valid_until=None),
        "residence_permit": ResidencePermit(
            name="陈大文", sex_code="1", birth=date(1985, 8, 15),
            address="广东省深圳市福田区福华三路100号", id_number=_id18("81000019850815003"),
            issuer="深圳市公安局福田分局", valid_from=date(2021, 1, 10),
            valid_until=date(2026, 1, 10), permit_number="H12345678", issue_count="01"),
        "permanent_2017": PermanentResidenceCard2017(
            name="史密斯", sex_code="1", birth=date(1980, 1, 15), id_number="USA110800115001",
            valid_from=date(2017, 7, 1), valid_until=date(2027, 7, 1),
            english_name="SMITH, JOHN", chinese_name="史密斯", nationality="USA",
            card_version="01", authority_code="1100"),
        "permanent_2023": PermanentResidenceCard2023(
            name="玛丽亚", sex_code="2", birth=date(1992, 4, 10),
            id_number=_id18("91148419920410002"), valid_from=date(2023, 12, 1),
            valid_until=date(2033, 12, 1),
            english_name="GONZALEZ RODRIGUEZ DE LA CRUZ, MARIA ALEJANDRA",
            chinese_name="玛丽亚", nationality="MEX", renewal_count="00"),
    }


def demo_virtual_cards() -> dict[str, VirtualCard]:
    """``demo_cards`` as virtual cards; the resident card also has an appended address."""
    cards = demo_cards()
    out = {}
    for key, card in cards.items():
        out[key] = VirtualCard.from_card(
            card, fingerprint=key == "resident",
            appended_address="北京市西城区金融大街7号" if key == "resident" else None)
    return out
