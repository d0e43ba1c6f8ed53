"""The announcer through pygame's mixer on SDL's disk audio driver: the PCM written is the
chime and the clips, in order and at their lengths; stale and duplicate calls make no sound.

The expected sound is built here from the pack's WAV files (not by the player), so a wrong
order, a missing gap or a clip said twice shows up as a mismatch.
"""
from __future__ import annotations

import json
import subprocess

from display.announcer import AFTER_CHIME_MS, BETWEEN_REPEATS_MS
from display.voice.pack import RATE, chime, read_wav, write_wav
from display.voice.player import GAP_MS
from display.voice.texts import call_clips
from tests.display.conftest import PYTHON, ROOT, child_env

NOW = 1741053800.0


def event(seq, ticket, window, *, age=1.0, recall=False):
    return {"v": 1, "seq": seq, "type": "ticket_recalled" if recall else "ticket_called", "ts": NOW - age,
            "at": "", "day": "2025-03-04", "ticket": ticket, "service": "household", "window": window,
            "staff": "0101", "data": {}}


def silence(ms: int) -> bytes:
    return bytes(RATE * ms // 1000 * 2)


def expected(pack, ticket, window, repeats=2, recordings=None) -> bytes:
    def clip(name):
        own = recordings / f"{name}.wav" if recordings else None
        return read_wav(own if own and own.exists() else pack / f"{name}.wav").tobytes()

    call = silence(GAP_MS).join(clip(c) for c in call_clips(ticket, window))
    return clip("chime") + silence(AFTER_CHIME_MS) + silence(BETWEEN_REPEATS_MS).join([call] * repeats)


def play(tmp_path, pack, events, repeats=2, recordings=None) -> tuple[bytes, dict]:
    out = tmp_path / "speaker.raw"
    result = subprocess.run(
        [PYTHON, str(ROOT / "tests" / "display" / "voice_child.py"), str(pack), str(NOW), str(repeats)]
        + ([str(recordings)] if recordings else []),
        input="\n".join(json.dumps(e) for e in events), capture_output=True, text=True, timeout=120,
        env=child_env(SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=out, SDL_DISKAUDIODELAY=0), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return out.read_bytes(), json.loads(result.stdout.strip().splitlines()[-1])


def test_a_call_then_its_recall_are_the_chime_and_the_clips_in_order(tmp_path, voice_pack):
    pcm, log = play(tmp_path, voice_pack, [
        event(5, "A012", "3"),
        event(5, "A012", "3"),  # the same seq again: a redelivery
        event(6, "C001", "2", age=120),  # two minutes old: a backlog after a reconnect
        event(7, "A012", "3", recall=True),  # 重呼: said again
        event(8, "B100", "12"),
    ])
    assert log["spoken"] == [5, 7, 8]
    assert log["skipped"] == [[5, "duplicate"], [6, "stale"]]
    first, recall, third = (expected(voice_pack, "A012", "3"), expected(voice_pack, "A012", "3"),
                            expected(voice_pack, "B100", "12"))
    i = pcm.find(first)
    assert i >= 0 and i % 2 == 0, "the first call is not in the PCM as chime + clips"
    j = pcm.find(recall, i + len(first))
    assert j >= i + len(first), "the recall is not said again after the call"
    k = pcm.find(third, j + len(recall))
    assert k >= j + len(recall), "window 12 (十二) is not said after the recall"
    rest = pcm[:i] + pcm[i + len(first):j] + pcm[j + len(recall):k] + pcm[k + len(third):]
    assert rest.count(0) == len(rest), "something else was played (a duplicate or stale call?)"
    said = (len(first) + len(recall) + len(third)) / 2 / RATE
    assert said > 10, f"three calls said twice each should take > 10 s of audio, got {said:.1f} s"


def test_stale_and_duplicate_calls_make_no_sound(tmp_path, voice_pack):
    pcm, log = play(tmp_path, voice_pack, [event(3, "A001", "1", age=31), event(3, "A001", "1", age=31)])
    assert log == {"spoken": [], "skipped": [[3, "stale"], [3, "duplicate"]]}
    assert pcm.count(0) == len(pcm)


def test_repeats_follow_the_hall_file(tmp_path, voice_pack):
    pcm, _ = play(tmp_path, voice_pack, [event(9, "H002", "9")], repeats=1)
    once = expected(voice_pack, "H002", "9", repeats=1)
    assert pcm.find(once) >= 0 and pcm.find(expected(voice_pack, "H002", "9", repeats=2)) < 0


def test_a_halls_own_recording_is_played_in_place_of_the_generated_clip(tmp_path, voice_pack):
    own = tmp_path / "recordings"
    own.mkdir()
    write_wav(own / "zh-digit-3.wav", chime())  # the hall's "three" (here: a chime, unmistakable)
    pcm, _ = play(tmp_path, voice_pack, [event(4, "A003", "3")], repeats=1, recordings=own)
    assert pcm.find(expected(voice_pack, "A003", "3", repeats=1, recordings=own)) >= 0
    assert pcm.find(expected(voice_pack, "A003", "3", repeats=1)) < 0


BACKLOG = """
import sys, time
from display.announcer import Announcer
from display.voice.player import Voice
from display.voice.texts import call_clips
from hall.config import VoiceSettings
voice = Voice.start(sys.argv[1])
tokens = ["chime"] + call_clips("A001", "3")
for _ in range(500):  # a backlog: calls come faster than they can be said, and wait too long
    voice.say(tokens, not_after=time.monotonic() - 1)
    assert voice._queue.qsize() <= 500 and not any(isinstance(t, bytes) for t in voice._queue.queue[-1])
voice.say(tokens)  # the present call
voice.wait_idle(60)
print(voice.dropped, len(voice.played))
announcer = Announcer(VoiceSettings(repeats=1, max_age=30), clock=lambda: 1e9)
for seq in range(1, 3001):
    announcer.hear({"seq": seq, "type": "ticket_called", "ticket": "A001", "window": "3", "ts": 1e9})
print(len(announcer.announced), announcer.announced[-1].seq)
voice.close()
voice.mixer.quit()
"""


def test_a_backlog_is_dropped_not_said_late_and_the_voice_keeps_no_sound_queued(tmp_path, voice_pack):
    """The soak found the announcer holding every rendered call of a backlog (5.5 GB): the queue
    now holds words, a call that waited past [voice] max_age is dropped, and what the announcer
    remembers is bounded."""
    result = subprocess.run([PYTHON, "-c", BACKLOG, str(voice_pack)], capture_output=True, text=True, timeout=120,
                            env=child_env(SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=tmp_path / "out.raw",
                                          SDL_DISKAUDIODELAY=0), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "500 1"  # 500 stale utterances dropped, the present one said
    assert lines[1] == "100 3000"  # the latest 100 decisions kept, the newest last
