"""The GA 467 codec against the exact frames published in the reference (section 1.3/1.4)."""
from __future__ import annotations

import struct

import pytest

from devices.errors import DeviceError
from devices.idcard import codec


def h(text: str) -> bytes:
    return bytes.fromhex(text)


@pytest.mark.parametrize("command, frame", [
    (codec.RESET, "AA AA AA 96 69 00 03 10 FF EC"),
    (codec.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
    (codec.SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
    (codec.FIND, "AA AA AA 96 69 00 03 20 01 22"),
    (codec.SELECT, "AA AA AA 96 69 00 03 20 02 21"),
    (codec.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    (codec.READ_APPENDED_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    (codec.READ_PHYSICAL_ID, "AA AA AA 96 69 00 03 30 05 36"),
    (codec.READ_WITH_FINGERPRINT, "AA AA AA 96 69 00 03 30 10 23"),
    (codec.set_baudrate_command(115200), "AA AA AA 96 69 00 03 60 00 63"),
    (codec.set_rf_frame_size_command(0x50), "AA AA AA 96 69 00 04 61 FF 50 CA"),
])
def test_every_published_command_frame(command, frame):
    assert command.encode() == h(frame)
    assert codec.decode_command(codec.parse_frame(h(frame), codec.MAX_COMMAND_LEN)) == \
        codec.Command(command.cmd, command.para, command.data)


def test_find_card_frame_and_its_checksum():
    assert codec.encode_command(0x20, 0x01) == h("AA AA AA 96 69 00 03 20 01 22")
    assert codec.xor_checksum(h("00 03 20 01")) == 0x22


def test_baud_codes_match_the_published_table():
    assert {b: codec.set_baudrate_command(b).para for b in codec.BAUD_RATES} == {
        115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}
    with pytest.raises(ValueError):
        codec.set_baudrate_command(4800)


@pytest.mark.parametrize("frame, sw3, data", [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),  # SAM status OK
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),  # card found
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, bytes(8)),  # selected
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),  # find failed
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),  # select failed
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),  # read failed
])
def test_published_replies_decode_and_encode(frame, sw3, data):
    reply = codec.decode_reply(codec.parse_frame(h(frame)))
    assert (reply.sw1, reply.sw2, reply.sw3, reply.data) == (0, 0, sw3, data)
    assert codec.encode_reply(sw3, data) == h(frame)


def test_failure_replies_become_errors_with_chinese_messages():
    no_card = codec.decode_reply(codec.parse_frame(h("AA AA AA 96 69 00 04 00 00 80 84"))).error()
    assert no_card.code == "no_card"
    assert no_card.message_zh == "请将身份证放在感应区"
    assert "寻找居民身份证失败" in no_card.detail
    assert codec.status_error(0x81).code == "select_failed"
    assert codec.status_error(0x41).code == "read_failed"
    assert codec.status_error(0x90) is None and codec.status_error(0x9F) is None


def test_status_table_is_complete():
    published = {0x90: "操作成功", 0x91: "居民身份证中无此项内容", 0x9F: "寻找居民身份证成功",
                 0x10: "接收业务终端数据的校验和错", 0x11: "接收业务终端数据的长度错",
                 0x21: "接收业务终端的命令错误", 0x23: "越权操作", 0x24: "无法识别的错误",
                 0x31: "居民身份证认证SAM失败", 0x32: "SAM认证居民身份证失败", 0x33: "信息验证失败",
                 0x37: "指纹信息验证错误", 0x3F: "信息长度错误", 0x40: "无法识别的居民身份证类型",
                 0x41: "读居民身份证操作失败", 0x47: "取随机数失败", 0x60: "SAM自检失败,不能接收命令",
                 0x66: "SAM没经过授权,无法使用", 0x80: "寻找居民身份证失败", 0x81: "选取居民身份证失败"}
    assert {k: s.meaning_zh for k, s in codec.STATUSES.items()} == published
    for sw3 in set(published) - codec.SUCCESS:
        err = codec.status_error(sw3)
        assert err.code and err.message_zh and err.message_en
    unknown = codec.status_error(0x55)
    assert unknown.code == "reader_error" and "SW3=55" in unknown.detail


def test_read_reply_of_30_01_is_1295_bytes_with_the_published_header():
    text, photo = bytes(range(256)), bytes(1024)
    frame = codec.encode_reply(0x90, codec.encode_read_payload(text, photo))
    assert len(frame) == 1295
    assert frame[:14] == h("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    payload = codec.parse_read_payload(codec.decode_reply(codec.parse_frame(frame)).data, False)
    assert (payload.text, payload.photo, payload.fingerprint) == (text, photo, None)


@pytest.mark.parametrize("fp_size, total", [(1024, 2321), (512, 1809), (0, 1297)])
def test_read_reply_of_30_10_sizes(fp_size, total):
    fingerprint = bytes([7]) * fp_size
    frame = codec.encode_reply(0x90, codec.encode_read_payload(bytes(256), bytes(1024), fingerprint))
    assert len(frame) == total
    if fp_size == 1024:
        assert frame[5:7] == h("09 0A")
    payload = codec.parse_read_payload(codec.decode_reply(codec.parse_frame(frame)).data, True)
    assert payload.fingerprint == fingerprint and len(payload.photo) == 1024


def test_read_payload_with_inconsistent_lengths_is_garbled():
    data = struct.pack(">HH", 256, 1024) + bytes(256 + 1000)
    with pytest.raises(DeviceError) as caught:
        codec.parse_read_payload(data, False)
    assert caught.value.code == "garbled_frame"
    with pytest.raises(DeviceError):
        codec.parse_read_payload(b"\x01", False)


def test_sam_id_string():
    data = bytes([0x05, 0x00, 0x01, 0x00]) + struct.pack("<III", 20230101, 1234567, 89012345)
    assert codec.parse_sam_id(data) == "05.01-20230101-0001234567-0089012345"
    with pytest.raises(DeviceError):
        codec.parse_sam_id(data[:10])


class TestFrameParser:
    reply = h("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")

    def test_garbage_before_a_frame_is_skipped(self):
        parser = codec.FrameParser()
        parser.feed(h("00 FF AA AA 96 13 AA AA AA 96") + self.reply)
        assert parser.next_frame() == h("00 00 9F 00 00 00 00")
        assert parser.discarded == 10 and parser.pending == 0

    def test_a_frame_split_in_every_possible_place(self):
        for cut in range(1, len(self.reply)):
            parser = codec.FrameParser()
            parser.feed(self.reply[:cut])
            assert parser.next_frame() is None
            parser.feed(self.reply[cut:])
            assert parser.next_frame() == h("00 00 9F 00 00 00 00")

    def test_byte_by_byte(self):
        parser = codec.FrameParser()
        bodies = []
        for byte in self.reply + self.reply:
            parser.feed(bytes([byte]))
            body = parser.next_frame()
            if body is not None:
                bodies.append(body)
        assert len(bodies) == 2

    def test_wrong_checksum_raises_and_the_next_frame_survives(self):
        parser = codec.FrameParser()
        parser.feed(self.reply[:-1] + b"\x00" + self.reply)
        with pytest.raises(DeviceError) as caught:
            parser.next_frame()
        assert caught.value.code == "garbled_frame"
        assert parser.next_frame() == h("00 00 9F 00 00 00 00")

    def test_an_impossible_length_is_noise(self):
        parser = codec.FrameParser()
        parser.feed(h("AA AA AA 96 69 FF FF 00") + self.reply)
        assert parser.next_frame() == h("00 00 9F 00 00 00 00")

    def test_parse_frame_rejects_anything_but_one_frame(self):
        for bad in (self.reply[:-1], b"\x00" + self.reply, self.reply + b"\x00", self.reply[:-1] + b"\x01"):
            with pytest.raises(DeviceError):
                codec.parse_frame(bad)

    def test_too_short_bodies_are_garbled(self):
        with pytest.raises(DeviceError):
            codec.decode_reply(b"\x00\x00")
        with pytest.raises(DeviceError):
            codec.decode_command(b"\x20")
