"""The rating pad's Kivy screens: thin widgets that draw ``PadPresenter.view()``.

``PadView.render(view)`` rebuilds the screen from the view (a pad's screens are small; a
rebuild per touch is cheap and leaves no stale state). Touches call ``actions`` — an object
with ``choose(code)``, ``toggle_reason(code)``, ``open_phone()``, ``key(k)``,
``confirm_phone()``, ``submit()``, ``back()``, ``toggle_language()``. Portrait (800×1280) and
landscape (1280×800) are laid out from the same view.
"""
from __future__ import annotations

from pathlib import Path

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from rating import theme as T


class Face(Widget):
    """A round face: 5 stars smile broadly, 3 is straight, 1 frowns. Drawn, so no emoji font."""

    def __init__(self, stars: int, **kw):
        super().__init__(**kw)
        self.stars = stars
        self.bind(pos=self._draw, size=self._draw)

    def _draw(self, *_):
        self.canvas.clear()
        d = min(self.width, self.height)
        x, y = self.center_x - d / 2, self.center_y - d / 2
        curve = (self.stars - 3) / 2.0  # +1 smile … -1 frown
        with self.canvas:
            Color(*T.FACE[self.stars])
            Ellipse(pos=(x, y), size=(d, d))
            Color(*T.FACE_INK)
            Line(ellipse=(x, y, d, d), width=max(1.5, d * 0.025))
            eye = d * 0.11
            for ex in (0.33, 0.67):
                Ellipse(pos=(x + d * ex - eye / 2, y + d * 0.6 - eye / 2), size=(eye, eye))
            mouth_y = y + d * 0.32
            left, right = x + d * 0.27, x + d * 0.73
            mid = mouth_y - curve * d * 0.16
            Line(bezier=(left, mouth_y + curve * d * 0.04, self.center_x, mid - curve * d * 0.06,
                         right, mouth_y + curve * d * 0.04), width=max(2.0, d * 0.045), cap="round")


def _bg(widget, colour, radius: float = 0):
    with widget.canvas.before:
        Color(*colour)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()

    def place(*_):
        shape.pos, shape.size = widget.pos, widget.size

    widget.bind(pos=place, size=place)
    place()
    return widget


def _label(text: str, font: float, colour=T.TEXT, bold: bool = False, **kw) -> Label:
    lb = Label(text=text, font_size=font, color=colour, bold=bold, halign=kw.pop("halign", "center"),
               valign="middle", **kw)
    lb.bind(size=lambda w, s: setattr(w, "text_size", (s[0], None)))
    return lb


def _button(text: str, font: float, on_press, colour=T.BUTTON, text_colour=T.BUTTON_TEXT, **kw) -> Button:
    b = Button(text=text, font_size=font, color=text_colour, background_normal="", background_down="",
               background_color=colour, halign="center", valign="middle", **kw)
    b.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - 16, None)))
    if on_press is not None:
        b.bind(on_press=lambda *_: on_press())
    return b


def _toggle(text: str, on: bool, font: float, u: float, on_press) -> Button:
    """A reason toggle: when chosen it is filled *and* carries a drawn check mark (never colour alone)."""
    if len(text) > 8:
        font = font * 0.85  # 材料反复提交/多次跑腿: two lines, not three
    b = _button(text, font, on_press, colour=T.TOGGLE_ON if on else T.BUTTON, text_colour=T.ON_BAR if on else T.TEXT)
    b.bind(size=lambda w, s: setattr(w, "text_size", (s[0] - 124 * u, None)))  # room for the mark
    if on:
        with b.canvas.after:
            Color(*T.ON_BAR)
            mark = Line(points=[], width=5 * u, cap="round", joint="round")

        def place(*_):
            x, y, h = b.x + 18 * u, b.center_y, 14 * u
            mark.points = [x, y, x + h, y - h, x + 2.3 * h, y + 1.4 * h]

        b.bind(pos=place, size=place)
        place()
    return b


def _tag(action: str, arg: str | None, widget):
    """Name what a touch target does, so a test can find it on the real screen (``PadView.targets``)."""
    widget.pad_action, widget.pad_arg = action, arg
    return widget


def _text_width(text: str) -> float:
    """Width of ``text`` in font sizes: a Chinese character is one, a Latin letter about half."""
    return sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in text) if any(ord(c) > 0x2E80 for c in text) \
        else max(len(w) for w in text.split()) * 0.6  # English wraps at spaces: its longest word


class FaceButton(BoxLayout):
    """A face and its word, one touch target. Pressed: the border shows it at once."""

    def __init__(self, face: dict, u: float, on_press, vertical: bool, word: float, **kw):
        super().__init__(orientation="vertical" if vertical else "horizontal", padding=8 * u, spacing=8 * u, **kw)
        _bg(self, (1, 1, 1, 1), radius=18 * u)
        self.on_press_ = on_press
        icon = T.FACE_ICON * u * (1.25 if vertical else 1.0)
        holder = AnchorLayout(size_hint=(1, None) if vertical else (None, 1), height=icon + 16 * u,
                              width=icon + 40 * u)
        holder.add_widget(Face(face["stars"], size_hint=(None, None), size=(icon, icon)))
        self.add_widget(holder)
        self.add_widget(_label(face["label"], word, bold=True,
                               halign="center" if vertical else "left"))

    def on_touch_down(self, touch):
        if self.collide_point(*touch.pos):
            with self.canvas.after:
                Color(*T.PRIMARY)
                Line(rounded_rectangle=(self.x, self.y, self.width, self.height, 18), width=4)
            self.on_press_()
            return True
        return super().on_touch_down(touch)


class PadView(FloatLayout):
    def __init__(self, actions, photo_root: str | None = None, **kw):
        super().__init__(**kw)
        self.actions = actions
        self.photo_root = photo_root  # staff photos are relative to the hall file
        _bg(self, T.BG)
        self.bind(size=lambda *_: self._rerender())
        self._view: dict | None = None

    def targets(self) -> list[dict]:
        """Every touch target on screen: what it does and its centre in window pixels, y from the top."""
        out = []
        for w in self.walk():
            action = getattr(w, "pad_action", None)
            if action is not None:
                x, y = w.to_window(w.center_x, w.center_y)
                out.append({"action": action, "arg": w.pad_arg, "x": round(x), "y": round(self.height - y)})
        return out

    def _rerender(self):
        if self._view is not None:
            self.render(self._view)

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def render(self, view: dict) -> None:
        self._view = view
        self.clear_widgets()
        u = min(self.width, self.height) / 800.0
        root = BoxLayout(orientation="vertical", size=self.size, pos=self.pos)
        root.add_widget(self._bar(view, u))
        if view.get("banner"):
            root.add_widget(_bg(_label(view["banner"], T.BANNER_TEXT * u, colour=T.ON_BAR,
                                       size_hint_y=None, height=70 * u), T.BANNER))
        body = getattr(self, f"_{view['screen']}")(view, u)
        root.add_widget(body)
        if view.get("message"):
            root.add_widget(_bg(_label(view["message"], T.MESSAGE_TEXT * u, size_hint_y=None, height=90 * u),
                                T.MESSAGE_BG))
        self.add_widget(root)

    # ------------------------------------------------------------------ parts

    def _bar(self, view: dict, u: float):
        bar = _bg(BoxLayout(size_hint_y=None, height=T.BAR_HEIGHT * u, padding=(24 * u, 10 * u), spacing=16 * u),
                  T.BAR)
        bar.add_widget(_label(view["window_name"], T.BAR_TEXT * u, colour=T.ON_BAR, bold=True, halign="left"))
        w, h = T.LANG_BUTTON
        bar.add_widget(_tag("lang", None, _button(view["lang_button"], 36 * u, self.actions.toggle_language,
                                                  colour=(1, 1, 1, 1), text_colour=T.BAR, size_hint=(None, None),
                                                  size=(w * u, h * u))))
        return bar

    def _idle(self, view: dict, u: float):
        staff = view.get("staff")
        outer = BoxLayout(orientation="horizontal" if self.landscape else "vertical", padding=40 * u,
                          spacing=36 * u)
        if staff:
            pw, ph = T.PHOTO
            photo_box = AnchorLayout(size_hint=(None, 1) if self.landscape else (1, None),
                                     width=pw * u + 40 * u, height=ph * u + 20 * u)
            path = Path(self.photo_root, staff["photo"]) if self.photo_root and staff["photo"] else None
            if path is not None and path.is_file():
                photo_box.add_widget(Image(source=str(path), size_hint=(None, None), size=(pw * u, ph * u),
                                           fit_mode="contain"))
            else:  # no photo on this tablet: a plain placeholder, never a broken image
                photo_box.add_widget(_bg(_label(staff["photo_label"], 34 * u, colour=T.MUTED, size_hint=(None, None),
                                                size=(pw * u, ph * u)), T.PHOTO_BG, radius=12 * u))
            outer.add_widget(photo_box)
        text = BoxLayout(orientation="vertical", spacing=10 * u)
        if staff:
            text.add_widget(_label(staff["name"], T.STAFF_NAME * u, bold=True))
            text.add_widget(_label(staff["line"], T.STAFF_LINE * u, colour=T.MUTED))
        else:
            text.add_widget(_label(view.get("subtitle") or "", T.SUBTITLE * u, colour=T.MUTED))
        welcome = T.WELCOME * u * (1.0 if view["lang"] == "zh" else 0.72)  # "Please rate our service": one line
        text.add_widget(_label(view["title"], welcome, colour=T.BAR, bold=True))
        outer.add_widget(text)
        return outer

    def _asking(self, view: dict, u: float):
        outer = BoxLayout(orientation="vertical", padding=(28 * u, 20 * u), spacing=14 * u)
        outer.add_widget(_label(view["title"], T.TITLE * u, bold=True, size_hint_y=None, height=70 * u))
        outer.add_widget(_label(view["matter"], T.SUBTITLE * u, colour=T.MUTED, size_hint_y=None, height=56 * u))
        if self.landscape:
            faces = BoxLayout(orientation="horizontal", spacing=T.GAP * u)
        else:
            faces = BoxLayout(orientation="vertical", spacing=T.GAP * u)
        word = T.FACE_WORD * u
        if self.landscape:  # five cards in a row: every word on one line, all the same size
            card = (self.width - 56 * u - 4 * T.GAP * u) / 5 - 24 * u
            longest = max(_text_width(f["label"]) for f in view["faces"])
            word = min(word, card / longest)
        for face in view["faces"]:
            faces.add_widget(_tag("choose", face["code"], FaceButton(face, u, lambda c=face["code"]: self.actions.choose(c),
                                        vertical=self.landscape, word=word)))
        outer.add_widget(faces)
        outer.add_widget(_label(view["hint"], T.HINT * u, colour=T.MUTED, size_hint_y=None, height=50 * u))
        return outer

    def _reasons(self, view: dict, u: float):
        title = _label(view["title"], T.TITLE * u, bold=True, size_hint_y=None, height=70 * u)
        cols = 2
        row = (T.REASON_ROW_LANDSCAPE if self.landscape else T.REASON_ROW) * u
        grid = GridLayout(cols=cols, spacing=T.GAP * u, row_force_default=True, row_default_height=row,
                          size_hint_y=None)
        grid.height = ((len(view["reasons"]) + cols - 1) // cols) * (row + T.GAP * u)
        for r in view["reasons"]:
            grid.add_widget(_tag("reason", r["code"], _toggle(r["label"], r["on"], T.REASON * u, u,
                                                              lambda c=r["code"]: self.actions.toggle_reason(c))))
        more = _label(view["more"], T.HINT * u, colour=T.MUTED, size_hint_y=None, height=(96 if self.landscape else 48) * u)
        phone = None
        if view.get("phone"):
            phone = _tag("phone", None, _button(view["phone"], T.PHONE_BUTTON * u, self.actions.open_phone, size_hint_y=None,
                            height=T.REASON_ROW * u))
        go = view["submit"]
        if not self.landscape:
            outer = BoxLayout(orientation="vertical", padding=(28 * u, 18 * u), spacing=14 * u)
            for w in (title, grid, Widget(), more, phone,
                      self._actions(view["back"], go["label"], self.actions.submit, go["enabled"], u)):
                if w is not None:
                    outer.add_widget(w)
            return outer
        outer = BoxLayout(orientation="horizontal", padding=(28 * u, 18 * u), spacing=28 * u)
        left = BoxLayout(orientation="vertical", spacing=14 * u, size_hint_x=0.64)
        for w in (title, grid, Widget()):
            left.add_widget(w)
        right = BoxLayout(orientation="vertical", spacing=T.GAP * u, size_hint_x=0.36)
        for w in (Widget(), more, phone,
                  _tag("submit", None, _button(go["label"], T.ACTION * u, self.actions.submit if go["enabled"] else None,
                          colour=T.PRIMARY if go["enabled"] else T.DISABLED,
                          text_colour=T.ON_BAR if go["enabled"] else T.MUTED, bold=True, size_hint_y=None,
                          height=T.ACTION_HEIGHT * u)),
                  _tag("back", None, _button(view["back"], T.ACTION * u, self.actions.back, size_hint_y=None,
                                             height=T.ACTION_HEIGHT * u))):
            if w is not None:
                right.add_widget(w)
        outer.add_widget(left)
        outer.add_widget(right)
        return outer

    def _phone(self, view: dict, u: float):
        title = _label(view["title"], T.TITLE * u, bold=True, size_hint_y=None, height=70 * u)
        digits = _bg(_label(view["digits"] or " ", T.DIGITS * u, bold=True, size_hint_y=None, height=120 * u),
                     (1, 1, 1, 1), radius=12 * u)
        grid = GridLayout(cols=3, spacing=T.GAP * u)
        for k in view["keys"]:
            size = T.KEY * u if k["key"].isdigit() else T.REASON * u
            grid.add_widget(_tag("key", k["key"], _button(k["label"], size, lambda key=k["key"]: self.actions.key(key))))
        actions = self._actions(view["back"], view["ok"], self.actions.confirm_phone, True, u)
        if not self.landscape:
            outer = BoxLayout(orientation="vertical", padding=(28 * u, 18 * u), spacing=14 * u)
            for w in (title, digits, grid, actions):
                outer.add_widget(w)
            return outer
        outer = BoxLayout(orientation="horizontal", padding=(28 * u, 18 * u), spacing=28 * u)
        left = BoxLayout(orientation="vertical", spacing=T.GAP * u)
        for w in (title, digits, Widget(), actions):
            left.add_widget(w)
        outer.add_widget(left)
        outer.add_widget(grid)
        return outer

    def _thanks(self, view: dict, u: float):
        outer = BoxLayout(orientation="vertical", padding=40 * u, spacing=20 * u)
        holder = AnchorLayout(size_hint_y=None, height=260 * u)
        holder.add_widget(Face(5, size_hint=(None, None), size=(220 * u, 220 * u)))
        outer.add_widget(Widget())
        outer.add_widget(holder)
        outer.add_widget(_label(view["title"], T.THANKS * u, colour=T.BAR, bold=True, size_hint_y=None,
                                height=130 * u))
        for line in view["lines"]:
            outer.add_widget(_label(line, T.THANKS_LINE * u, size_hint_y=None, height=70 * u))
        outer.add_widget(Widget())
        return outer

    def _actions(self, back: str, go: str, on_go, enabled: bool, u: float):
        row = BoxLayout(size_hint_y=None, height=T.ACTION_HEIGHT * u, spacing=24 * u)
        row.add_widget(_tag("back", None, _button(back, T.ACTION * u, self.actions.back, size_hint_x=0.4)))
        row.add_widget(_tag("go", None, _button(go, T.ACTION * u, on_go if enabled else None,
                                                colour=T.PRIMARY if enabled else T.DISABLED,
                                                text_colour=T.ON_BAR if enabled else T.MUTED, bold=True)))
        return row
