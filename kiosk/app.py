"""The kiosk's Kivy app: draws the presenter's view, passes touches and device events to it.

All decisions are in ``kiosk.flow``; this file only moves things between threads and the
screen. Anything from another thread arrives through ``post`` (``Clock.schedule_once``).
The screen is rebuilt only when the view changed, and the one it replaces is freed once the
new one is drawn (``kiosk.tidy``); a tick four times a second drives retries and timeouts.
An exception in a callback is logged and the kiosk goes home instead of dying.
"""
from __future__ import annotations

import json
import logging
import os

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.floatlayout import FloatLayout

from hall.service.sdnotify import kivy_watchdog
from kiosk.flow import KioskFlow
from kiosk.theme import register_font, theme_for
from kiosk.tidy import Tidy
from kiosk.widgets import render

log = logging.getLogger("yichuang.kiosk")
LAYOUT_ENV = "YICHUANG_KIOSK_LAYOUT"  # a file to write each screen's button positions to


class _StayUp(ExceptionHandler):
    def __init__(self, app: "KioskApp"):
        self.app = app

    def handle_exception(self, inst):
        if isinstance(inst, (KeyboardInterrupt, SystemExit)):
            return ExceptionManager.RAISE
        log.exception("kiosk: unexpected error; back to the home screen")
        try:
            self.app.flow.reset()
            self.app.refresh(force=True)
        except Exception:  # noqa: BLE001 - never loop on the handler itself
            log.exception("kiosk: could not go home")
        return ExceptionManager.PASS


class KioskApp(App):
    title = "一窗 取号机"

    def __init__(self, flow: KioskFlow, *, runtime_factory=None, fullscreen: bool = False, scale: float = 1.0,
                 catch_errors: bool = True, tidy: bool = True, **kw):
        super().__init__(**kw)
        self.flow = flow
        self.runtime_factory = runtime_factory
        self.runtime = None
        self.fullscreen = fullscreen
        self.scale = scale
        self.catch_errors = catch_errors
        self._last_view = None
        self._container: FloatLayout | None = None
        self.renders = 0
        # a replaced screen is freed once the next is drawn (kiosk/tidy.py); off only to measure
        self.tidy = Tidy(lambda fn: Clock.schedule_once(fn, 0)) if tidy else None

    # ------------------------------------------------------------------ life
    def build(self):
        register_font()
        if self.fullscreen:
            Window.borderless = True
            Window.fullscreen = "auto"
            Window.show_cursor = False
        Window.bind(on_request_close=lambda *a, **k: True)  # only the manager's PIN closes the kiosk
        Window.bind(size=lambda *_: self.refresh(force=True))
        if self.catch_errors:
            ExceptionManager.add_handler(_StayUp(self))
        self._container = FloatLayout()
        if self.runtime_factory is not None:
            self.runtime = self.runtime_factory(self.post, self.stop)
            self.runtime.start()
        Clock.schedule_interval(self._tick, 0.25)
        self.refresh(force=True)
        Clock.schedule_once(lambda _dt: log.info("kiosk: home screen shown"), 0)  # after the first frame
        # systemd (yichuang-terminal@, Type=notify, WatchdogSec): a frozen kiosk is restarted
        self.watchdog = kivy_watchdog(f"{self.flow.settings.device}: home screen")
        return self._container

    def on_stop(self):
        if getattr(self, "watchdog", None) is not None:
            self.watchdog.stopping()
        if self.runtime is not None:
            self.runtime.stop()

    # ------------------------------------------------------------------ in
    def post(self, fn) -> None:
        """From any thread: run ``fn`` on the UI thread, then carry out its effects."""
        Clock.schedule_once(lambda _dt: self._run(fn), 0)

    def act(self, action: str, arg, generation: int) -> None:
        self._run(lambda: self.flow.touch(action, arg, generation))

    def _tick(self, _dt) -> None:
        self._run(self.flow.tick)

    def _run(self, fn) -> None:
        fn()
        if self.runtime is not None:
            self.runtime.run_effects()
        self.refresh()

    # ------------------------------------------------------------------ out
    def refresh(self, force: bool = False) -> None:
        view = self.flow.view()
        if not force and view == self._last_view:
            return
        self._last_view = view
        if self._container is None:
            return
        landscape = Window.width > Window.height
        theme = theme_for(view.elderly, self.scale)
        dropped = list(self._container.children)
        self._container.clear_widgets()
        self._container.add_widget(render(view, theme, landscape, self.act))
        self.renders += 1
        if self.tidy is not None:
            self.tidy.dropped(dropped)
        if os.environ.get(LAYOUT_ENV):
            Clock.schedule_once(lambda _dt: self.dump_layout(os.environ[LAYOUT_ENV]), 0.1)

    def dump_layout(self, path: str) -> None:
        """Where each button of the screen is, in X11 pixels (origin top left), for a test that
        clicks the real window (xdotool) or a field engineer checking a panel's touch mapping."""
        view = self._last_view
        buttons = []
        for w in self._container.walk():
            action = getattr(w, "kiosk_action", None)
            if action is not None:
                x, y = w.to_window(*w.center)
                buttons.append({"action": action[0], "arg": action[1], "x": round(x), "y": round(Window.height - y)})
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"screen": view.screen, "generation": view.generation, "number": view.number,
                       "lines": list(view.lines), "buttons": buttons}, f, ensure_ascii=False)
        os.replace(tmp, path)
