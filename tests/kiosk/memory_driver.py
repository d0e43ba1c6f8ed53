"""The real kiosk window (offscreen) taking tickets one after another, with a census of what the
process holds after each: used by test_memory.py in a child process (one Kivy window per
process). Prints one JSON line.

argv: TICKETS TIDY(1|0). Each ticket goes home → working → ticket (with its QR) → home, the
hub's state of every service changing with it (the home tiles are drawn again); the census is
taken on the home screen once the frame after it has run (when a replaced screen is freed).
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("KIVY_NO_ARGS", "1")
from kivy.config import Config  # noqa: E402

Config.set("graphics", "width", "1080")
Config.set("graphics", "height", "1920")
Config.set("graphics", "resizable", "0")

from kivy.clock import Clock  # noqa: E402

from bench.kiosk_census import census  # noqa: E402
from hall.config import load_hall  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.effects import Print, Send  # noqa: E402
from kiosk.flow import KioskFlow, KioskSettings  # noqa: E402
from kiosk.screenshots import ROOT  # noqa: E402

total, tidy = int(sys.argv[1]), sys.argv[2] == "1"
config = load_hall(ROOT / "config" / "halls" / "township.toml")
flow = KioskFlow(config, KioskSettings(device="kiosk-1"))
flow.on_connection(True)
flow.on_hub(True)
flow.on_state("hall", {"v": 1, "name": config.name, "open_today": True, "open_now": True,
                       "hours": config.hours.as_text()})


def hall_moves(n: int) -> None:
    """The hub's retained state after ticket ``n``: every tile's figures change."""
    for i, code in enumerate(config.services):
        flow.on_state("service", {"v": 1, "service": code, "waiting": (n + i) % 40,
                                  "estimated_wait_min": float((n + 2 * i) % 30), "open": True})


def take_ticket(n: int) -> None:
    """A tap on a tile, the printer ready, the hub's answer, the slip printed: the ticket screen."""
    flow.touch("take", "help", flow.generation)
    flow.printer_checked(True)
    txn = [e for e in flow.take_effects() if isinstance(e, Send)][-1].transaction
    flow.reply({"v": 1, "status": "ok", "transaction": txn, "data": {
        "ticket": f"A{n % 1000:03d}", "id": f"2026-03-03:A{n:03d}", "service": "help", "service_name": "咨询",
        "service_name_en": "Enquiries", "status": "waiting", "priority": None, "people_ahead": n % 12,
        "estimated_wait_min": float(n % 30), "issued_at": "2026-03-03T10:02:05.000+08:00", "window": None,
        "pinned_window": None, "token": f"t{n:021d}"}})
    job = [e for e in flow.take_effects() if isinstance(e, Print)][-1].job
    flow.printed(job, True)


hall_moves(0)
app = KioskApp(flow, catch_errors=False, tidy=tidy)
counts: list[dict] = []
state = {"n": 0, "frame": 0}


def step(_dt):
    frame, n = state["frame"], state["n"]
    state["frame"] += 1
    if frame == 0:
        take_ticket(n)
    elif frame == 1:
        assert flow.screen == "ticket", flow.screen
        flow.touch("done", None, flow.generation)
        hall_moves(n + 1)
        flow.take_effects()
    elif frame == 4:  # the home screen drawn, and the frame after it run
        counts.append(census(app.root))
        state["n"], state["frame"] = n + 1, 0
        if state["n"] >= total:
            app.stop()
    app.refresh()


Clock.schedule_interval(step, 0)
app.run()
print(json.dumps({"counts": counts, "renders": app.renders}))
