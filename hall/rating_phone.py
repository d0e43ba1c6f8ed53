"""A citizen's phone number for a 差评's follow-up (回访): sealed with the hall key, shown masked.

The pad seals the number before it leaves the tablet (AES-256-GCM, a key derived from the
hall key with HKDF-SHA256, a fresh 96-bit nonce, base64url); the hub stores only the sealed
form and the masked one (138****5678). Only a manager with the hall key opens it, to call
back (`yichuang cases show N --phone`): never on the bus, in a log or in the database.
"""
from __future__ import annotations

import base64
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hall.config import ConfigError
from hall.hallkey import load_hall_key

_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_INFO = b"yichuang rating phone v1"


class PhoneError(Exception):
    """No hall key here, or a sealed number that this hall's key cannot open."""


def hall_key(config) -> bytes:
    """The hall's key (``hall.hallkey``: ``[hall] key_file``, or the hall file's name with
    ``.key``), the same one the kiosks' keyed hashes use; PhoneError if it cannot be read."""
    try:
        return load_hall_key(config)
    except ConfigError as err:
        raise PhoneError(str(err)) from None


def _aead(key: bytes) -> AESGCM:
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key))


def normalise(phone: str) -> str | None:
    """The 11 digits of a mainland mobile number, or None when it is not one."""
    digits = re.sub(r"[\s-]", "", phone or "")
    return digits if _PHONE.match(digits) else None


def mask(phone: str) -> str:
    """138****5678: the first three and the last four digits."""
    return f"{phone[:3]}****{phone[-4:]}"


def seal(key: bytes, phone: str) -> dict:
    """``{"sealed", "masked"}`` for a rating's ``phone`` field; ValueError if not a mobile number."""
    digits = normalise(phone)
    if digits is None:
        raise ValueError("not a mainland mobile number")
    nonce = os.urandom(12)
    blob = nonce + _aead(key).encrypt(nonce, digits.encode("ascii"), _INFO)
    return {"sealed": base64.urlsafe_b64encode(blob).decode("ascii"), "masked": mask(digits)}


def unseal(key: bytes, sealed: str) -> str:
    try:
        blob = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return _aead(key).decrypt(blob[:12], blob[12:], _INFO).decode("ascii")
    except (InvalidTag, ValueError, UnicodeError):
        raise PhoneError("this sealed number was not made with this hall's key") from None
