"""Where elderly mode's spoken prompts go: the hall's voice pack (``display.voice``, the
announcer's) when it is installed and a sound output opens, else the log (the sentence only;
prompts hold no personal data)."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("yichuang.kiosk.voice")


def speaker():
    """A callable taking a ``kiosk.effects.Speak``. The pack is opened at the first prompt
    (elderly mode), on a thread of its own: generating missing clips takes seconds the first
    time, so that prompt goes to the log and the next ones are spoken."""
    state: dict = {"voice": None, "started": False}

    def start() -> None:
        try:
            from display.voice import PROMPTS, Voice

            from kiosk.voice import PROMPTS as KIOSK_PROMPTS

            for name, texts in KIOSK_PROMPTS.items():
                PROMPTS.setdefault(name, texts)  # the pack generates the kiosk's sentences too
            state["voice"] = Voice.start()
        except ImportError:
            log.info("voice: display.voice is not installed; prompts go to the log")
        except Exception as err:  # noqa: BLE001 - no sound card, no espeak-ng: the kiosk still serves
            log.warning("voice: no spoken prompts (%s); they go to the log", err)

    def speak(effect) -> None:
        if not state["started"]:
            state["started"] = True
            threading.Thread(target=start, name="kiosk-voice", daemon=True).start()
        voice = state["voice"]
        if voice is not None:
            try:
                voice.say(list(effect.clips))
                return
            except Exception:  # noqa: BLE001 - a missing clip must not stop the kiosk
                log.exception("voice: could not play %s", effect.clips)
        log.info("voice: %s", effect.text)

    return speak
