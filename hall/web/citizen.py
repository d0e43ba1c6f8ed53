"""The citizen's ticket page (扫码查看排队进度): what one ticket's holder reads on a phone.

``find_ticket`` is the one place that turns the token in the ticket's QR code into the
ticket (the token is stored with the ticket by the hub); ``ticket_page`` is a pure
presenter from the hall's state to the words on the page. The page shows the number, the
service, people ahead and the estimate, the window when called, and nothing personal.
"""
from __future__ import annotations

import math
import re
import re

from hall import queueing
from hall.protocol import TICKET_TOKEN
from hall.state import TICKET_FIELDS, HallState, Ticket

TOKEN = re.compile(TICKET_TOKEN)

TEXT = {
    "zh": {
        "title": "排队进度", "number": "您的号码", "service": "办理事项", "ahead": "前面还有",
        "people": "人", "estimate": "预计等待", "about_min": "约 {m} 分钟", "soon": "马上就到您",
        "go_to": "请到{window}", "go": "请到", "called": "正在叫您的号", "called_hint": "请带好材料，尽快前往。",
        "serving": "正在{window}办理", "finished": "已办结", "finished_hint": "感谢您的耐心等待。",
        "rate": "请为本次服务评价", "missed": "您已过号",
        "missed_hint": "请到服务台请工作人员回呼。", "held": "您的号已挂起",
        "held_hint": "请留意叫号，工作人员会再次叫您。", "cancelled": "该号已取消", "expired": "该号已过期",
        "expired_hint": "这是往日的号，请重新取号。", "waiting_hint": "页面会自动更新，不用刷新。",
        "offline": "暂时连不上大厅，显示的是最近一次的信息。", "switch": "English",
        "unknown": "没有找到这张号", "unknown_hint": "请核对二维码，或到服务台询问工作人员。",
        "transferred_hint": "已转到新的业务，请继续等候。",
        "rated": "您的评价：{level}。谢谢！", "rate_closed": "本次服务的评价时间已过。",
        "why": "请选择不满意的原因（可多选）", "say_more": "请简单说明（不要填写电话号码）", "send": "提交评价",
        "rate_failed": "评价没有成功：{message}",
    },
    "en": {
        "title": "Your place in line", "number": "Your number", "service": "Service", "ahead": "Ahead of you",
        "people": "people", "estimate": "Estimated wait", "about_min": "about {m} min", "soon": "You are next",
        "go_to": "Please go to {window}", "go": "Please go to", "called": "Your number is being called",
        "called_hint": "Please bring your documents and go now.", "serving": "Being served at {window}",
        "finished": "Finished", "finished_hint": "Thank you for waiting.", "rate": "Please rate our service",
        "missed": "Your number was missed", "missed_hint": "Please ask at the help desk to be called again.",
        "held": "Your ticket is on hold", "held_hint": "Listen for your number; staff will call you again.",
        "cancelled": "This ticket was cancelled", "expired": "This ticket has expired",
        "expired_hint": "It is from an earlier day; please take a new ticket.",
        "waiting_hint": "This page updates by itself.",
        "offline": "Cannot reach the hall right now; showing the last news.", "switch": "中文",
        "unknown": "Ticket not found", "unknown_hint": "Check the QR code, or ask at the help desk.",
        "transferred_hint": "Moved to another service; please keep waiting.",
        "rated": "Your rating: {level}. Thank you!", "rate_closed": "The time to rate this service has passed.",
        "why": "What went wrong? (choose one or more)", "say_more": "Tell us briefly (no phone numbers)",
        "send": "Send my rating", "rate_failed": "The rating was not recorded: {message}",
    },
}


def lang_of(value: str | None) -> str:
    return "en" if value == "en" else "zh"


class TokenLookup:
    """The token in the ticket's QR code → the ticket's row, or None (bad or unknown token)."""

    def __init__(self, reader):
        self.reader = reader
        self._has_column: bool | None = None

    def __call__(self, token: str) -> dict | None:
        if not TOKEN.fullmatch(token or ""):
            return None
        if not self._has_column:
            self._has_column = "token" in self.reader.columns("tickets")
            if not self._has_column:
                return None
        return self.reader.ticket_row("token = ?", (token,))


def _window_name(config, wid: str | None, lang: str) -> str:
    w = config.windows.get(wid or "")
    if w is None:
        return wid or ""
    return (w.name_en or w.name) if lang == "en" else w.name


def position(state: HallState, t: Ticket) -> int:
    """People who will be called before ``t`` in its own line (the line it is pinned to, or its service's)."""
    if t.pinned_window is not None:
        line = sorted((x for x in state.tickets.values() if x.status == "waiting"
                       and x.pinned_window == t.pinned_window), key=queueing.line_order)
    else:
        line = queueing.waiting_for_service(state, t.service)
    return next((i for i, x in enumerate(line) if x.id == t.id), len(line))


class Estimates:
    """The estimated wait of each watched ticket, played forward again at most every ``ttl``
    seconds (1-2 ms each on a county hall: hundreds of phones must not replay it on every event)."""

    def __init__(self, ttl: float = 15.0):
        self.ttl = ttl
        self._seen: dict[str, tuple[float, int, float]] = {}  # ticket id -> (when, people ahead, seconds)

    def __call__(self, config, state: HallState, t: Ticket, ahead: int, now: float) -> float:
        hit = self._seen.get(t.id)
        if hit is not None and now - hit[0] < self.ttl and hit[1] == ahead:
            return hit[2]
        seconds = queueing.predict_wait(config, state, t, now)
        if len(self._seen) > 20_000:
            self._seen.clear()
        self._seen[t.id] = (now, ahead, seconds)
        return seconds


def _predict(config, state, t, ahead, now) -> float:
    return queueing.predict_wait(config, state, t, now)


def ticket_page(config, state: HallState, row: dict, now: float, lang: str = "zh", estimate=_predict) -> dict:
    """Everything the ticket page shows, in one language. ``row`` is the ticket as stored;
    ``estimate(config, state, ticket, people_ahead, now)`` gives the seconds still to wait."""
    tx = TEXT[lang]
    live = state.tickets.get(row["id"]) if row["day"] == state.day else None
    t = live or Ticket(**{k: row[k] for k in TICKET_FIELDS})
    svc = config.services.get(t.service)
    page = {
        "lang": lang, "tx": tx, "number": t.number, "status": t.status, "phase": t.status,
        "service": (svc.name_en or svc.name) if svc and lang == "en" else (svc.name if svc else t.service),
        "hall": (config.name_en or config.name) if lang == "en" else config.name,
        "headline": "", "hint": "", "ahead": None, "estimate": None, "window": None,
    }
    if live is None and t.status not in ("finished", "cancelled"):
        page.update(phase="expired", headline=tx["expired"], hint=tx["expired_hint"])
        return page
    if t.status == "waiting":
        ahead = position(state, t)
        minutes = math.ceil(estimate(config, state, t, ahead, now) / 60.0)
        page.update(ahead=ahead, estimate=tx["soon"] if ahead == 0 and minutes <= 1 else tx["about_min"].format(m=minutes),
                    hint=tx["transferred_hint"] if t.transfers else tx["waiting_hint"])
    elif t.status == "called":
        window = _window_name(config, t.window, lang)
        page.update(window=window, headline=tx["go_to"].format(window=window), hint=tx["called_hint"])
    elif t.status == "serving":
        window = _window_name(config, t.window, lang)
        page.update(window=window, headline=tx["serving"].format(window=window))
    elif t.status == "finished":
        page.update(headline=tx["finished"], hint=tx["finished_hint"])
    elif t.status == "missed":
        page.update(headline=tx["missed"], hint=tx["missed_hint"])
    elif t.status == "held":
        page.update(headline=tx["held"], hint=tx["held_hint"])
    elif t.status == "cancelled":
        page.update(headline=tx["cancelled"])
    else:
        page.update(phase="expired", headline=tx["expired"], hint=tx["expired_hint"])
    return page
