"""The WLT photo stays raw; decoding goes through a pluggable backend."""
from __future__ import annotations

import struct

import pytest

from devices.errors import DeviceError
from devices.idcard import photo
from devices.idcard.photo import PlaceholderDecoder, WltPhoto, decode_photo


def test_without_a_decoder_the_kiosk_is_told_plainly():
    with pytest.raises(DeviceError) as caught:
        decode_photo(WltPhoto(bytes(1024)))
    assert caught.value.code == "photo_decoder_missing"
    assert caught.value.message_zh == "暂无法显示照片"


def test_placeholder_decoder_gives_a_102_by_126_24_bit_bmp():
    bmp = decode_photo(WltPhoto(bytes(1024)), PlaceholderDecoder())
    assert len(bmp) == 38862 == photo.BMP_SIZE
    assert bmp[:2] == b"BM" and struct.unpack("<I", bmp[2:6])[0] == 38862
    width, height, planes, bits = struct.unpack("<iiHH", bmp[18:30])
    assert (width, height, planes, bits) == (102, 126, 1, 24)


def test_a_registered_backend_is_used_and_can_be_removed():
    class Backend:
        def __init__(self):
            self.seen = []

        def decode(self, wlt):
            self.seen.append(len(wlt))
            return b"BMP"

    backend = Backend()
    photo.register_decoder(backend)
    try:
        assert decode_photo(bytes(1024)) == b"BMP"
        assert backend.seen == [1024]
    finally:
        photo.unregister_decoder(backend)
    with pytest.raises(DeviceError):
        decode_photo(bytes(1024))


def test_a_failing_backend_becomes_a_device_error():
    class Broken:
        def decode(self, wlt):
            raise OSError("libwlt2bmp.so: licence buffer rejected")

    with pytest.raises(DeviceError) as caught:
        decode_photo(bytes(1024), Broken())
    assert caught.value.code == "photo_decode_failed"
    with pytest.raises(DeviceError):
        decode_photo(bytes(10), PlaceholderDecoder())


def test_photo_repr_shows_no_bytes():
    assert repr(WltPhoto(b"\x01" * 1024)) == "WltPhoto(1024 bytes)"
