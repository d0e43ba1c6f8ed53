"""A provisioned township hall with its broker running, for the tests that need the real TLS setup."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hall.config import load_hall
from hall.hallkey import load_hall_key
from hall.service.local_broker import free_port, wait_for_port
from hall.service.pki import HallCA
from hall.service.provision import broker_files, device_files

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory):
    """The township hall provisioned into a folder, its broker running on two free ports."""
    out = tmp_path_factory.mktemp("provision")
    config = load_hall(TOWNSHIP)
    plain, tls = free_port(), free_port()
    ca = HallCA.open(out / "ca", config.id)
    creds = broker_files(config, out / "broker", ca, ("127.0.0.1", "localhost"), plain=f"{plain} 127.0.0.1",
                         tls_port=tls, persistence_dir=str(out / "data"), user="root",
                         log_dest=f"file {out / 'broker.log'}")
    device_files(config, out / "devices", ca, creds, "127.0.0.1", tls_port=tls, etc=str(out / "devices" / "{device}"),
                 hall_key=load_hall_key(config, out / "hall.key"))
    broker = subprocess.Popen(["mosquitto", "-c", str(out / "broker" / "mosquitto.conf")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for_port(tls) and wait_for_port(plain), (out / "broker.log").read_text()
    yield {"out": out, "config": config, "creds": creds, "plain": plain, "tls": tls}
    broker.terminate()
    broker.wait(10)
