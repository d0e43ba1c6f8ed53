"""Small Kivy pieces shared by the board and the window screen: a coloured panel, a label that
fits its box, the ticker."""
from __future__ import annotations

import re

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

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
        if tuple(self._color.rgba) != tuple(rgba):  # an unchanged colour must not redraw the screen
            self._color.rgba = rgba


def text(value="", size=32, color=theme.TEXT, bold=False, font=None, halign="center", **kw) -> Label:
    label = Label(text=value, font_size=size, color=color, bold=bold, halign=halign, valign="middle",
                  markup=kw.pop("markup", False), **kw)
    if font:
        label.font_name = font
    label.bind(size=lambda lb, s: setattr(lb, "text_size", s))
    return label


_WIDTHS: dict = {}


def quantize(size: float) -> int:
    """Font sizes in steps of 4 px: the font renderer opens a font once per size, and a
    text that is resized by a pixel or two must not open a 20 MB font file again."""
    return max(4, int(size) // 4 * 4)


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
        size = quantize(min(self.max_size, self.height * self.height_share))
        width = self._width_at(size)
        if width > self.width * self.share:
            size = quantize(size * self.width * self.share / width)
        self.font_size = max(quantize(self.min_size), size)
        self.text_size = self.size

    def _width_at(self, size: int) -> float:
        """The text's width at ``size``, measured once per (text, size) at a reference size."""
        key = (self.text, self.font_name, self.bold)
        ref = _WIDTHS.get(key)
        if ref is None:
            from kivy.core.text import Label as CoreLabel

            core = CoreLabel(text=self.text, font_size=100, font_name=self.font_name, bold=self.bold)
            core.refresh()
            ref = _WIDTHS[key] = core.content_width / 100
        return ref * size


class Ticker(BoxLayout):
    """The notice line, calm: the whole text when it fits, else a page at a time (split at the
    end of a sentence, turning every ``seconds``). Nothing scrolls, so the board is redrawn
    only when something changes (a software-rendered 1080p board cannot afford 30 frames a
    second of scrolling, and an elderly reader cannot follow it)."""

    def __init__(self, font_size=theme.TICKER_TEXT, seconds=theme.TICKER_PAGE_SECONDS, **kw):
        super().__init__(padding=(font_size * 0.5, 0), **kw)
        self.seconds = seconds
        self.label = text("", font_size, theme.TEXT, halign="left", shorten=True, shorten_from="right")
        self.add_widget(self.label)
        self.value = ""
        self.pages: list[str] = [""]
        self.page = 0
        self.shown_for = 0.0
        self.bind(width=lambda *_: self._paginate())

    def set_text(self, value: str) -> None:
        if value != self.value:
            self.value = value
            self._paginate()

    def _paginate(self) -> None:
        room = self.width - self.padding[0] * 2
        if room <= 0:
            return
        from kivy.core.text import Label as CoreLabel

        def width(t: str) -> float:
            core = CoreLabel(text=t, font_size=self.label.font_size, font_name=self.label.font_name)
            core.refresh()
            return core.content_width

        pieces = [p for p in re.split(r"(?<=[。；！？　])", self.value) if p.strip()] or [""]
        pages, current = [], ""
        for piece in pieces:
            if current and width(current + piece) > room:
                pages.append(current)
                current = piece
            else:
                current += piece
        pages.append(current)
        self.pages, self.page, self.shown_for = [p.strip("　") for p in pages], 0, 0.0
        self.label.text = self.pages[0]

    def step(self, dt: float) -> None:
        if len(self.pages) < 2:
            return
        self.shown_for += dt
        if self.shown_for >= self.seconds:
            self.shown_for = 0.0
            self.page = (self.page + 1) % len(self.pages)
            self.label.text = self.pages[self.page]
