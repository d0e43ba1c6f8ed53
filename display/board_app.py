"""The hall board (综合屏) in Kivy: draws a ``BoardView``; nothing else.

Landscape (1920×1080): the newest call and the recent calls on the left, every open window's
number on the right, waiting per service below, the ticker at the bottom. Portrait
(1080×1920): the newest call on top, the recent calls in a row, the windows, the services.
A banner (lost hub, closed hours) takes the services' place, so the calls never move.
"""
from __future__ import annotations

import math

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout

from display import theme
from display.board import BoardView
from display.widgets import FitLabel, Panel, Ticker, text


def best_grid(n: int, width: float, height: float, chars: int = 4, spacing: float = 0.0) -> tuple[int, float]:
    """(columns, number font) that gives ``n`` cells the largest number font in width×height
    (a digit is about 0.58 em wide in the number font; the window's label sits in the corner)."""
    best = (1, 0.0)
    for cols in range(1, max(1, n) + 1):
        rows = math.ceil(n / cols)
        cw, ch = (width - spacing * (cols - 1)) / cols, (height - spacing * (rows - 1)) / rows
        font = min(cw * 0.9 / (chars * 0.58), ch * 0.78)
        if font > best[1]:
            best = (cols, font)
    return best


class WindowCell(Panel):
    """One window on the board: its number in hand as large as the cell allows, the window's
    label small in the top left corner."""

    def __init__(self, u: float, number_font: str, **kw):
        super().__init__(orientation="vertical", **kw)
        layer = FloatLayout()
        self.number = FitLabel(max_size=theme.WINDOW_NUMBER_MAX * u, min_size=20 * u, share=0.9, height_share=0.78,
                               color=theme.CALL, font_name=number_font, halign="center", valign="middle",
                               size_hint=(1, 0.9), pos_hint={"x": 0, "y": 0})
        self.u = u
        self.label = text("", theme.WINDOW_LABEL * u, theme.MUTED, halign="left", size_hint=(1, None),
                          height=theme.WINDOW_LABEL * u * 1.25, pos_hint={"x": 0.04, "top": 1})
        layer.add_widget(self.number)
        layer.add_widget(self.label)
        self.add_widget(layer)
        self.bind(size=self._label_size)

    def _label_size(self, *_):
        """The label grows with the cell (a township's four big cells), never below its base size."""
        size = max(theme.WINDOW_LABEL * self.u, min(48 * self.u, self.height * 0.14))
        self.label.font_size, self.label.height = size, size * 1.25

    def show(self, cell) -> None:
        self.label.text = cell.label
        if cell.ticket and cell.status != "paused":
            self.number.max_size = theme.WINDOW_NUMBER_MAX * self.u
            self.number.text, self.number.color = cell.ticket, theme.CALL
        else:  # a word, not a number: smaller, so the numbers stand out
            self.number.max_size = theme.WINDOW_NOTE * self.u
            self.number.text = cell.note or "—"
            self.number.color = theme.PAUSED if cell.status == "paused" else theme.MUTED
        self.number._fit()
        self.set_bg(theme.PANEL_NEW if cell.fresh else theme.PANEL)


class ServiceLine(BoxLayout):
    """One service on the waiting strip: "A  12人  约8分钟 社保医保业务" (plain labels: Kivy's
    markup labels that shorten cost a quarter of a second each to draw)."""

    def __init__(self, u: float, **kw):
        super().__init__(orientation="horizontal", spacing=8 * u, **kw)
        self.prefix = text("", theme.SERVICE_TEXT * u, theme.TEXT, bold=True, size_hint_x=None, width=46 * u)
        self.count = text("", theme.SERVICE_COUNT * u, theme.CALL, size_hint_x=None, width=96 * u, halign="right")
        self.rest = text("", theme.SERVICE_TEXT * u, theme.TEXT, halign="left", shorten=True, shorten_from="right")
        for w in (self.prefix, self.count, self.rest):
            self.add_widget(w)

    def show(self, prefix: str, count: str, rest: str) -> None:
        self.prefix.text, self.count.text, self.rest.text = prefix, count, rest


class BoardScreen(FloatLayout):
    """The whole board. ``show(view)`` redraws it; ``flash(on)`` blinks a new call's panel."""

    def __init__(self, orientation: str, unit: float, number_font: str, **kw):
        super().__init__(**kw)
        u = self.u = unit
        self.orientation_name = orientation
        self.number_font = number_font
        root = Panel(bg=theme.BG, orientation="vertical", pos_hint={"x": 0, "y": 0}, size_hint=(1, 1))
        self.add_widget(root)
        # header: title, date, time, a small connection mark
        header = Panel(bg=theme.PANEL, size_hint_y=None, height=theme.HEADER * u, padding=(24 * u, 0))
        self.title = text("", theme.TITLE * u, halign="left", bold=True)
        self.mark = text("●", 26 * u, theme.OK, size_hint_x=None, width=40 * u)
        self.date = FitLabel(max_size=theme.DATE * u, min_size=18 * u, color=theme.MUTED, halign="right",
                             valign="middle", size_hint_x=0.45)
        self.date.bind(size=lambda lb, sz: setattr(lb, "text_size", sz))
        self.clock = text("", theme.CLOCK * u, halign="right", size_hint_x=None, width=170 * u, font=number_font)
        for w in (self.title, self.date, self.clock, self.mark):
            header.add_widget(w)
        root.add_widget(header)
        # the newest call
        self.newest = Panel(orientation="vertical", padding=(8 * u, 8 * u))
        self.newest_tag = text("", theme.NEWEST_TAG * u, theme.MUTED, size_hint_y=None, height=theme.NEWEST_TAG * u * 1.4)
        self.newest_number = FitLabel(max_size=theme.NEWEST_NUMBER * u * (1.15 if orientation == "portrait" else 1),
                                      min_size=140 * u, share=0.95, color=theme.CALL, font_name=number_font,
                                      halign="center", valign="middle", markup=False)
        self.newest_number.bind(size=lambda lb, s: setattr(lb, "text_size", s))
        self.newest_line = FitLabel(max_size=theme.NEWEST_LINE * u, min_size=40 * u, share=0.95, color=theme.TEXT,
                                    size_hint_y=None, height=theme.NEWEST_LINE * u * 1.35, halign="center", valign="middle")
        self.newest_line.bind(size=lambda lb, s: setattr(lb, "text_size", s))
        for w in (self.newest_tag, self.newest_number, self.newest_line):
            self.newest.add_widget(w)
        # recent calls
        self.recent_rows: list[tuple[Panel, object, object]] = []
        landscape = orientation == "landscape"
        self.recent = BoxLayout(orientation="vertical" if landscape else "horizontal", spacing=8 * u)
        rows = 4 if landscape else 4
        for _ in range(rows):
            row = Panel(orientation="horizontal" if landscape else "vertical", padding=((12 if landscape else 4) * u, 0))
            number = FitLabel(max_size=theme.RECENT_NUMBER * u, min_size=60 * u, share=0.95, height_share=0.95,
                              color=theme.TEXT,
                              font_name=number_font, halign="left" if landscape else "center", valign="middle")
            where = FitLabel(max_size=theme.RECENT_WINDOW * u, min_size=24 * u, share=0.95, color=theme.MUTED,
                             halign="right" if landscape else "center", valign="middle")
            for label in (number, where):
                label.bind(size=lambda lb, sz: setattr(lb, "text_size", sz))
            if not landscape:
                number.size_hint_y, where.size_hint_y = 0.6, 0.4
            row.add_widget(number)
            row.add_widget(where)
            self.recent.add_widget(row)
            self.recent_rows.append((row, number, where))
        # windows
        self.grid = GridLayout(cols=1, spacing=8 * u)
        self.grid.bind(size=lambda *_: self._layout_grid())
        self.cells: list[WindowCell] = []
        self._cells_shown: list = []
        # services (or the banner in their place)
        self.bottom = Panel(bg=theme.PANEL, size_hint_y=None, height=theme.SERVICES * u * (1.25 if not landscape else 1),
                            orientation="vertical", padding=(16 * u, 6 * u))
        self.services_head = text("", theme.SERVICE_TEXT * u, theme.MUTED, halign="left", size_hint_y=None,
                                  height=theme.SERVICE_TEXT * u * 1.4)
        self.services = GridLayout(cols=3 if landscape else 2, spacing=(14 * u, 4 * u))
        self.banner = text("", 56 * u, theme.TEXT, bold=True)
        self.bottom.add_widget(self.services_head)
        self.bottom.add_widget(self.services)
        self.ticker = Ticker(font_size=theme.TICKER_TEXT * u, size_hint_y=None, height=theme.TICKER * u)
        ticker_bg = Panel(bg=theme.TICKER_BG, size_hint_y=None, height=theme.TICKER * u)
        ticker_bg.add_widget(self.ticker)
        # assemble
        body_gap = 12 * u
        self.recent_head = text("", theme.SECTION * u, theme.MUTED, halign="left", size_hint_y=None,
                                height=theme.SECTION * u * 1.3)
        if landscape:
            # left: the newest call and the recent calls, full height; right: windows over services
            body = BoxLayout(orientation="horizontal", padding=body_gap, spacing=body_gap)
            left = BoxLayout(orientation="vertical", size_hint_x=0.355, spacing=body_gap)
            self.newest.size_hint_y = None
            self.newest.height = (theme.NEWEST_TAG * 1.4 + theme.NEWEST_NUMBER * 1.15 + theme.NEWEST_LINE * 1.35 + 24) * u
            for w in (self.newest, self.recent_head, self.recent):
                left.add_widget(w)
            right = BoxLayout(orientation="vertical", size_hint_x=0.645, spacing=body_gap)
            right.add_widget(self.grid)
            right.add_widget(self.bottom)
            body.add_widget(left)
            body.add_widget(right)
            root.add_widget(body)
        else:
            body = BoxLayout(orientation="vertical", padding=body_gap, spacing=body_gap)
            self.newest.size_hint_y = None
            self.newest.height = (theme.NEWEST_TAG * 1.4 + theme.NEWEST_NUMBER * 1.3 + theme.NEWEST_LINE * 1.35 + 24) * u
            self.recent.size_hint_y = None
            self.recent.height = (theme.RECENT_NUMBER * 1.25 + theme.RECENT_WINDOW * 1.4 + 16) * u
            for w in (self.newest, self.recent_head, self.recent, self.grid, self.bottom):
                body.add_widget(w)
            root.add_widget(body)
        root.add_widget(ticker_bg)
        self.view: BoardView | None = None

    # ------------------------------------------------------------------ drawing

    def show(self, view: BoardView) -> None:
        self.view = view
        self.title.text = view.title
        self.date.text = view.date_text
        self.clock.text = view.time_text
        self.mark.color = theme.OK if view.live else theme.PAUSED
        n = view.newest
        if n:
            tag = view.words("calling") + ("　" + view.words("recall") if n.recall else "")
            self.newest_tag.text = ("新呼叫　" if n.new and view.lang == "zh" else "NEW　" if n.new else "") + tag
            self.newest_number.text = n.ticket
            self.newest_line.text = ("请到 " + n.window_label + " 办理") if view.lang == "zh" else "→ " + n.window_label
        else:
            self.newest_tag.text = view.words("calling")
            self.newest_number.text = "—"
            self.newest_line.text = view.words("no_calls")
        self.flash(bool(n and n.new))
        self.recent_head.text = view.words("recent")
        for i, (row, number, where) in enumerate(self.recent_rows):
            call = view.recent[i] if i < len(view.recent) else None
            number.text = call.ticket if call else ""
            where.text = (("重呼 " if call.recall and view.lang == "zh" else "") + call.window_label) if call else ""
            row.set_bg(theme.PANEL if call else theme.BG)
        self._show_windows(view)
        self._show_bottom(view)
        self.ticker.set_text(view.ticker)

    def flash(self, on: bool) -> None:
        self.newest.set_bg(theme.PANEL_NEW if on else theme.PANEL)

    def _show_windows(self, view: BoardView) -> None:
        if len(self.cells) != len(view.windows):
            self.grid.clear_widgets()
            self.cells = [WindowCell(self.u, self.number_font) for _ in view.windows]
            for c in self.cells:
                self.grid.add_widget(c)
            self._layout_grid()
        for cell, data in zip(self.cells, view.windows):
            cell.show(data)
        self._layout_grid()

    def _layout_grid(self) -> None:
        if not self.cells:
            return
        tickets = [c.number.text for c in self.cells if c.number.color == list(theme.CALL)]
        chars = max([4] + [len(t) for t in tickets])
        cols, _ = best_grid(len(self.cells), self.grid.width, self.grid.height, min(chars, 5), self.grid.spacing[0])
        self.grid.cols = cols

    def _show_bottom(self, view: BoardView) -> None:
        if view.banner:
            if self.banner.parent is None:
                self.bottom.clear_widgets()
                self.bottom.add_widget(self.banner)
            self.banner.text = view.banner
            self.bottom.set_bg(theme.BANNER_LOST if view.banner_kind == "lost" else theme.BANNER_CLOSED)
            return
        if self.banner.parent is not None:
            self.bottom.clear_widgets()
            self.bottom.add_widget(self.services_head)
            self.bottom.add_widget(self.services)
        self.bottom.set_bg(theme.PANEL)
        self.services_head.text = view.words("waiting") + ("　" + view.words("page", page=view.page + 1, pages=view.pages)
                                                           if view.pages > 1 else "")
        cells = self.services.children[::-1]
        if len(cells) != len(view.services):  # made once per page size, then only their texts change
            self.services.clear_widgets()
            for _ in view.services:
                self.services.add_widget(ServiceLine(self.u))
            cells = self.services.children[::-1]
        for cell, s in zip(cells, view.services):
            count = f"{s.waiting}{view.words('people')}" if s.open else s.wait_text
            rest = f"{s.name}  {s.wait_text}" if s.open and s.wait_text else s.name  # the name first: it matters more
            cell.show(s.prefix, count, rest)
