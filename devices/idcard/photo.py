"""The card photo: 1024 bytes of "WLT", a proprietary wavelet format, kept raw.

No open decoder exists; vendors ship one (``WltRS.dll`` ``GetBmp``, ``libwlt2bmp.so``,
Android ``wltGetBMP``), often bound to a licence from the SAM. So decoding is a pluggable
backend: anything with ``decode(wlt: bytes) -> bytes`` (a BMP, 102x126 px, 24-bit, 38 862
bytes) registered with ``register_decoder``. None is required; without one the kiosk simply
shows no photo. ``PlaceholderDecoder`` draws a plain silhouette of the right size for demos
and tests.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Protocol

from devices.errors import DeviceError, device_error

WLT_SIZE = 1024
BMP_WIDTH, BMP_HEIGHT = 102, 126
BMP_ROW = (BMP_WIDTH * 3 + 3) // 4 * 4  # 308: rows padded to four bytes
BMP_SIZE = 54 + BMP_ROW * BMP_HEIGHT  # 38 862

NO_DECODER = ("photo_decoder_missing", "暂无法显示照片", "no WLT photo decoder is installed")
DECODE_FAILED = ("photo_decode_failed", "暂无法显示照片", "the WLT photo decoder failed")


@dataclass(frozen=True, repr=False)
class WltPhoto:
    """The raw photo bytes as read from the card (a likeness: personal data, never logged)."""

    data: bytes

    def __repr__(self) -> str:
        return f"WltPhoto({len(self.data)} bytes)"

    __str__ = __repr__


class PhotoDecoder(Protocol):
    """A vendor backend: WLT bytes in, BMP bytes out (raise any exception on failure)."""

    def decode(self, wlt: bytes) -> bytes: ...


_decoders: list[PhotoDecoder] = []


def register_decoder(decoder: PhotoDecoder) -> None:
    """Make ``decoder`` the one ``decode_photo`` uses (the most recently registered wins)."""
    _decoders.append(decoder)


def unregister_decoder(decoder: PhotoDecoder) -> None:
    if decoder in _decoders:
        _decoders.remove(decoder)


def decode_photo(photo: WltPhoto | bytes, decoder: PhotoDecoder | None = None) -> bytes:
    """BMP bytes for ``photo``, or DeviceError(photo_decoder_missing / photo_decode_failed)."""
    data = photo.data if isinstance(photo, WltPhoto) else bytes(photo)
    backend = decoder or (_decoders[-1] if _decoders else None)
    if backend is None:
        raise device_error(NO_DECODER)
    try:
        return bytes(backend.decode(data))
    except Exception as exc:  # a vendor library may fail in any way; the kiosk carries on
        raise device_error(DECODE_FAILED, type(exc).__name__) from exc


class PlaceholderDecoder:
    """Draws a grey head-and-shoulders outline, ignoring the WLT data: for demos and tests."""

    def decode(self, wlt: bytes) -> bytes:
        if len(wlt) != WLT_SIZE:
            raise ValueError(f"WLT photo must be {WLT_SIZE} bytes, got {len(wlt)}")
        header = b"BM" + struct.pack("<IHHI", BMP_SIZE, 0, 0, 54) + struct.pack(
            "<IiiHHIIiiII", 40, BMP_WIDTH, BMP_HEIGHT, 1, 24, 0, BMP_SIZE - 54, 2835, 2835, 0, 0)
        rows = []
        cx = BMP_WIDTH / 2
        for y in range(BMP_HEIGHT):  # BMP rows run bottom-up
            top = BMP_HEIGHT - 1 - y
            row = bytearray()
            for x in range(BMP_WIDTH):
                head = (x - cx) ** 2 / 22 ** 2 + (top - 45) ** 2 / 28 ** 2 <= 1
                body = top >= 80 and abs(x - cx) <= 20 + (top - 80) * 0.9
                row += b"\x80\x80\x80" if head or body else b"\xf0\xf0\xf0"
            rows.append(bytes(row) + b"\x00" * (BMP_ROW - len(row)))
        return header + b"".join(rows)
