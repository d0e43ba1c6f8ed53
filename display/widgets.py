"""Small Kivy pieces shared by the board and the window screen: a coloured panel, a label that
fits its box, the ticker."""
from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView

from display import theme


class Panel(BoxLayout):
    """A BoxLayout with a background colour (``bg``) that can change."""

    def __init__(self, bg=theme.PANEL, **kw):
        super().__init__(**kw)
        with self.canvas.before:
            self._color = Color(*bg)
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._sync, size=self._sync)

    def _sync(self, *_):
        self._rect.pos, self._rect.size = self.pos, self.size

    def set_bg(self, rgba) -> None:
        self._color.rgba = rgba


def text(value="", size=32, color=theme.TEXT, bold=False, font=None, halign="center", **kw) -> Label:
    label = Label(text=value, font_size=size, color=color, bold=bold, halign=halign, valign="middle",
                  markup=kw.pop("markup", False), **kw)
    if font:
        label.font_name = font
    label.bind(size=lambda lb, s: setattr(lb, "text_size", s))
    return label


class FitLabel(Label):
    """A one-line label whose font is as large as fits its box: at most ``max_size``, at least
    ``min_size``; the text's real width is measured, not guessed."""

    def __init__(self, max_size=100, min_size=20, share=0.92, height_share=0.8, **kw):
        self.max_size, self.min_size, self.share, self.height_share = max_size, min_size, share, height_share
        super().__init__(**kw)
        self.bind(size=self._fit, text=self._fit)

    def _fit(self, *_):
        if not self.text or self.width <= 1 or self.height <= 1:
            return
        size = min(self.max_size, self.height * self.height_share)
        self.text_size = (None, None)
        self.font_size = size
        self.texture_update()
        width = self.texture_size[0] or 1
        if width > self.width * self.share:
            size *= self.width * self.share / width
        self.font_size = max(self.min_size, size)
        self.text_size = self.size


class Ticker(StencilView):
    """The hall's notice scrolling slowly from right to left."""

    def __init__(self, speed=theme.TICKER_SPEED, font_size=theme.TICKER_TEXT, **kw):
        super().__init__(**kw)
        self.speed = speed
        self.label = Label(font_size=font_size, color=theme.TEXT, size_hint=(None, None))
        self.label.bind(texture_size=lambda lb, ts: setattr(lb, "size", ts))
        self.add_widget(self.label)
        self.offset = 0.0
        self.bind(pos=self._place, size=self._place)

    def set_text(self, value: str) -> None:
        if value != self.label.text:
            self.label.text = value
            self.offset = 0.0
            self._place()

    def step(self, dt: float) -> None:
        self.offset += self.speed * dt
        if self.x + 20 - self.offset + self.label.width < self.x:  # gone off the left: come in from the right
            self.offset = 20 - self.width
        self._place()

    def _place(self, *_):
        # starts at the left edge (readable in a still picture), then scrolls left
        self.label.x = self.x + 20 - self.offset
        self.label.center_y = self.center_y
