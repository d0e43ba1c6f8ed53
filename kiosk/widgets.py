"""Thin Kivy widgets that draw a ``kiosk.view.View``: nothing here decides anything.

``render(view, theme, landscape, act)`` builds the whole screen; every button calls
``act(action, arg, generation)`` with the generation of the view it was drawn for, so the
presenter can ignore a tap on a screen that is already gone.
"""
from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.graphics import Color, Rectangle
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button as KButton
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.i18n import tr
from kiosk.theme import Theme, rgba
from kiosk.view import PRIMARY, QUIET, View


def _paint(widget: Widget, colour: str) -> Widget:
    with widget.canvas.before:
        Color(*rgba(colour))
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))
    return widget


def label(text: str, size: int, colour: str, *, bold: bool = False, halign: str = "left",
          height: int | None = None, **kw) -> Label:
    lb = Label(text=text, font_size=size, color=rgba(colour), bold=bold, halign=halign, valign="middle", **kw)
    lb.bind(width=lambda w, width: setattr(w, "text_size", (width, None)))
    if height is None:
        lb.size_hint_y = None
        lb.bind(texture_size=lambda w, ts: setattr(w, "height", ts[1] + 8))
    else:
        lb.size_hint_y, lb.height = None, height
    return lb


def button(text: str, theme: Theme, kind: str, on_press, *, height: int | None = None,
           size: int | None = None, **kw) -> KButton:
    bg, fg = {PRIMARY: (theme.primary_bg, theme.primary_text),
              QUIET: (theme.background, theme.muted)}.get(kind, (theme.secondary_bg, theme.secondary_text))
    b = KButton(text=text, font_size=size or theme.button, color=rgba(fg), background_normal="",
                background_down="", background_color=rgba(bg), bold=True, halign="center", valign="middle",
                size_hint_y=None, height=height or theme.target, **kw)
    b.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - 20, None)))
    b.bind(state=lambda w, state: setattr(w, "opacity", 0.6 if state == "down" else 1.0))  # pressed at once
    b.bind(on_release=lambda *_: on_press())
    return b


def qr_image(text: str, size: int) -> Image:
    import qrcode

    img = qrcode.make(text, border=2)
    buf = io.BytesIO()
    img.save(buf, format="png")
    buf.seek(0)
    texture = CoreImage(buf, ext="png").texture
    texture.mag_filter = "nearest"
    return Image(texture=texture, size_hint=(None, None), size=(size, size), fit_mode="contain")


def render(view: View, theme: Theme, landscape: bool, act) -> Widget:
    root = _paint(BoxLayout(orientation="vertical", spacing=0), theme.background)

    def press(action, arg=None):
        return lambda: act(action, arg, view.generation)

    root.add_widget(_header(view, theme, press))
    if view.header.banner:
        bar = _paint(BoxLayout(size_hint_y=None, height=theme.target, padding=(theme.gap, 0)), theme.banner_bg)
        bar.add_widget(label("！" + view.header.banner, theme.body, theme.banner_text, bold=True, halign="center",
                             height=theme.target))
        root.add_widget(bar)
    if view.notice:
        bar = _paint(BoxLayout(size_hint_y=None, height=theme.target, padding=(theme.gap, 0)), theme.notice_bg)
        bar.add_widget(label(view.notice, theme.body, theme.notice_text, bold=True, halign="center",
                             height=theme.target))
        root.add_widget(bar)
    body = BoxLayout(orientation="vertical", padding=theme.gap * 2, spacing=theme.gap)
    if view.screen == "home":
        _home(body, view, theme, landscape, press)
    else:
        _page(body, view, theme, landscape, press)
    root.add_widget(body)
    return root


def _header(view: View, theme: Theme, press) -> Widget:
    """Two rows: the hall's name and the time; whether tickets can be taken, and the switches."""
    h = view.header
    bar = _paint(BoxLayout(orientation="vertical", size_hint_y=None, height=theme.header * 1.5 + theme.small * 2.2,
                           padding=(theme.gap, theme.gap / 2)), theme.header_bg)
    top = BoxLayout(spacing=theme.gap)
    name = KButton(text=h.hall_name, font_size=theme.header, bold=True, color=rgba(theme.header_text),
                   background_normal="", background_down="", background_color=(0, 0, 0, 0), halign="left",
                   valign="middle", shorten=True, shorten_from="right")
    name.bind(size=lambda w, s: setattr(w, "text_size", s))
    name.bind(on_release=lambda *_: press("corner")())  # the manager's gesture: five taps here
    top.add_widget(name)
    when = h.time_text if view.elderly else f"{h.date_text}  {h.time_text}"  # large type: the date goes below
    clock = label(when, theme.small, theme.header_text, halign="right", size_hint_x=0.3 if view.elderly else 0.55)
    top.add_widget(clock)
    bar.add_widget(top)
    bottom = BoxLayout(spacing=theme.gap, size_hint_y=None, height=theme.small * 2)
    mark = "●" if h.online else "○"
    if view.elderly:  # large type: what matters, whole
        text = f"{mark} {h.open_text} · {h.date_text}"
    else:
        text = f"{mark} {h.open_text} · {h.hours_text}"
    status = Label(text=text, font_size=theme.small * 0.9,
                   color=rgba(theme.header_text), halign="left", valign="middle", shorten=True,
                   shorten_from="right")
    status.bind(size=lambda w, s: setattr(w, "text_size", s))
    bottom.add_widget(status)
    for key, action in (("lang_switch", "lang"), ("elderly_off" if view.elderly else "elderly_on", "elderly")):
        b = button(tr(key, view.lang), theme, "secondary", press(action), height=theme.small * 2, size=theme.small,
                   size_hint_x=None, width=theme.small * 7)
        b.kiosk_action = (action, None)
        bottom.add_widget(b)
    bar.add_widget(bottom)
    return bar


def _home(body, view: View, theme: Theme, landscape: bool, press) -> None:
    prompt = _paint(BoxLayout(orientation="vertical", size_hint_y=None, padding=theme.gap), theme.prompt_bg)
    if view.greeting:
        greet = view.greeting + (f"  【{tr('green_channel', view.lang)}】" if view.green else "")
        prompt.add_widget(label(greet, theme.button if landscape else theme.title, theme.prompt_text, bold=True,
                                halign="center"))
    big = theme.button if view.greeting or landscape else theme.title
    prompt.add_widget(label(("▣ " if not view.greeting else "") + view.prompt, big,
                            theme.prompt_text, bold=True, halign="center"))
    for line in view.lines:
        prompt.add_widget(label(line, theme.body, theme.prompt_text, halign="center"))
    prompt.bind(minimum_height=prompt.setter("height"))
    body.add_widget(prompt)
    if view.extra.get("offer_elderly"):
        body.add_widget(button(view.extra["offer_elderly"], theme, PRIMARY, press("elderly")))
    n = sum(len(g.tiles) for g in view.groups)
    if landscape:
        cols = 2 if view.elderly or n <= 6 else 3
    else:
        cols = 1 if view.elderly or n <= 6 else 2
    grid = GridLayout(cols=cols, spacing=theme.gap, size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for group in view.groups:
        if not group.domain:  # elderly mode: the tiles alone, large
            for tile in group.tiles:
                grid.add_widget(_tile(tile, view, theme, press, landscape))
            continue
        section = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.gap / 2)
        section.add_widget(label(group.domain, theme.small, theme.muted, bold=True))
        for tile in group.tiles:
            section.add_widget(_tile(tile, view, theme, press, landscape))
        section.bind(minimum_height=section.setter("height"))
        grid.add_widget(section)
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(grid)
    body.add_widget(scroll)
    row = BoxLayout(size_hint_y=None, height=theme.target, spacing=theme.gap)
    for b in view.buttons:
        btn = button(b.label, theme, b.kind, press(b.action, b.arg))
        btn.kiosk_action = (b.action, b.arg)
        row.add_widget(btn)
    body.add_widget(row)


def _tile(tile, view: View, theme: Theme, press, landscape: bool = False) -> Widget:
    tall = min(theme.tile, 180) if landscape else theme.tile  # still ≥ 25 mm in elderly mode
    box = BoxLayout(orientation="horizontal", size_hint_y=None, height=tall, spacing=2)
    figures = "  ".join(x for x in (tile.waiting, tile.wait) if x)
    sub = "  ".join(x for x in (figures, tile.note) if x)
    text = f"[b]{tile.name}[/b]\n[size={theme.body}]{sub}[/size]" if sub else f"[b]{tile.name}[/b]"
    bg = theme.tile_bg if tile.enabled else theme.disabled_bg
    main = KButton(text=text, markup=True, font_size=theme.button, color=rgba(theme.tile_text),
                   background_normal="", background_down="", background_color=rgba(bg), halign="left",
                   valign="middle", disabled=not tile.enabled, background_disabled_normal="",
                   disabled_color=rgba(theme.tile_text))
    main.bind(width=lambda w, width: setattr(w, "text_size", (width - 40, None)))
    main.bind(texture_size=lambda w, ts: setattr(box, "height", max(tall, ts[1] + 30)))
    main.bind(state=lambda w, state: setattr(w, "opacity", 0.6 if state == "down" else 1.0))
    main.bind(on_release=lambda *_: press("take", tile.code)())
    main.kiosk_action = ("take", tile.code)
    box.add_widget(main)
    if not view.elderly:
        guide = button(tr("guide_link", view.lang), theme, "secondary", press("guide", tile.code),
                       height=tall, size=theme.small, size_hint_x=None, width=theme.tile * 0.9)
        guide.kiosk_action = ("guide", tile.code)
        box.add_widget(guide)
    return box


def _page(body, view: View, theme: Theme, landscape: bool, press) -> None:
    if view.greeting:
        body.add_widget(label(view.greeting, theme.button, theme.text, bold=True))
    if view.title:
        body.add_widget(label(view.title, theme.title, theme.text, bold=True, halign="center"))
    content = BoxLayout(orientation="horizontal" if landscape else "vertical", spacing=theme.gap * 2)
    left = GridLayout(cols=1, spacing=theme.gap, size_hint_y=None)
    left.bind(minimum_height=left.setter("height"))
    if view.number:  # landscape has little height: the smallest size UI.md allows (160 px, ×1.5 elderly)
        size = min(theme.number, 240 if view.elderly else 180) if landscape else theme.number
        left.add_widget(label(view.number, size, theme.text, bold=True, halign="center"))
    if view.extra.get("green"):
        tag = _paint(AnchorLayout(size_hint_y=None, height=theme.target), theme.green_bg)
        tag.add_widget(label("【" + tr("green_channel", view.lang) + "】", theme.button, theme.green_text, bold=True,
                             halign="center", height=theme.target))
        left.add_widget(tag)
    if view.pin or view.screen == "manager":
        left.add_widget(label(view.pin or " ", theme.title, theme.text, halign="center"))
    for i, line in enumerate(view.lines):
        big = i == 0 and view.screen in ("refused", "printer_problem", "ticket", "working", "status")
        left.add_widget(label(line, theme.button if big else theme.body, theme.text, bold=big,
                              halign="center" if view.screen != "guide" else "left"))
    scroll = ScrollView(do_scroll_x=False, bar_width=0)
    scroll.add_widget(left)
    content.add_widget(scroll)
    if view.qr:
        anchor = AnchorLayout(size_hint=(0.6, 1) if landscape else (1, None), anchor_x="center", anchor_y="center",
                              height=min(theme.number * 2, 520) + theme.gap)
        anchor.add_widget(qr_image(view.qr, min(theme.number * 2, 520)))
        content.add_widget(anchor)
    body.add_widget(content)
    if view.busy:
        body.add_widget(label("…", theme.title, theme.muted, halign="center"))
    if view.screen == "manager":
        pad = GridLayout(cols=3, spacing=theme.gap, size_hint_y=None)
        pad.bind(minimum_height=pad.setter("height"))
        for b in view.buttons:
            pad.add_widget(button(b.label, theme, b.kind, press(b.action, b.arg)))
        body.add_widget(pad)
        return
    tall = theme.target if landscape else theme.target * 1.3
    row = BoxLayout(size_hint_y=None, height=tall, spacing=theme.gap * 2)
    for b in view.buttons:
        btn = button(b.label, theme, b.kind, press(b.action, b.arg), height=tall)
        btn.kiosk_action = (b.action, b.arg)
        row.add_widget(btn)
    body.add_widget(row)
