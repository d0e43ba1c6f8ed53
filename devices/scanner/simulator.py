"""`yichuang sim scanner`: a QR / barcode scanner in serial line mode on a pseudo-terminal.

It prints the device path a kiosk opens (``serial://<path>``), then "scans" each ``--scan``
payload and each line typed on stdin, encoded (UTF-8 or GBK) and followed by the chosen
terminator, exactly as a USB-CDC scanner sends it. A stdin line ``hex:FF FE 0D`` sends
raw bytes (line noise, a broken code). ``--link PATH`` keeps a stable symlink to the pty,
like ``/dev/serial/by-id/…``, so a restarted simulator is the same scanner coming back.
"""
from __future__ import annotations

import argparse
import time

from devices.ptyport import OnPty, PtyPort
from devices.scanner.codec import Terminator, encode_payload


class ScannerSimulator(OnPty):
    """The scanner end of a pty pair. What the host sends it is read and ignored (line mode
    needs no answers); it holds no slave fd of its own, so ``reader_attached()`` can tell
    when a driver has opened the port and a code scanned from then on is not flushed away."""

    def __init__(self, terminator: Terminator | str = Terminator.CR, encoding: str = "utf-8",
                 link: str | None = None) -> None:
        self.terminator = Terminator(terminator)
        self.encoding = encoding
        self.port = PtyPort(lambda data: None, link, hold_slave=False)

    def reader_attached(self, timeout: float = 0.0) -> bool:
        """Has a driver opened the port? (The master stops reporting hang-up.)"""
        return self.port.attached(timeout)

    def scan(self, text: str, *, encoding: str | None = None, chunk: int | None = None,
             pause: float = 0.0) -> bytes:
        """Send one code as the scanner would; returns the bytes sent."""
        data = encode_payload(text, encoding or self.encoding, self.terminator)
        self.write(data, chunk=chunk, pause=pause)
        return data

    def write(self, data: bytes, *, chunk: int | None = None, pause: float = 0.0) -> None:
        """Raw bytes, optionally in pieces of ``chunk`` bytes with ``pause`` seconds between."""
        if not self.port.running:
            raise RuntimeError("simulator is not started")
        step = chunk or len(data) or 1
        for i in range(0, len(data), step):
            self.port.write(data[i : i + step])
            if pause and i + step < len(data):
                time.sleep(pause)


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


def _send_line(sim: ScannerSimulator, line: str, args) -> None:
    if line.startswith("hex:"):
        sim.write(bytes.fromhex(line[4:]), chunk=args.chunk, pause=args.pause)
    else:
        sim.scan(line, chunk=args.chunk, pause=args.pause if args.chunk else 0.0)
    time.sleep(args.pause)  # with --terminator none, the pause is what ends a code


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    sim = ScannerSimulator(args.terminator, args.encoding, args.link)

    def first_codes() -> None:
        print(f"terminator {args.terminator}, {args.encoding}; type a code and Enter to scan it; "
              "hex:.. sends raw bytes; Ctrl-C to unplug", flush=True)
        while not sim.reader_attached(timeout=1.0):
            pass
        time.sleep(0.3)  # the driver clears its input right after opening the port
        for text in args.scan:
            _send_line(sim, text, args)

    return sim.serve_console("scanner simulator", on_line=lambda line: _send_line(sim, line, args),
                             then=first_codes)
