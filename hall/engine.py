"""The queue engine: state + command + time → changed state, reply, events.

Pure: no I/O and no clock of its own; the caller passes the time. A command is a plain
JSON-able dict ``{"verb": …, …}`` (docs/commands.md lists the vocabulary). A command is
validated completely before anything changes, so a refusal leaves the state as it was;
the one exception is the hall day rolling over, which the passing of time causes, not the
command. Every change is an event in the returned list, numbered by ``state.seq``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hall import calling, checkin, queueing, tidal, untrusted
from hall.clock import HallCalendar
from hall.config import HallConfig
from hall.messages import Refusal, bad_request, refuse, status_params
from hall.protocol_words import CHANNELS, EVENT_TYPES, V
from hall.state import IN_HAND, LIVE, HallState, Ticket, WindowState
from hall.views import ticket_view, window_view



@dataclass
class Outcome:
    """What a command did: reply data or a refusal, and the events it caused."""

    data: dict | None = None
    error: Refusal | None = None
    events: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def reply(self, transaction: str | None) -> dict:
        if self.error is not None:
            return {"v": V, "status": "error", "error": self.error.as_error(), "transaction": transaction}
        return {"v": V, "status": "ok", "data": self.data or {}, "transaction": transaction}


class Context:
    """One command's view of the hall: the config, the state, the time, and its events."""

    def __init__(self, engine: "Engine", state: HallState, now: float, token: str | None = None):
        self.engine = engine
        self.token = token
        self.config = engine.config
        self.calendar = engine.calendar
        self.state = state
        self.now = round(now, 3)
        self.events: list[dict] = []

    def emit(self, type_: str, ticket: Ticket | None = None, window: str | None = None,
             staff: str | None = None, service: str | None = None, **data) -> None:
        """One event: what it is about at the top level (``ticket``, ``service``, ``window``,
        ``staff``, from ``ticket`` unless given), the details of its type in ``data``."""
        if type_ not in EVENT_TYPES:
            raise KeyError(f"{type_!r} is not an event type of the contract (hall.protocol_words)")
        self.state.seq += 1
        self.events.append({
            "v": V, "seq": self.state.seq, "type": type_, "at": self.calendar.iso(self.now), "ts": self.now,
            "day": self.state.day, "ticket": ticket.number if ticket else None,
            "service": service if service is not None else (ticket.service if ticket else None),
            "window": window if window is not None else (ticket.window if ticket else None),
            "staff": staff if staff is not None else (ticket.staff if ticket else None),
            "data": data,
        })

    # lookups that refuse
    def window(self, cmd: dict) -> tuple:
        wid = _text(cmd, "window")
        if wid not in self.config.windows:
            raise refuse("unknown_window", window=wid)
        return self.config.windows[wid], self.state.windows[wid]

    def open_window(self, cmd: dict) -> tuple:
        window, ws = self.window(cmd)
        if ws.status == "closed":
            raise refuse("window_closed", window=window.id)
        if ws.status == "paused":
            raise refuse("window_paused", window=window.id)
        return window, ws

    def in_hand(self, ws: WindowState) -> Ticket:
        if ws.ticket is None:
            raise refuse("no_ticket", window=ws.id)
        return self.state.tickets[ws.ticket]

    def ticket(self, cmd: dict, key: str = "number") -> Ticket:
        number = _text(cmd, key).upper()
        t = self.state.ticket_by_number(number)
        if t is None:
            raise refuse("unknown_ticket", number=number)
        return t

    def live_ticket(self, cmd: dict) -> Ticket:
        """The ticket named by the command; a finished, cancelled or expired one is refused
        ``ticket_final`` whatever the command wanted with it."""
        t = self.ticket(cmd)
        if not t.live:
            raise refuse("ticket_final", number=t.number, **status_params(t.status))
        return t


class Engine:
    def __init__(self, config: HallConfig):
        self.config = config
        self.calendar = HallCalendar(config)
        self._verbs = {
            "issue": self._issue, "cancel": calling.cancel,
            "staff_login": self._staff_login, "staff_logout": self._staff_logout, "close": self._staff_logout,
            "pause": self._pause, "resume": self._resume,
            "call_next": calling.call_next, "call_number": calling.call_number, "recall": calling.recall,
            "start": calling.start, "no_show": calling.no_show, "return_missed": calling.return_missed,
            "hold": calling.hold, "transfer": calling.transfer, "finish": calling.finish,
            "open_service": self._open_service, "close_service": self._close_service, "tick": self._tick,
            "lookup": checkin.lookup, "checkin": lambda ctx, cmd: checkin.checkin(self, ctx, cmd),
        }

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(self._verbs)

    def new_state(self) -> HallState:
        state = HallState()
        self.reconcile(state)
        return state

    def reconcile(self, state: HallState) -> None:
        """Make the state's windows match the config (a window added or removed)."""
        for wid in self.config.windows:
            if wid not in state.windows:
                state.windows[wid] = WindowState(wid)
                state.touch(state.windows[wid])
        for wid in list(state.windows):
            if wid not in self.config.windows:
                del state.windows[wid]

    def handle(self, state: HallState, command: dict, now: float, token: str | None = None) -> Outcome:
        """Apply ``command`` at ``now``. ``token`` is the unguessable token a ticket issued by
        this command gets (its status-page address, ``hall.protocol.ticket_url``); the caller
        draws it, as it reads the clock, so the engine stays a function of its inputs."""
        ctx = Context(self, state, now, token)
        self._roll_day(ctx)
        try:
            check_types(command)
            verb = command["verb"] if "verb" in command else None
            if verb not in self._verbs:
                raise refuse("unknown_verb", verb=verb)
            data = self._verbs[verb](ctx, command)
        except Refusal as refusal:
            return Outcome(error=refusal, events=ctx.events)
        tidal.check(ctx)
        return Outcome(data=data or {}, events=ctx.events)

    # ------------------------------------------------------------------ the hall day

    def _roll_day(self, ctx: Context) -> None:
        """At the first command of a new hall day: expire yesterday's live tickets, close the
        windows, reset the numbers. Numbers restart at 001; sequence numbers never do."""
        state = ctx.state
        today = self.calendar.day(ctx.now).isoformat()
        if state.day == today:
            return
        if state.day is not None and today < state.day:
            return  # a clock that went backwards never reopens a finished day
        for t in list(state.tickets.values()):
            if t.live:
                t.status, t.window = "expired", None
                state.touch(t)
                ctx.emit("ticket_expired", t)
        for ws in state.windows.values():
            if ws.status != "closed" or ws.ticket is not None:
                staff = ws.staff
                ws.status, ws.staff, ws.ticket, ws.pause_reason, ws.since = "closed", None, None, None, ctx.now
                ws.priority_streak = 0
                state.touch(ws)
                ctx.emit("window_closed", window=ws.id, staff=staff, reason="day_end")
        for wid in list(state.alerts):
            del state.alerts[wid]
        state.tickets.clear()
        state.counters.clear()
        previous, state.day = state.day, today
        ctx.emit("day_started", previous=previous)

    def _tick(self, ctx: Context, cmd: dict) -> dict:
        return {"day": ctx.state.day}

    # ------------------------------------------------------------------ issuing (取号)

    def _issue(self, ctx: Context, cmd: dict) -> dict:
        cfg, state = self.config, ctx.state
        code = _text(cmd, "service")
        svc = cfg.services.get(code)
        if svc is None:
            raise refuse("unknown_service")
        channel = cmd.get("channel", "kiosk")
        if channel not in CHANNELS:
            raise bad_request(f"channel must be one of {', '.join(CHANNELS)}", "取号渠道无效")
        if svc.closed or code in state.closed_services:
            raise refuse("service_closed", **_named(svc))
        day = dt.date.fromisoformat(state.day)
        if channel != "staff":  # staff may issue outside hours (延时服务)
            if not cfg.is_open_day(day):
                raise refuse("closed_day")
            hours = cfg.service_hours(code)
            if not hours.contains(self.calendar.minute_of_day(ctx.now)):
                raise refuse("outside_hours", hours="、".join(f"{a}-{b}" for a, b in hours.as_text()),
                             hours_en=", ".join(f"{a}-{b}" for a, b in hours.as_text()))
        person = cmd.get("person") or {}
        if not isinstance(person, dict):
            raise bad_request("person must be an object", "群众信息格式有误")
        pid = person.get("hash")
        if svc.id_card_required and not pid:
            raise refuse("id_card_required", **_named(svc))
        issued_today = sum(1 for t in state.tickets.values() if t.service == code)
        if svc.daily_quota is not None and issued_today >= svc.daily_quota:
            raise refuse("quota_reached", quota=svc.daily_quota, **_named(svc))
        if pid:
            mine = [t for t in state.tickets.values() if t.person == pid and t.status != "cancelled"]
            for t in mine:
                if t.service == code and t.live:
                    raise refuse("already_holding", number=t.number, **_named(svc))
            cap = cfg.rules.per_person_daily_cap
            if cap and len(mine) >= cap:
                raise refuse("person_daily_cap", count=len(mine))
        appointment = cmd.get("appointment")
        if channel == "appointment" and not appointment:
            raise refuse("appointment_required")
        if cmd.get("green") and channel != "staff":
            raise refuse("green_needs_staff")
        priority = None
        if cmd.get("green") or _is_elder(person.get("birth"), day, cfg.rules.green_channel_age):
            priority = "green"
        elif channel == "appointment":
            priority = "appointment"

        n, number = queueing.next_number(state, svc.prefix)
        state.counters[svc.prefix] = n
        ahead = queueing.people_ahead(state, code, priority is not None)
        ticket = Ticket(
            id=f"{state.day}:{number}", day=state.day, number=number, service=code, channel=channel,
            issued_at=ctx.now, queue_key=ctx.now, priority=priority, person=pid,
            person_masked=person.get("masked"), appointment=str(appointment) if appointment else None,
            people_ahead=ahead, token=ctx.token,
        )
        state.tickets[ticket.id] = ticket
        # The one wait (state/service shows the same figure for a ticket taken now): the
        # calling rule played forward; the simulator measured its error at 0.6 of the
        # queue-length formula (bench_simulation).
        ticket.estimated_wait = queueing.predict_wait(cfg, state, ticket, ctx.now)
        state.touch(ticket)
        ctx.emit("ticket_issued", ticket, channel=channel, priority=priority, people_ahead=ahead,
                 estimated_wait=ticket.estimated_wait, person_masked=ticket.person_masked)
        return ticket_view(ctx, ticket)

    # ------------------------------------------------------------------ staff and windows (AB岗)

    def _staff_login(self, ctx: Context, cmd: dict) -> dict:
        window, ws = ctx.window(cmd)
        number = _text(cmd, "staff")
        staff = self.config.staff.get(number)
        if staff is None:
            raise refuse("unknown_staff", staff=number)
        if not staff.may_work_at(window.id):
            raise refuse("staff_not_authorised", staff=number, window=window.id)
        day = dt.date.fromisoformat(ctx.state.day)
        if not window.in_season(day):
            raise refuse("out_of_season", window=window.id, season="至".join(window.season),
                         season_en=" to ".join(window.season))
        for other in ctx.state.windows.values():
            if other.staff == number and other.id != window.id:
                raise refuse("staff_elsewhere", staff=number, other=other.id)
        if ws.staff == number:
            return window_view(ctx, ws)  # already logged in here: nothing to do
        if ws.staff is not None:
            if not cmd.get("takeover"):
                raise refuse("window_occupied", window=window.id, staff=ws.staff)
            ctx.emit("staff_logout", window=window.id, staff=ws.staff, reason="takeover", by=number)
        was_closed = ws.status == "closed"
        ws.staff, ws.since = number, ctx.now
        if was_closed:
            ws.status, ws.priority_streak = "open", 0
        ctx.state.touch(ws)
        if ws.ticket is not None:
            t = ctx.state.tickets[ws.ticket]
            t.staff = number
            ctx.state.touch(t)
        ctx.emit("staff_login", window=window.id, staff=number, takeover=bool(cmd.get("takeover")))
        if window.id in ctx.state.alerts:
            tidal.clear(ctx, window.id, "opened")
        return window_view(ctx, ws)

    def _staff_logout(self, ctx: Context, cmd: dict) -> dict:
        window, ws = ctx.window(cmd)
        if ws.status == "closed":
            return window_view(ctx, ws)
        if ws.ticket is not None:
            raise refuse("ticket_in_hand", number=ctx.state.tickets[ws.ticket].number)
        staff = ws.staff
        ws.status, ws.staff, ws.pause_reason, ws.since, ws.priority_streak = "closed", None, None, ctx.now, 0
        ctx.state.touch(ws)
        ctx.emit("window_closed", window=window.id, staff=staff, reason=cmd.get("reason") or cmd["verb"])
        return window_view(ctx, ws)

    def _pause(self, ctx: Context, cmd: dict) -> dict:
        window, ws = ctx.open_window(cmd)
        reason = cmd.get("reason")
        if not reason or not isinstance(reason, str):
            raise refuse("reason_required")
        if ws.ticket is not None:
            raise refuse("ticket_in_hand", number=ctx.state.tickets[ws.ticket].number)
        ws.status, ws.pause_reason, ws.since = "paused", reason, ctx.now
        ctx.state.touch(ws)
        ctx.emit("window_paused", window=window.id, staff=ws.staff, reason=reason)
        return window_view(ctx, ws)

    def _resume(self, ctx: Context, cmd: dict) -> dict:
        window, ws = ctx.window(cmd)
        if ws.status != "paused":
            raise refuse("window_not_paused", window=window.id)
        ws.status, ws.pause_reason, ws.since = "open", None, ctx.now
        ctx.state.touch(ws)
        ctx.emit("window_resumed", window=window.id, staff=ws.staff)
        return window_view(ctx, ws)

    def _open_service(self, ctx: Context, cmd: dict) -> dict:
        code = _text(cmd, "service")
        if code not in self.config.services:
            raise refuse("unknown_service")
        if code in ctx.state.closed_services:
            ctx.state.closed_services.remove(code)
            ctx.emit("service_opened", service=code)
        return {"service": code, "open": True}

    def _close_service(self, ctx: Context, cmd: dict) -> dict:
        code = _text(cmd, "service")
        if code not in self.config.services:
            raise refuse("unknown_service")
        if code not in ctx.state.closed_services:
            ctx.state.closed_services.append(code)
            ctx.state.closed_services.sort()
            ctx.emit("service_closed", service=code, reason=cmd.get("reason"))
        return {"service": code, "open": False}


# ---------------------------------------------------------------------- the types of a command

_ID = (str, int)  # a window, ticket, service or staff id: a string, or a whole number for it
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "verb": (str,), "transaction": (str, int),
    "window": _ID, "number": _ID, "service": _ID, "staff": _ID, "to_window": _ID,
    "to_service": (str,), "outcome": (str,), "channel": (str,), "reason": (str,),
    "appointment": (str, int), "green": (bool,), "takeover": (bool,), "return_after": (bool,),
    "place": (str, int), "person": (dict,),
}
PERSON_TYPES: dict[str, tuple[type, ...]] = {"hash": (str,), "masked": (str,), "birth": (str,)}
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "an object"}
_TYPE_NAMES_ZH = {str: "字符串", int: "整数", bool: "真或假", dict: "对象"}


def check_types(command) -> None:
    """Refuse (``bad_request``) a command whose fields have the wrong JSON type, or that holds
    text which is not valid Unicode, before any verb looks at it: the engine gives the same
    clear refusal whoever calls it (the hub, ``yichuang replay``, the simulator). ``None`` is
    the same as leaving a field out; fields the engine does not know are ignored."""
    if not isinstance(command, dict):
        raise bad_request("command must be a JSON object", "命令必须是一个JSON对象")
    if not untrusted.is_unicode(command):
        raise bad_request("text that is not valid Unicode (a lone surrogate)", "含有无效的Unicode文字")
    _check_parts(command, FIELD_TYPES, "")
    if isinstance(command.get("person"), dict):
        _check_parts(command["person"], PERSON_TYPES, "person.")


def _check_parts(fields: dict, types: dict, prefix: str) -> None:
    for name, allowed in types.items():
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            kinds = " or ".join(_TYPE_NAMES[t] for t in allowed)
            kinds_zh = "或".join(_TYPE_NAMES_ZH[t] for t in allowed)
            raise bad_request(f"'{prefix}{name}' must be {kinds}",
                              f"{_FIELD_ZH.get(prefix + name, '字段')}应为{kinds_zh}")


# ---------------------------------------------------------------------- helpers

_FIELD_ZH = {  # a field as a clerk knows it, for a Chinese refusal
    "verb": "操作", "transaction": "请求编号", "service": "办理事项", "window": "窗口号", "number": "票号",
    "staff": "工号", "to_window": "转办窗口", "to_service": "转办事项", "outcome": "办结结果", "channel": "取号渠道",
    "reason": "原因", "appointment": "预约码", "green": "绿色通道", "takeover": "接替", "return_after": "转办后返回",
    "place": "回呼位置", "person": "群众信息", "person.hash": "身份摘要", "person.masked": "脱敏证件号",
    "person.birth": "出生日期",
}


def _named(svc) -> dict:
    """A service named in a refusal: its Chinese name, and its English one (or its code)."""
    return {"service": svc.name, "service_en": svc.name_en or svc.code}


def _text(cmd: dict, key: str) -> str:
    value = cmd.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise bad_request(f"'{key}' is required and must be a string", f"缺少{_FIELD_ZH.get(key, '必填字段')}或格式有误")
    return value


def _is_elder(birth, day: dt.date, age: int) -> bool:
    if not birth or not age:
        return False
    try:
        born = dt.date.fromisoformat(str(birth))
    except ValueError:
        raise bad_request("person.birth must be YYYY-MM-DD", "出生日期应为年-月-日格式") from None
    years = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return years >= age


__all__ = ["Engine", "Outcome", "CHANNELS", "IN_HAND", "LIVE"]
