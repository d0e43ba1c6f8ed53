"""Open a byte transport by URL, the way pyserial's ``serial_for_url`` does.

Accepted forms (one string a field engineer can change in the hall config):

- ``serial:///dev/ttyUSB0?baudrate=115200`` or a bare ``/dev/ttyUSB0``: a serial port
- ``loop://``, ``socket://HOST:PORT``, ``spy://…``, ``rfc2217://…``: pyserial's own URL handlers
- ``pty:///dev/pts/7``: a pseudo-terminal (a simulator's slave end), same as a serial path

The returned object is a ``serial.Serial``-like object (``read``, ``write``, ``close``,
``timeout``, ``in_waiting``, ``reset_input_buffer``). Failures raise ``DeviceError``
with code ``disconnected``.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import serial

from devices.errors import DISCONNECTED, device_error

_PYSERIAL_SCHEMES = {"loop", "socket", "spy", "rfc2217", "alt", "hwgrep", "cp2110"}


def parse_url(url: str) -> tuple[str, dict]:
    """Split a device URL into (pyserial port or URL, Serial keyword settings)."""
    parts = urlsplit(url)
    options: dict = {}
    for key, value in parse_qsl(parts.query):
        if key in ("baudrate", "bytesize", "stopbits"):
            options[key] = int(value) if key != "stopbits" else float(value)
        elif key == "timeout":
            options[key] = float(value)
        elif key == "parity":
            options[key] = value.upper()[:1]
    if parts.scheme in ("serial", "pty", ""):
        path = parts.path if parts.scheme else url.split("?", 1)[0]
        return path, options
    if parts.scheme in _PYSERIAL_SCHEMES:
        return url, options
    raise ValueError(f"unsupported device URL scheme {parts.scheme!r} in {url!r}")


def open_transport(url: str, *, baudrate: int = 115200, timeout: float = 1.0):
    """Open ``url`` and return a serial-like object, or raise DeviceError(disconnected)."""
    port, options = parse_url(url)
    settings = {"baudrate": baudrate, "timeout": timeout}
    settings.update(options)
    try:
        return serial.serial_for_url(port, **settings)
    except (serial.SerialException, OSError) as exc:
        raise device_error(DISCONNECTED, f"{url}: {exc}") from exc
