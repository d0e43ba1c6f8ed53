"""The offline announcer's voice: clip names (texts), the clip pack (pack), playback (player).

Other apps (the kiosk's elderly mode) use it too::

    from display.voice import Voice, prompt_clips
    voice = Voice.start()                       # generates the pack on first use, opens the mixer
    voice.say(prompt_clips("swipe-id"))         # 请刷身份证 (prompt_clips("swipe-id", "en") in English)

A new sentence is one line in ``texts.PROMPTS`` (name → (中文, English)); the next start
generates only its two clips. A hall's own recording named ``prompt-zh-swipe-id.wav`` in its
``[voice] recordings`` folder replaces the generated one.
"""
from display.voice.pack import ClipPack, VoiceError, ensure_pack  # noqa: F401
from display.voice.player import Voice, pause  # noqa: F401  (pygame is imported only when a Voice starts)
from display.voice.texts import PROMPTS, call_clips, call_text, prompt_clips  # noqa: F401
