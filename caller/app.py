"""The soft caller's window (Kivy): a thin drawing of ``CallerPresenter.view()``.

Two layouts from caller/theme.py: a 1366x200 strip along the top or bottom of the clerk's
screen, and a 400x768 side panel. Every button shows its shortcut; the keyboard drives the
same presenter (``KEYS``). Nothing here decides anything: a press goes to the presenter and
the screen is redrawn from its view, on the main thread, coalesced by a trigger.
"""
from __future__ import annotations

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from caller import theme
from caller.actions import ACTIONS
from caller.presenter import CallerPresenter, CallerView

# Kivy keycodes → the presenter's key names
KEYS = {282 + i: f"F{i + 1}" for i in range(12)}
KEYS.update({13: "Enter", 271: "Enter", 27: "Escape", 114: "R"})
KEYS.update({48 + d: str(d) for d in range(10)})
KEYS.update({256 + d: str(d) for d in range(10)})  # numeric keypad


def _fill(widget, colour) -> None:
    with widget.canvas.before:
        c = Color(*colour)
        r = Rectangle(pos=widget.pos, size=widget.size)
    widget._bg = (c, r)
    widget.bind(pos=lambda w, v: setattr(r, "pos", v), size=lambda w, v: setattr(r, "size", v))


def _label(text="", px=17, colour=theme.INK, bold=False, halign="left", shorten=True, **kw) -> Label:
    lab = Label(text=text, font_size=px, color=colour, bold=bold, halign=halign, valign="middle", markup=True,
                shorten=shorten, shorten_from="right", **kw)
    lab.bind(size=lambda w, v: setattr(w, "text_size", v))
    return lab


class CallerScreen(FloatLayout):
    """The whole window. ``refresh()`` redraws from the presenter's view."""

    def __init__(self, presenter: CallerPresenter, layout: theme.Layout, **kw):
        super().__init__(**kw)
        self.presenter, self.layout = presenter, layout
        _fill(self, theme.BG)
        self.buttons: dict[str, Button] = {}
        self.dialog_box = None
        self._dialog_key = None
        self._build_strip() if layout.name == "strip" else self._build_panel()
        self.trigger = Clock.create_trigger(lambda dt: self.refresh(), 0)
        self.refresh()

    # ------------------------------------------------------------------ building

    def _header_widgets(self, px):
        self.window_label = _label(px=px + 2, bold=True)
        self.staff_label = _label(px=px)
        self.situation_label = _label(px=px, bold=True)
        self.connection_label = _label(px=px - 2)
        self.notice_label = _label(px=px)

    def _ticket_widgets(self, px, number_px):
        self.number_label = _label(px=number_px, colour=theme.ACCENT, bold=True, shorten=False)
        self.service_label = _label(px=px, shorten=False)
        self.times_label = _label(px=px - 1, colour=theme.MUTED)
        self.origin_label = _label(px=px - 1, colour=theme.MUTED)

    def _counts_widgets(self, px):
        self.waiting_label = _label(px=px)
        self.pools_label = _label(px=px - 1, shorten=False)
        self.day_label = _label(px=px - 1, colour=theme.MUTED, shorten=False)

    def _button_grid(self, cols) -> GridLayout:
        grid = GridLayout(cols=cols, spacing=4, padding=(4, 4))
        self._shown: tuple[str, ...] = ()
        for action in ACTIONS:
            btn = Button(markup=True, halign="center", valign="middle", background_normal="",
                         background_disabled_normal="")
            btn.bind(size=lambda w, v: setattr(w, "text_size", v))
            btn.bind(on_release=lambda w, a=action.id: self._press(a))
            self.buttons[action.id] = btn
        return grid

    def _build_strip(self) -> None:
        L = self.layout
        root = BoxLayout(orientation="vertical", padding=(6, 4), spacing=2, size_hint=(1, 1))
        self._header_widgets(L.text_px)
        head = BoxLayout(size_hint_y=None, height=30, spacing=10)
        for w, width in ((self.window_label, 110), (self.staff_label, 130), (self.situation_label, 150),
                         (self.connection_label, 120)):
            w.size_hint_x, w.width = None, width
            head.add_widget(w)
        head.add_widget(self.notice_label)
        root.add_widget(head)
        body = BoxLayout(spacing=8)
        card = BoxLayout(orientation="vertical", size_hint_x=None, width=370, padding=(8, 2))
        _fill(card, theme.PANEL)
        self._ticket_widgets(L.text_px, L.number_px)
        top = BoxLayout(size_hint_y=2.6)
        self.number_label.size_hint_x, self.number_label.width = None, 170
        top.add_widget(self.number_label)
        top.add_widget(self.service_label)
        card.add_widget(top)
        card.add_widget(self.times_label)
        card.add_widget(self.origin_label)
        body.add_widget(card)
        counts = BoxLayout(orientation="vertical", size_hint_x=None, width=190, padding=(8, 2))
        _fill(counts, theme.PANEL)
        self._counts_widgets(L.text_px)
        for w in (self.waiting_label, self.pools_label, self.day_label):
            counts.add_widget(w)
        body.add_widget(counts)
        self.button_grid = self._button_grid(L.button_cols)
        body.add_widget(self.button_grid)
        root.add_widget(body)
        self.add_widget(root)

    def _build_panel(self) -> None:
        L = self.layout
        root = BoxLayout(orientation="vertical", padding=(8, 6), spacing=6, size_hint=(1, 1))
        self._header_widgets(L.text_px)
        head = GridLayout(cols=2, size_hint_y=None, height=64)
        for w in (self.window_label, self.situation_label, self.staff_label, self.connection_label):
            head.add_widget(w)
        root.add_widget(head)
        self.notice_label.size_hint_y, self.notice_label.height = None, 48
        self.notice_label.shorten = False
        root.add_widget(self.notice_label)
        card = BoxLayout(orientation="vertical", size_hint_y=None, height=226, padding=(10, 4))
        _fill(card, theme.PANEL)
        self._ticket_widgets(L.text_px, L.number_px)
        self.number_label.size_hint_y = 2.0
        self.service_label.size_hint_y = 1.7
        for w in (self.number_label, self.service_label, self.times_label, self.origin_label):
            card.add_widget(w)
        root.add_widget(card)
        counts = BoxLayout(orientation="vertical", size_hint_y=None, height=124, padding=(10, 4))
        _fill(counts, theme.PANEL)
        self._counts_widgets(L.text_px)
        self.pools_label.size_hint_y = 1.8
        for w in (self.waiting_label, self.pools_label, self.day_label):
            counts.add_widget(w)
        root.add_widget(counts)
        self.button_grid = self._button_grid(L.button_cols)
        root.add_widget(self.button_grid)
        self.add_widget(root)

    # ------------------------------------------------------------------ drawing

    def refresh(self) -> None:
        v = self.presenter.view()
        L = self.layout
        self.window_label.text = v.window_name
        self.staff_label.text = v.staff if v.situation not in ("signed_out", "unknown") else ""
        self.situation_label.text = v.situation_text
        self.situation_label.color = theme.ERROR if v.situation == "paused" else theme.INK
        self.connection_label.text = "● 已连接" if v.online else "■ 未连接"
        self.connection_label.color = theme.OK if v.online else theme.ERROR
        notice = v.notice
        if not v.online:
            self.notice_label.text, self.notice_label.color = v.connection_text, theme.ERROR
        elif notice:
            self.notice_label.text, self.notice_label.color = notice.text, theme.NOTICE_COLOURS[notice.kind]
        else:
            self.notice_label.text = ""
        t = v.ticket
        if t:
            self.number_label.text = t.number
            mark = f"\n[color=#0a6b33][b]【{t.priority}】[/b][/color]" if t.priority else ""
            self.service_label.text = f"{t.service_name} · {t.status}{mark}"
            serving = f"，已办理{t.serving_min}分钟" if t.serving_min is not None else ""
            self.times_label.text = f"等候{t.waited_min}分钟{serving}"
            self.origin_label.text = f"转自：{t.origin}" if t.origin else ""
        else:
            self.number_label.text = "—"
            self.service_label.text = "当前无号"
            self.times_label.text = self.origin_label.text = ""
        self.waiting_label.text = f"等候 [b]{v.waiting}[/b] 人"
        self.pools_label.text = (f"挂起 {len(v.held)}：{' '.join(v.held[:3]) or '无'}\n"
                                 f"过号 {len(v.missed)}：{' '.join(v.missed[:3]) or '无'}")
        mean = f"\n平均每件 {v.handling_mean_min} 分钟" if v.handling_mean_min is not None else ""
        self.day_label.text = f"今日已办 {v.served}件{mean}" if v.served is not None else "今日已办 —"
        shown = tuple(b.id for b in v.buttons)
        if shown != self._shown:  # 暂停 and 恢复 share a place; 退出 only when signed in
            self._shown = shown
            self.button_grid.clear_widgets()
            for action_id in shown:
                self.button_grid.add_widget(self.buttons[action_id])
        for b in v.buttons:
            action_id, btn = b.id, self.buttons[b.id]
            btn.text = f"[size={L.text_px + 1}][b]{b.label}[/b][/size]\n[size={L.small_px}]{b.key}[/size]"
            btn.background_color = ((theme.BUTTON_MAIN if action_id in theme.MAIN_BUTTONS else theme.BUTTON)
                                    if b.enabled else theme.BUTTON_OFF)
            btn.color = (1, 1, 1, 1) if b.enabled else theme.BUTTON_OFF_TEXT
        self._draw_dialog(v)

    # ------------------------------------------------------------------ dialogs

    def _draw_dialog(self, v: CallerView) -> None:
        d = v.dialog
        key = None if d is None else (d.kind, d.title, d.choices, d.flag)
        if key == self._dialog_key:
            return
        self._dialog_key = key
        if self.dialog_box is not None:
            self.remove_widget(self.dialog_box)
            self.dialog_box = None
        if d is None:
            return
        strip = self.layout.name == "strip"
        scrim = FloatLayout(size_hint=(1, 1))  # the window behind is dimmed: one question at a time
        _fill(scrim, (0.1, 0.12, 0.16, 0.55))
        box = BoxLayout(orientation="vertical", padding=10, spacing=6, size_hint=(0.97, 0.92) if strip else (0.94, 0.72),
                        pos_hint={"center_x": 0.5, "center_y": 0.5})
        _fill(box, (0.93, 0.95, 0.99, 1))
        px = self.layout.text_px
        title = _label(f"[b]{d.title}[/b]  （Esc 取消）", px=px + 1, size_hint_y=None, height=30)
        title.shorten = False
        box.add_widget(title)
        if d.kind == "sign_in":
            row = BoxLayout(orientation="horizontal" if strip else "vertical", spacing=8,
                            size_hint_y=None, height=56 if strip else 180)
            self.staff_input = TextInput(hint_text="工号", multiline=False, font_size=px + 2, write_tab=False,
                                         input_filter="int")
            self.pin_input = TextInput(hint_text="密码", multiline=False, password=True, font_size=px + 2,
                                       write_tab=False, input_filter="int")
            go = Button(text="登录 (Enter)", font_size=px, background_normal="", background_color=theme.BUTTON_MAIN)
            go.bind(on_release=lambda *a: self._sign_in())
            self.pin_input.bind(on_text_validate=lambda *a: self._sign_in())
            self.staff_input.bind(on_text_validate=lambda *a: setattr(self.pin_input, "focus", True))
            for w in (self.staff_input, self.pin_input, go):
                row.add_widget(w)
            box.add_widget(row)
            box.add_widget(Widget())  # the fields at the top, the rest empty
            Clock.schedule_once(lambda dt: setattr(self.staff_input, "focus", True), 0)
        elif d.text_prompt is not None:
            row = BoxLayout(spacing=8, size_hint_y=None, height=48)
            self.text_input = TextInput(hint_text=d.text_prompt, multiline=False, font_size=px + 4)
            self.text_input.bind(on_text_validate=lambda w: self._text(w.text))
            go = Button(text="呼叫 (Enter)", font_size=px, background_normal="", background_color=theme.BUTTON_MAIN,
                        size_hint_x=0.4)
            go.bind(on_release=lambda *a: self._text(self.text_input.text))
            row.add_widget(self.text_input)
            row.add_widget(go)
            box.add_widget(row)
            if not d.choices:
                box.add_widget(Widget())
            Clock.schedule_once(lambda dt: setattr(self.text_input, "focus", True), 0)
        if d.choices:
            cols = 6 if strip else 2
            grid = GridLayout(cols=cols, spacing=4, size_hint_y=None)
            grid.bind(minimum_height=grid.setter("height"))
            for i, (value, label) in enumerate(d.choices):
                hint = f"{i + 1} · " if i < 9 else ""
                btn = Button(text=f"{hint}{label}", font_size=px, size_hint_y=None, height=44 if strip else 52,
                             background_normal="", background_color=theme.BUTTON, halign="center", valign="middle",
                             shorten=True)
                btn.bind(size=lambda w, v: setattr(w, "text_size", v), on_release=lambda w, val=value: self._choose(val))
                grid.add_widget(btn)
            scroll = ScrollView(do_scroll_x=False)
            scroll.add_widget(grid)
            box.add_widget(scroll)
        if d.flag is not None:
            flag = Button(text="● 办完回到本窗口：是 (R)" if d.flag else "○ 办完回到本窗口：否 (R)", font_size=px, size_hint_y=None, height=36,
                          background_normal="", background_color=theme.BUTTON_MAIN if d.flag else theme.BUTTON_OFF,
                          color=(1, 1, 1, 1) if d.flag else theme.INK)
            flag.bind(on_release=lambda *a: self._key("R"))
            box.add_widget(flag)
        scrim.add_widget(box)
        self.dialog_box = scrim
        self.add_widget(scrim)

    # ------------------------------------------------------------------ input

    def _press(self, action_id: str) -> None:
        self.presenter.press(action_id)
        self.trigger()

    def _choose(self, value: str) -> None:
        self.presenter.choose(value)
        self.trigger()

    def _text(self, text: str) -> None:
        self.presenter.enter_text(text)
        self.trigger()

    def _sign_in(self) -> None:
        self.presenter.sign_in(self.staff_input.text, self.pin_input.text)
        self.pin_input.text = ""
        self.trigger()

    def _key(self, name: str) -> None:
        self.presenter.key(name)
        self.trigger()

    def on_key(self, keycode: int, modifiers: list[str]) -> bool:
        name = KEYS.get(keycode)
        if name is None:
            return False
        typing = any(isinstance(w, TextInput) and w.focus for w in self.walk())
        if typing and not name.startswith("F") and name != "Escape":
            return False  # digits and Enter belong to the text field
        if "shift" in modifiers and name.startswith("F"):
            name = "Shift+" + name
        self._key(name)
        return True


def bind_keyboard(screen: CallerScreen) -> None:
    def on_key_down(window, key, scancode, codepoint, modifiers):
        return screen.on_key(key, list(modifiers))

    Window.bind(on_key_down=on_key_down)
