"""YC-LED frames against hand-written bytes; the reader; what a bar does with each command."""
import pytest

from devices.ledbar import codec
from devices.errors import FrameError
from devices.ledbar.codec import BarState, Frame, FrameReader, Status

# bar 3, TEXT, mode 01 (blink), "请A012" (请 = C7 EB); BCC = 03^01^07^01^C7^EB^41^30^31^32 = 5A
SHOW_3 = bytes.fromhex("02 03 01 07 01 C7 EB 41 30 31 32 5A 03")
OK_3 = bytes.fromhex("02 03 81 01 00 83 03")


def test_text_frame():
    assert codec.show_text(3, "请A012", blink=True) == SHOW_3
    assert codec.show_text(1, "窗口", scroll=True) == bytes.fromhex("02 01 01 05 02 B4 B0 BF DA 66 03")


def test_text_is_cut_to_64_bytes_at_a_character_boundary_and_controls_dropped():
    frame = codec.show_text(1, "窗" * 40)
    assert frame[3] == 1 + 64 and frame[5:5 + 64] == "窗".encode("gb18030") * 32
    assert codec.show_text(1, "A\x02\x03B")[4:-2] == b"\x00AB"


def test_other_commands():
    assert codec.blink(1, True) == bytes.fromhex("02 01 02 01 01 03 03")
    assert codec.blink(1, False) == bytes.fromhex("02 01 02 01 00 02 03")
    assert codec.brightness(1, 12) == bytes.fromhex("02 01 03 01 0C 0F 03")
    assert codec.clear(2) == bytes.fromhex("02 02 04 00 06 03")
    assert codec.query(2) == bytes.fromhex("02 02 05 00 07 03")
    with pytest.raises(ValueError):
        codec.brightness(1, 16)


def test_replies():
    assert codec.reply(3, 1) == OK_3
    assert codec.reply(3, 3, Status.BAD_VALUE) == bytes.fromhex("02 03 83 01 04 85 03")
    assert codec.state_reply(3, BarState("A", True, False, 8)) == bytes.fromhex("02 03 85 03 01 08 41 CD 03")
    assert codec.decode_state(Frame(3, 0x85, b"\x03\x08" + "号".encode("gb18030"))) == BarState("号", True, True, 8)


def test_reader_in_any_chunks_with_garbage_and_a_bad_bcc():
    bad = SHOW_3[:-2] + b"\x00\x03"
    stream = b"\xff\x00" + SHOW_3 + bad + OK_3
    reader = FrameReader()
    got = []
    for byte in stream:
        got += reader.feed(bytes([byte]))
    frames = [g for g in got if isinstance(g, Frame)]
    assert frames == [Frame(3, 1, bytes.fromhex("01 C7 EB 41 30 31 32")), Frame(3, 0x81, b"\x00")]
    assert b"".join(g.raw for g in got[:2]) == b"\xff\x00" and got[0].reason == "garbage"
    assert FrameReader().feed(b"\xff\x00" + OK_3)[0] == FrameError("garbage", b"\xff\x00")
    assert FrameError("bad checksum", bad) in got


def test_reader_bad_end_byte():
    got = FrameReader().feed(OK_3[:-1] + b"\x04")
    assert got[0].reason == "bad end byte"


@pytest.mark.parametrize("frame,state,status", [
    (Frame(1, 1, b"\x01" + "请".encode("gb18030")), BarState("请", True, False, 8), Status.OK),
    (Frame(1, 1, b"\x02AB"), BarState("AB", False, True, 8), Status.OK),
    (Frame(1, 1, b""), BarState("old"), Status.BAD_LENGTH),
    (Frame(1, 1, b"\x00\xc7"), BarState("old"), Status.BAD_TEXT),
    (Frame(1, 2, b"\x01"), BarState("old", True), Status.OK),
    (Frame(1, 3, b"\x0f"), BarState("old", brightness=15), Status.OK),
    (Frame(1, 3, b"\x10"), BarState("old"), Status.BAD_VALUE),
    (Frame(1, 4, b""), BarState(""), Status.OK),
    (Frame(1, 9, b""), BarState("old"), Status.UNKNOWN_COMMAND),
])
def test_what_a_bar_does(frame, state, status):
    assert codec.apply(BarState("old"), frame) == (state, status)


def test_the_documented_examples_are_what_the_codec_sends():
    import pathlib
    doc = (pathlib.Path(__file__).parents[2] / "docs/devices/ledbar.md").read_text(encoding="utf-8")
    text = "请A012号到3号窗口"
    examples = [codec.show_text(3, text, blink=True), codec.reply(3, 1), codec.brightness(3, 12),
                codec.reply(3, 3), codec.reply(3, 3, Status.BAD_VALUE), codec.query(3),
                codec.state_reply(3, BarState(text, True, False, 8)), codec.clear(0xFF), codec.clear(2)]
    for frame in examples:
        assert f"`{frame.hex(' ').upper()}`" in doc
