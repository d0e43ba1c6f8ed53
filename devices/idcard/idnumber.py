"""公民身份号码 (GB 11643-1999): check digit, birth date, masking, and a keyed hash.

The same 18-character scheme (6-digit area code, 8-digit birth date, 3-digit sequence whose
last digit is odd for men, one check character 0-9 or X) is used by the resident ID card,
the 港澳台居民居住证 (area codes 810000 / 820000 / 830000) and the 2023 外国人永久居留身份证
(first digit 9). The 2017 permanent-residence card uses a 15-character number (3 letters
and 12 digits) that is not checked here beyond its shape.

Privacy: an ID number or a full name is never logged or shown in clear. Use
``mask_id_number`` / ``mask_name`` for anything a person may read, and ``keyed_hash`` (an
HMAC-SHA256 with a key the hall keeps, written ``kh-`` and 64 letters) to recognise the same
citizen again. It is the project's only keyed hash: the social security card reader uses it too.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK_CHARS = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_PERMIT15 = re.compile(r"^[A-Z]{3}\d{12}$")


def normalize(number: str) -> str:
    """Strip spaces and upper-case a trailing ``x``: the form that is checked and hashed."""
    return number.strip().upper()


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date inside an 18-character number, or ``None`` if it is not a real date."""
    number = normalize(number)
    if not _ID18.match(number):
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex_code(number: str) -> str | None:
    """'1' (男) or '2' (女) from the 17th digit (odd = male), or ``None`` if malformed."""
    number = normalize(number)
    if not _ID18.match(number):
        return None
    return "1" if int(number[16]) % 2 else "2"


def is_valid(number: str) -> bool:
    """True if an 18-character number has the right shape, a real birth date and check digit."""
    number = normalize(number)
    return (
        bool(_ID18.match(number))
        and birth_date(number) is not None
        and check_digit(number[:17]) == number[17]
    )


def is_permit_2017_shape(number: str) -> bool:
    """True if ``number`` looks like a 2017 permanent-residence number (3 letters, 12 digits)."""
    return bool(_PERMIT15.match(normalize(number)))


def mask_id_number(number: str) -> str:
    """Keep the first four and last four characters: ``3701**********1234``.

    Numbers of eight characters or fewer are masked completely.
    """
    number = normalize(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """Mask a name the way the hall shows it: ``张*三``, ``欧**明``, two characters ``张*``.

    The first and (for three or more characters) the last character stay; a one-character
    name becomes ``*``. Latin names are treated the same way, letter by letter.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


HASH_PREFIX = "kh-"
_NIBBLE_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_KEYED_HASH = re.compile(r"^kh-[a-p]{64}$")


def keyed_hash(value: str, key: bytes | str) -> str:
    """The project's one keyed hash of an ID number (or a name, a card number): recognises
    the same citizen again without keeping the number.

    HMAC-SHA256 of the normalized value (stripped, upper case) under the hall's key
    (``hall.hallkey.load_hall_key``), written as ``kh-`` and 64 lowercase letters ``a``-``p``
    (one letter per hex digit: 0→a … f→p). The form holds no digit at all, so it can never
    look like an ID number to the hub's clear-ID check (``hall.privacy``), however the bits fall.

    ID numbers are guessable (area, birth date, sequence), so a plain hash would not protect
    them; the key must be kept secret and must not be empty.
    """
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not key:
        raise ValueError("keyed_hash needs a non-empty key")
    digest = hmac.new(key, normalize(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest.translate(_NIBBLE_LETTERS)


def is_keyed_hash(text: str) -> bool:
    """True if ``text`` has the form ``keyed_hash`` gives."""
    return isinstance(text, str) and bool(_KEYED_HASH.match(text))
