"""Playback on pygame's mixer: one utterance at a time, from a thread of its own.

An *utterance* is a list of tokens: a clip name (``zh-qing``) or a pause (``pause:300``, in
milliseconds). ``render`` joins the clips into one PCM buffer in the mixer's format, with a
short gap between clips, and ``say`` queues it; the player thread plays each buffer to its
end before the next, so calls never talk over each other. Clips are decoded once and kept.

The mixer is SDL's: on a PC with no sound card set ``SDL_AUDIODRIVER=dummy`` (plays in real
time) or ``disk`` (``SDL_DISKAUDIOFILE`` receives the mixed PCM; tests use it).
"""
from __future__ import annotations

import logging
import os
import collections
import queue
import threading
import time
from typing import Callable

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from display.voice.pack import RATE, ClipPack, VoiceError, ensure_pack  # noqa: E402

log = logging.getLogger("yichuang.voice")
GAP_MS = 30  # between two clips of an utterance
PAUSE = "pause:"


def pause(ms: int) -> str:
    return f"{PAUSE}{int(ms)}"


PLAYED_KEPT = 200


class Voice:
    """The hall's speaker. ``Voice.start()`` makes the pack if needed and opens the mixer."""

    def __init__(self, pack: ClipPack, gap_ms: int = GAP_MS, buffer: int = 512):
        import pygame.mixer as mixer

        self.mixer = mixer
        self.pack = pack
        self.gap_ms = gap_ms
        if not mixer.get_init():
            mixer.pre_init(RATE, -16, 1, buffer)
            try:
                mixer.init()
            except Exception as err:  # pygame.error: no audio device
                raise VoiceError(f"no sound output ({err}); set SDL_AUDIODRIVER=dummy to run without one") from None
        freq, size, channels = mixer.get_init()
        self.rate, self.frame = freq, abs(size) // 8 * channels
        self._raw: dict[str, bytes] = {}
        self._queue: queue.Queue = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._lock = threading.Lock()
        # (monotonic start, tokens) of the latest utterances: bounded, the voice runs all year
        self.played: collections.deque[tuple[float, list[str]]] = collections.deque(maxlen=PLAYED_KEPT)
        self.dropped = 0  # utterances that waited past their ``not_after`` and were not said
        self._thread = threading.Thread(target=self._run, name="voice", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, pack_dir=None, recordings=None, **options) -> "Voice":
        return cls(ClipPack(ensure_pack(pack_dir), recordings), **options)

    # ------------------------------------------------------------------ sound

    def clip(self, name: str) -> bytes:
        """A clip's samples in the mixer's format (decoded once)."""
        raw = self._raw.get(name)
        if raw is None:
            path = self.pack.path(name)
            if not path.exists():
                raise VoiceError(f"clip {name} missing: no {path}")
            raw = self.mixer.Sound(str(path)).get_raw()
            self._raw[name] = raw
        return raw

    def silence(self, ms: int) -> bytes:
        return bytes(self.rate * ms // 1000 * self.frame)

    def render(self, tokens: list[str]) -> bytes:
        """The PCM of an utterance: clips in order, ``GAP_MS`` between two clips, pauses as silence."""
        parts: list[bytes] = []
        previous_clip = False
        for token in tokens:
            if token.startswith(PAUSE):
                parts.append(self.silence(int(token[len(PAUSE):])))
                previous_clip = False
                continue
            if previous_clip and self.gap_ms:
                parts.append(self.silence(self.gap_ms))
            parts.append(self.clip(token))
            previous_clip = True
        return b"".join(parts)

    def duration(self, tokens: list[str]) -> float:
        return len(self.render(tokens)) / self.frame / self.rate

    # ------------------------------------------------------------------ queue

    def say(self, tokens: list[str], on_start: Callable[[], None] | None = None,
            not_after: float | None = None) -> None:
        """Queue an utterance; it is played after everything queued before it. The queue holds
        words, not sound: the PCM is rendered just before it plays, so a backlog (calls coming
        faster than they can be said) costs a few bytes each. ``not_after`` (monotonic): an
        utterance still waiting then is dropped, not said late."""
        for token in tokens:  # fails here (in the caller) if a clip is missing
            if not token.startswith(PAUSE):
                self.clip(token)
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._queue.put((tokens, on_start, not_after))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until everything queued has been played."""
        return self._idle.wait(timeout)

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def close(self, timeout: float = 15.0) -> int:
        """Stop: the utterance being played is finished, the ones still waiting are not said (a
        stopping voice must not hold its service for a backlog of calls: systemd waits for it, and
        a restarted voice catches up from the board's state, not by saying old calls). Returns how
        many were dropped."""
        dropped = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                dropped += 1
        with self._lock:
            self._pending -= dropped
            if self._pending <= 0:
                self._pending = 0
                self._idle.set()
        self.dropped += dropped
        if dropped:
            log.info("stopping: %d announcement(s) not said", dropped)
        self._queue.put(None)
        self._thread.join(timeout)
        return dropped

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            tokens, on_start, not_after = item
            try:
                if not_after is not None and time.monotonic() > not_after:
                    self.dropped += 1
                    log.info("not said, waited too long: %s", " ".join(tokens))
                else:
                    self._play(tokens, self.render(tokens), on_start)
            except Exception:  # a broken clip must not silence the hall for the rest of the day
                log.exception("could not play %s", " ".join(tokens))
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()

    def _play(self, tokens, pcm: bytes, on_start) -> None:
        sound = self.mixer.Sound(buffer=pcm)
        length = sound.get_length()
        channel = sound.play()
        self.played.append((time.monotonic(), list(tokens)))
        if on_start:
            on_start()
        deadline = time.monotonic() + length + 2.0  # a stuck device must not hold the queue forever
        while channel is not None and channel.get_busy() and time.monotonic() < deadline:
            time.sleep(0.01)
