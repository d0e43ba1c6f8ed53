"""The rating pad's Kivy app: the presenter, its screens and its link, on the main thread."""
from __future__ import annotations

import json
import os
import time

from kivy.app import App
from kivy.clock import Clock

from rating import theme
from rating.presenter import PadPresenter
from rating.screens import PadView

TICK = 0.25
LAYOUT_ENV = "YICHUANG_PAD_LAYOUT"  # tests only: where the screen's touch targets are written
RESEND_AFTER = 3.0  # seconds without a reply: send the same request again


class RatingPadApp(App):
    title = "一窗 评价器"

    def __init__(self, presenter: PadPresenter, link=None, clock=time.time, photo_root: str | None = None, **kw):
        super().__init__(**kw)
        self.presenter, self.link, self.clock = presenter, link, clock
        self.photo_root = photo_root
        self.view_widget: PadView | None = None
        self._shown: dict | None = None
        self._last_send = 0.0

    # ------------------------------------------------------------------ life

    def build(self):
        theme.register_fonts()
        self.view_widget = PadView(self, photo_root=self.photo_root)
        Clock.schedule_interval(self._tick, TICK)
        if self.link is not None:
            self.link.start()
        Clock.schedule_once(lambda *_: self.refresh(), 0)
        return self.view_widget

    def on_stop(self):
        if self.link is not None:
            self.link.stop()

    def from_bus(self, kind: str, value) -> None:
        """Called on paho's thread: hand over to the main thread."""
        Clock.schedule_once(lambda *_: self._on_bus(kind, value), 0)

    def _on_bus(self, kind: str, value) -> None:
        self.presenter.on_bus(kind, value, self.clock())
        self.refresh()

    def _tick(self, *_):
        now = self.clock()
        p = self.presenter
        p.tick(now)
        if p.pending is not None and now - self._last_send >= RESEND_AFTER:
            p.resend()
        self.refresh()

    def refresh(self) -> None:
        p = self.presenter
        while p.outbox:
            txn, fields = p.outbox.pop(0)
            self._last_send = self.clock()
            if self.link is not None:
                self.link.send(txn, fields)
        view = p.view()
        if view != self._shown and self.view_widget is not None:
            self._shown = view
            self.view_widget.render(view)
            if os.environ.get(LAYOUT_ENV):
                Clock.schedule_once(lambda *_: self._write_layout(view), 0.3)

    def _write_layout(self, view: dict) -> None:
        """For a test that clicks the real window (xdotool): the screen and its touch targets."""
        if view is not self._shown:
            return  # a newer screen is on its way
        path = os.environ[LAYOUT_ENV]
        body = {"screen": view["screen"], "lang": view["lang"], "phone": view.get("phone"),
                "title": view.get("title"), "message": view.get("message"),
                "digits": len((view.get("digits") or "").replace(" ", "")),  # how many, never which
                "reasons": [r["code"] for r in view.get("reasons", []) if r["on"]],
                "targets": self.view_widget.targets()}
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(body, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)

    # ------------------------------------------------------------------ touches (PadView actions)

    def choose(self, code: str) -> None:
        self.presenter.choose(code, self.clock())
        self.refresh()

    def toggle_reason(self, code: str) -> None:
        self.presenter.toggle_reason(code)
        self.refresh()

    def open_phone(self) -> None:
        self.presenter.open_phone()
        self.refresh()

    def key(self, k: str) -> None:
        self.presenter.key(k, self.clock())
        self.refresh()

    def confirm_phone(self) -> None:
        self.presenter.confirm_phone(self.clock())
        self.refresh()

    def submit(self) -> None:
        self.presenter.submit(self.clock())
        self.refresh()

    def back(self) -> None:
        self.presenter.back()
        self.refresh()

    def toggle_language(self) -> None:
        self.presenter.toggle_language()
        self.refresh()
