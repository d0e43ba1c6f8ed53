"""Where elderly mode's spoken prompts go: the hall's voice pack when ``display.voice`` is
installed, else the log (the sentence only, never a name: prompts hold none)."""
from __future__ import annotations

import logging

log = logging.getLogger("yichuang.kiosk.voice")


def speaker():
    """A callable taking a ``kiosk.effects.Speak``."""
    try:
        from display.voice import play_clips  # the announcer's voice module (display issue)
    except ImportError:
        play_clips = None

    def speak(effect) -> None:
        if play_clips is not None:
            try:
                play_clips(effect.clips)
                return
            except Exception:  # noqa: BLE001 - a missing clip must not stop the kiosk
                log.exception("voice: could not play %s", effect.clips)
        log.info("voice: %s", effect.text)

    return speak
