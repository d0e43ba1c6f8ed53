"""Window LED bars on a pseudo-terminal: `yichuang sim ledbar`.

The bars at ``--addresses`` share the pty as they share a bus; each decodes YC-LED frames,
answers them, and the simulator prints every bar's text whenever it changes, e.g.

    [3] 请A012号到3号窗口   (闪烁 blink, 亮度 brightness 8)

Type ``reboot N`` on stdin to cut a bar's power (it forgets its text), ``quit`` to stop.
"""
from __future__ import annotations

import argparse
import threading
import time

from devices.ledbar import codec
from devices.ledbar.codec import BarState, Frame, FrameReader, Status
from devices.ptyport import OnPty, PtyPort


class LedBarSimulator(OnPty):
    def __init__(self, addresses=(1,), *, link: str | None = None, on_change=None):
        self.bars: dict[int, BarState] = {a: BarState() for a in addresses}
        self.reader = FrameReader()
        self.on_change = on_change           # callback(address, BarState)
        self.port = PtyPort(self.handle, link)
        self.lock = threading.Lock()
        self.silent: set[int] = set()        # fault: bars that do not answer
        self.garbage_before = b""            # fault: noise before each reply
        self.split_replies = False           # fault: each reply in two writes
        self.corrupt_replies = 0             # fault: the next N replies have a wrong BCC
        self.errors_seen = 0

    def handle(self, data: bytes) -> bytes:
        replies = bytearray()
        with self.lock:
            for frame in self.reader.feed(data):
                if not isinstance(frame, Frame):
                    self.errors_seen += 1
                    continue
                if frame.is_reply:
                    continue
                targets = list(self.bars) if frame.address == codec.BROADCAST else (
                    [frame.address] if frame.address in self.bars else [])
                for address in targets:
                    if address in self.silent:
                        continue
                    replies += self._one(address, frame)
        if self.split_replies and len(replies) > 1:
            self.port.write(bytes(replies[:len(replies) // 2]))
            time.sleep(0.01)
            return bytes(replies[len(replies) // 2:])
        return bytes(replies)

    def _faulty(self, reply: bytes) -> bytes:
        if self.corrupt_replies > 0:
            self.corrupt_replies -= 1
            reply = reply[:-2] + bytes([reply[-2] ^ 0x5A]) + reply[-1:]
        return self.garbage_before + reply

    def _one(self, address: int, frame: Frame) -> bytes:
        before = self.bars[address]
        after, status = codec.apply(before, frame)
        self.bars[address] = after
        if after != before and self.on_change:
            self.on_change(address, after)
        if frame.address == codec.BROADCAST:
            return b""
        if frame.command == codec.Command.QUERY and status == Status.OK:
            return self._faulty(codec.state_reply(address, after))
        return self._faulty(codec.reply(address, frame.command, status))

    def reboot(self, address: int) -> None:
        with self.lock:
            self.bars[address] = BarState()

    def state(self, address: int) -> BarState:
        with self.lock:
            return self.bars[address]


def describe(address: int, state: BarState) -> str:
    flags = ["闪烁 blink"] if state.blink else []
    flags += ["滚动 scroll"] if state.scroll else []
    flags.append(f"亮度 brightness {state.brightness}")
    return f"[{address}] {state.text or '（空白 blank）'}   ({', '.join(flags)})"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang sim ledbar", description=__doc__.split("\n")[0])
    parser.add_argument("--addresses", default="1", help="bar addresses, e.g. 1,2,3")
    parser.add_argument("--link", help="also make this symlink to the pty (a stable path)")
    args = parser.parse_args(argv)
    sim = LedBarSimulator([int(a) for a in args.addresses.split(",")], link=args.link,
                          on_change=lambda a, s: print(describe(a, s), flush=True))

    def on_words(words: list[str]) -> None:
        if len(words) == 2 and words[0] == "reboot" and words[1].isdigit() and int(words[1]) in sim.bars:
            sim.reboot(int(words[1]))
            print(describe(int(words[1]), sim.state(int(words[1]))), flush=True)
        else:
            print("commands: reboot N, quit", flush=True)

    return sim.serve_console("LED bar simulator", on_words)
