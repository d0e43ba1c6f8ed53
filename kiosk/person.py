"""The citizen at the kiosk, as far as the kiosk may know them: masked forms and a keyed hash.

A ``Person`` is made from a card read the moment it arrives (ID card over GA 467, or a
social-security card over PC/SC) and is the only form that reaches a presenter, a screen or
the hub. The clear ID number and the full name stay inside the device objects, which are
dropped right after; ``repr`` shows masked forms only, so a log line can never leak them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ID_CARD, SS_CARD = "id_card", "ss_card"


@dataclass(frozen=True, repr=False)
class Person:
    masked_name: str
    masked_id: str
    id_hash: str  # HMAC-SHA256 of the ID number under the hall's key
    birth: dt.date | None
    source: str = ID_CARD

    def age_on(self, day: dt.date) -> int | None:
        if self.birth is None:
            return None
        years = day.year - self.birth.year
        return years - ((day.month, day.day) < (self.birth.month, self.birth.day))

    def is_elder(self, day: dt.date, green_age: int) -> bool:
        age = self.age_on(day)
        return age is not None and age >= green_age

    def request_fields(self) -> dict:
        """``person`` of an ``issue`` request: the keyed hash, the masked number, the birth date."""
        out = {"hash": self.id_hash, "masked": self.masked_id}
        if self.birth is not None:
            out["birth"] = self.birth.isoformat()
        return out

    def __repr__(self) -> str:
        return f"Person({self.masked_name}, {self.masked_id}, {self.source})"

    __str__ = __repr__


def from_id_card(read, key: bytes) -> Person:
    """From ``devices.idcard.driver.CardRead`` (any supported card kind)."""
    card = read.card
    return Person(card.masked_name, card.masked_id, card.id_hash(key), card.birth, ID_CARD)


def from_ss_card(card) -> Person:
    """From ``devices.sscard.reader.SocialSecurityCard`` (already hashed by the reader)."""
    holder = card.holder
    return Person(holder.name_masked, holder.id_masked, holder.id_hash, holder.birth_date, SS_CARD)
