"""Counter keypads on a pseudo-terminal: `yichuang sim keypad`.

RS-485 mode (default): one or more YC-485 keypads share the pty as they share a bus; they
answer the master's polls and show its display text. Type ``ADDR KEY [DIGITS]`` on stdin:

    1 login 1024      1 next      1 recall      1 noshow     1 pause     1 resume
    1 transfer 3      1 hold      1 call 12     1 finish     1 rate      reboot 1

433 MHz mode (``--ev1527``): a receiver board; type ``TRANSMITTER KEYBITS`` in hex
(``A1B2C 1``) or with a key name (``A1B2C next``); each press is sent ``--repeats`` times,
as a held EV1527 button repeats.

For tests the simulators also inject bus faults: silent keypads, garbage before a reply,
replies split in two writes, wrong checksums.
"""
from __future__ import annotations

import argparse
import threading
import time
from collections import deque

from devices.keypad import codec, ev1527
from devices.keypad.codec import Command, Frame, FrameReader, KeyAction
from devices.ptyport import OnPty, PtyPort

KEY_NAMES = {
    "login": KeyAction.LOGIN, "logout": KeyAction.LOGOUT, "next": KeyAction.CALL_NEXT,
    "recall": KeyAction.RECALL, "noshow": KeyAction.NO_SHOW, "pause": KeyAction.PAUSE,
    "resume": KeyAction.RESUME, "transfer": KeyAction.TRANSFER, "hold": KeyAction.HOLD,
    "call": KeyAction.CALL_NUMBER, "finish": KeyAction.FINISH, "rate": KeyAction.RATE,
}


class SimKeypad:
    """One keypad: its key queue (kept until acknowledged), sequence numbers, display."""

    def __init__(self, address: int, version: int = 1):
        self.address, self.version = address, version
        self.ignore_acks = 0
        self.power_on()

    def power_on(self) -> None:
        self.seq = 0
        self.queue: deque[tuple[int, KeyAction, str]] = deque()
        self.display: dict[int, str] = {}
        self.need_hello, self.hello_sent = True, False

    def press(self, action: KeyAction, digits: str = "") -> None:
        codec.key(self.address, 1, action, digits)  # refuse what the keypad could not send
        self.seq = codec.next_seq(self.seq)
        self.queue.append((self.seq, KeyAction(action), digits))

    def answer(self, frame: Frame) -> bytes | None:
        """The reply to a master frame addressed to this keypad (or broadcast: None)."""
        if frame.command == Command.DISPLAY:
            try:
                line, text = codec.decode_display(frame)
            except ValueError:
                return None if frame.address == codec.BROADCAST else codec.nak(self.address, frame.command, 2)
            self.display[line] = text
            return None if frame.address == codec.BROADCAST else codec.ack(self.address, frame.command)
        if frame.command != Command.POLL or frame.address == codec.BROADCAST:
            return codec.nak(self.address, frame.command, 3) if frame.address != codec.BROADCAST else None
        ack_seq = frame.data[0] if frame.data else 0
        if self.need_hello:
            if not (self.hello_sent and ack_seq == 0):
                self.hello_sent = True
                return codec.hello(self.address, self.version)
            self.need_hello = False
        if self.queue and self.queue[0][0] == ack_seq:
            if self.ignore_acks > 0:   # fault: firmware that sends an acknowledged key again
                self.ignore_acks -= 1
            else:
                self.queue.popleft()
        if not self.queue:
            return codec.idle(self.address)
        seq, action, digits = self.queue[0]
        return codec.key(self.address, seq, action, digits)


class KeypadSimulator(OnPty):
    """Keypads sharing one pty. ``handle(data)`` is the bus side; ``press`` is a clerk."""

    def __init__(self, addresses=(1,), *, link: str | None = None, on_display=None):
        self.keypads = {a: SimKeypad(a) for a in addresses}
        self.reader = FrameReader()
        self.on_display = on_display      # callback(address, line, text)
        self.port = PtyPort(self.handle, link)
        self.lock = threading.Lock()
        # fault injection
        self.silent: set[int] = set()     # addresses that do not answer (unplugged keypads)
        self.garbage_before = b""         # noise sent before each reply
        self.split_replies = False        # send each reply in two writes
        self.corrupt_replies = 0          # the next N replies carry a wrong checksum
        self.frames_seen: list[Frame] = []
        self.errors_seen = 0

    def press(self, address: int, action: KeyAction, digits: str = "") -> None:
        with self.lock:
            self.keypads[address].press(action, digits)

    def reboot(self, address: int) -> None:
        with self.lock:
            self.keypads[address].power_on()

    def display(self, address: int) -> dict[int, str]:
        with self.lock:
            return dict(self.keypads[address].display)

    def handle(self, data: bytes) -> bytes | None:
        replies = bytearray()
        with self.lock:
            for frame in self.reader.feed(data):
                if not isinstance(frame, Frame):
                    self.errors_seen += 1
                    continue
                if frame.command & 0x80:
                    continue  # another keypad's reply on the shared bus
                self.frames_seen.append(frame)
                targets = (list(self.keypads.values()) if frame.address == codec.BROADCAST
                           else [self.keypads[frame.address]] if frame.address in self.keypads else [])
                for keypad in targets:
                    if keypad.address in self.silent:
                        continue
                    before = dict(keypad.display)
                    reply = keypad.answer(frame)
                    if self.on_display and keypad.display != before:
                        for line, text in keypad.display.items():
                            if before.get(line) != text:
                                self.on_display(keypad.address, line, text)
                    if reply:
                        replies += self._faulty(reply)
        if self.split_replies and len(replies) > 1:
            half = len(replies) // 2
            self.port.write(bytes(replies[:half]))
            time.sleep(0.01)
            return bytes(replies[half:])
        return bytes(replies)

    def _faulty(self, reply: bytes) -> bytes:
        if self.corrupt_replies > 0:
            self.corrupt_replies -= 1
            reply = reply[:-2] + bytes([(reply[-2] + 1) & 0xFF]) + reply[-1:]
        return self.garbage_before + reply


class Ev1527Simulator(OnPty):
    """A 433 MHz receiver board: ``send`` a code as the board would after decoding it."""

    def __init__(self, *, link: str | None = None):
        self.port = PtyPort(lambda data: None, link)

    def send(self, transmitter: int, key: int, repeats: int = 1) -> None:
        self.port.write(ev1527.encode(transmitter, key) * repeats)


def _rs485_line(sim: KeypadSimulator, words: list[str]) -> str:
    if words[0] == "reboot" and len(words) == 2:
        sim.reboot(int(words[1]))
        return f"keypad {words[1]} restarted"
    address, name = int(words[0]), words[1]
    digits = words[2] if len(words) > 2 else ""
    sim.press(address, KEY_NAMES[name], digits)
    return f"keypad {address}: {name} {digits}".rstrip()


def _ev1527_line(sim: Ev1527Simulator, words: list[str], repeats: int) -> str:
    transmitter = int(words[0], 16)
    names = {action: bits for bits, action in ev1527.DEFAULT_KEYMAP.items()}
    key = names[KEY_NAMES[words[1]]] if words[1] in KEY_NAMES else int(words[1], 16)
    sim.send(transmitter, key, repeats)
    return f"sent {ev1527.encode(transmitter, key).hex(' ')} x{repeats}"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang sim keypad", description=__doc__.split("\n")[0])
    parser.add_argument("--addresses", default="1", help="RS-485 addresses, e.g. 1,2,3")
    parser.add_argument("--ev1527", action="store_true", help="be a 433 MHz receiver board instead")
    parser.add_argument("--repeats", type=int, default=3, help="EV1527 frames per press")
    parser.add_argument("--link", help="also make this symlink to the pty (a stable path)")
    args = parser.parse_args(argv)
    if args.ev1527:
        sim = Ev1527Simulator(link=args.link)
    else:
        addresses = [int(a) for a in args.addresses.split(",")]
        sim = KeypadSimulator(addresses, link=args.link, on_display=lambda a, line, text: print(
            f"keypad {a} 显示 line {line}: {text}", flush=True))

    def on_words(words: list[str]) -> None:
        try:
            if args.ev1527:
                print(_ev1527_line(sim, words, args.repeats), flush=True)
            else:
                print(_rs485_line(sim, words), flush=True)
        except (KeyError, ValueError, IndexError):
            print("keys: " + " ".join(KEY_NAMES) + "   e.g. '1 next', '1 login 1024'"
                  + ("   (433 MHz: 'A1B2C next')" if args.ev1527 else ""), flush=True)

    return sim.serve_console("keypad simulator", on_words)
