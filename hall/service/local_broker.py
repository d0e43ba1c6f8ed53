"""A broker on a free loopback port, and the hub as a child process, for tests, benchmarks and
the demo.

``Mosquitto`` runs the real broker as a child process with the deliberate settings of
``hall.service.mosquitto_config`` (persistence, queue limits) and, optionally, a hall's
accounts and ACL; it binds 127.0.0.1 only and is stopped or killed by its PID.
``EmbeddedBroker`` (``hall.service.broker``) is the in-process alternative.
``spawn_hub`` starts `yichuang hub` with its log in a file; ``wait_hub_connected`` reads the
log until the hub has connected (and subscribed) a given number of times.
"""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hall.service.mosquitto_config import broker_conf

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0, host: str = LOOPBACK) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


class Mosquitto:
    """Mosquitto on 127.0.0.1:``port`` with its persistence in ``directory``."""

    def __init__(self, directory: Path, port: int | None = None, *, password_file: Path | None = None,
                 acl_file: Path | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.password_file, self.acl_file = password_file, acl_file
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "mosquitto.log"

    def start(self) -> "Mosquitto":
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "mosquitto.conf"
        conf.write_text(broker_conf(
            f"{self.port} {LOOPBACK}", str(self.directory),
            password_file=str(self.password_file) if self.password_file else None,
            acl_file=str(self.acl_file) if self.acl_file else None,
            user="root",  # as root it would otherwise drop to user mosquitto and fail to save
            log_dest=f"file {self.log_path}"))
        self.process = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        if not wait_for_port(self.port):
            self.kill()
            raise RuntimeError(f"mosquitto did not listen on {self.port}; see {self.log_path}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Mosquitto saves its database), then SIGKILL if it lingers."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        self._signal(signal.SIGKILL, 10.0)

    def _signal(self, sig: int, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


HUB_CONNECTED = " connected to "  # the hub's log line once it is subscribed (hall.service.hub)


def spawn_hub(config: Path, db: Path, url: str, log: Path, *extra: str) -> subprocess.Popen:
    """`yichuang hub` as a child process of this Python, appending its log to ``log``."""
    with open(log, "a") as out:
        return subprocess.Popen([sys.executable, "-m", "hall.cli", "hub", "--config", str(config), "--db", str(db),
                                 "--broker", url, *extra], stdout=out, stderr=out)


def hub_connections(log: Path) -> int:
    return log.read_text().count(HUB_CONNECTED) if log.exists() else 0


def wait_hub_connected(process: subprocess.Popen, log: Path, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while hub_connections(log) < count:
        if process.poll() is not None:
            raise RuntimeError(f"hub exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"hub not connected within {timeout} s:\n{log.read_text()}")
        time.sleep(0.02)
