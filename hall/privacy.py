"""The clear-ID check: does a payload carry a resident ID number (公民身份号码) in clear?

The hub refuses such a request as ``personal_data`` and never publishes or stores it. A
*candidate* is 17 digits and a check character (a digit or X) written

- in one piece, ``110101199003071233``,
- or in groups with spaces or dashes between them, ``110101 19900307 1233``,
  ``110101-1990-0307-1233`` (any whitespace, including the full-width space, and the dashes
  ``- ‐ ‑ ‒ – — ― − －``; at most three of them between two groups),
- with full-width digits ``１１０１…`` and ``Ｘ``/``x``/``ｘ`` for X, in any mix,

anywhere in a string, a key, or a number of the payload. A candidate is an ID number only
when its GB 11643 check character is right and its digits 7-14 are a real birth date
(1850-2100): the project's own keyed hashes (``kh-`` and letters, no digit at all) and the
many 18-digit runs that are not ID numbers (about 10 in 11 fail the check character alone,
and far more the birth date) are not refused.

Digit groups are taken whole: a candidate is a run of neighbouring groups whose digits add
up to exactly 18, so ``1234 110101 19900307 1233`` is caught while a single 24-digit order
number is not cut into windows.
"""
from __future__ import annotations

import re

from devices.idcard.idnumber import birth_date, check_digit

_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"})
_SEPARATORS = r"[\s\-\u2010-\u2015\u2212\uff0d]"
_D, _X = r"[0-9\uff10-\uff19]", r"[Xx\uff38\uff58]"
_RUN = re.compile(rf"{_D}+(?:{_SEPARATORS}{{1,3}}{_D}+)*(?:{_SEPARATORS}{{0,3}}{_X})?")
_GROUP = re.compile(r"[0-9]+X?|X")
_DIGIT = re.compile(r"[0-9\uff10-\uff19]")  # a text without a digit (a keyed hash) is passed at once
ID_LENGTH = 18
YEARS = (1850, 2100)


def is_id_number(digits: str) -> bool:
    """True if 18 characters (ASCII digits and a last X) are a valid GB 11643 number."""
    if len(digits) != ID_LENGTH or not digits[:17].isdigit():
        return False
    if check_digit(digits[:17]) != digits[17]:
        return False
    born = birth_date(digits)
    return born is not None and YEARS[0] <= born.year <= YEARS[1]


def text_has_id_number(text: str) -> bool:
    """True if ``text`` holds an ID number in any of the forms of this module's docstring."""
    if len(text) < ID_LENGTH or not _DIGIT.search(text):
        return False
    for run in _RUN.finditer(text):
        groups = _GROUP.findall(run.group().translate(_FULL_WIDTH))
        if sum(map(len, groups)) < ID_LENGTH:
            continue
        for i in range(len(groups)):
            joined = ""
            for group in groups[i:]:
                joined += group
                if len(joined) >= ID_LENGTH:
                    break
            if len(joined) == ID_LENGTH + 1 and joined.endswith("X"):
                joined = joined[:-1]  # "…1233x" followed by a word: the x is the word's
            if len(joined) == ID_LENGTH and is_id_number(joined):
                return True
    return False


def has_id_number(value) -> bool:
    """True if a clear ID number appears anywhere in a decoded payload: a string, a key, an
    integer, at any depth. Iterative, so no payload can make it recurse. The texts are
    checked together, joined by a character that ends any run of digits."""
    texts = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if item >= 10 ** 16 or item <= -10 ** 16:
                texts.append(str(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return text_has_id_number("\x00".join(texts))
