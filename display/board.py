"""The hall board's presenter (综合屏): what to show, from the mirror and the clock. Pure.

``BoardPresenter.view(mirror, now)`` returns a ``BoardView``; the Kivy board only draws it.

- the newest call large, "请 A012 号 到 3号窗口", marked new for ``NEW_SECONDS`` after the
  board first saw it (a call already old when the board starts is not marked);
- the recent calls after it (a recall shows as 重呼);
- every window that is open or paused with its number in hand, in the hall file's order;
- people waiting per service, a page at a time, turning every ``PAGE_SECONDS`` (calm, no
  scrolling); a service that is not taking tickets says 暂停取号;
- the notice and "潮汐窗口28号已开放" for an open tidal window, as the ticker;
- a banner when the hall is closed now (今日已停止取号, or when tickets start again) and when
  the board has lost the hub (it keeps showing what it last knew, and catches up by itself
  from the retained state when the hub is back).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hall.clock import HallCalendar
from hall.config import HallConfig
from display.words import WEEKDAYS, say

NEW_SECONDS = 8.0  # a new call stays marked this long
PAGE_SECONDS = 8.0  # one page of services stays this long
OLD_CALL = 15.0  # a call already older than this when first seen is not "new" (a board that starts late)


@dataclass(frozen=True)
class CallLine:
    seq: int
    ticket: str
    window: str
    window_label: str
    sentence: str
    recall: bool = False
    new: bool = False


@dataclass(frozen=True)
class WindowCell:
    window: str
    label: str
    ticket: str  # "" when none in hand
    status: str  # open | paused
    note: str  # 暂停服务 / 等待叫号 / 重呼 …
    fresh: bool = False  # its ticket is the newest call


@dataclass(frozen=True)
class ServiceCell:
    code: str
    name: str
    prefix: str
    waiting: int
    wait_text: str
    open: bool


@dataclass(frozen=True)
class BoardView:
    title: str
    date_text: str
    time_text: str
    newest: CallLine | None
    recent: list[CallLine]
    windows: list[WindowCell]
    services: list[ServiceCell]
    page: int
    pages: int
    ticker: str
    notices: list[str] = field(default_factory=list)  # tidal windows opened: shown prominently
    banner: str = ""
    banner_kind: str = ""  # "lost" | "closed" | ""
    live: bool = True
    lang: str = "zh"

    def words(self, key: str, **params) -> str:
        return say(self.lang, key, **params)


class BoardPresenter:
    def __init__(self, config: HallConfig, *, lang: str = "zh", orientation: str = "landscape",
                 services_per_page: int | None = None, recent_count: int | None = None):
        self.config = config
        self.calendar = HallCalendar(config)
        self.lang = lang
        self.orientation = orientation
        self.services_per_page = services_per_page or (9 if orientation == "landscape" else 8)
        self.recent_count = recent_count or (4 if orientation == "landscape" else 5)
        self._first_seen: dict[int, float] = {}

    # ------------------------------------------------------------------ pieces

    def _label(self, window_id: str, name: str | None = None, name_en: str | None = None) -> str:
        if self.lang == "en":
            return name_en or say("en", "window_of", id=window_id)
        return name or say("zh", "window_of", id=window_id)

    def _call(self, call: dict, now: float) -> CallLine:
        seq = call.get("seq") if isinstance(call.get("seq"), int) else -1
        seen = self._first_seen.setdefault(seq, now)
        ts = call.get("ts") if isinstance(call.get("ts"), (int, float)) else 0.0
        new = now - seen < NEW_SECONDS and seen - ts < OLD_CALL
        label = self._label(call["window"], call.get("window_name"), call.get("window_name_en"))
        return CallLine(seq, call["ticket"], call["window"], label,
                        say(self.lang, "sentence", ticket=call["ticket"], window=label),
                        bool(call.get("recall")), new)

    def _windows(self, mirror, newest: CallLine | None) -> list[WindowCell]:
        cells = []
        for wid in self.config.windows:
            w = mirror.windows.get(wid)
            if not w or w.get("status") not in ("open", "paused"):
                continue
            ticket = w.get("ticket") if isinstance(w.get("ticket"), dict) else None
            number = ticket.get("number", "") if ticket else ""
            if w["status"] == "paused":
                note = say(self.lang, "paused")
            elif ticket and ticket.get("status") == "serving":
                note = say(self.lang, "serving")
            elif ticket:
                note = ""
            else:
                note = say(self.lang, "idle")
            cells.append(WindowCell(wid, say(self.lang, "window_of", id=wid), number, w["status"], note,
                                    fresh=bool(newest and newest.new and newest.window == wid and newest.ticket == number)))
        return cells

    def _services(self, mirror, now: float) -> tuple[list[ServiceCell], int, int]:
        cells = []
        for code, svc in self.config.services.items():
            s = mirror.services.get(code)
            if not s:
                continue
            waiting = s.get("waiting") if isinstance(s.get("waiting"), int) else 0
            est = s.get("estimated_wait_min")
            is_open = s.get("open") is not False
            if not is_open:
                wait_text = say(self.lang, "service_closed")
            elif isinstance(est, (int, float)) and waiting:
                wait_text = say(self.lang, "about_min", m=max(1, round(est)))
            else:
                wait_text = ""
            name = (s.get("name_en") or svc.name_en) if self.lang == "en" else (s.get("name") or svc.name)
            cells.append(ServiceCell(code, name or code, s.get("prefix") or svc.prefix, waiting, wait_text, is_open))
        per = self.services_per_page
        pages = max(1, math.ceil(len(cells) / per))
        page = int(now // PAGE_SECONDS) % pages
        return cells[page * per:(page + 1) * per], page, pages

    def _closed_banner(self, mirror, now: float) -> str:
        hall = mirror.hall or {}
        if hall.get("open_now") is not False:
            return ""
        if hall.get("open_today") is False:
            return say(self.lang, "closed_day")
        minute = self.calendar.minute_of_day(now)
        for start, _ in self.config.hours.periods:
            if minute < start:
                at = f"{start // 60:02d}:{start % 60:02d}"
                first = start == self.config.hours.periods[0][0]
                return say(self.lang, "not_yet" if first else "break", at=at)
        return say(self.lang, "stopped")

    # ------------------------------------------------------------------ the view

    def view(self, mirror, now: float) -> BoardView:
        calls = [self._call(c, now) for c in mirror.calls()]
        newest = calls[0] if calls else None
        recent = calls[1:1 + self.recent_count]
        services, page, pages = self._services(mirror, now)
        notices = [say(self.lang, "tidal_open", window=wid) for wid, w in self.config.windows.items()
                   if w.kind == "tidal" and (mirror.windows.get(wid) or {}).get("status") == "open"]
        hall = mirror.hall or {}
        notice = hall.get("notice") if isinstance(hall.get("notice"), str) else self.config.notice
        ticker = "　　".join(x for x in [*notices, notice] if x)
        banner, kind = "", ""
        if not mirror.live:
            banner, kind = say(self.lang, "lost"), "lost"
        elif closed := self._closed_banner(mirror, now):
            banner, kind = closed, "closed"
        local = self.calendar.local(now)
        w = WEEKDAYS["en" if self.lang == "en" else "zh"][local.weekday()]
        title = (hall.get("name_en") or self.config.name_en) if self.lang == "en" else (hall.get("name") or self.config.name)
        self._forget(calls)
        return BoardView(
            title=title or self.config.name,
            date_text=say(self.lang, "date", y=local.year, m=local.month, d=local.day, w=w),
            time_text=local.strftime("%H:%M"), newest=newest, recent=recent,
            windows=self._windows(mirror, newest), services=services, page=page, pages=pages,
            ticker=ticker, notices=notices, banner=banner, banner_kind=kind, live=mirror.live, lang=self.lang)

    def _forget(self, calls: list[CallLine]) -> None:
        if len(self._first_seen) > 200:
            keep = {c.seq for c in calls}
            self._first_seen = {s: t for s, t in self._first_seen.items() if s in keep}
