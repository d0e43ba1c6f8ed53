"""The window screen (窗口屏) in Kivy: draws a ``WindowScreenView`` on a small bar panel.

800×480 and 1280×400: the window's number and name on top; the staff badge (持证上岗: photo or
a neutral placeholder, name, staff number) on the left; the number in hand as large as the
panel allows (≥ 40 % of its height), or 暂停服务 with the reason.
"""
from __future__ import annotations

from kivy.graphics import Color, Ellipse, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from display import theme
from display.widgets import FitLabel, Panel, text
from display.window_screen import WindowScreenView


class PhotoPlaceholder(Widget):
    """A neutral head-and-shoulders outline where no staff photo is configured."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        w, h = self.size
        with self.canvas:
            Color(0.2, 0.27, 0.38, 1)
            Rectangle(pos=self.pos, size=self.size)
            Color(*theme.PLACEHOLDER)
            r = min(w, h) * 0.2
            Ellipse(pos=(self.center_x - r, self.y + h * 0.52), size=(2 * r, 2 * r))
            Ellipse(pos=(self.center_x - w * 0.34, self.y + h * 0.02), size=(w * 0.68, h * 0.46))


class WindowScreen(FloatLayout):
    def __init__(self, width: int, height: int, number_font: str, **kw):
        super().__init__(**kw)
        H = height
        wide = width / height > 2.5  # the 1280×400 bar
        root = Panel(bg=theme.BG, orientation="vertical", size_hint=(1, 1), pos_hint={"x": 0, "y": 0})
        self.add_widget(root)
        top = Panel(bg=theme.PANEL, size_hint_y=None, height=H * 0.2, padding=(H * 0.04, 0))
        self.label = FitLabel(max_size=H * 0.13, min_size=H * 0.06, color=theme.TEXT, bold=True, halign="left",
                              valign="middle", size_hint_x=0.45)
        self.name = FitLabel(max_size=H * 0.07, min_size=H * 0.04, color=theme.MUTED, halign="right", valign="middle")
        top.add_widget(self.label)
        top.add_widget(self.name)
        root.add_widget(top)
        body = BoxLayout(orientation="horizontal", padding=H * 0.03, spacing=H * 0.04)
        staff = BoxLayout(orientation="vertical", size_hint_x=None, width=H * (0.62 if wide else 0.5), spacing=H * 0.01)
        self.photo_box = BoxLayout(size_hint_y=0.62)
        self.placeholder = PhotoPlaceholder()
        self.photo = Image(fit_mode="contain")
        self.staff_name = FitLabel(max_size=H * 0.075, min_size=H * 0.04, color=theme.TEXT, halign="center",
                                   valign="middle", size_hint_y=0.14)
        self.staff_number = FitLabel(max_size=H * 0.05, min_size=H * 0.03, color=theme.MUTED, halign="center",
                                     valign="middle", size_hint_y=0.1)
        self.on_duty = text("", H * 0.045, theme.OK, size_hint_y=0.1)
        for w in (self.photo_box, self.staff_name, self.staff_number, self.on_duty):
            staff.add_widget(w)
        main = BoxLayout(orientation="vertical")
        self.number = FitLabel(max_size=H * 0.5, min_size=H * 0.2, share=0.95, color=theme.CALL, font_name=number_font,
                               halign="center", valign="middle", size_hint_y=0.74)
        self.number.bind(size=lambda lb, s: setattr(lb, "text_size", s))
        self.line = FitLabel(max_size=H * 0.075, min_size=H * 0.04, color=theme.TEXT, halign="center",
                             valign="middle", size_hint_y=0.2)
        main.add_widget(self.number)
        main.add_widget(self.line)
        body.add_widget(staff)
        body.add_widget(main)
        root.add_widget(body)
        self.banner = text("", H * 0.05, theme.TEXT, size_hint=(1, None), height=H * 0.08, pos_hint={"x": 0, "y": 0})
        self.staff_box = staff

    def show(self, view: WindowScreenView) -> None:
        self.label.text = view.number_label
        self.name.text = view.name
        self.photo_box.clear_widgets()
        if view.photo:
            self.photo.source = view.photo
            self.photo_box.add_widget(self.photo)
        else:
            self.photo_box.add_widget(self.placeholder)
        self.staff_name.text = view.staff_name
        self.staff_number.text = view.staff_number
        self.on_duty.text = view.words("on_duty") if view.staff_name else ""
        self.staff_box.opacity = 1 if view.staff_name else 0
        if view.paused_text:
            self.number.color = theme.PAUSED
            self.number.text = view.paused_text
            self.line.text = view.reason
        else:
            self.number.color = theme.CALL if view.ticket else theme.MUTED
            self.number.text = view.ticket or "—"
            self.line.text = view.ticket_line
        if view.banner and self.banner.parent is None:
            with self.banner.canvas.before:
                Color(*theme.BANNER_LOST)
                self._banner_rect = Rectangle(pos=self.banner.pos, size=self.banner.size)
            self.banner.bind(pos=lambda w, p: setattr(self._banner_rect, "pos", p),
                             size=lambda w, s: setattr(self._banner_rect, "size", s))
            self.add_widget(self.banner)
        elif not view.banner and self.banner.parent is not None:
            self.remove_widget(self.banner)
        self.banner.text = view.banner
