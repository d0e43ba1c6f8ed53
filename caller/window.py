"""The soft caller's Kivy App: the screen, the bus link, the half-second tick, the LED bar."""
from __future__ import annotations

import logging

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window

from caller import theme
from caller.app import CallerScreen, bind_keyboard
from caller.presenter import CallerPresenter
from hall.service.sdnotify import Watchdog

log = logging.getLogger("yichuang.caller")


class CallerApp(App):
    def __init__(self, presenter: CallerPresenter, layout: theme.Layout, *, link=None, bar=None, **kw):
        super().__init__(**kw)
        self.presenter, self.layout, self.link, self.bar = presenter, layout, link, bar
        self.title = f"一窗 软呼叫器 — {presenter.window.name}"
        self.screen: CallerScreen | None = None
        self.watchdog = Watchdog()  # under systemd (yichuang-terminal@): fed by the Kivy clock

    def build(self):
        theme.register_fonts()
        Window.clearcolor = theme.BG
        try:
            Window.always_on_top = True  # beside the business software, never behind it
        except (AttributeError, NotImplementedError):
            pass
        self.screen = CallerScreen(self.presenter, self.layout)
        bind_keyboard(self.screen)
        Clock.schedule_interval(self._tick, 0.5)
        if self.link is not None:
            self.link.start()
        self.watchdog.ready(f"caller {self.presenter.device.id}")
        return self.screen

    def _tick(self, dt) -> None:
        self.watchdog.feed()
        self.presenter.tick()
        self.screen.trigger()

    def on_stop(self):
        if self.link is not None:
            self.link.stop()
        if self.bar is not None:
            self.bar.close()


def run_caller(config, device_id: str, broker, layout: theme.Layout) -> int:
    from caller.link import CallerLink

    presenter = CallerPresenter(config, device_id, send=lambda payload: False)
    app_ref: dict = {}

    def post(fn):
        Clock.schedule_once(lambda dt: fn(), 0)

    from caller.ledbar import bars_for_caller

    bar = bars_for_caller(config, device_id)

    def changed():
        if bar is not None:
            bar.follow(presenter.window_state)
        app = app_ref.get("app")
        if app is not None and app.screen is not None:
            app.screen.trigger()

    link = CallerLink(presenter, broker, post, changed)
    app = CallerApp(presenter, layout, link=link, bar=bar)
    app_ref["app"] = app
    app.run()
    return 0
