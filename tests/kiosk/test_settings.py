"""A kiosk's devices and knobs come from its [[device]] entry; mistakes are plain errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hall.config import ConfigError, load_hall
from kiosk.settings import KioskConfigError, kiosk_settings

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


def test_device_urls_come_from_the_hall_file_and_can_be_overridden(config):
    settings, urls, inches = kiosk_settings(config, "kiosk-1")
    assert urls.idcard == "serial:///dev/yc-idcard" and urls.printer.startswith("serial:///dev/yc-printer")
    assert urls.sscard == "pcsc://" and settings.idle_seconds == 60 and settings.has_printer
    assert settings.elderly_services[0] == "social_insurance"
    settings, urls, _ = kiosk_settings(config, "kiosk-1", {"printer": "", "idcard": "/dev/pts/9", "scanner": None})
    assert urls.printer == "" and not settings.has_printer and urls.idcard == "/dev/pts/9"
    assert urls.scanner.startswith("serial:///dev/yc-scanner")


def test_wrong_device_or_role_or_service_is_a_clear_error(config, tmp_path):
    with pytest.raises(KioskConfigError, match="'kiosk-9' is not a \\[\\[device\\]\\]"):
        kiosk_settings(config, "kiosk-9")
    with pytest.raises(KioskConfigError, match="is a caller, not a kiosk"):
        kiosk_settings(config, "caller-1")
    bad = tmp_path / "hall.toml"
    bad.write_text(TOWNSHIP.read_text().replace('elderly_services = ["social_insurance"',
                                                'elderly_services = ["passports"'))
    with pytest.raises(KioskConfigError, match="unknown services \\['passports'\\]"):
        kiosk_settings(load_hall(bad), "kiosk-1")
    bad.write_text(TOWNSHIP.read_text().replace("idle_seconds = 60", 'idle_seconds = "soon"'))
    with pytest.raises(ConfigError, match="idle_seconds"):
        load_hall(bad)


def test_the_command_line_refuses_plainly(tmp_path):
    run = [sys.executable, "-m", "hall.cli", "kiosk", "--config", str(TOWNSHIP)]
    out = subprocess.run(run + ["--device", "board-1"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and "is a board, not a kiosk" in out.stderr
    out = subprocess.run(run + ["--demo-key", "--broker", "http://x"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 2 and "expected mqtt://" in out.stderr
    hall = tmp_path / "hall.toml"
    hall.write_text(TOWNSHIP.read_text())
    (tmp_path / "hall.key").write_text("not a key\n")
    out = subprocess.run([sys.executable, "-m", "hall.cli", "kiosk", "--config", str(hall)], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2 and "must hold the hall key" in out.stderr


def test_the_kiosk_stops_cleanly_on_sigterm_and_says_offline(tmp_path):
    """systemd and the demo stop a terminal with SIGTERM: it leaves, saying offline (not a last will)."""
    import os
    import signal
    import time

    from hall.service.client import HallClient
    from hall.service.local_broker import Mosquitto

    broker = Mosquitto(tmp_path / "mosq").start()
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               KIVY_HOME=str(tmp_path / "kivy"))
    kiosk = subprocess.Popen([sys.executable, "-m", "hall.cli", "kiosk", "--config", str(TOWNSHIP), "--broker",
                              broker.url, "--printer", "dummy://", "--idcard", "", "--sscard", "", "--scanner", "",
                              "--demo-key", "--size", "540x960"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = HallClient(broker.url, "banzhuyuan", "board-1", watch_state=False)
    watcher.bus.subscriptions = (watcher.topics.status("kiosk-1"),)
    seen = []
    watcher.bus._deliver = lambda kind, value: seen.append(value[0].payload) if kind == "message" else None
    try:
        watcher.connect()
        deadline = time.monotonic() + 60
        while b'"online"' not in b"".join(seen[-1:]):
            assert time.monotonic() < deadline and kiosk.poll() is None, "kiosk never came online"
            time.sleep(0.1)
        kiosk.send_signal(signal.SIGTERM)
        assert kiosk.wait(30) == 0
        deadline = time.monotonic() + 10
        while b'"offline"' not in b"".join(seen[-1:]):
            assert time.monotonic() < deadline, seen
            time.sleep(0.1)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
        watcher.close()
        broker.stop()
