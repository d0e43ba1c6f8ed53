"""The clip pack: made by espeak-ng cmn-latn-pinyin, once, incrementally; what it says is
checked through espeak-ng's own phonemes; a hall's recordings replace generated clips."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave

from display.voice.pack import RATE, ClipPack, chime, ensure_pack, read_wav, write_wav
from display.voice.texts import DIGITS_ZH, WORDS_ZH, call_text, vocabulary

# espeak-ng's phonemes (tone marks removed) of each syllable the announcer says, as pinyin.
SYLLABLES = {
    "tS;hiN": "qing", "liN": "ling", "ji": "yi", "@r": "er", "san": "san", "si[": "si", "wu": "wu",
    "liou": "liu", "tS;hi": "qi", "pA": "ba", "tS;iou": "jiu", "s.i.": "shi", "pai": "bai", "XAu": "hao",
    "tAu": "dao", "ts.hwAN": "chuang", "khou": "kou", "pan": "ban", "li": "li", "ei": "A", "pi": "B",
}
TONES = {"55": "1", "35": "2", "214": "3", "21": "3", "51": "4"}


def pinyin(text: str) -> list[str]:
    """``espeak-ng -v cmn-latn-pinyin -x`` of ``text``, as pinyin syllables with tone numbers."""
    out = subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", text], capture_output=True,
                         text=True, check=True).stdout
    syllables = []
    for word in out.replace("_|", " ").split():
        m = re.fullmatch(r"([^0-9]*?)(\d+)([^0-9]*)", word.replace("'", ""))
        assert m, f"unexpected phoneme {word!r}"
        base = SYLLABLES[m.group(1) + m.group(3)]
        syllables.append(base if base.isupper() else base + TONES[m.group(2)])
    return syllables


def test_the_call_is_pronounced_as_pinyin_digit_by_digit():
    assert pinyin(call_text("A012", "3")) == ["qing3", "A", "ling2", "yi1", "er4", "hao4", "dao4", "san1", "hao4",
                                              "chuang1", "kou3", "ban4", "li3"]
    assert pinyin(call_text("B100", "12"))[1:5] == ["B", "yi1", "ling2", "ling2"]
    assert pinyin(call_text("B100", "12"))[6:9] == ["dao4", "shi2", "er4"]


def test_arabic_digits_would_be_misread_which_is_why_they_never_reach_espeak():
    def raw(text):
        return subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-x", "-q", text], capture_output=True,
                              text=True, check=True).stdout.strip()

    assert "s.i.35" in raw("012") and "j'i55" not in raw("012")  # 零十二, not 零一二
    assert "j'i55" in raw("零一二")
    assert not re.search(r"[0-9]", "".join(c.text for c in vocabulary()))


def test_each_mandarin_clip_says_its_syllables():
    expected = dict(zip(DIGITS_ZH, ["ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3"]))
    expected |= {"请": "qing3", "号": "hao4", "到": "dao4", "十": "shi2", "百": "bai3"}
    for text, syllable in expected.items():
        assert pinyin(text) == [syllable], text
    assert pinyin(WORDS_ZH["chuangkou"]) == ["chuang1", "kou3"] and pinyin(WORDS_ZH["banli"]) == ["ban4", "li3"]


def test_the_pack_holds_every_clip_as_16_bit_mono_wav(voice_pack):
    for clip in vocabulary():
        with wave.open(str(voice_pack / f"{clip.name}.wav")) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE), clip.name
            assert 0.1 < w.getnframes() / RATE < 8.0, clip.name
    trimmed = read_wav(voice_pack / "zh-digit-1.wav")
    assert abs(trimmed[0]) < 400 and max(map(abs, trimmed[:600])) > 400, "leading silence trimmed"


def test_a_second_run_generates_nothing_and_a_new_sentence_only_itself(voice_pack, tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(voice_pack, pack)
    stamps = {p.name: p.stat().st_mtime_ns for p in pack.glob("*.wav")}
    ensure_pack(pack)
    assert {p.name: p.stat().st_mtime_ns for p in pack.glob("*.wav")} == stamps
    manifest = json.loads((pack / "manifest.json").read_text())
    manifest["clips"]["prompt-zh-take-ticket"] = "something else"
    (pack / "manifest.json").write_text(json.dumps(manifest))
    (pack / "zh-digit-7.wav").unlink()
    ensure_pack(pack)
    changed = {p.name for p in pack.glob("*.wav") if stamps.get(p.name) != p.stat().st_mtime_ns}
    assert changed == {"prompt-zh-take-ticket.wav", "zh-digit-7.wav"}


def test_a_halls_own_recording_replaces_the_generated_clip(voice_pack, tmp_path):
    write_wav(tmp_path / "zh-digit-3.wav", chime())
    pack = ClipPack(voice_pack, tmp_path)
    assert pack.path("zh-digit-3") == tmp_path / "zh-digit-3.wav"
    assert pack.path("zh-digit-4") == voice_pack / "zh-digit-4.wav"
    assert ClipPack(tmp_path / "empty").missing(["chime", "zh-qing", "chime"]) == ["chime", "zh-qing"]


def test_the_recordings_folder_is_found_beside_the_hall_file(tmp_path):
    from display.apps import recordings_dir
    from hall.config import load_hall
    from tests.display.conftest import TOWNSHIP

    hall = tmp_path / "hall.toml"
    hall.write_text(TOWNSHIP.read_text().replace("repeats = 2", 'repeats = 2\nrecordings = "voice"'))
    (tmp_path / "voice").mkdir()
    assert recordings_dir(load_hall(hall)) == tmp_path / "voice"
    assert recordings_dir(load_hall(TOWNSHIP)) is None
