"""The LED bar above each window (窗口条屏) shows what the window's retained state says.

``bar_text`` is the rule (pure): "请A012号到3号窗口" blinking while a ticket is called,
"正在办理A012号" while it is served, "暂停服务" when the window is paused or closed, the
window's name when it is open and idle. ``WindowBars`` keeps the bars of some windows on one
serial line showing it, from a thread of its own (a bar answers within 0.2 s, or not at
all, so the caller's screen and the bridge's bus never wait on it): it sends only what
changed, asks each bar every ``check_every`` seconds what it shows, and sends the whole state
again to a bar that lost it (power cut) or after the line comes back. Driven by the keypad
bridge, or by the soft caller's PC when its ``[[device]]`` has ``ledbars``.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from devices.errors import DeviceError
from devices.ledbar.driver import LedBars
from devices.transport import open_transport
from hall.config import Window

log = logging.getLogger("yichuang.ledbar")
PAUSED = "暂停服务"


def bar_text(window: Window, state: dict | None) -> tuple[str, bool]:
    """(text, blink) for a window's bar from its retained state (None: not known yet)."""
    if not state or state.get("status") in ("closed", "paused"):
        return (PAUSED, False) if state else (window.name, False)
    ticket = state.get("ticket")
    if ticket and ticket.get("status") == "called":
        return f"请{ticket['number']}号到{window.name}", True
    if ticket:
        return f"正在办理{ticket['number']}号", False
    return window.name, False


def bars_for_caller(config, device_id: str, **options) -> "WindowBars | None":
    """The LED bar a soft caller's PC drives: its window's, when its ``[[device]]`` has ``ledbars``."""
    device = config.devices[device_id]
    window = config.windows.get(device.window or "")
    if not device.ledbars or window is None or window.ledbar is None:
        return None
    return WindowBars(device.ledbars, {window.id: window}, **options)


class WindowBars:
    def __init__(self, url: str, windows: dict[str, Window], *, check_every: float = 5.0,
                 retry_every: float = 1.0, flash_seconds: float = 3.0, opener: Callable = open_transport):
        self.windows = {wid: w for wid, w in windows.items() if w.ledbar is not None}
        self.bars = LedBars(url, opener=opener)
        self.check_every, self.retry_every, self.flash_seconds = check_every, retry_every, flash_seconds
        self.flashes: dict[str, tuple[str, float]] = {}  # window -> (text, until): a short message
        # nothing is sent before the window's state is known: a bar keeps what it showed
        self.wanted: dict[str, tuple[str, bool]] = {}
        self.shown: dict[str, tuple[str, bool]] = {}
        self.errors: dict[str, DeviceError] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._check_now = False
        self._thread = threading.Thread(target=self._run, name="ledbars", daemon=True)
        self._thread.start()

    def follow(self, state: dict | None) -> None:
        """A ``state/window/<id>`` message: the bar of that window follows it."""
        if not isinstance(state, dict) or state.get("window") not in self.windows:
            return
        wid = state["window"]
        with self._cond:
            self.wanted[wid] = bar_text(self.windows[wid], state)
            self._cond.notify_all()

    def flash(self, window_id: str, text: str) -> None:
        """Show ``text`` for ``flash_seconds`` (a 433 MHz button's refusal: "请先登录"), then the state."""
        if window_id not in self.windows:
            return
        with self._cond:
            self.flashes[window_id] = (text, time.monotonic() + self.flash_seconds)
            self._cond.notify_all()

    def _showing(self) -> dict[str, tuple[str, bool]]:
        """What each bar should show now: a flash while it lasts, else the window's state."""
        now = time.monotonic()
        out = dict(self.wanted)
        for wid, (text, until) in list(self.flashes.items()):
            if now < until:
                out[wid] = (text, False)
            else:
                del self.flashes[wid]
        return out

    def check_soon(self) -> None:
        """Ask the bars what they show now, not at the next ``check_every``."""
        with self._cond:
            self._check_now = True
            self._cond.notify_all()

    def settled(self) -> bool:
        """Every bar shows what it should, as far as the driver knows."""
        with self._cond:
            return all(self.shown.get(w) == want for w, want in self._showing().items()) and not self._check_now

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(5)
        self.bars.close()

    def _run(self) -> None:
        while True:
            try:
                self._loop()
                return
            except Exception:  # a bug here must not leave the bars dark for the day
                log.exception("LED bar loop failed; starting it again")
                time.sleep(self.retry_every)

    def _loop(self) -> None:
        next_check = time.monotonic() + self.check_every
        while True:
            with self._cond:
                if self._stop:
                    return
                todo = {wid: want for wid, want in self._showing().items() if self.shown.get(wid) != want}
            for wid, (text, blink) in todo.items():
                error = self.bars.show(self.windows[wid].ledbar, text, blink=blink)
                with self._cond:
                    if error is None:
                        self.shown[wid] = (text, blink)
                        self.errors.pop(wid, None)
                    else:
                        if wid not in self.errors:
                            log.warning("LED bar of window %s: %s", wid, error)
                        self.errors[wid] = error
            with self._cond:
                now_asked, self._check_now = self._check_now, False
            if now_asked or time.monotonic() >= next_check:
                self._check()
                next_check = time.monotonic() + self.check_every
            with self._cond:
                if self._stop:
                    return
                pending = any(self.shown.get(w) != want for w, want in self._showing().items())
                if self._check_now:
                    continue
                wait = self.retry_every if pending else max(0.05, next_check - time.monotonic())
                if self.flashes:
                    wait = min(wait, max(0.01, min(u for _, u in self.flashes.values()) - time.monotonic()))
                self._cond.wait(wait)

    def _check(self) -> None:
        """Ask every bar what it shows; a bar that forgot (a power cut) gets its whole state again."""
        for wid, window in self.windows.items():
            with self._cond:
                shown = self.shown.get(wid)
            if shown is None:
                continue
            state = self.bars.query(window.ledbar)
            lost = isinstance(state, DeviceError)
            if not lost and (state.text, state.blink) != shown:
                # it came back blank (a power cut): brightness and text again
                lost = window.ledbar in self.bars.refresh()
            if lost:
                with self._cond:
                    self.shown.pop(wid, None)  # sent again by the loop
