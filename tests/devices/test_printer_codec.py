"""ESC/POS codec against hand-written byte strings, and DLE EOT replies against states."""
import pytest

from devices.printer import codec
from devices.printer.codec import PrinterState


def test_ascii_text_is_sent_as_is():
    assert codec.text("A012") == b"A012"
    assert codec.line("A012") == b"A012\n"


def test_chinese_text_is_gb18030_inside_fs_and_fs_dot():
    # 社 = C9 E7, 保 = B1 A3 in GB18030
    assert codec.text("社保") == b"\x1c\x26\xc9\xe7\xb1\xa3\x1c\x2e"


def test_cjk_punctuation_alone_is_not_turned_into_question_marks():
    # ， (full-width comma) = A3 AC; python-escpos alone would send "?"
    assert codec.text("，") == b"\x1c&\xa3\xac\x1c."


def test_mixed_text_is_one_chinese_mode_run():
    assert codec.text("A012号") == b"\x1c&A012\xba\xc5\x1c."


def test_four_byte_gb18030_character():
    # U+20000 (CJK Extension B) is a four-byte GB18030 sequence 95 32 82 36
    assert codec.text("\U00020000") == b"\x1c&\x95\x32\x82\x36\x1c."


def test_control_characters_cannot_smuggle_commands():
    assert codec.text("A\x1bd\x05B") == b"A d B"
    assert codec.text("窗\x1d口") == b"\x1c&\xb4\xb0 \xbf\xda\x1c."


@pytest.mark.parametrize("width,height,expected", [
    (1, 1, b"\x1d\x21\x00"), (2, 2, b"\x1d\x21\x11"), (1, 2, b"\x1d\x21\x01"),
    (4, 4, b"\x1d\x21\x33"), (8, 8, b"\x1d\x21\x77"), (3, 1, b"\x1d\x21\x20"),
])
def test_gs_bang_size(width, height, expected):
    assert codec.size(width, height) == expected


def test_size_out_of_range_is_refused():
    with pytest.raises(ValueError):
        codec.size(9, 1)


def test_init_align_bold_feed():
    assert codec.INIT == b"\x1b\x40"
    assert codec.align("center") == b"\x1b\x61\x01"
    assert codec.align("right") == b"\x1b\x61\x02"
    assert codec.bold(True) == b"\x1b\x45\x01"
    assert codec.feed(3) == b"\x1b\x64\x03"


def test_cut():
    assert codec.cut() == b"\x1b\x64\x04\x1d\x56\x00"
    assert codec.cut(partial=True, feed_lines=0) == b"\x1b\x64\x00\x1d\x56\x01"


def test_native_qr_sequence():
    expected = (
        b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"          # model 2
        b"\x1d\x28\x6b\x03\x00\x31\x43\x06"              # module size 6
        b"\x1d\x28\x6b\x03\x00\x31\x45\x31"              # EC level M
        b"\x1d\x28\x6b\x06\x00\x31\x50\x30\x41\x42\x43"  # store "ABC": pL = 3 + 3
        b"\x1d\x28\x6b\x03\x00\x31\x51\x30"              # print
    )
    assert codec.qr_native("ABC", module_size=6, ec="M") == expected


def test_native_qr_long_payload_uses_the_high_length_byte():
    data = "x" * 300
    out = codec.qr_native(data, 3, "H")
    store = out.index(b"\x31\x50\x30")
    assert out[store - 2:store] == bytes([(300 + 3) & 0xFF, (300 + 3) >> 8]) == b"\x2f\x01"
    assert b"\x31\x45\x33" in out


def test_raster_bit_image():
    rows = [[True] + [False] * 8 + [True], [False] * 10]
    # GS v 0 m=0, xL xH = 2 bytes per row, yL yH = 2 rows, then the packed rows
    assert codec.raster(rows) == b"\x1d\x76\x30\x00\x02\x00\x02\x00\x80\x40\x00\x00"


def test_status_queries():
    assert codec.status_query(1) == b"\x10\x04\x01"
    assert codec.status_query(2) == b"\x10\x04\x02"
    assert codec.status_query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        codec.status_query(5)


@pytest.mark.parametrize("replies,state", [
    ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterState.READY),
    ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterState.PAPER_LOW),
    ({1: 0x1A, 2: 0x32, 4: 0x72}, PrinterState.PAPER_OUT),
    ({1: 0x1A, 2: 0x32, 4: 0x7E}, PrinterState.PAPER_OUT),   # near end and end both set
    ({1: 0x1A, 2: 0x12, 4: 0x72}, PrinterState.PAPER_OUT),   # roll sensor alone
    ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterState.COVER_OPEN),
    ({1: 0x1A, 2: 0x36, 4: 0x72}, PrinterState.COVER_OPEN),  # cover first: close it, then paper
    ({1: 0x1A, 2: 0x52, 4: 0x12}, PrinterState.ERROR),
    ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterState.OFFLINE),
    ({1: 0x1A, 2: 0x1A, 4: 0x12}, PrinterState.OFFLINE),     # feed button held
    ({1: None}, PrinterState.OFFLINE),                       # no answer at all
    ({1: 0x12, 2: None, 4: None}, PrinterState.READY),       # only n=1 answered
    ({1: 0xFF, 2: 0x12, 4: 0x12}, PrinterState.ERROR),       # fixed bits wrong: garbled
    ({1: 0x12, 2: 0x12, 4: 0x13}, PrinterState.ERROR),
])
def test_status_replies_map_to_states(replies, state):
    assert codec.decode_status(replies).state is state


def test_states_carry_chinese_and_english_messages_and_codes():
    out = codec.decode_status({1: 0x1A, 2: 0x32, 4: 0x72})
    err = out.error()
    assert err.code == "printer_paper_out"
    assert err.message_zh == "打印机缺纸，请联系工作人员"
    assert err.message_en == "printer is out of paper"
    assert codec.decode_status({1: 0x1A, 2: 0x16, 4: 0x12}).error().message_zh == "打印机仓盖未关好，请联系工作人员"
    assert codec.decode_status({1: None}).error().code == "printer_offline"
    low = codec.decode_status({1: 0x12, 2: 0x12, 4: 0x1E})
    assert low.can_print and low.error() is None
    assert low.state.message_zh == "打印纸即将用完，请工作人员及时更换"
    assert {s.value for s in PrinterState} == {"ready", "paper_low", "paper_out", "cover_open",
                                               "offline", "error"}


@pytest.mark.parametrize("n,kwargs,expected", [
    (1, {}, b"\x12"), (2, {}, b"\x12"), (4, {}, b"\x12"),
    (1, {"paper": "out"}, b"\x1a"), (2, {"paper": "out"}, b"\x32"), (4, {"paper": "out"}, b"\x72"),
    (4, {"paper": "low"}, b"\x1e"), (1, {"paper": "low"}, b"\x12"),
    (1, {"cover_open": True}, b"\x1a"), (2, {"cover_open": True}, b"\x16"),
    (2, {"error": True}, b"\x52"), (1, {"offline": True}, b"\x1a"),
])
def test_status_replies_a_printer_sends(n, kwargs, expected):
    assert codec.status_reply(n, **kwargs) == expected


def test_the_documented_bytes_are_what_the_codec_sends():
    import pathlib
    doc = (pathlib.Path(__file__).parents[2] / "docs/devices/printer.md").read_text(encoding="utf-8")
    qr = codec.qr_native("ABC", 6, "M")
    parts = [qr[0:9], qr[9:17], qr[17:25], qr[25:36], qr[36:]]
    for chunk in parts + [codec.text("请到3号窗口"), codec.text("，")]:
        assert f"`{chunk.hex(' ').upper()}`" in doc
    for state in PrinterState:
        assert f"| `{state.value}` |" in doc and state.message_zh in doc
