"""Two kiosk verbs beside ``issue``: ``lookup`` (a ticket's live status) and ``checkin``
(预约签到: an appointment code becomes a ticket).

``lookup`` finds a ticket of today by its number (a ticket's own QR) or by the citizen's
keyed hash and a service (the kiosk's "you already hold C012": show it and offer a reprint),
and answers with the ticket as ``issue`` does, its people ahead and estimate taken now.
It changes nothing and emits no event.

``checkin`` takes an appointment code. The store looks the booking up in its
``appointments`` table (``yichuang appointments import FILE``) and hands it to the engine as
``booking``; the engine checks it — unknown, another day, too early, too late, already used —
and issues the ticket on the ``appointment`` channel, whose priority the engine grants.
"""
from __future__ import annotations

from hall import queueing
from hall.messages import refuse
from hall.views import ticket_view

CHECKIN_EARLY_MINUTES = 30  # a citizen may check in this long before the slot starts
CHECKIN_LATE_MINUTES = 15  # … and this long after it ends


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(text: str) -> int:
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def lookup(ctx, cmd: dict) -> dict:
    state = ctx.state
    if cmd.get("number"):
        t = ctx.ticket(cmd)
    elif cmd.get("token"):
        t = next((x for x in state.tickets.values() if x.token == cmd["token"]), None)
        if t is None:
            raise refuse("unknown_ticket", number="")
    else:
        person = cmd.get("person") if isinstance(cmd.get("person"), dict) else {}
        pid, service = person.get("hash"), cmd.get("service")
        if not pid or not service:
            raise refuse("bad_request", detail="lookup 需要 number，或 person.hash 与 service")
        mine = [t for t in state.tickets.values() if t.person == pid and t.service == service and t.live]
        if not mine:
            raise refuse("unknown_ticket", number="")
        t = mine[-1]
    view = ticket_view(ctx, t)
    if t.status == "waiting":
        key = t.service if t.pinned_window is None else None
        line = queueing.waiting_for_service(state, key) if key else \
            sorted((x for x in state.tickets.values() if x.status == "waiting" and x.pinned_window == t.pinned_window),
                   key=queueing.line_order)
        ahead = next((i for i, x in enumerate(line) if x is t), 0)
        wait = queueing.predict_wait(ctx.config, state, t, ctx.now)
        view.update(people_ahead=ahead, estimated_wait_min=round(wait / 60.0, 1))
    else:
        view.update(people_ahead=0, estimated_wait_min=0.0)
    return view


def checkin(engine, ctx, cmd: dict) -> dict:
    code = str(cmd.get("appointment") or "")
    booking = cmd.get("booking")
    if not code:
        raise refuse("appointment_required")
    if not isinstance(booking, dict):
        raise refuse("appointment_unknown")
    today = ctx.state.day
    slot = f"{booking['start']}-{booking['end']}"
    if booking["day"] != today:
        raise refuse("appointment_wrong_day", day=booking["day"], slot=slot)
    used = next((t for t in ctx.state.tickets.values() if t.appointment == code and t.status != "cancelled"), None)
    if used is not None:
        raise refuse("appointment_used", number=used.number)
    minute = engine.calendar.minute_of_day(ctx.now)
    start, end = _minute(booking["start"]), _minute(booking["end"])
    if minute < start - CHECKIN_EARLY_MINUTES:
        raise refuse("appointment_too_early", slot=slot, since=_hhmm(start - CHECKIN_EARLY_MINUTES))
    if minute > end + CHECKIN_LATE_MINUTES:
        raise refuse("appointment_too_late", slot=slot)
    person = dict(cmd.get("person") or {}) if isinstance(cmd.get("person"), dict) else {}
    if booking.get("person") and "masked" not in person:
        person["masked"] = booking["person"]
    issue = {"verb": "issue", "service": booking["service"], "channel": "appointment", "appointment": code}
    if person:
        issue["person"] = person
    return engine._issue(ctx, issue)
