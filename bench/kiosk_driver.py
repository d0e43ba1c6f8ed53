"""The kiosk's window (offscreen) with its real runtime and the printer simulator on a pty,
taking tickets as fast as a citizen could tap: run by bench_kiosk.py in a child process.

argv: BROKER_URL HALL_ID TICKETS RSS_AT(comma list) [TIDY 1|0]. Prints one JSON line: touch → cut
latencies (ms), and RSS (kB) and a census of what the process holds (bench/kiosk_census.py)
after the given ticket counts. TIDY 0 runs the kiosk without freeing a replaced screen at once
(kiosk/tidy.py), as it was before: the benchmark's "before" row.
"""
from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("KIVY_NO_ARGS", "1")
from kivy.config import Config  # noqa: E402

Config.set("graphics", "width", "1080")
Config.set("graphics", "height", "1920")

from kivy.clock import Clock  # noqa: E402

from bench.kiosk_census import census  # noqa: E402
from devices.printer.simulator import PrinterSimulator  # noqa: E402
from hall.config import load_hall  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.flow import KioskFlow, KioskSettings  # noqa: E402
from kiosk.runtime import DeviceUrls, KioskRuntime  # noqa: E402

url, hall_path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
rss_at = {int(x) for x in sys.argv[4].split(",")}
tidy = len(sys.argv) < 6 or sys.argv[5] == "1"
config = load_hall(hall_path)
sim = PrinterSimulator()
sim.start()
cuts: list[float] = []
sim.on_cut = lambda _elements: cuts.append(time.perf_counter())  # the cut is the job's last byte
flow = KioskFlow(config, KioskSettings(device="kiosk-1"))
app = KioskApp(flow, runtime_factory=lambda post, _quit: KioskRuntime(
    flow, url, DeviceUrls(printer=f"serial://{sim.path}?timeout=2"), b"bench-key", post), catch_errors=False,
    tidy=tidy)
state = {"t0": None, "done": 0, "cuts": 0, "failed": 0}
latencies: list[float] = []
rss: dict[int, int] = {}
counts: dict[int, dict] = {}


def step(_dt):
    if state["t0"] is None:
        if flow.screen == "home" and flow.online and flow.catalogue.services:
            state["t0"] = time.perf_counter()
            app.act("take", "help", flow.generation)
        return
    if flow.screen == "printer_problem" or (flow.screen == "ticket" and flow.ctx.get("mode") != "printed"):
        state["failed"] += 1  # the printer did not answer in time (a loaded machine): start again
        flow.reset()
        state["t0"] = None
        return
    if flow.screen == "ticket" and len(cuts) > state["cuts"]:
        latencies.append((cuts[-1] - state["t0"]) * 1000)
        state["cuts"] = len(cuts)
        sim.printed.clear()  # the simulator's paper is not the kiosk's memory
        app.act("done", None, flow.generation)
        state["done"] += 1
        state["t0"] = None
        if state["done"] in rss_at:
            c = census(app.root)
            rss[state["done"]] = c.pop("rss_kb")
            c.pop("by_type")
            counts[state["done"]] = c
        if state["done"] >= total:
            app.stop()
    elif flow.screen not in ("working", "ticket"):
        raise RuntimeError(f"unexpected screen {flow.screen}: {flow.ctx}")


Clock.schedule_interval(step, 0)
app.run()
sim.stop()
print(json.dumps({"latencies": latencies, "rss": rss, "counts": counts, "failed": state["failed"]}))
