"""Child process for the disk-audio tests: the announcer and the player on SDL's disk driver.

argv: PACK_DIR NOW REPEATS [RECORDINGS_DIR]; stdin: one call event (JSON) per line. Prints what was spoken and
skipped as JSON. SDL_AUDIODRIVER=disk and SDL_DISKAUDIOFILE are set by the test.
"""
import json
import sys

from display.announcer import Announcer
from display.voice.player import Voice
from hall.config import VoiceSettings

pack, now, repeats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
announcer = Announcer(VoiceSettings(repeats=repeats, max_age=30), clock=lambda: now)
voice = Voice.start(pack, sys.argv[4] if len(sys.argv) > 4 else None)
for line in sys.stdin:
    if line.strip():
        a = announcer.hear(json.loads(line))
        if a:
            voice.say(a.tokens)
voice.wait_idle(60)
voice.close()
voice.mixer.quit()  # flushes the disk file
print(json.dumps({"spoken": [a.seq for a in announcer.announced], "skipped": announcer.skipped}))
