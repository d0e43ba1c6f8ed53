"""devices.transport: one way from a URL to a port for every device; line settings and a
device's own options never reach pyserial's URL handlers (which refuse what they do not know)."""
from __future__ import annotations

import pytest

from devices.errors import DeviceError
from devices.transport import open_transport, parse_url, split_url


def test_line_settings_become_keywords_for_every_scheme():
    assert parse_url("serial:///dev/ttyUSB0?baudrate=9600&parity=even") == (
        "/dev/ttyUSB0", {"baudrate": 9600, "parity": "E"})
    assert parse_url("/dev/ttyACM0?baudrate=115200") == ("/dev/ttyACM0", {"baudrate": 115200})
    assert parse_url("socket://10.0.0.5:9100?timeout=0.5") == ("socket://10.0.0.5:9100", {"timeout": 0.5})
    assert parse_url("spy:///dev/pts/3?file=/tmp/t.txt&baudrate=9600") == (
        "spy:///dev/pts/3?file=%2Ftmp%2Ft.txt", {"baudrate": 9600})
    assert parse_url("loop://") == ("loop://", {})


def test_a_devices_own_options_are_split_off_first():
    assert split_url("socket://h:9100?qr=raster&logging=debug", {"qr", "paper"}) == (
        "socket://h:9100?logging=debug", {"qr": "raster"})


def test_every_pyserial_url_opens_and_a_missing_port_is_disconnected(tmp_path):
    port = open_transport("loop://?baudrate=9600", timeout=0.1)
    try:
        port.write(b"\x10\x04\x01")
        assert port.read(3) == b"\x10\x04\x01" and port.baudrate == 9600
    finally:
        port.close()
    with pytest.raises(DeviceError) as err:
        open_transport(f"serial://{tmp_path}/no-such-port")
    assert err.value.code == "disconnected"
    with pytest.raises(ValueError):
        parse_url("ftp://printer")
