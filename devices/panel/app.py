"""The simulated devices window (Kivy): draws the presenter's view, passes presses to it.

The view is read four times a second and the window rebuilt only when it changed (a card
read or a ticket printed happens on a simulator's thread; the rig's state is what shows it).
``YICHUANG_PANEL_LAYOUT`` names a file the window writes its buttons' positions to (X11
pixels, origin top left), for a test that clicks it with xdotool.
"""
from __future__ import annotations

import json
import os

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.image import Image
from kivy.uix.label import Label

from devices.panel.presenter import PanelPresenter, PanelView
from kiosk.theme import register_font, rgba

LAYOUT_ENV = "YICHUANG_PANEL_LAYOUT"
BG, TEXT, MUTED, BAR, BUTTON, ON_BUTTON = "#F2F4F7", "#111111", "#3A4350", "#0B3D91", "#0B4FA8", "#FFFFFF"
BODY, SMALL, HEAD, BUTTON_TEXT, BUTTON_HEIGHT, GAP = 19, 16, 24, 18, 48, 6


def _label(text: str, size: int, colour: str = TEXT, bold: bool = False) -> Label:
    label = Label(text=text, font_size=size, color=rgba(colour), bold=bold, halign="left", valign="middle",
                  size_hint_y=None)
    label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)),
               texture_size=lambda w, size: setattr(w, "height", size[1] + 6))
    return label


def _paint(widget, colour: str) -> None:
    with widget.canvas.before:
        Color(*rgba(colour))
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, pos: setattr(rect, "pos", pos), size=lambda w, size: setattr(rect, "size", size))


class DevicePanelApp(App):
    title = "一窗 模拟设备 / Simulated devices"

    def __init__(self, presenter: PanelPresenter, **kw):
        super().__init__(**kw)
        self.presenter = presenter
        self._shown: PanelView | None = None
        self._root: BoxLayout | None = None

    def build(self):
        register_font()
        self._root = BoxLayout(orientation="vertical", padding=12, spacing=GAP)
        _paint(self._root, BG)
        Clock.schedule_interval(lambda _dt: self.refresh(), 0.25)
        self.refresh()
        return self._root

    def press(self, action: str, arg: str | None) -> None:
        self.presenter.press(action, arg)
        self.refresh()

    def refresh(self) -> None:
        view = self.presenter.view()
        if view == self._shown or self._root is None:
            return
        self._shown = view
        root = self._root
        root.clear_widgets()
        head = BoxLayout(orientation="vertical", size_hint_y=None, padding=(10, 6))
        _paint(head, BAR)
        head.add_widget(_label(view.title, HEAD, ON_BUTTON, bold=True))
        head.add_widget(_label(view.subtitle, SMALL, ON_BUTTON))
        head.bind(minimum_height=head.setter("height"))
        root.add_widget(head)
        body = BoxLayout(spacing=2 * GAP)
        controls = BoxLayout(orientation="vertical", spacing=GAP)
        for section in view.sections:
            controls.add_widget(_label(section.title, BODY, BAR, bold=True))
            for line in section.lines:
                controls.add_widget(_label(line, SMALL, MUTED))
            for b in section.buttons:
                button = Button(text=b.label, font_size=BUTTON_TEXT, size_hint_y=None, height=BUTTON_HEIGHT,
                                background_normal="", background_color=rgba(BUTTON), color=rgba(ON_BUTTON),
                                halign="center", valign="middle")
                button.bind(size=lambda w, size: setattr(w, "text_size", (size[0] - 12, None)))
                button.panel_action = (b.action, b.arg)
                button.bind(on_release=lambda w: self.press(*w.panel_action))
                controls.add_widget(button)
        controls.add_widget(BoxLayout())  # the rest of the column
        ticket = BoxLayout(orientation="vertical", spacing=GAP)
        ticket.add_widget(_label(view.ticket_title, BODY, BAR, bold=True))
        if view.ticket_picture:
            ticket.add_widget(Image(source=view.ticket_picture, fit_mode="contain"))
        else:
            ticket.add_widget(BoxLayout())  # the space the ticket will take
        body.add_widget(controls)
        body.add_widget(ticket)
        root.add_widget(body)
        if os.environ.get(LAYOUT_ENV):
            Clock.schedule_once(lambda _dt: self.dump_layout(os.environ[LAYOUT_ENV]), 0.2)

    def dump_layout(self, path: str) -> None:
        buttons = []
        for w in self._root.walk():
            action = getattr(w, "panel_action", None)
            if action is not None:
                x, y = w.to_window(*w.center)
                buttons.append({"action": action[0], "arg": action[1], "label": w.text,
                                "x": round(x), "y": round(Window.height - y)})
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"printed": self.presenter.rig.printed, "buttons": buttons}, f, ensure_ascii=False)
        os.replace(path + ".tmp", path)
