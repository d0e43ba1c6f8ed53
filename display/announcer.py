"""The announcer's decisions (叫号语音): which call events are spoken, and as what. Pure.

``Announcer.hear(event)`` takes every ``ticket_called``/``ticket_recalled`` event in the order
it arrives and returns the ``Announcement`` to play, or ``None`` with the reason kept in
``skipped``:

- ``duplicate``: a ``seq`` heard before (a QoS 1 redelivery, a hub resending its outbox after
  a restart) is never spoken twice;
- ``stale``: a call older than ``[voice] max_age`` seconds when it arrives (a backlog after a
  reconnect) is shown on the board but not spoken;
- ``closed``: the hall is closed (``open_now`` of state/hall) and ``quiet_outside_hours``;
- ``unreadable``: a ticket or window the clips cannot say (logged; the board still shows it).

A recall (重呼) is a new event with a new ``seq``, so it is announced again. The player plays
announcements one at a time, in this order.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from hall.config import VoiceSettings
from hall.protocol import CALL_EVENTS
from display.voice.player import pause
from display.voice.texts import CHIME, UnreadableNumber, call_clips, call_text

log = logging.getLogger("yichuang.voice")
AFTER_CHIME_MS = 350
BETWEEN_REPEATS_MS = 900
REMEMBERED = 4096  # seqs remembered for duplicate detection


@dataclass(frozen=True)
class Announcement:
    seq: int
    ticket: str
    window: str
    recall: bool
    tokens: list[str] = field(compare=False)
    text: str = ""  # the Chinese sentence, for captions and logs


def utterance(ticket: str, window: str, settings: VoiceSettings) -> list[str]:
    """Chime, then the call ``settings.repeats`` times (each with its English if asked)."""
    call = call_clips(ticket, window, english=settings.english)
    tokens = [CHIME, pause(AFTER_CHIME_MS)]
    for i in range(settings.repeats):
        if i:
            tokens.append(pause(BETWEEN_REPEATS_MS))
        tokens += call
    return tokens


class Announcer:
    def __init__(self, settings: VoiceSettings = VoiceSettings(), clock: Callable[[], float] = time.time):
        self.settings = settings
        self.clock = clock
        self.open_now: bool | None = None  # unknown until state/hall arrives: then speak
        self._seen: set[int] = set()
        self._order: deque[int] = deque()
        self.skipped: list[tuple[int, str]] = []  # (seq, reason), newest last
        self.announced: list[Announcement] = []

    def hall_state(self, message: dict) -> None:
        if isinstance(message, dict) and isinstance(message.get("open_now"), bool):
            self.open_now = message["open_now"]

    def hear(self, event: dict) -> Announcement | None:
        if not isinstance(event, dict) or event.get("type") not in CALL_EVENTS:
            return None
        seq, ticket, window = event.get("seq"), event.get("ticket"), event.get("window")
        if not isinstance(seq, int) or not isinstance(ticket, str) or not isinstance(window, str):
            log.warning("a call event without seq, ticket or window: ignored")
            return None
        if seq in self._seen:
            return self._skip(seq, "duplicate")
        self._remember(seq)
        ts = event.get("ts")
        if not isinstance(ts, (int, float)) or self.clock() - ts > self.settings.max_age:
            return self._skip(seq, "stale")
        if self.settings.quiet_outside_hours and self.open_now is False:
            return self._skip(seq, "closed")
        try:
            tokens = utterance(ticket, window, self.settings)
            text = call_text(ticket, window)
        except UnreadableNumber as err:
            log.warning("cannot announce %s at window %s: %s", ticket, window, err)
            return self._skip(seq, "unreadable")
        a = Announcement(seq, ticket, window, event["type"] == "ticket_recalled", tokens, text)
        self.announced.append(a)
        del self.announced[:-100]
        return a

    def _remember(self, seq: int) -> None:
        self._seen.add(seq)
        self._order.append(seq)
        if len(self._order) > REMEMBERED:
            self._seen.discard(self._order.popleft())

    def _skip(self, seq: int, reason: str) -> None:
        self.skipped.append((seq, reason))
        del self.skipped[:-100]
        log.info("call seq %s not spoken: %s", seq, reason)
        return None
