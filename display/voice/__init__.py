"""The offline announcer's voice: clip names (texts), the clip pack (pack), playback (player).

Other apps (the kiosk's elderly mode) use it too::

    from display.voice import Voice
    voice = Voice.start()                 # generates the pack on first use, opens the mixer
    voice.say(prompt_clips("swipe-id"))   # 请刷身份证
"""
from display.voice.texts import PROMPTS, call_clips, call_text, prompt_clips  # noqa: F401
