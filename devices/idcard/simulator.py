"""A SAM card reader that speaks the exact GA 467 bytes, on a pseudo-terminal.

``SamState`` is the reader's logic with no I/O: a command body in, a reply frame out.
``Simulator`` serves it on a pty (``devices.ptyport``; ``start``/``stop``, or ``with``), places and
lifts virtual cards, emulates the UART speed (bytes sent at the wrong baud rate are lost, as
on a real line), and can inject line faults: garbage before a reply, a reply split in
pieces, a wrong checksum, silence, a truncated reply.

``run(argv)`` is ``yichuang sim idcard``: it prints the pty path to connect a driver to and
serves until Ctrl-C; typing ``place [kind]``, ``lift`` or ``quit`` on stdin moves the card.
"""
from __future__ import annotations

import argparse
import collections
import struct
import termios
import threading
import time

from devices.errors import DeviceError
from devices.idcard import codec
from devices.idcard.cards import VirtualCard, demo_virtual_cards
from devices.idcard.text import encode_appended_address
from devices.ptyport import OnPty, PtyPort

DEFAULT_SAM_ID = bytes([0x05, 0x00, 0x01, 0x00]) + struct.pack("<III", 20230101, 1234567, 89012345)
FAULTS = ("garbage", "split", "bad_checksum", "silent", "truncate")
_SPEEDS = {getattr(termios, f"B{b}"): b for b in codec.BAUD_RATES}


class SamState:
    """The reader's behaviour, command by command (no I/O, no clock).

    A card found, selected and read cannot be found again until it is lifted and placed
    again (``require_lift``), as real SAMs behave; a reader that does not enforce this is
    simulated with ``require_lift=False``.
    """

    def __init__(self, card: VirtualCard | None = None, *, sam_id: bytes = DEFAULT_SAM_ID,
                 baudrate: int = 115200, require_lift: bool = True) -> None:
        self.card = card
        self.sam_id = sam_id
        self.baudrate = baudrate
        self.require_lift = require_lift
        self.found = self.selected = self.read_done = False
        self.reads = 0
        self.pending_baudrate: int | None = None

    def place(self, card: VirtualCard) -> None:
        self.card = card
        self.found = self.selected = self.read_done = False

    def lift(self) -> None:
        self.card = None
        self.found = self.selected = self.read_done = False

    def handle_bytes(self, body: bytes) -> bytes:
        try:
            command = codec.decode_command(body)
        except DeviceError:
            return codec.encode_reply(0x11)
        return self.handle(command)

    def handle(self, c: codec.Command) -> bytes:  # noqa: C901 - one branch per command
        reply = codec.encode_reply
        op = (c.cmd, c.para)
        takes_data = c.cmd in (0x61,)
        if c.data and not takes_data:
            return reply(0x11)
        if op == (0x10, 0xFF):
            self.found = self.selected = False
            return reply(0x90)
        if op == (0x11, 0xFF):
            return reply(0x90)
        if op == (0x12, 0xFF):
            return reply(0x90, self.sam_id)
        if op == (0x20, 0x01):
            self.selected = False
            self.found = self.card is not None and not (self.require_lift and self.read_done)
            return reply(0x9F, b"\x00" * 4) if self.found else reply(0x80)
        if op == (0x20, 0x02):
            if not self.found or self.card is None:
                return reply(0x81)
            self.selected = True
            return reply(0x90, self.card.serial)
        if c.cmd == 0x30 and c.para in (0x01, 0x10, 0x03, 0x05):
            if not self.selected or self.card is None:
                return reply(0x41)
            card = self.card
            if c.para == 0x03:
                if card.appended_address is None:
                    return reply(0x91)
                return reply(0x90, encode_appended_address(card.appended_address))
            if c.para == 0x05:
                return reply(0x90, card.serial)
            fingerprint = card.fingerprint if c.para == 0x10 else None
            self.read_done = True
            self.reads += 1
            return reply(0x90, codec.encode_read_payload(card.text, card.photo, fingerprint))
        if c.cmd == 0x60 and c.para in codec.BAUD_BY_CODE:
            self.pending_baudrate = codec.BAUD_BY_CODE[c.para]
            return reply(0x90)
        if op == (0x61, 0xFF) and len(c.data) == 1:
            return reply(0x90)
        return reply(0x21)


class Simulator(OnPty):
    """Serve a ``SamState`` on a pseudo-terminal; ``path`` is what a driver opens.

    ``link`` (optional) is a symlink kept pointing at the current slave, like a udev name:
    after ``stop()`` and ``start()`` the reader "comes back" at the same path.
    """

    def __init__(self, card: VirtualCard | None = None, *, baudrate: int = 115200,
                 link: str | None = None, require_lift: bool = True,
                 emulate_baud: bool = True, sam_id: bytes = DEFAULT_SAM_ID) -> None:
        self.state = SamState(card, sam_id=sam_id, baudrate=baudrate, require_lift=require_lift)
        self.emulate_baud = emulate_baud
        self.commands: list[tuple[int, int]] = []  # every command seen, for tests and the CLI
        self.lost_bytes = 0  # bytes that arrived at the wrong speed or outside a frame
        self.on_read = None  # optional callback(VirtualCard) after a successful 30 01/30 10
        self._faults: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._parser = codec.FrameParser(codec.MAX_COMMAND_LEN)
        self.port = PtyPort(self._receive, link)

    # -- cards and faults (safe from any thread) ------------------------------------------
    def place(self, card: VirtualCard) -> None:
        with self._lock:
            self.state.place(card)

    def lift(self) -> None:
        with self._lock:
            self.state.lift()

    def inject(self, fault: str, count: int = 1) -> None:
        """Spoil the next ``count`` replies with ``fault`` (one of ``FAULTS``)."""
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}")
        with self._lock:
            self._faults.extend([fault] * count)

    @property
    def baudrate(self) -> int:
        return self.state.baudrate

    @property
    def slave_path(self) -> str:
        return self.port.slave_name

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> str:
        with self._lock:  # a SAM powered up afresh; a card lying there can be read again
            self.state.found = self.state.selected = self.state.read_done = False
        self._parser = codec.FrameParser(codec.MAX_COMMAND_LEN)
        path = super().start()
        self._set_speed(self.state.baudrate)
        return path

    # -- serving -----------------------------------------------------------------------------
    def _set_speed(self, baudrate: int) -> None:
        attrs = termios.tcgetattr(self.port.slave_fd)
        speed = getattr(termios, f"B{baudrate}")
        attrs[4] = attrs[5] = speed
        termios.tcsetattr(self.port.slave_fd, termios.TCSANOW, attrs)

    def _host_speed_matches(self) -> bool:
        if not self.emulate_baud:
            return True
        speed = termios.tcgetattr(self.port.slave_fd)[4]
        return _SPEEDS.get(speed) == self.state.baudrate

    def _receive(self, data: bytes) -> None:
        """What the host sent (on the port's thread): frames in, replies out."""
        if not self._host_speed_matches():
            self.lost_bytes += len(data)  # a UART at another speed hears only noise
            return
        parser = self._parser
        parser.feed(data)
        while True:
            before = parser.discarded
            try:
                body = parser.next_frame()
            except DeviceError:
                self._send(codec.encode_reply(0x10))
                continue
            finally:
                self.lost_bytes += parser.discarded - before
            if body is None:
                break
            self._answer(body)

    def _answer(self, body: bytes) -> None:
        with self._lock:
            if len(body) >= 2:
                self.commands.append((body[0], body[1]))
            read_before = self.state.reads
            frame = self.state.handle_bytes(body)
            fault = self._faults.popleft() if self._faults else None
            new_baud, self.state.pending_baudrate = self.state.pending_baudrate, None
            card = self.state.card if self.state.reads != read_before else None
        self._send(frame, fault)
        if new_baud:
            self.state.baudrate = new_baud
        if card is not None and self.on_read is not None:
            self.on_read(card)

    def _send(self, frame: bytes, fault: str | None = None) -> None:
        if fault == "silent":
            return
        if fault == "bad_checksum":
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        if fault == "truncate":
            frame = frame[: len(frame) // 2]
        if fault == "garbage":
            frame = bytes.fromhex("00FF13AAAA9655AA69") + frame
        pieces = [frame]
        if fault == "split":
            cut1, cut2 = 3, max(4, len(frame) // 2)
            pieces = [frame[:cut1], frame[cut1:cut2], frame[cut2:]]
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(0.02)
            self.port.write(piece)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    kinds = list(demo_virtual_cards())
    p = argparse.ArgumentParser(prog="yichuang sim idcard",
                                description="Simulated resident ID card reader (SAM, GA 467 frames) on a pty.")
    p.add_argument("--card", default="resident", choices=kinds + ["none"],
                   help="card on the reader at start (default: resident)")
    p.add_argument("--baud", type=int, default=115200, choices=codec.BAUD_RATES,
                   help="the SAM's UART speed (default 115200)")
    p.add_argument("--link", help="also make this symlink to the pty, e.g. /tmp/idcard")
    p.add_argument("--replace-after", type=float, default=0.0, metavar="SECONDS",
                   help="after each read, lift the card and place it again after SECONDS (demo loop)")
    p.add_argument("--no-lift-guard", action="store_true",
                   help="behave like a reader that finds an already-read card again")
    return p.parse_args(argv)


def run(argv: list[str]) -> int:
    """``yichuang sim idcard``: serve until Ctrl-C, SIGTERM, or ``quit`` on stdin."""
    args = _parse_args(argv)
    cards = demo_virtual_cards()
    sim = Simulator(None if args.card == "none" else cards[args.card], baudrate=args.baud,
                    link=args.link, require_lift=not args.no_lift_guard)

    def later(delay: float, action) -> None:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        timer.start()

    def place_again(card: VirtualCard) -> None:
        sim.place(card)
        print(f"已放置 (placed): {card.label}", flush=True)

    def replace_later(card: VirtualCard) -> None:
        # the citizen takes the card a moment after the beep (so 30 03 still finds it)
        later(1.0, lambda: (sim.lift(), print("已取走 (lifted)", flush=True)))
        later(1.0 + args.replace_after, lambda: place_again(card))

    if args.replace_after > 0:
        sim.on_read = replace_later
    return sim.serve_console("idcard simulator", lambda words: _command(sim, cards, words),
                             then=lambda: print(HELP.format(kinds="|".join(cards)), flush=True),
                             baudrate=args.baud)


HELP = "commands: place [{kinds}], lift, status, quit"


def _command(sim: Simulator, cards: dict[str, VirtualCard], words: list[str]) -> None:
    if words[0] == "lift":
        sim.lift()
        print("已取走 (lifted)", flush=True)
    elif words[0] == "place":
        card = cards.get(words[1] if len(words) > 1 else "resident")
        if card is None:
            print("unknown card kind; one of: " + ", ".join(cards), flush=True)
            return
        sim.place(card)
        print(f"已放置 (placed): {card.label}", flush=True)
    elif words[0] == "status":
        card = sim.state.card
        print(f"card: {card.label if card else '无 (none)'}; baud {sim.baudrate}; "
              f"reads {sim.state.reads}", flush=True)
    else:
        print(HELP.format(kinds="|".join(cards)), flush=True)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
