"""What a scanned code is: an appointment code (预约码), our own ticket (取号凭条), or unknown.

Codes are platform-private and verified online, so the kiosk routes them by pattern only.
Each kind has a list of regular expressions, tried in order (ticket first: our own format is
the most specific); named groups become ``Scan.fields``. The patterns come from the hall's
configuration; the defaults below are what our own tickets print (the ticket QR of
``hall.protocol``: ``<web_url>/t/<token>``, giving ``fields["token"]``) and a common 预约码 shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from devices.errors import DeviceError
from devices.scanner.codec import Payload
from hall.protocol import TICKET_URL

TICKET = "ticket"  # our own ticket code: the kiosk shows its status, a window checks it in
APPOINTMENT = "appointment"  # 预约码 of the local appointment system
UNKNOWN = "unknown"  # readable, but not ours: 电子证照, 医保码… passed on as text
UNREADABLE = "unreadable"  # not text at all: ask the citizen to scan again

DEFAULT_PATTERNS: dict[str, list[str]] = {
    # the ticket's QR, the status page of one ticket (hall.protocol.ticket_url): …/t/<token>
    TICKET: ["^" + TICKET_URL.pattern + "$"],
    APPOINTMENT: [
        r"^(?:YY|APPT)[-:]?(?P<code>[0-9A-Za-z]{6,32})$",
        r"[?&](?:appointment|yyh|yydh)=(?P<code>[0-9A-Za-z]{6,32})(?:&|$)",
    ],
}


@dataclass(frozen=True)
class Scan:
    """A classified scan. ``text`` is None only when ``kind`` is unreadable."""

    kind: str
    text: str | None
    fields: dict = field(default_factory=dict)
    error: DeviceError | None = None

    def __repr__(self) -> str:  # short: a code may be a personal token
        if self.text is None:
            return f"Scan({self.kind}, {self.error.code if self.error else ''})"
        return f"Scan({self.kind}, {self.text[:4]!r}…, {len(self.text)} chars)"


class Classifier:
    """Kind by regex. ``Classifier({"appointment": [r"^\\d{12}$"]})`` replaces that kind's
    patterns and keeps the defaults of the others; a bad pattern raises ValueError at once."""

    ORDER = (TICKET, APPOINTMENT)

    def __init__(self, patterns: dict[str, list[str]] | None = None) -> None:
        merged = {**DEFAULT_PATTERNS, **(patterns or {})}
        unknown_kinds = set(merged) - set(self.ORDER)
        if unknown_kinds:
            raise ValueError(f"unknown code kinds {sorted(unknown_kinds)}; use {self.ORDER}")
        self.patterns: dict[str, list[re.Pattern]] = {}
        for kind in self.ORDER:
            compiled = []
            for pattern in merged.get(kind, []):
                try:
                    compiled.append(re.compile(pattern))
                except re.error as exc:
                    raise ValueError(f"bad {kind} pattern {pattern!r}: {exc}") from exc
            self.patterns[kind] = compiled

    def classify(self, payload: Payload) -> Scan:
        if payload.text is None:
            return Scan(UNREADABLE, None, error=payload.error)
        text = payload.text.strip()
        for kind in self.ORDER:
            for pattern in self.patterns[kind]:
                match = pattern.search(text)
                if match:
                    found = {k: v for k, v in match.groupdict().items() if v is not None}
                    return Scan(kind, text, found)
        return Scan(UNKNOWN, text)
