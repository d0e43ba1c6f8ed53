"""A hardware keypad's call, end to end, against the bare broker round trip of the same run.

The keypad simulator sits on a pseudo-terminal as an RS-485 bus; the keypad bridge
(caller.bridge, in process) polls it, journals each press (SQLite, synchronous=FULL), sends
the request to the hub (a process) over a real Mosquitto; a board subscriber hears
``ticket_called``. Measured per press:
- key frame on the bus → ticket_called at the board (the bridge's poll reply carries the key);
- key pressed → ticket_called (adds the wait for the next poll of that keypad);
- baseline: the bare broker round trip (QoS 1 out, echo back), as in bench_hub.
"""
from __future__ import annotations

import re
import tempfile
import threading
import time
from pathlib import Path

from bench.bench_hub import bare_round_trips, percentile
from caller.bridge import KeypadBridge
from devices.keypad import codec
from devices.keypad.codec import Command, KeyAction
from devices.keypad.simulator import KeypadSimulator
from hall.config import load_hall
from hall.service.bus import parse_broker_url
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
SAMPLES = 150


class TimedKeypads(KeypadSimulator):
    """The keypad simulator, noting when each KEY frame goes onto the bus."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.key_sent: dict[int, float] = {}  # seq -> perf_counter when first sent

    def handle(self, data: bytes):
        reply = super().handle(data)
        if reply:
            for frame in codec.FrameReader().feed(reply):
                if isinstance(frame, codec.Frame) and frame.command == Command.KEY:
                    self.key_sent.setdefault(frame.data[0], time.perf_counter())
        return reply


def hall_file(tmp: Path, bus_path: str) -> Path:
    text = HALL.read_text()
    text = re.sub(r'(?m)^bus = .*$', f'bus = "serial://{bus_path}"', text)
    text = re.sub(r'(?m)^(receiver|ledbars) = .*\n', "", text)
    path = tmp / "hall.toml"
    path.write_text(text)
    return path


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-keypad-") as tmp:
        tmp = Path(tmp)
        keypads = TimedKeypads([1, 2], link=str(tmp / "keypads"))
        keypads.start()
        hall = hall_file(tmp, keypads.path)
        config = load_hall(hall)
        broker = Mosquitto(tmp / "mosquitto").start()
        log = tmp / "hub.log"
        status = HubStatus(broker.url, config.id).start()
        hub = spawn_hub(hall, tmp / "hall.sqlite", broker.url, log, "--always-open")
        bridge = None
        try:
            status.wait_online(30, hub, log)
            rtt = bare_round_trips(broker.port, SAMPLES)
            bridge = KeypadBridge(config, "bridge-1", parse_broker_url(broker.url), tmp / "journal.sqlite")
            runner = threading.Thread(target=bridge.run, daemon=True)
            runner.start()
            kiosk = HallClient(broker.url, config.id, "kiosk-1").connect()
            board = HallClient(broker.url, config.id, "board-1", watch_events=True).connect()
            keypads.press(1, KeyAction.LOGIN, "0101")
            board.wait_for(lambda: any(e["type"] == "staff_login" for e in board.events), 20, "the keypad login")
            frame_to_board, press_to_board = [], []
            for i in range(SAMPLES + 10):
                reply = kiosk.request("issue", service=("household", "social_insurance")[i % 2])
                assert reply["status"] == "ok", reply
                number = reply["data"]["ticket"]
                heard = len(board.events)
                pressed = time.perf_counter()
                keypads.press(1, KeyAction.CALL_NEXT)
                seq = keypads.keypads[1].seq
                board.wait_for(lambda: any(e["type"] == "ticket_called" and e["ticket"] == number
                                           for e in board.events[heard:]), 10, f"the call of {number}")
                arrived = time.perf_counter()
                if i >= 10:
                    frame_to_board.append((arrived - keypads.key_sent[seq]) * 1000)
                    press_to_board.append((arrived - pressed) * 1000)
                keypads.key_sent.clear()
                heard = len(board.events)
                keypads.press(1, KeyAction.FINISH)
                board.wait_for(lambda: any(e["type"] == "ticket_finished" for e in board.events[heard:]), 10,
                               "the finish")
            kiosk.close()
            board.close()
        finally:
            if bridge is not None:
                bridge.stop()
                runner.join(10)
            hub.terminate()
            hub.wait(15)
            status.close()
            broker.stop()
            keypads.stop()

    p50, p95 = percentile(rtt, 50), percentile(rtt, 95)
    print(f"township hall; keypad bus on a pty (poll interval 20 ms, 2 keypads); loopback Mosquitto; {SAMPLES} samples")
    print()
    print("| latency                                                   | p50 ms | p95 ms | ratio p50 | ratio p95 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare broker round trip (QoS 1 out, echo back)             | {p50:6.2f} | {p95:6.2f} |      1.00 |      1.00 |")
    for name, values in (("key frame on the bus -> ticket_called at a board", frame_to_board),
                         ("key pressed -> ticket_called (incl. the wait for a poll)", press_to_board)):
        v50, v95 = percentile(values, 50), percentile(values, 95)
        print(f"| {name:<57} | {v50:6.2f} | {v95:6.2f} | {v50 / p50:9.2f} | {v95 / p95:9.2f} |")
    print("(each press is journaled with synchronous=FULL before the keypad is acknowledged, and committed by the hub "
          "before its event leaves)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
