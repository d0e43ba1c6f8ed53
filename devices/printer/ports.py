"""The ways bytes reach a ticket printer, one class each, all with the same three calls:

    write(data)          send print data (raises a PORT_ERRORS error if the port fails)
    ask(request, t)      send a real-time request (DLE EOT n) and return the one-byte answer,
                         or b"" if none came within t seconds; stale input is dropped first
    close()

``open_port(url, …)`` picks the class by the URL's scheme. Every serial-like URL goes through
``devices.transport`` like every other device (``serial://``, ``pty://``, a bare path,
``socket://``, ``loop://``, ``spy://``, ``rfc2217://``); ``tcp://HOST[:PORT]`` is a network
printer's raw port (9100 by default), i.e. ``socket://``. ``file://`` writes to a device node
(``/dev/usb/lp0``) and reads its answers back from it; a regular file is a spool with no
status and counts as ready. ``usb://VID:PID`` talks to the printer's bulk endpoints (pyusb).
``dummy://?state=…`` keeps what it was sent and answers from a fixed state.
"""
from __future__ import annotations

import errno
import os
import select
import stat
from urllib.parse import parse_qsl, urlsplit

from devices.printer import codec
from devices.transport import open_transport, parse_url

WRITE_TIMEOUT = 5.0  # seconds a print job may take to leave; longer: the printer is stuck


class SerialLikePort:
    """A pyserial port (serial, pty, socket, loop, spy…), opened by ``devices.transport``."""

    def __init__(self, url: str, baudrate: int, timeout: float):
        self.serial = open_transport(url, baudrate=baudrate, timeout=timeout)
        self.serial.write_timeout = WRITE_TIMEOUT

    def write(self, data: bytes) -> None:
        self.serial.write(data)

    def ask(self, request: bytes, timeout: float) -> bytes:
        self.serial.reset_input_buffer()
        self.serial.write(request)
        if self.serial.timeout != timeout:  # setting it reconfigures the port: only on a change
            self.serial.timeout = timeout
        return self.serial.read(1)

    def close(self) -> None:
        self.serial.close()


class _FixedState:
    """Answers DLE EOT n from a fixed paper/cover state, as a printer that is always there."""

    paper, cover_open = "ok", False

    def ask(self, request: bytes, timeout: float) -> bytes:
        if len(request) == 3 and request[:2] == codec.DLE + codec.EOT:
            return codec.status_reply(request[2], paper=self.paper, cover_open=self.cover_open)
        return b""


class DummyPort(_FixedState):
    """Collects what it is sent in ``output``; ``state`` is ok, low, out or cover_open."""

    def __init__(self, state: str = "ok"):
        if state not in ("ok", "low", "out", "cover_open"):
            raise ValueError(f"dummy printer state {state!r}: use ok, low, out or cover_open")
        self.paper = state if state != "cover_open" else "ok"
        self.cover_open = state == "cover_open"
        self.output = bytearray()

    def write(self, data: bytes) -> None:
        self.output += data

    def close(self) -> None:
        pass


class SpoolPort(_FixedState):
    """A regular file: jobs are appended, and the "printer" is always ready."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND)  # no O_CREAT: a typo is not a spool

    def write(self, data: bytes) -> None:
        _write_all(self.fd, data)

    def close(self) -> None:
        os.close(self.fd)


class DevicePort:
    """A character device (``/dev/usb/lp0``): written, and its answers read back from it."""

    def __init__(self, path: str):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)

    def write(self, data: bytes) -> None:
        _write_all(self.fd, data)

    def ask(self, request: bytes, timeout: float) -> bytes:
        while select.select([self.fd], [], [], 0)[0]:
            if not os.read(self.fd, 256):
                break
        _write_all(self.fd, request)
        ready, _, _ = select.select([self.fd], [], [], timeout)
        return os.read(self.fd, 1) if ready else b""

    def close(self) -> None:
        os.close(self.fd)


class UsbPort:
    """A USB printer-class device, by vendor and product id, through its bulk endpoints."""

    def __init__(self, vid: int, pid: int):
        try:
            import usb.core
            import usb.util
        except ImportError:
            raise OSError(errno.ENODEV, "USB printing needs the pyusb package") from None
        self._usb = usb
        try:
            device = usb.core.find(idVendor=vid, idProduct=pid)
        except usb.core.NoBackendError:  # a ValueError in pyusb, but a missing library here
            raise OSError(errno.ENODEV, "USB printing needs libusb (no pyusb backend)") from None
        if device is None:
            raise OSError(errno.ENODEV, f"no USB device {vid:04x}:{pid:04x}")
        if device.is_kernel_driver_active(0):
            device.detach_kernel_driver(0)
        interface = device.get_active_configuration()[(0, 0)]
        direction = usb.util.endpoint_direction

        def endpoint(want):
            return usb.util.find_descriptor(interface, custom_match=lambda e: direction(e.bEndpointAddress) == want)

        self.device = device
        self.out = endpoint(usb.util.ENDPOINT_OUT)
        self.into = endpoint(usb.util.ENDPOINT_IN)
        if self.out is None:
            raise OSError(errno.ENODEV, f"USB device {vid:04x}:{pid:04x} has no bulk OUT endpoint")

    def write(self, data: bytes) -> None:
        self.out.write(data, int(WRITE_TIMEOUT * 1000))

    def ask(self, request: bytes, timeout: float) -> bytes:
        if self.into is None:
            return b""
        self.out.write(request, int(WRITE_TIMEOUT * 1000))
        try:
            return bytes(self.into.read(self.into.wMaxPacketSize, max(1, int(timeout * 1000))))[-1:]
        except self._usb.core.USBTimeoutError:
            return b""

    def close(self) -> None:
        self._usb.util.dispose_resources(self.device)


def open_port(url: str, *, baudrate: int, timeout: float):
    """Open the port ``url`` names (the printer's own query options already taken out)."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "tcp":
        return SerialLikePort(f"socket://{parts.hostname}:{parts.port or 9100}", baudrate, timeout)
    if scheme == "file":
        if stat.S_ISCHR(os.stat(parts.path).st_mode):
            return DevicePort(parts.path)
        return SpoolPort(parts.path)
    if scheme == "usb":
        vid, pid = parse_usb(parts.netloc)
        return UsbPort(vid, pid)
    if scheme == "dummy":
        return DummyPort(dict(parse_qsl(parts.query)).get("state", "ok"))
    return SerialLikePort(url, baudrate, timeout)


def check_url(url: str) -> None:
    """Refuse a URL no port can ever open (at configuration, not at the first ticket)."""
    parts = urlsplit(url)
    if parts.scheme == "tcp" and not (parts.hostname and (parts.port or 9100)):  # .port: ValueError if not a number
        raise ValueError(f"printer URL {url!r} needs a host: tcp://HOST[:PORT]")
    if parts.scheme == "dummy":
        DummyPort(dict(parse_qsl(parts.query)).get("state", "ok"))
    if parts.scheme in ("tcp", "file", "dummy"):
        return
    if parts.scheme == "usb":
        parse_usb(parts.netloc)
        return
    parse_url(url)  # ValueError for a scheme no device takes


def parse_usb(netloc: str) -> tuple[int, int]:
    try:
        vid, pid = (int(x, 16) for x in netloc.split(":"))
    except ValueError:
        raise ValueError(f"usb://{netloc}: use usb://VID:PID in hex, e.g. usb://0416:5011") from None
    return vid, pid


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
