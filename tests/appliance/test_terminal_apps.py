"""The terminal apps as yichuang-terminal@.service starts them: each accepts exactly the command
line the unit passes (its own parser reads it: a TLS broker URL with ca/cert/key/password_file,
--device, --fullscreen), and the kiosk says READY=1 and feeds systemd's watchdog from Kivy's
clock, as the board and window screen do."""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hall.service.provision import APP_OF_ROLE

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "yichuang-terminal@.service"
BROKER = ("mqtts://kiosk-1@192.168.10.2:8883?ca=/etc/yichuang/tls/ca.pem&cert=/etc/yichuang/tls/kiosk-1.pem"
          "&key=/etc/yichuang/tls/kiosk-1.key&password_file=/etc/yichuang/kiosk-1.password")
DEVICE_OF_APP = {"kiosk": "kiosk-1", "board": "board-1", "window-screen": "wscreen-1", "caller": "caller-1",
                 "rating-pad": "pad-1"}


def unit_argv(app: str, device: str, etc: Path) -> list[str]:
    """The ExecStart of the terminal unit for this app and device, as systemd expands it, after cage's `--`."""
    line = next(x for x in UNIT.read_text().splitlines() if x.startswith("ExecStart="))
    line = (line.removeprefix("ExecStart=").replace("@ETC@", str(etc)).replace("@BIN@", "/opt/yichuang/bin")
            .replace("%i", device).replace("${YC_APP}", app).replace("${YC_BROKER}", BROKER))
    argv = shlex.split(line)
    argv = argv[argv.index("--") + 1:]
    assert Path(argv[0]).name == "yichuang" and argv[1] == app
    return argv[2:]


def apps_on_this_build() -> list[str]:
    """The terminal apps `yichuang` knows (the caller and rating pad join as they land)."""
    out = subprocess.run([sys.executable, "-m", "hall.cli", "--help"], cwd=ROOT, capture_output=True, text=True)
    known = out.stdout + out.stderr
    return [app for role, app in APP_OF_ROLE.items() if app in DEVICE_OF_APP and re.search(rf"\b{app}\b", known)]


def test_every_terminal_app_of_this_build_is_checked():
    assert {"kiosk", "board", "window-screen"} <= set(apps_on_this_build())


@pytest.mark.parametrize("app", apps_on_this_build())
def test_each_app_accepts_what_its_unit_passes(app, tmp_path):
    # the hall file is missing on purpose: the app reads its whole command line first, then stops on the file
    argv = unit_argv(app, DEVICE_OF_APP[app], tmp_path / "etc")
    out = subprocess.run([sys.executable, "-m", "hall.cli", app, *argv], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert "usage:" not in out.stderr and "unrecognized arguments" not in out.stderr, out.stderr
    assert out.returncode == 2 and "hall.toml" in out.stderr, (out.returncode, out.stderr)


def test_a_wrong_option_is_refused_by_the_same_check(tmp_path):
    """The check above can fail: an option the kiosk does not know is an argparse error."""
    argv = unit_argv("kiosk", "kiosk-1", tmp_path / "etc") + ["--no-such-option"]
    out = subprocess.run([sys.executable, "-m", "hall.cli", "kiosk", *argv], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert "unrecognized arguments: --no-such-option" in out.stderr


def test_the_kiosk_says_ready_and_feeds_the_watchdog_from_its_ui_loop(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(NOTIFY_SOCKET=str(path), WATCHDOG_USEC="2000000", YC_WATCHDOG_CHILD="1", KIVY_NO_ARGS="1",
               SDL_AUDIODRIVER="dummy",
               KIVY_HOME=str(tmp_path / "kivy"))
    kiosk = subprocess.Popen([sys.executable, "-m", "hall.cli", "kiosk", "--config", "config/halls/township.toml",
                              "--broker", "mqtt://127.0.0.1:1", "--printer", "dummy://", "--idcard", "", "--sscard",
                              "", "--scanner", "", "--demo-key", "--size", "540x960"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    heard: list[str] = []
    try:
        deadline = time.monotonic() + 45
        while sum("WATCHDOG=1" in m for m in heard) < 4 and time.monotonic() < deadline:
            try:
                heard.append(sock.recv(4096).decode())
            except socket.timeout:
                assert kiosk.poll() is None, "the kiosk stopped"
    finally:
        kiosk.send_signal(signal.SIGTERM)
        try:
            kiosk.wait(20)
        except subprocess.TimeoutExpired:
            kiosk.kill()
        try:
            while True:
                heard.append(sock.recv(4096).decode())
        except (socket.timeout, OSError):
            pass
        sock.close()
    assert any(m.startswith("READY=1") and "kiosk-1" in m for m in heard), heard
    assert sum("WATCHDOG=1" in m for m in heard) >= 4, heard  # fed again and again, from Kivy's clock
    assert heard.index(next(m for m in heard if m.startswith("READY=1"))) < heard.index("WATCHDOG=1")
    assert "STOPPING=1" in heard  # SIGTERM: a clean stop, said to systemd
