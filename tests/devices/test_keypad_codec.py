"""YC-485 keypad frames and EV1527 receiver frames against hand-written bytes."""
import pytest

from devices.keypad import codec, ev1527
from devices.errors import FrameError
from devices.keypad.codec import Frame, FrameReader, KeyAction, KeyPress

POLL_1 = bytes.fromhex("68 03 03 68 01 01 00 D8 16")
# keypad 1, KEY, seq 5, LOGIN (01), digits "1024"
LOGIN_1024 = bytes.fromhex("68 08 08 68 01 81 05 01 31 30 32 34 2F 16")
IDLE_1 = bytes.fromhex("68 02 02 68 01 80 55 16")


def test_poll_frame():
    assert codec.poll(1, 0) == POLL_1
    assert codec.poll(0x10, 0x2A) == bytes.fromhex("68 03 03 68 10 01 2A 11 16")


def test_key_frames():
    assert codec.key(1, 5, KeyAction.LOGIN, "1024") == LOGIN_1024
    assert codec.key(0x10, 0x2A, KeyAction.CALL_NUMBER, "A012") == bytes.fromhex(
        "68 08 08 68 10 81 2A 0A 41 30 31 32 79 16")


def test_display_frame_is_gb18030():
    # 请 = C7 EB; line 0
    assert codec.display(2, "请A012", 0) == bytes.fromhex("68 09 09 68 02 02 00 C7 EB 41 30 31 32 6C 16")


def test_display_text_is_cut_at_a_character_boundary():
    frame = codec.display(1, "请" * 20, 1)
    assert frame[1] == 2 + 1 + 32 and frame[7:7 + 32] == "请".encode("gb18030") * 16
    assert codec.display(1, "A" + "请" * 16)[7:-2] == b"A" + "请".encode("gb18030") * 15
    assert codec.display(1, "请\x1b号")[7:-2] == "请号".encode("gb18030")


def test_keypad_replies():
    assert codec.idle(1) == IDLE_1
    assert codec.hello(3, 1) == bytes.fromhex("68 03 03 68 03 83 01 5D 16")
    assert codec.ack(2, 2) == bytes.fromhex("68 03 03 68 02 82 02 5C 16")
    assert codec.nak(2, 2, 2) == bytes.fromhex("68 04 04 68 02 8E 02 02 6C 16")


def test_key_codes_are_the_documented_bytes():
    assert {a.name: a.value for a in KeyAction} == {
        "LOGIN": 1, "LOGOUT": 2, "CALL_NEXT": 3, "RECALL": 4, "NO_SHOW": 5, "PAUSE": 6,
        "RESUME": 7, "TRANSFER": 8, "HOLD": 9, "CALL_NUMBER": 10, "FINISH": 11, "RATE": 12}


def test_encode_refuses_what_cannot_be_sent():
    with pytest.raises(ValueError):
        codec.encode(1, 1, bytes(65))
    with pytest.raises(ValueError):
        codec.key(1, 0, KeyAction.CALL_NEXT)
    with pytest.raises(ValueError):
        codec.key(1, 1, KeyAction.LOGIN, "12-4")


def test_sequence_numbers_skip_zero():
    assert codec.next_seq(1) == 2 and codec.next_seq(254) == 255 and codec.next_seq(255) == 1


def test_reader_decodes_frames_in_any_chunks():
    stream = POLL_1 + LOGIN_1024 + IDLE_1
    reader = FrameReader()
    got = []
    for byte in stream:
        got += reader.feed(bytes([byte]))
    assert got == [Frame(1, 1, b"\x00"), Frame(1, 0x81, bytes.fromhex("05 01 31 30 32 34")), Frame(1, 0x80)]
    assert reader.pending() == 0


def test_reader_skips_garbage_and_wake_up_bytes():
    got = FrameReader().feed(b"\xfe\xfe\x00\x16\x68" + LOGIN_1024 + b"\xaa")
    frames = [g for g in got if isinstance(g, Frame)]
    errors = [g for g in got if isinstance(g, FrameError)]
    assert frames == [Frame(1, 0x81, bytes.fromhex("05 01 31 30 32 34"))]
    assert errors[0] == FrameError("garbage", b"\xfe\xfe\x00\x16\x68")
    assert errors[-1] == FrameError("garbage", b"\xaa")


def test_reader_reports_a_bad_checksum_and_finds_the_next_frame():
    bad = LOGIN_1024[:-2] + b"\x30\x16"
    got = FrameReader().feed(bad + IDLE_1)
    assert got[0] == FrameError("bad checksum", bad)
    assert got[-1] == Frame(1, 0x80)
    assert [g for g in got if isinstance(g, Frame)] == [Frame(1, 0x80)]


def test_reader_recovers_from_a_frame_cut_short():
    cut = LOGIN_1024[:7]
    got = FrameReader().feed(cut + POLL_1 + IDLE_1)
    assert [g for g in got if isinstance(g, Frame)][-1] == Frame(1, 0x80)


def test_reader_rejects_a_bad_end_byte_and_mismatched_lengths():
    got = FrameReader().feed(IDLE_1[:-1] + b"\x17")
    assert got[0].reason == "bad end byte"
    assert all(isinstance(g, FrameError) for g in FrameReader().feed(bytes.fromhex("68 03 04 68 01 01 00 D9 16")))


def test_decode_key():
    seq, press = codec.decode_key(Frame(1, 0x81, bytes.fromhex("05 01 31 30 32 34")))
    assert seq == 5 and press == KeyPress(1, KeyAction.LOGIN, "1024")
    with pytest.raises(ValueError, match="unknown key"):
        codec.decode_key(Frame(1, 0x81, b"\x05\x7f"))
    with pytest.raises(ValueError, match="needs digits"):
        codec.decode_key(Frame(1, 0x81, b"\x05\x0a"))
    with pytest.raises(ValueError):
        codec.decode_key(Frame(1, 0x81, b"\x00\x03"))


def test_decode_display():
    assert codec.decode_display(Frame(2, 2, b"\x01\xc7\xeb")) == (1, "请")
    with pytest.raises(ValueError):
        codec.decode_display(Frame(2, 2, b"\x01\xc7"))


# -------------------------------------------------------------------------- EV1527 receiver

def test_ev1527_frame():
    # id A1B2C, key bit 1: code A1B2C1; check = A1 ^ B2 ^ C1 = D2
    assert ev1527.encode(0xA1B2C, 0x1) == bytes.fromhex("FD A1 B2 C1 D2 DF")
    assert ev1527.encode(0x00001, 0x8) == bytes.fromhex("FD 00 00 18 18 DF")
    with pytest.raises(ValueError):
        ev1527.encode(0x100000, 1)


def test_ev1527_reader():
    reader = ev1527.CodeReader()
    got = []
    for byte in b"\x00\xfd" + bytes.fromhex("FD A1 B2 C1 D2 DF FD A1 B2 C1 D3 DF FD 00 00 18 18 DF"):
        got += reader.feed(bytes([byte]))
    codes = [g for g in got if isinstance(g, ev1527.Code)]
    assert codes == [ev1527.Code(0xA1B2C, 1), ev1527.Code(0x00001, 8)]
    assert codes[0].value == 0xA1B2C1
    assert any(isinstance(g, FrameError) and g.reason == "bad check byte" for g in got)


def test_ev1527_default_keymap():
    assert ev1527.action_for(ev1527.Code(1, 0x1)) is KeyAction.CALL_NEXT
    assert ev1527.action_for(ev1527.Code(1, 0x2)) is KeyAction.RECALL
    assert ev1527.action_for(ev1527.Code(1, 0x4)) is KeyAction.NO_SHOW
    assert ev1527.action_for(ev1527.Code(1, 0x8)) is KeyAction.RATE
    assert ev1527.action_for(ev1527.Code(1, 0x3)) is None


def test_the_documented_conversation_is_what_the_codec_sends():
    import pathlib
    doc = (pathlib.Path(__file__).parents[2] / "docs/devices/keypad.md").read_text(encoding="utf-8")
    examples = [codec.poll(1, 0), codec.hello(1, 1), codec.idle(1), codec.key(1, 1, KeyAction.LOGIN, "1024"),
                codec.poll(1, 1), codec.display(1, "请A012号", 0), codec.ack(1, 2),
                codec.key(1, 2, KeyAction.CALL_NUMBER, "A012"), codec.poll(1, 2),
                codec.display(0xFF, "暂停", 1), codec.nak(1, 2, 2), ev1527.encode(0xA1B2C, 1)]
    for frame in examples:
        assert f"`{frame.hex(' ').upper()}`" in doc
    for action in KeyAction:
        assert f"| `{action.value:02X}` | {action.name} |" in doc
