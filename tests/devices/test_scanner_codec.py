"""Scanner codec: framing by CR / LF / CRLF / idle gap, whatever the read chunks; decoding."""
from __future__ import annotations

import pytest

from devices.scanner.codec import Framer, Terminator, decode_payload, encode_payload

CODES = ["YY20240612001", "YC-T:hall1:20240612:A012", "https://gov.example/t/x?a=1"]


def feed_all(framer: Framer, data: bytes, chunk: int) -> list:
    out = []
    for i in range(0, len(data), chunk):
        out += framer.feed(data[i : i + chunk], now=0.0)
    return out


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf", "any"])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1000])
def test_terminated_payloads_survive_any_chunking(terminator, chunk):
    stream = b"".join(encode_payload(c, "utf-8", terminator) for c in CODES)
    framer = Framer(terminator)
    assert feed_all(framer, stream, chunk) == [c.encode() for c in CODES]
    assert framer.pending == b""


def test_crlf_scanner_read_as_cr_or_lf_leaves_no_stray_byte():
    stream = b"AB\r\nCD\r\n"
    assert Framer("cr").feed(stream, 0) == [b"AB", b"CD"]
    assert Framer("lf").feed(stream, 0) == [b"AB", b"CD"]
    assert Framer("any").feed(stream, 0) == [b"AB", b"CD"]


def test_crlf_mode_keeps_a_lone_cr_or_lf_inside_the_payload():
    assert Framer("crlf").feed(b"line1\nline2\rend\r\n", 0) == [b"line1\nline2\rend"]


def test_empty_lines_are_not_payloads():
    assert Framer("any").feed(b"\r\r\n\nX\r", 0) == [b"X"]


def test_idle_gap_ends_a_payload_without_terminator():
    framer = Framer(Terminator.NONE, idle_gap=0.1)
    assert framer.feed(b"YY2024", now=1.00) == []
    assert framer.feed(b"0612", now=1.05) == []  # split read inside the gap: same code
    assert framer.poll(now=1.10) == []
    assert framer.poll(now=1.16) == [b"YY20240612"]
    assert framer.poll(now=2.00) == []
    # the next code arriving after a gap first closes nothing (already closed), then waits
    assert framer.feed(b"NEXT", now=3.0) == []
    assert framer.feed(b"MORE", now=3.5) == [b"NEXT"]  # gap before this chunk ends NEXT
    assert framer.flush() == [b"MORE"]


def test_overlong_run_without_terminator_is_dropped_with_an_error():
    framer = Framer("cr", max_length=16)
    out = framer.feed(b"x" * 17, 0)
    assert len(out) == 1 and out[0].code == "code_too_long"
    assert out[0].message_zh == "无法识别此码，请重新扫码"
    assert framer.feed(b"OK\r", 0) == [b"OK"]  # the next code is not blocked


def test_link_drop_mid_code_is_reported_incomplete():
    framer = Framer("cr")
    framer.feed(b"YY2024", 0)
    (err,) = framer.flush()
    assert err.code == "incomplete_code" and err.message_zh == "扫码不完整，请重新扫码"
    assert framer.flush() == []


def test_decode_utf8_and_gbk_chinese():
    text = "预约号：YY20240612001 张家港市政务服务中心"
    utf8 = decode_payload(text.encode("utf-8"))
    gbk = decode_payload(text.encode("gbk"))
    assert (utf8.text, utf8.encoding) == (text, "utf-8")
    assert (gbk.text, gbk.encoding) == (text, "gbk")
    assert decode_payload(b"\xef\xbb\xbfABC").text == "ABC"
    assert decode_payload("中文".encode("gbk"), "utf-8").readable is False
    with pytest.raises(ValueError):
        decode_payload(b"x", "latin-1")


@pytest.mark.parametrize("garbage", [b"\xff\xfe\xfd\x80", b"AB\x00CD", b"\x01\x02\x03", b"\x81"])
def test_garbage_is_an_unreadable_payload_not_an_exception(garbage):
    payload = decode_payload(garbage)
    assert payload.text is None and payload.readable is False
    assert payload.error.code == "unreadable_code"
    assert payload.error.message_zh == "无法识别此码，请重新扫码"
    assert payload.raw == garbage


def test_gs1_separators_are_text():
    assert decode_payload(b"]d2\x1d0112345678901231").readable


def test_payload_repr_shows_only_a_short_head():
    payload = decode_payload("370102199001011234".encode())
    assert "370102199001011234" not in repr(payload)
    assert "18 chars" in repr(payload)
