"""What the board, the window screen and the announcer do with each message, without Kivy.

``DisplayCore.handle(kind, value)`` is called on one thread (Kivy's main thread, or the voice
process's loop) for everything a ``Feed`` delivers: it keeps the mirror, tells the announcer
about the hall's hours and each call event, and queues what must be said on the ``Voice``.
Returns True when what is on screen may have changed.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from hall.config import HallConfig
from display.announcer import Announcer
from display.mirror import HallMirror

log = logging.getLogger("yichuang.display")


class DisplayCore:
    def __init__(self, config: HallConfig, *, clock: Callable[[], float] = time.time, voice=None,
                 announce: bool = False, trace=None):
        self.config = config
        self.clock = clock
        self.mirror = HallMirror(config.id)
        self.announcer = Announcer(config.voice, clock=clock) if announce else None
        self.voice = voice
        self.trace = trace or (lambda *a: None)

    def handle(self, kind: str, value) -> bool:
        if kind == "connected":
            self.mirror.connected = True
            return True
        if kind == "disconnected":
            self.mirror.connected = False
            return True
        if kind != "message":
            return False
        topic, payload, _ = value
        used = self.mirror.apply(topic, payload)
        if used is None:
            return False
        what, body = used
        if what == "hall" and self.announcer:
            self.announcer.hall_state(body)
        if what == "event":
            if self.announcer:
                self._announce(body)
            return False
        return True

    def _announce(self, event: dict) -> None:
        a = self.announcer.hear(event)
        if a is None or self.voice is None:
            return
        self.trace("queued", a.seq, a.ticket)
        try:
            self.voice.say(a.tokens, on_start=lambda: self.trace("playing", a.seq, a.ticket),
                           not_after=time.monotonic() + self.announcer.settings.max_age)
        except Exception as err:  # a missing clip: the board goes on showing calls
            log.error("cannot say %s: %s", a.text, err)
