"""Open a byte transport by URL, the way pyserial's ``serial_for_url`` does.

Accepted forms (one string a field engineer can change in the hall config):

- ``serial:///dev/ttyUSB0?baudrate=115200`` or a bare ``/dev/ttyUSB0``: a serial port
- ``loop://``, ``socket://HOST:PORT``, ``spy://…``, ``rfc2217://…``: pyserial's own URL handlers
- ``pty:///dev/pts/7``: a pseudo-terminal (a simulator's slave end), same as a serial path

A device's own options ride in the same query string (``?terminator=crlf`` for the scanner,
``?qr=raster`` for the printer); ``split_url`` takes them out before the rest reaches pyserial.

The returned object is a ``serial.Serial``-like object (``read``, ``write``, ``close``,
``timeout``, ``in_waiting``, ``reset_input_buffer``). Failures raise ``DeviceError``
with code ``disconnected``; once open, a port raises only ``PORT_ERRORS``.
"""
from __future__ import annotations

import termios
from urllib.parse import parse_qsl, urlencode, urlsplit

import serial

from devices.errors import DISCONNECTED, device_error

# What an open port raises when the device is unplugged, stops answering or refuses us
# (serial.SerialException and pyusb's USBError are OSErrors too; termios.error is not: a
# tcflush on a pty whose other end has gone raises it). Anything else is a bug.
PORT_ERRORS = (OSError, serial.SerialException, termios.error)

_PYSERIAL_SCHEMES = {"loop", "socket", "spy", "rfc2217", "alt", "hwgrep", "cp2110"}


def split_url(url: str, keys) -> tuple[str, dict[str, str]]:
    """Separate a device's own query options (``keys``) from the transport URL."""
    base, _, query = url.partition("?")
    pairs = parse_qsl(query)
    ours = {k: v for k, v in pairs if k in keys}
    rest = urlencode([(k, v) for k, v in pairs if k not in keys])
    return base + (f"?{rest}" if rest else ""), ours


SERIAL_KEYS = ("baudrate", "bytesize", "stopbits", "timeout", "parity")


def parse_url(url: str) -> tuple[str, dict]:
    """Split a device URL into (pyserial port or URL, Serial keyword settings).

    The line settings (``SERIAL_KEYS``) become keyword settings for every scheme, so
    ``spy://…?baudrate=9600&file=…`` hands pyserial's spy handler only its own options.
    """
    parts = urlsplit(url)
    rest, settings = split_url(url, SERIAL_KEYS)
    options: dict = {}
    for key, value in settings.items():
        if key in ("baudrate", "bytesize"):
            options[key] = int(value)
        elif key in ("stopbits", "timeout"):
            options[key] = float(value)
        elif key == "parity":
            options[key] = value.upper()[:1]
    if parts.scheme in ("serial", "pty", ""):
        path = parts.path if parts.scheme else url.split("?", 1)[0]
        return path, options
    if parts.scheme in _PYSERIAL_SCHEMES:
        return rest, options
    raise ValueError(f"unsupported device URL scheme {parts.scheme!r} in {url!r}")


def open_transport(url: str, *, baudrate: int = 115200, timeout: float = 1.0):
    """Open ``url`` and return a serial-like object, or raise DeviceError(disconnected)."""
    port, options = parse_url(url)
    settings = {"baudrate": baudrate, "timeout": timeout}
    settings.update(options)
    try:
        return serial.serial_for_url(port, **settings)
    except PORT_ERRORS as exc:
        raise device_error(DISCONNECTED, f"{url}: {exc}") from exc
