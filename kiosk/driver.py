"""The kiosk's presenter and runtime driven from one thread, without a window: what the Kivy
app does on its UI thread (run what the runtime posts, tick, run the effects), for the demo's
scripted citizen, the soak and the hall-day test. Touches go to the presenter as a finger's
would; nothing here talks to the bus itself."""
from __future__ import annotations

import queue
import time

from hall.config import HallConfig
from kiosk.flow import KioskFlow, KioskSettings
from kiosk.runtime import DeviceUrls, KioskRuntime


class KioskStuck(RuntimeError):
    """The kiosk did not reach what was waited for, or a touch did nothing."""


class KioskDriver:
    def __init__(self, config: HallConfig, url: str, urls: DeviceUrls, key: bytes, *, device: str = "kiosk-1",
                 has_printer: bool = False):
        self.flow = KioskFlow(config, KioskSettings(device=device, has_printer=has_printer))
        self.inbox: queue.Queue = queue.Queue()
        self.runtime = KioskRuntime(self.flow, url, urls, key, self.inbox.put).start()

    def pump(self, until, what: str, timeout: float = 40.0) -> None:
        """Run the kiosk's thread until ``until()``; KioskStuck after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                flow = self.flow
                raise KioskStuck(f"kiosk: no {what} within {timeout:.0f} s (screen {flow.screen}, "
                                 f"online {flow.online}, services {len(flow.catalogue.services)}, {flow.ctx})")
            try:
                self.inbox.get(timeout=0.05)()
            except queue.Empty:
                pass
            self.flow.tick()
            self.runtime.run_effects()

    def tap(self, action: str, arg: str | None = None) -> None:
        if not self.flow.touch(action, arg, self.flow.view().generation):
            raise KioskStuck(f"kiosk: the button {action} {arg or ''} did nothing on screen {self.flow.screen}")
        self.runtime.run_effects()

    def stop(self) -> None:
        self.runtime.stop()
