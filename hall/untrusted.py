"""Reading JSON that came from outside (a device, a replay file) without trusting it.

Python's JSON parser and any recursive walk over its result recurse once per level of
nesting, so ``[[[…]]]`` of a thousand levels raises ``RecursionError`` (or worse, overflows
the C stack). ``loads`` counts the nesting *before* parsing, with a linear scan that does
not recurse, and refuses anything deeper than asked. It also refuses ``NaN``/``Infinity``
(not JSON) and, after parsing, any string or key that is not valid Unicode: a ``\\udfff``
escape decodes to a lone surrogate that cannot be encoded back to UTF-8, so it would fail
later, in SQLite or in the reply, where the request can no longer be refused cleanly.
"""
from __future__ import annotations

import json
import re

_TOKENS = re.compile(r'\\.|["\[\]{}]', re.S)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # the only way a lone surrogate gets into decoded UTF-8


class Unreadable(ValueError):
    """Text that is not the JSON asked for; ``code`` says why: ``malformed_json``,
    ``too_deep`` or ``not_unicode``."""

    def __init__(self, code: str, detail: str, value=None):
        super().__init__(detail)
        self.code = code
        self.value = value  # what was parsed, for ``not_unicode`` (to find who to answer)


def nesting_depth(text: str, limit: int) -> int:
    """How deep ``[`` and ``{`` nest outside strings, counting until ``limit`` is passed.

    Exact for valid JSON and for every prefix of a text the parser reads before it finds an
    error, so the parser never nests deeper than this says.
    """
    depth = deepest = 0
    in_string = False
    for token in _TOKENS.finditer(text):
        t = token.group()
        if t[0] == "\\":
            continue
        if t == '"':
            in_string = not in_string
        elif in_string:
            continue
        elif t in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def loads(text: str, max_depth: int):
    """``json.loads`` for untrusted text; raises ``Unreadable``."""
    brackets = text.count("[") + text.count("{")  # at least the depth: most texts need no scan
    if brackets > max_depth and nesting_depth(text, max_depth) > max_depth:
        raise Unreadable("too_deep", f"nested deeper than {max_depth} levels")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # surrogates in the text itself (read with errors="surrogateescape")
        raise Unreadable("not_unicode", "text that is not valid Unicode") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        raise Unreadable("malformed_json", str(err)) from None
    if _SURROGATE_ESCAPE.search(text) and not is_unicode(value):
        raise Unreadable("not_unicode", "text that is not valid Unicode (a lone surrogate)", value)
    return value


def is_unicode(value) -> bool:
    """True if every string and key in ``value`` can be written as UTF-8 (no lone surrogate).

    Iterative; strings are checked in one pass each by the codec.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True
