"""Finding or starting the pcscd a virtual card plugs into (demo machines and tests).

pcscd's client socket is fixed (``/run/pcscd/pcscd.comm``), so a machine runs one pcscd.
A demo or a test first looks for a running one that answers; only if there is none does
it start ``pcscd -f -c DIR`` (``-a`` on request) with a reader.conf.d of its own that
loads the vsmartcard ``vpcd`` driver on a chosen TCP port (``CHANNELID``; slot 1 listens on the port + 1).
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PID = Path("/run/pcscd/pcscd.pid")
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
SYSTEM_CONF_DIR = Path("/etc/reader.conf.d")
DEFAULT_VPCD_PORT = 0x8C7B  # 35963, Debian's /etc/reader.conf.d/vpcd


def pcscd_answers() -> bool:
    """Is a pcscd running that accepts a PC/SC context?"""
    if not PCSCD_SOCKET.exists():
        return False
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    scard.SCardReleaseContext(context)
    return True


def _listening_ports(pid: int) -> list[int]:
    """TCP ports process ``pid`` listens on (from /proc; no external tools)."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(set(ports))


def running_vpcd_ports() -> list[int]:
    """vpcd ports of the running pcscd: from its sockets, else from the system config."""
    try:
        pid = int(re.match(rb"\s*(\d+)", PCSCD_PID.read_bytes()).group(1))  # "6901\n\0"
        ports = _listening_ports(pid)
        if ports:
            return ports
    except (OSError, ValueError, AttributeError):
        pass
    return configured_vpcd_ports(SYSTEM_CONF_DIR)


def configured_vpcd_ports(conf_dir: Path) -> list[int]:
    """Ports of the vpcd readers a reader.conf.d declares (CHANNELID and CHANNELID + 1)."""
    ports = []
    for conf in sorted(Path(conf_dir).glob("*")):
        try:
            text = conf.read_text()
        except OSError:
            continue
        if "libifdvpcd" not in text:
            continue
        match = re.search(r"^\s*CHANNELID\s+(\S+)", text, re.MULTILINE)
        if match:
            base = int(match.group(1), 0)
            ports += [base, base + 1]
    return ports or [DEFAULT_VPCD_PORT, DEFAULT_VPCD_PORT + 1]


def free_port_pair() -> int:
    """A port P such that P and P + 1 are both free on this machine."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("", port))
                b.bind(("", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of TCP ports")


def reader_conf(port: int, friendly_name: str) -> str:
    """A reader.conf.d entry loading vpcd on ``port`` (server mode: vpcd listens)."""
    return (f'FRIENDLYNAME "{friendly_name}"\n'
            f"DEVICENAME   /dev/null:{port}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    {port}\n")


class PcscdProcess:
    """A pcscd of our own, with one vpcd reader (two slots) on a free port pair."""

    def __init__(self, friendly_name: str = "Yichuang Virtual PCD", *,
                 apdu_log: bool = False) -> None:
        self.friendly_name = friendly_name
        # pcscd -a writes every APDU and answer in hex to its log: ID numbers, names, PINs.
        # Off unless asked for while debugging a card conversation.
        self.apdu_log = apdu_log
        self.port = free_port_pair()
        self.dir = Path(tempfile.mkdtemp(prefix="yc-pcscd-"))
        self.conf_dir = self.dir / "reader.conf.d"
        self.conf_dir.mkdir()
        (self.conf_dir / "yichuang-vpcd").write_text(reader_conf(self.port, friendly_name))
        self.log_path = self.dir / "pcscd.log"
        self.proc: subprocess.Popen | None = None

    @property
    def ports(self) -> list[int]:
        return [self.port, self.port + 1]

    def start(self, timeout: float = 10.0) -> None:
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                ["pcscd", "-f", *(["-a"] if self.apdu_log else []), "-c", str(self.conf_dir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited: {self.log_path.read_text()[-2000:]}")
            if pcscd_answers() and self._listening():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("pcscd did not come up in time")

    def _listening(self) -> bool:
        # Read /proc rather than connect: a connection to vpcd is a card insertion.
        return self.port in _listening_ports(self.proc.pid)

    def stop(self) -> None:
        """Stop our pcscd by its PID and remove its configuration directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


def find_reader_for_atr(atr: bytes, timeout: float = 5.0,
                        exclude: frozenset[str] = frozenset()) -> str | None:
    """The name of the reader in which a card with ``atr`` appears within ``timeout``."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            hresult, names = scard.SCardListReaders(context, [])
            if hresult == scard.SCARD_S_SUCCESS and names:
                wanted = [(n, scard.SCARD_STATE_UNAWARE) for n in names if n not in exclude]
                hresult, states = scard.SCardGetStatusChange(context, 0, wanted)
                if hresult == scard.SCARD_S_SUCCESS:
                    for name, event, card_atr in states:
                        if event & scard.SCARD_STATE_PRESENT and bytes(card_atr) == atr:
                            return name
            time.sleep(0.1)
        return None
    finally:
        scard.SCardReleaseContext(context)
