"""The clip pack: one 16-bit mono WAV per clip name, generated once with espeak-ng.

``ensure_pack()`` is idempotent and incremental: it keeps ``manifest.json`` beside the clips
(the espeak-ng version, the speech settings and each clip's text) and (re)generates only the
clips whose text or settings changed, so adding a prompt to ``texts.PROMPTS`` costs one clip.
Files are written under a temporary name and renamed, so a board and a voice process starting
together on one PC never read half a file. The pack lives outside the source tree, in
``$YICHUANG_VOICE_DIR`` or ``~/.cache/yichuang/voice`` (about 3 MB); ``scripts/setup.sh`` and
the first start of a board or announcer create it.

Mandarin uses espeak-ng's ``cmn-latn-pinyin`` voice (``cmn`` reads hanzi as English); the text
of every clip is already hanzi, so no Arabic digit ever reaches it. Leading and trailing
silence is trimmed, so clips join without holes. The chime is synthesised here.

A hall may record its own voice: a WAV named like a generated clip (``zh-digit-3.wav``,
``chime.wav``) in the hall's ``[voice] recordings`` folder is used instead (``ClipPack``).
"""
from __future__ import annotations

import argparse
import array
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from display.voice.texts import CHIME, Clip, vocabulary

RATE = 22050  # espeak-ng's own rate; the mixer runs at it too
ESPEAK = "espeak-ng"
VOICES = {"zh": "cmn-latn-pinyin", "en": "en-us"}
SPEED = {"zh": 150, "en": 150}  # words per minute: a little slower than espeak's 175
FORMAT = 1  # bump when trimming or the chime changes
PAD_MS = 12  # silence left at each end of a trimmed clip
THRESHOLD = 400  # |sample| counted as sound when trimming


class VoiceError(RuntimeError):
    """The pack cannot be made or read; the message says what to do."""


def default_dir() -> Path:
    if os.environ.get("YICHUANG_VOICE_DIR"):
        return Path(os.environ["YICHUANG_VOICE_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "yichuang" / "voice"


def espeak_version(espeak: str = ESPEAK) -> str:
    exe = shutil.which(espeak)
    if exe is None:
        raise VoiceError(f"{espeak} is not installed: run scripts/setup.sh (Debian package espeak-ng)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
    return out.split("Data at")[0].strip()


def _settings(version: str) -> dict:
    return {"format": FORMAT, "espeak": version, "voices": VOICES, "speed": SPEED, "rate": RATE}


def ensure_pack(directory: Path | str | None = None, espeak: str = ESPEAK) -> Path:
    """Make sure every clip of ``texts.vocabulary()`` is in ``directory``; return it.

    Generates only what is missing or changed; returns at once when the pack is complete."""
    directory = Path(directory) if directory else default_dir()
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    clips = vocabulary()
    wanted = {c.name: c.text for c in clips}
    done = manifest.get("clips", {})
    settings = manifest.get("settings")
    if settings is not None and all(done.get(c.name) == c.text and (directory / f"{c.name}.wav").exists()
                                    for c in clips):
        return directory  # complete (the espeak version is checked only when something is missing)
    version = espeak_version(espeak)
    if settings != _settings(version):
        done = {}
    directory.mkdir(parents=True, exist_ok=True)
    for clip in clips:
        target = directory / f"{clip.name}.wav"
        if done.get(clip.name) == clip.text and target.exists():
            continue
        samples = chime() if clip.name == CHIME else trim(speak(clip, espeak))
        write_wav(target, samples)
        done[clip.name] = clip.text
    done = {k: v for k, v in done.items() if k in wanted}
    _atomic_write(manifest_path, json.dumps({"settings": _settings(version), "clips": done},
                                            ensure_ascii=False, indent=1).encode("utf-8"))
    return directory


def speak(clip: Clip, espeak: str = ESPEAK) -> array.array:
    """The clip's text through espeak-ng as 16-bit samples at ``RATE``."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        cmd = [espeak, "-v", VOICES[clip.lang], "-s", str(SPEED[clip.lang]), "-w", tmp.name, clip.text]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise VoiceError(f"espeak-ng failed for clip {clip.name}: {result.stderr.strip()}")
        return read_wav(Path(tmp.name))


def read_wav(path: Path) -> array.array:
    """A 16-bit mono WAV at RATE as samples (what espeak-ng writes and the pack keeps)."""
    with wave.open(str(path), "rb") as w:
        if (w.getsampwidth(), w.getnchannels(), w.getframerate()) != (2, 1, RATE):
            raise VoiceError(f"{path}: expected 16-bit mono {RATE} Hz")
        samples = array.array("h")
        samples.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def write_wav(path: Path, samples: array.array) -> None:
    data = array.array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())
    os.replace(tmp, path)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def trim(samples: array.array) -> array.array:
    """Cut the silence espeak-ng puts around a word, keeping ``PAD_MS`` at each end."""
    loud = [i for i, s in enumerate(samples) if abs(s) > THRESHOLD]
    if not loud:
        return samples
    pad = RATE * PAD_MS // 1000
    return samples[max(0, loud[0] - pad):min(len(samples), loud[-1] + pad + 1)]


def chime() -> array.array:
    """A two-note 'ding-dong' (E6 then C6), decaying: 0.9 s."""
    out = array.array("h")
    for freq, seconds in ((1318.5, 0.35), (1046.5, 0.55)):
        n = int(RATE * seconds)
        for i in range(n):
            t = i / RATE
            env = math.exp(-4.0 * t) * min(1.0, i / 60)  # a soft 3 ms attack, no click
            out.append(int(12000 * env * (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t))))
    return out


class ClipPack:
    """Where each clip's file is: the hall's own recording if it has one, else the generated pack."""

    def __init__(self, generated: Path | str | None = None, recordings: Path | str | None = None):
        self.generated = Path(generated) if generated else default_dir()
        self.recordings = Path(recordings) if recordings else None

    def path(self, name: str) -> Path:
        if self.recordings is not None:
            own = self.recordings / f"{name}.wav"
            if own.exists():
                return own
        return self.generated / f"{name}.wav"

    def missing(self, names) -> list[str]:
        return [n for n in dict.fromkeys(names) if not self.path(n).exists()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m display.voice.pack", description="generate the voice clip pack")
    p.add_argument("--dir", help=f"where to put it (default {default_dir()})")
    args = p.parse_args(argv)
    try:
        directory = ensure_pack(args.dir)
    except VoiceError as err:
        print(f"voice pack: {err}", file=sys.stderr)
        return 1
    print(f"voice pack: {len(vocabulary())} clips in {directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
