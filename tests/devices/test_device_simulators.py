"""Every pseudo-terminal simulator is served the same way (devices.ptyport.OnPty): `yichuang sim
DEVICE --link L` says where to connect, serves behind the link, and ends cleanly on SIGTERM
(exit status 0, the link removed), as a `make demo` stopping its devices needs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.keypad.simulator import KeypadSimulator
from devices.ledbar.simulator import LedBarSimulator
from devices.printer.simulator import PrinterSimulator
from devices.ptyport import OnPty
from devices.scanner.simulator import ScannerSimulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("device", ["idcard", "scanner", "printer", "keypad", "ledbar"])
def test_each_simulator_serves_behind_its_link_and_stops_on_sigterm(device, tmp_path):
    link = tmp_path / device
    proc = subprocess.Popen([sys.executable, "-m", "devices.sim", device, "--link", str(link)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        banner = proc.stdout.readline()
        assert f"on {link} (pty /dev/pts/" in banner and f"connect with serial://{link}?baudrate=" in banner
        assert link.is_symlink() and os.readlink(link).startswith("/dev/pts/")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        assert proc.returncode == 0
        assert not link.exists() and not link.is_symlink()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_every_pty_simulator_is_an_onpty(tmp_path):
    sims = [IdCardSimulator(link=str(tmp_path / "i")), ScannerSimulator(link=str(tmp_path / "s")),
            PrinterSimulator(link=str(tmp_path / "p")), KeypadSimulator([1], link=str(tmp_path / "k")),
            LedBarSimulator([1], link=str(tmp_path / "l"))]
    for sim in sims:
        assert isinstance(sim, OnPty)
        with sim:
            assert sim.path == sim.port.link and os.path.islink(sim.path)
            assert sim.url == f"serial://{sim.path}"
        assert not os.path.lexists(sim.path)
