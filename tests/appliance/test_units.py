"""The shipped systemd units and udev rules: rendered by `yichuang units`, checked by systemd itself."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hall.service import units

BIN = str(Path(sys.executable).parent)
TEMPLATES = ("yichuang-terminal@.service", "yichuang-keypad-bridge@.service")


def render(tmp_path: Path, bin_dir: str = BIN, ports: dict | None = None) -> Path:
    out = tmp_path / "units"
    assert subprocess.run([sys.executable, "-m", "hall.cli", "units", "--out", str(out), "--bin", bin_dir,
                           "--etc", str(tmp_path / "etc"), *[f"--port={r}={p}" for r, p in (ports or {}).items()]],
                          capture_output=True, text=True, check=True).stdout
    # a template is verified through an instance of it, as systemd would start it
    for template, instance in zip(TEMPLATES, ("kiosk-1", "bridge-1")):
        (out / template.replace("@.", f"@{instance}.")).symlink_to(out / template)
    return out


def verify(out: Path) -> subprocess.CompletedProcess:
    names = [p.name for p in sorted([*out.glob("*.service"), *out.glob("*.timer")]) if p.name not in TEMPLATES]
    return subprocess.run(["systemd-analyze", "verify", "--man=no", *[f"./{n}" for n in names]],
                          cwd=out, capture_output=True, text=True)


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    out = render(tmp_path)
    assert {p.name for p in out.glob("*.service")} >= {
        "yichuang-mosquitto.service", "yichuang-hub.service", "yichuang-web.service", "yichuang-voice.service",
        "yichuang-keypad-bridge@.service", "yichuang-terminal@.service", "yichuang-backup.service"}
    assert (out / "yichuang-backup.timer").exists()
    result = verify(out)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # not even a warning


def test_verify_catches_a_unit_that_could_not_start(tmp_path):
    out = render(tmp_path, bin_dir=str(tmp_path / "no-such-venv" / "bin"))
    result = verify(out)
    assert result.returncode != 0
    assert "no-such-venv/bin/yichuang" in result.stderr


def test_every_long_running_process_is_notify_with_a_watchdog_and_restarts():
    for template in units.unit_templates():
        text = template.read_text()
        if template.suffix == ".timer" or "Type=oneshot" in text:
            continue
        assert "Type=notify" in text, template.name
        assert "Restart=always" in text, template.name
        if template.name != "yichuang-mosquitto.service":  # Mosquitto says READY but feeds no watchdog
            assert "WatchdogSec=" in text, template.name


def test_udev_rules_name_each_port_and_refuse_nonsense(tmp_path):
    out = render(tmp_path, ports={"idcard": "pci-0000:00:14.0-usb-0:2:1.0", "keypad": "pci-0000:00:14.0-usb-0:3:1.0"})
    rules = (out / "99-yichuang.rules").read_text()
    assert 'ENV{ID_PATH}=="pci-0000:00:14.0-usb-0:2:1.0", SYMLINK+="yc-idcard"' in rules
    assert 'SYMLINK+="yc-keypad"' in rules and 'SYMLINK+="yc-printer"' in rules
    bad = subprocess.run([sys.executable, "-m", "hall.cli", "units", "--out", str(tmp_path / "x"),
                          '--port=idcard=1-2"; RUN+="/bin/sh'], capture_output=True, text=True)
    assert bad.returncode == 2 and "ID_PATH" in bad.stderr
    with pytest.raises(ValueError):
        units.parse_ports(["toaster=pci-0"])
