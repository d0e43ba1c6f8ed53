"""A ticket printer on a pseudo-terminal: `yichuang sim printer`.

It interprets the ESC/POS bytes it receives (``interpreter.Interpreter``), answers DLE EOT
with the configured paper / cover state, and keeps what made it onto paper, which it can
dump as text (and ``preview.py`` as a PNG). While it cannot print (paper out, cover open,
error, offline) it discards print data, as a printer that has stopped would; with
``paper_lines`` set, the roll runs out after that many printed lines, mid-ticket if need be.

Usage: ``yichuang sim printer [--link /tmp/printer] [--paper ok|low|out] [--cover-open]``;
then type ``paper out``, ``paper ok``, ``cover open``, ``cover closed``, ``error on``,
``dump`` or ``quit`` on stdin.
"""
from __future__ import annotations

import argparse
import threading

from devices.printer import codec
from devices.printer.interpreter import (Cut, Feed, Interpreter, QrCode, RasterImage,
                                         StatusRequest, TextLine)
from devices.ptyport import OnPty, PtyPort


class PrinterSimulator(OnPty):
    """An ESC/POS printer. Use ``handle(data)`` directly, or ``start()`` it on a pty."""

    def __init__(self, *, paper: str = "ok", cover_open: bool = False, error: bool = False,
                 offline: bool = False, paper_lines: int | None = None, columns: int = 32,
                 link: str | None = None):
        self.paper, self.cover_open, self.error, self.offline = paper, cover_open, error, offline
        self.paper_lines = paper_lines
        self.columns = columns
        self.interpreter = Interpreter()
        self.printed: list = []           # elements on paper, in order
        self.discarded = 0                # elements thrown away while not able to print
        self.status_requests: list[int] = []
        self._lock = threading.Lock()
        self.port = PtyPort(self.handle, link)
        self.on_cut = None                # callback(list of elements of the finished ticket)

    # -- state a test or an operator changes

    def load_paper(self, lines: int | None = None) -> None:
        """Put in a new roll (``lines`` limits it again; None = endless)."""
        with self._lock:
            self.paper, self.paper_lines = "ok", lines

    @property
    def can_print(self) -> bool:
        return self.paper != "out" and not (self.cover_open or self.error or self.offline)

    # -- the byte side

    def handle(self, data: bytes) -> bytes:
        """Take bytes from the host; return the status bytes to send back."""
        reply = bytearray()
        with self._lock:
            for item in self.interpreter.feed(data):
                if isinstance(item, StatusRequest):
                    self.status_requests.append(item.n)
                    if item.n in (1, 2, 3, 4):
                        reply += codec.status_reply(item.n, paper=self.paper,
                                                    cover_open=self.cover_open,
                                                    error=self.error, offline=self.offline)
                elif self.can_print:
                    self._put_on_paper(item)
                else:
                    self.discarded += 1
        return bytes(reply)

    def _put_on_paper(self, item) -> None:
        self.printed.append(item)
        if isinstance(item, Cut) and self.on_cut:
            self.on_cut(self.last_ticket())
        if self.paper_lines is not None and isinstance(item, (TextLine, QrCode, RasterImage)):
            self.paper_lines -= 1
            if self.paper_lines <= 0:
                self.paper = "out"

    # -- what was printed

    def tickets(self) -> list[list]:
        """Printed elements split at each cut (only cut tickets are complete)."""
        result, current = [], []
        for item in self.printed:
            current.append(item)
            if isinstance(item, Cut):
                result.append(current)
                current = []
        return result

    def last_ticket(self) -> list:
        tickets = self.tickets()
        return tickets[-1] if tickets else []

    def dump_text(self, elements: list | None = None) -> str:
        return dump_text(self.printed if elements is None else elements, self.columns)


def _line_text(line: TextLine, columns: int) -> str:
    used = sum(codec.column_width(c) * s.width for s in line.segments for c in s.text)
    sizes = {(s.width, s.height) for s in line.segments if (s.width, s.height) != (1, 1)}
    note = "".join(f"  «{w}×{h}»" for w, h in sorted(sizes))
    pad = max(0, columns - used)
    lead = pad // 2 if line.align == "center" else pad if line.align == "right" else 0
    return (" " * lead + line.text).rstrip() + note


def dump_text(elements: list, columns: int = 32) -> str:
    """The printed elements as plain text lines, one per printed line or code."""
    out = []
    for item in elements:
        if isinstance(item, TextLine):
            out.append(_line_text(item, columns))
        elif isinstance(item, QrCode):
            out.append(f"[二维码 QR model {item.model}, module {item.module}, EC {item.ec}] {item.payload}")
        elif isinstance(item, RasterImage):
            out.append(f"[图像 raster image {item.width}×{item.height} dots]")
        elif isinstance(item, Cut):
            out.append("-" * 10 + (" 半切 partial cut " if item.partial else " 切纸 cut ") + "-" * 10)
        elif isinstance(item, Feed):
            continue
    return "\n".join(out)


def _command(sim: PrinterSimulator, words: list[str]) -> bool:
    """One operator command from stdin; False to quit."""
    if not words:
        return True
    if words[0] in ("quit", "exit"):
        return False
    if words[0] == "paper" and len(words) > 1 and words[1] in ("ok", "low", "out"):
        if words[1] == "ok":
            sim.load_paper()
        else:
            sim.paper = words[1]
    elif words[0] == "cover" and len(words) > 1:
        sim.cover_open = words[1] == "open"
    elif words[0] == "error" and len(words) > 1:
        sim.error = words[1] == "on"
    elif words[0] == "offline" and len(words) > 1:
        sim.offline = words[1] == "on"
    elif words[0] == "dump":
        print(sim.dump_text(), flush=True)
    else:
        print("commands: paper ok|low|out, cover open|closed, error on|off, offline on|off, dump, quit")
    print(f"state: paper={sim.paper} cover_open={sim.cover_open} error={sim.error} "
          f"offline={sim.offline}", flush=True)
    return True


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang sim printer", description=__doc__.split("\n")[0])
    parser.add_argument("--link", help="also make this symlink to the pty (a stable path)")
    parser.add_argument("--paper", choices=("ok", "low", "out"), default="ok")
    parser.add_argument("--cover-open", action="store_true")
    parser.add_argument("--paper-lines", type=int, help="the roll runs out after N printed lines")
    parser.add_argument("--columns", type=int, default=32, help="32 for 58 mm paper, 48 for 80 mm")
    args = parser.parse_args(argv)
    sim = PrinterSimulator(paper=args.paper, cover_open=args.cover_open,
                           paper_lines=args.paper_lines, columns=args.columns, link=args.link)
    sim.on_cut = lambda ticket: print(dump_text(ticket, args.columns), flush=True)
    return sim.serve_console("printer simulator", lambda words: _command(sim, words))
