"""The hub under systemd: READY=1 once it serves, WATCHDOG=1 from its loop, silence when the loop
stops, STOPPING=1 on SIGTERM; read from a real notify socket the way systemd reads it."""
from __future__ import annotations

import signal
import socket
import time

import pytest

from hall.service import sdnotify


@pytest.fixture
def notify_socket(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.1)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.close()


def received(sock: socket.socket, seconds: float) -> list[str]:
    """Every notify line received within ``seconds``."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            lines += sock.recv(4096).decode().splitlines()
        except socket.timeout:
            pass
    return lines


def test_outside_systemd_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    dog = sdnotify.Watchdog()
    assert dog.ready("x") is False and dog.feed() is False


def test_watchdog_belongs_to_the_main_pid_unless_the_unit_says_child(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "4000000")
    monkeypatch.setenv("WATCHDOG_PID", "1")
    monkeypatch.delenv("YC_WATCHDOG_CHILD", raising=False)
    assert sdnotify.watchdog_seconds() is None
    monkeypatch.setenv("YC_WATCHDOG_CHILD", "1")
    assert sdnotify.watchdog_seconds() == 4.0


def test_feed_sends_at_half_the_period(notify_socket, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "10000000")
    now = [100.0]
    dog = sdnotify.Watchdog(clock=lambda: now[0])
    assert dog.feed() is True
    now[0] += 4.9
    assert dog.feed() is False
    now[0] += 0.2
    assert dog.feed() is True
    assert received(notify_socket, 0.3) == ["WATCHDOG=1", "WATCHDOG=1"]


def test_hub_says_ready_feeds_from_its_loop_and_goes_quiet_when_hung(
        notify_socket, monkeypatch, mosquitto, hall, start_hub):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # 0.2 s: fed every 0.1 s
    hub = start_hub(hall, mosquitto.url)
    lines = received(notify_socket, 1.5)
    assert "READY=1" in lines
    assert any(line.startswith("STATUS=serving " + hall.id) for line in lines)
    assert lines.count("WATCHDOG=1") >= 5

    hub.process.send_signal(signal.SIGSTOP)  # a hung loop: systemd would restart it
    try:
        received(notify_socket, 0.3)  # drain what was in flight
        assert received(notify_socket, 1.0) == []
    finally:
        hub.process.send_signal(signal.SIGCONT)
    assert "WATCHDOG=1" in received(notify_socket, 1.0)

    assert hub.stop() == 0
    assert "STOPPING=1" in received(notify_socket, 0.5)
