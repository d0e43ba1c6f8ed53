"""好差评 in the engine: ask the window's pad when a matter is finished, record the answer
(or 未评价 when none comes in time), open a case for every 差评 and move it step by step.

Pure like ``hall.engine``: the verbs take the command's ``Context`` and raise refusals before
changing anything; ``after`` runs once after every accepted command (the engine's hook) and
turns what just happened and the passing of time into asks, 未评价 records and overdue alerts.
"""
from __future__ import annotations

import datetime as dt
from collections import namedtuple

from hall import rating as rules
from hall.messages import refuse
from hall.rating_state import Case, Matter, Rating

# what ``Context.emit`` reads from a ticket: the matter's own number, service, window and staff
_Ref = namedtuple("_Ref", "number service window staff")
ASK_AFTER = ("ticket_finished", "ticket_sent_back")  # a window finished a matter (办结)


def pads(config) -> dict[str, str]:
    """window -> the id of its rating pad (评价器), from the hall file's devices."""
    return {d.window: d.id for d in config.devices.values() if d.role == "rating_pad" and d.window}


def _ref(x) -> _Ref:
    """A matter or a case as the ticket an event names (its service is the matter's, not the ticket's now)."""
    return _Ref(x.ticket, x.service, x.window, x.staff)


def matter_key(day: str, ticket: str, service: str, window: str) -> str:
    return f"{day}:{ticket}:{service}:{window}"


def matter_number(day: str, ticket: str, service: str, window: str) -> str:
    """办件编号: the hall day, the window, the ticket and the service: unique per matter."""
    return f"{day.replace('-', '')}-{window}-{ticket}-{service}"


# ---------------------------------------------------------------------- the hook

def after(ctx) -> None:
    """After an accepted command: ask for the matters just finished, record 未评价 for asks
    whose time ran out, forget yesterday's matters, flag cases past their deadline."""
    book = ctx.state.rating
    for event in [e for e in ctx.events if e["type"] in ASK_AFTER]:
        _served(ctx, event)
    for window, key in sorted(book.asks.items()):
        m = book.matters[key]
        if m.expires_at is not None and ctx.now >= m.expires_at:
            _unrated(ctx, m, "timeout")
    if book.matters and next(iter(book.matters.values())).day != ctx.state.day:
        # the hall day rolled: all the matters are yesterday's (they are one day's by construction)
        for key in list(book.matters):
            m = book.matters.pop(key)
            if m.status == "asked":
                _unrated(ctx, m, "day_end")
    today = ctx.calendar.day(ctx.now).isoformat()
    earliest = book.earliest_deadline()
    if not earliest or today <= earliest:
        return  # no case can have gone overdue
    for case in sorted(book.cases.values(), key=lambda c: c.id):
        if not case.overdue and today > case.deadline:
            case.overdue = True
            book.touch(case)
            ctx.emit("case_overdue", _ref(case), case=case.id, deadline=case.deadline, status=case.status,
                     matter=case.rating)


def due(state, today: str, now: float) -> bool:
    """Whether the hub should tick: an ask is waiting, or a case may have just gone overdue."""
    book = state.rating
    earliest = book.earliest_deadline()
    return bool(book.asks) or bool(earliest and today > earliest)


def _served(ctx, event: dict) -> None:
    book, day = ctx.state.rating, ctx.state.day
    ticket, service, window = event["ticket"], event["service"], event["window"]
    key = matter_key(day, ticket, service, window)
    if key in book.matters:
        return  # the same matter finished again (sent back and forth): still one rating
    t = ctx.state.ticket_by_number(ticket)
    m = Matter(key=key, number=matter_number(day, ticket, service, window), day=day, ticket=ticket,
               service=service, window=window, staff=event["staff"], served_at=ctx.now,
               named=bool(t is not None and t.person))
    book.matters[key] = m
    book.touch(m)
    pad = pads(ctx.config).get(window)
    if pad is None:
        return
    previous = book.asks.get(window)
    if previous is not None:
        _unrated(ctx, book.matters[previous], "next_citizen")
    m.status, m.asked_at = "asked", ctx.now
    m.expires_at = round(ctx.now + ctx.config.rating.ask_seconds, 3)
    book.asks[window] = key
    ctx.emit("rating_asked", _ref(m), matter=m.number, pad=pad, expires_at=ctx.calendar.iso(m.expires_at))


def _unrated(ctx, m: Matter, why: str) -> None:
    """No answer: the record says 未评价 — never 满意."""
    book = ctx.state.rating
    if book.asks.get(m.window) == m.key:
        del book.asks[m.window]
    m.status = "unrated"
    book.touch(m)
    book.new_ratings.append(_record(ctx, m, rules.UNRATED, "pad", (), None, None, m.expires_at or ctx.now))
    ctx.emit("rating_unrated", _ref(m), matter=m.number, level=rules.UNRATED.code, reason=why)


def _record(ctx, m: Matter, level, channel, reasons, text, phone, at) -> Rating:
    svc = ctx.config.services.get(m.service)
    return Rating(id=m.number, day=m.day, matter=m.key, ticket=m.ticket, service=m.service,
                  service_name=svc.name if svc else m.service, window=m.window, staff=m.staff, channel=channel,
                  level=level.code, stars=level.stars, reasons=list(reasons), text=text, at=round(at, 3),
                  named=m.named or phone is not None, phone_masked=phone[1] if phone else None,
                  phone_sealed=phone[0] if phone else None)


# ---------------------------------------------------------------------- verbs

def rate(ctx, cmd: dict) -> dict:
    """评价: the citizen's answer for one matter finished at the window."""
    window, _ = ctx.window(cmd)
    t = ctx.ticket(cmd)
    book = ctx.state.rating
    keys = (matter_key(ctx.state.day, t.number, code, window.id) for code in ctx.config.services)
    mine = [book.matters[k] for k in keys if k in book.matters]  # by key: no walk over the day's matters
    if not mine:
        raise refuse("not_served_here", number=t.number, window=window.id)
    open_ = [m for m in mine if m.status in ("asked", "served")]
    if not open_:
        if any(m.status == "rated" for m in mine):
            raise refuse("already_rated", number=t.number, window=window.id)
        raise refuse("rating_expired", number=t.number)
    m = next((x for x in open_ if x.status == "asked"), None) or max(open_, key=lambda x: x.served_at)
    if m.status == "asked" and m.expires_at is not None and ctx.now >= m.expires_at:
        raise refuse("rating_expired", number=t.number)
    level = rules.level_of(cmd.get("level"))
    reasons, text = rules.check_rating(ctx.config, level, cmd.get("reasons"), cmd.get("text"))
    phone = rules.check_phone(cmd.get("phone"))
    channel = cmd.get("channel", "pad")
    if channel not in rules.CHANNELS:
        raise refuse("bad_request", detail=f"channel 应为 {', '.join(rules.CHANNELS)} 之一")
    # everything checked: now change
    if book.asks.get(window.id) == m.key:
        del book.asks[window.id]
    m.status = "rated"
    book.touch(m)
    record = _record(ctx, m, level, channel, reasons, text, phone, ctx.now)
    case = _open_case(ctx, record) if level.bad else None
    record.case = case.id if case else None
    book.new_ratings.append(record)
    ctx.emit("ticket_rated", _ref(m), matter=m.number, level=level.code, stars=level.stars,
             reasons=list(reasons), text=text, channel=channel, named=record.named, phone=record.phone_masked, case=record.case)
    if case is not None:
        ctx.emit("case_opened", _ref(case), case=case.id, matter=m.number, level=level.code,
                 reasons=list(reasons), named=case.named, deadline=case.deadline, status=case.status)
    return {"matter": m.number, "ticket": m.ticket, "window": m.window, "level": level.code,
            "level_name": level.name, "case": record.case, "deadline": case.deadline if case else None}


def _open_case(ctx, record: Rating) -> Case:
    book = ctx.state.rating
    book.last_case += 1
    opened = dt.date.fromisoformat(ctx.state.day)
    deadline = rules.working_day_after(ctx.config, opened, ctx.config.rating.case_days)
    case = Case(id=book.last_case, rating=record.id, day=record.day, ticket=record.ticket, service=record.service,
                window=record.window, staff=record.staff, level=record.level, reasons=list(record.reasons),
                named=record.named, phone_masked=record.phone_masked, opened_at=ctx.now,
                deadline=deadline.isoformat())
    book.cases[case.id] = case
    book.touch(case)
    return case


def case_step(ctx, cmd: dict) -> dict:
    """差评处置: one step of a case by a manager, with a note."""
    raw = cmd.get("case")
    try:
        case_id = int(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        case_id = None
    book = ctx.state.rating
    if case_id is None or case_id not in book.cases:
        if case_id is not None and 0 < case_id <= book.last_case:
            raise refuse("case_closed")
        raise refuse("unknown_case", case=str(raw)[:20])
    case = book.cases[case_id]
    note, by = cmd.get("note"), cmd.get("by")
    if not (isinstance(note, str) and note.strip()):
        raise refuse("note_needed")
    if not (isinstance(by, str) and by.strip()):
        raise refuse("bad_request", detail="by 应为处置人")
    status, verdict = rules.move(case.status, case.verdict, case.named, cmd.get("step"), cmd.get("verdict"))
    step = cmd["step"]
    case.status, case.verdict = status, verdict
    case.steps.append({"step": step, "verdict": verdict if step == "verify" else None, "note": note.strip(),
                       "by": by.strip(), "at": ctx.calendar.iso(ctx.now)})
    if status == "closed":
        case.closed_at = ctx.now
        del book.cases[case.id]
    book.touch(case)
    ctx.emit("case_step", _ref(case), case=case.id, step=step, verdict=case.verdict, status=status,
             note=note.strip(), by=by.strip(), overdue=case.overdue)
    return case_view(case)


def case_view(case: Case) -> dict:
    return {
        "case": case.id, "rating": case.rating, "day": case.day, "ticket": case.ticket, "service": case.service,
        "window": case.window, "staff": case.staff, "level": case.level,
        "level_name": rules.ALL_LEVELS[case.level].name, "reasons": list(case.reasons), "named": case.named,
        "phone": case.phone_masked, "status": case.status, "status_name": rules.CASE_STATUS[case.status],
        "verdict": case.verdict, "deadline": case.deadline, "overdue": case.overdue,
        "next": list(rules.allowed_steps(case.status, case.verdict, case.named)), "steps": list(case.steps),
    }


VERBS = {"rate": rate, "case_step": case_step}
