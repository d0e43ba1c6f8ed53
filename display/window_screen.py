"""The window screen's presenter (窗口屏): one window, from the mirror. Pure.

Shows the window's number and name, the staff on duty (持证上岗: name, staff number and photo,
a neutral placeholder when the hall file gives no photo or the file is missing), the number
being called or served, and 暂停服务 with the reason when paused (or when nobody is signed in).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hall.config import WINDOW_KINDS, HallConfig
from display.words import say


@dataclass(frozen=True)
class WindowScreenView:
    window: str
    number_label: str  # 3号窗口
    name: str  # the window's own name when it is not just "N号窗口" (帮办代办台), else its kind
    status: str  # open | paused | closed | unknown
    ticket: str  # the number in hand, "" when none
    ticket_line: str  # 请 A012 号 到本窗口办理 / 正在办理 / 等待叫号
    paused_text: str  # 暂停服务 (paused or closed), "" when open
    reason: str  # the pause reason, or what to do when closed
    staff_name: str
    staff_number: str  # 工号 0101
    photo: str | None  # a readable file, or None for the placeholder
    banner: str = ""
    live: bool = True
    lang: str = "zh"

    def words(self, key: str, **params) -> str:
        return say(self.lang, key, **params)


class WindowScreenPresenter:
    def __init__(self, config: HallConfig, window: str, *, lang: str = "zh", photos: Path | None = None):
        if window not in config.windows:
            raise ValueError(f"no window {window!r} in {config.source or config.id}")
        self.config = config
        self.window = config.windows[window]
        self.lang = lang
        self.photos = photos if photos is not None else (Path(config.source).parent if config.source else Path("."))

    def _photo(self, path: str | None) -> str | None:
        if not path:
            return None
        p = Path(path)
        p = p if p.is_absolute() else self.photos / p
        return str(p) if p.is_file() else None

    def view(self, mirror) -> WindowScreenView:
        w = self.window
        state = mirror.windows.get(w.id) or {}
        status = state.get("status") if state.get("status") in ("open", "paused", "closed") else "unknown"
        label = say(self.lang, "window_of", id=w.id)
        own = (state.get("name_en") or w.name_en) if self.lang == "en" else (state.get("name") or w.name)
        name = own if own and own not in (label, f"{w.id}号窗口", f"Window {w.id}") else (
            WINDOW_KINDS.get(w.kind, "") if self.lang != "en" else "")
        staff = state.get("staff") if isinstance(state.get("staff"), dict) else None
        ticket = state.get("ticket") if isinstance(state.get("ticket"), dict) else None
        number = (ticket or {}).get("number", "") if status in ("open", "paused") else ""
        if not number:
            line = say(self.lang, "idle") if status == "open" else ""
        elif ticket.get("status") == "serving":
            line = say(self.lang, "serving")
        else:
            line = say(self.lang, "called", ticket=number)
        paused_text, reason = "", ""
        if status == "paused":
            paused_text = say(self.lang, "paused")
            reason = state.get("pause_reason") or ""
        elif status in ("closed", "unknown"):
            paused_text = say(self.lang, "closed_window")
            reason = say(self.lang, "closed_window_hint")
        return WindowScreenView(
            window=w.id, number_label=label, name=name, status=status, ticket=number, ticket_line=line,
            paused_text=paused_text, reason=reason,
            staff_name=(staff or {}).get("name", "") if status != "closed" else "",
            staff_number=say(self.lang, "staff_no", number=staff["number"]) if staff and status != "closed" else "",
            photo=self._photo((staff or {}).get("photo")) if status != "closed" else None,
            banner="" if mirror.live else say(self.lang, "lost"), live=mirror.live, lang=self.lang)
