"""`yichuang sim scanner`: a QR / barcode scanner in serial line mode on a pseudo-terminal.

It prints the device path a kiosk opens (``serial://<path>``), then "scans" each ``--scan``
payload and each line typed on stdin, encoded (UTF-8 or GBK) and followed by the chosen
terminator, exactly as a USB-CDC scanner sends it. A stdin line ``hex:FF FE 0D`` sends
raw bytes (line noise, a broken code). ``--link PATH`` keeps a stable symlink to the pty,
like ``/dev/serial/by-id/…``, so a restarted simulator is the same scanner coming back.
"""
from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import sys
import threading
import time
import tty

from devices.scanner.codec import Terminator, encode_payload


class ScannerSimulator:
    """The scanner end of a pty pair. Usable in-process by tests (no thread needed)."""

    def __init__(self, terminator: Terminator | str = Terminator.CR, encoding: str = "utf-8",
                 link: str | None = None) -> None:
        self.terminator = Terminator(terminator)
        self.encoding = encoding
        self.link = link
        self.master: int | None = None
        self.slave_path: str | None = None

    @property
    def path(self) -> str:
        """What a driver opens: the symlink if there is one, else the pty slave."""
        return self.link or self.slave_path or ""

    @property
    def url(self) -> str:
        return f"serial://{self.path}"

    def open(self) -> str:
        master, slave = pty.openpty()
        tty.setraw(slave)
        self.master, self.slave_path = master, os.ttyname(slave)
        os.close(slave)  # the driver opens it by path; no reader = POLLHUP on the master
        if self.link:
            tmp = f"{self.link}.new"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(self.slave_path, tmp)
            os.replace(tmp, self.link)
        return self.path

    def reader_attached(self, timeout: float = 0.0) -> bool:
        """Has a driver opened the port? (The master stops reporting hang-up.)"""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self.master, select.POLLIN)
        while True:
            events = dict(poller.poll(0))
            if events.get(self.master, 0) & select.POLLHUP == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def scan(self, text: str, *, encoding: str | None = None, chunk: int | None = None,
             pause: float = 0.0) -> bytes:
        """Send one code as the scanner would; returns the bytes sent."""
        data = encode_payload(text, encoding or self.encoding, self.terminator)
        self.write(data, chunk=chunk, pause=pause)
        return data

    def write(self, data: bytes, *, chunk: int | None = None, pause: float = 0.0) -> None:
        """Raw bytes, optionally in pieces of ``chunk`` bytes with ``pause`` seconds between."""
        if self.master is None:
            raise RuntimeError("simulator is not open")
        step = chunk or len(data) or 1
        for i in range(0, len(data), step):
            os.write(self.master, data[i : i + step])
            if pause and i + step < len(data):
                time.sleep(pause)

    def drain(self) -> None:
        """Discard what the host wrote to the scanner (line mode needs no answers)."""
        while self.master is not None and select.select([self.master], [], [], 0)[0]:
            try:
                if not os.read(self.master, 4096):
                    return
            except OSError:
                return

    def close(self) -> None:
        """Unplug: the pty goes away and so does the symlink."""
        master, self.master = self.master, None
        if master is not None:
            os.close(master)
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)

    def __enter__(self) -> "ScannerSimulator":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang sim scanner", description=__doc__.split("\n")[0])
    p.add_argument("--terminator", choices=[t.value for t in Terminator if t is not Terminator.ANY],
                   default="cr", help="suffix after each code (none: codes end by a pause)")
    p.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8")
    p.add_argument("--scan", action="append", default=[], help="a code to scan (repeatable)")
    p.add_argument("--link", help="also reach the pty through this symlink")
    p.add_argument("--chunk", type=int, help="send in pieces of this many bytes")
    p.add_argument("--pause", type=float, default=0.2,
                   help="seconds between codes (and between pieces, with --chunk)")
    return p


def _interrupt(signum, frame):  # SIGTERM ends the demo like Ctrl-C does
    raise KeyboardInterrupt


def _send_line(sim: ScannerSimulator, line: str, args) -> None:
    if line.startswith("hex:"):
        sim.write(bytes.fromhex(line[4:]), chunk=args.chunk, pause=args.pause)
    else:
        sim.scan(line, chunk=args.chunk, pause=args.pause if args.chunk else 0.0)
    time.sleep(args.pause)  # with --terminator none, the pause is what ends a code


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    sim = ScannerSimulator(args.terminator, args.encoding, args.link)
    sim.open()
    print(f"scanner on serial://{sim.path}  (terminator {args.terminator}, {args.encoding})",
          flush=True)
    print("type a code and Enter to scan it; hex:.. sends raw bytes; Ctrl-C to unplug",
          flush=True)
    try:
        while not sim.reader_attached(timeout=1.0):
            pass
        time.sleep(0.3)  # the driver clears its input right after opening the port
        for text in args.scan:
            _send_line(sim, text, args)
        for line in sys.stdin:
            sim.drain()
            _send_line(sim, line.rstrip("\r\n"), args)
        threading.Event().wait()  # stdin closed: stay plugged in until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0
