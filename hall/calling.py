"""What a window does with tickets: call next (顺呼), call a number (特呼), recall (重呼),
start, no-show (过号), return a missed ticket (回呼), hold (挂起), transfer (转办),
finish (办结), cancel. Each function takes the engine's Context and the command, refuses
before it changes anything, and returns the reply data.
"""
from __future__ import annotations

from hall import queueing
from hall.messages import bad_request, refuse, status_params
from hall.protocol_words import OUTCOMES
from hall.state import IN_HAND, Ticket
from hall.views import ticket_view


def _free_window(ctx, cmd):
    window, ws = ctx.open_window(cmd)
    if ws.ticket is not None:
        raise refuse("ticket_in_hand", number=ctx.state.tickets[ws.ticket].number)
    return window, ws


def _call(ctx, window, ws, t: Ticket, how: str) -> dict:
    wait = round(ctx.now - t.issued_at, 3)
    t.status, t.window, t.staff, t.called_at, t.recalls = "called", window.id, ws.staff, ctx.now, 0
    first = t.first_called_at is None
    if first:
        t.first_called_at = ctx.now
    ws.ticket = t.id
    ws.priority_streak = ws.priority_streak + 1 if t.priority else 0
    ctx.state.touch(t)
    ctx.state.touch(ws)
    ctx.emit("ticket_called", t, how=how, window_name=window.name, first_call=first,
             waited=wait, estimated_wait=t.estimated_wait, priority=t.priority)
    return ticket_view(ctx, t)


def call_next(ctx, cmd: dict) -> dict:
    window, ws = _free_window(ctx, cmd)
    t = queueing.choose_next(ctx.state, window, ctx.config.rules.priority_guard)
    if t is None:
        raise refuse("queue_empty")
    return _call(ctx, window, ws, t, "next")


def call_number(ctx, cmd: dict) -> dict:
    window, ws = _free_window(ctx, cmd)
    t = ctx.live_ticket(cmd)
    if t.status not in ("waiting", "held"):  # missed: 回呼 first; called or serving: at a window
        raise refuse("not_waiting", number=t.number, **status_params(t.status))
    eligible = t.pinned_window == window.id or (t.pinned_window is None and window.skill(t.service))
    if not eligible:
        raise refuse("not_eligible", number=t.number)
    return _call(ctx, window, ws, t, "number" if t.status == "waiting" else "held")


def recall(ctx, cmd: dict) -> dict:
    window, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    if t.status != "called":
        raise refuse("already_started", number=t.number)
    t.recalls += 1
    limit = ctx.config.rules.recall_limit
    if t.recalls > limit:
        _to_missed(ctx, ws, t, "recall_limit")
        return ticket_view(ctx, t)
    t.called_at = ctx.now
    ctx.state.touch(t)
    ctx.emit("ticket_recalled", t, recalls=t.recalls, window_name=window.name)
    return ticket_view(ctx, t)


def start(ctx, cmd: dict) -> dict:
    _, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    if t.status != "called":
        raise refuse("already_started", number=t.number)
    t.status, t.started_at = "serving", ctx.now
    ctx.state.touch(t)
    ctx.emit("ticket_started", t)
    return ticket_view(ctx, t)


def _to_missed(ctx, ws, t: Ticket, reason: str) -> None:
    t.status, t.window = "missed", None
    ws.ticket = None
    ctx.state.touch(t)
    ctx.state.touch(ws)
    ctx.emit("ticket_no_show", t, window=ws.id, reason=reason, recalls=t.recalls)


def no_show(ctx, cmd: dict) -> dict:
    _, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    if t.status != "called":
        raise refuse("already_started", number=t.number)
    _to_missed(ctx, ws, t, "no_show")
    return ticket_view(ctx, t)


def return_missed(ctx, cmd: dict) -> dict:
    """回呼: a missed ticket goes back into the line, at the front or after K people."""
    t = ctx.live_ticket(cmd)
    if t.status != "missed":
        raise refuse("not_missed", number=t.number)
    place = cmd.get("place", ctx.config.rules.return_after)
    if place == "front":
        place = 0
    if not isinstance(place, int) or isinstance(place, bool) or place < 0:
        raise bad_request("place must be 'front' or a whole number ≥ 0", "回呼位置应为队首或不小于0的整数")
    line = [x for x in queueing.waiting_for_service(ctx.state, t.service) if x.priority == t.priority]
    if t.pinned_window is not None:
        line = sorted((x for x in ctx.state.tickets.values()
                       if x.status == "waiting" and x.pinned_window == t.pinned_window), key=queueing.line_order)
    keys = [x.queue_key for x in line]
    if not keys:
        key = t.queue_key
    elif place == 0:
        key = keys[0] - 1.0
    elif place >= len(keys):
        key = keys[-1] + 0.001
    else:
        key = (keys[place - 1] + keys[place]) / 2.0
    t.status, t.queue_key = "waiting", key
    ctx.state.touch(t)
    ctx.emit("ticket_returned", t, window=cmd.get("window"), staff=None,
             place=min(place, len(keys)), line_length=len(keys))
    return ticket_view(ctx, t)


def hold(ctx, cmd: dict) -> dict:
    """挂起: the citizen steps away (e.g. to fetch a paper); any eligible window may call it later."""
    _, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    t.status, t.window = "held", None
    ws.ticket = None
    ctx.state.touch(t)
    ctx.state.touch(ws)
    ctx.emit("ticket_held", t, window=ws.id, reason=cmd.get("reason"))
    return ticket_view(ctx, t)


def transfer(ctx, cmd: dict) -> dict:
    """转办: to another service's line, or to a given window; optionally back here afterwards."""
    window, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    to_service, to_window = cmd.get("to_service"), cmd.get("to_window")
    if (to_service is None) == (to_window is None):
        raise bad_request("give exactly one of to_service or to_window", "请指定转办事项或转办窗口，二者选一")
    if to_service is not None and to_service not in ctx.config.services:
        raise refuse("unknown_service")
    if to_window is not None:
        to_window = str(to_window)
        if to_window not in ctx.config.windows:
            raise refuse("unknown_window", window=to_window)
        if to_window == window.id:
            raise refuse("same_window")
    come_back = bool(cmd.get("return_after"))
    from_service = t.service
    if to_service is not None:
        t.service, t.pinned_window = to_service, None
    else:
        t.pinned_window = to_window
    t.status, t.window, t.transfers = "waiting", None, t.transfers + 1
    t.return_window = window.id if come_back else t.return_window
    ws.ticket = None
    ctx.state.touch(t)
    ctx.state.touch(ws)
    ctx.emit("ticket_transferred", t, window=window.id, staff=ws.staff, from_service=from_service,
             to_service=to_service, to_window=to_window, return_after=come_back, service=t.service)
    return ticket_view(ctx, t)


def finish(ctx, cmd: dict) -> dict:
    """办结 with an outcome; 不予受理 needs a reason. A ticket transferred with 'return_after'
    goes back to the window it came from instead of ending."""
    _, ws = ctx.open_window(cmd)
    t = ctx.in_hand(ws)
    outcome = cmd.get("outcome", "completed")
    if outcome not in OUTCOMES:
        raise refuse("unknown_outcome")
    reason = cmd.get("reason")
    if outcome == "rejected" and not (isinstance(reason, str) and reason.strip()):
        raise refuse("reason_required")
    began = t.started_at if t.started_at is not None else t.called_at
    handled = max(0.0, ctx.now - began)
    _learn_handling(ctx, t.service, handled)
    ws.ticket = None
    ctx.state.touch(ws)
    if t.return_window is not None and t.return_window != ws.id:
        back = t.return_window
        t.status, t.window, t.pinned_window, t.return_window = "waiting", None, back, None
        t.started_at = None
        ctx.state.touch(t)
        ctx.emit("ticket_sent_back", t, window=ws.id, staff=ws.staff, outcome=outcome, to_window=back,
                 handled=round(handled, 3))
        return ticket_view(ctx, t)
    t.status, t.window, t.finished_at, t.outcome, t.reason = "finished", None, ctx.now, outcome, reason
    t.staff = ws.staff
    ctx.state.touch(t)
    ctx.emit("ticket_finished", t, window=ws.id, staff=ws.staff, outcome=outcome, reason=reason,
             handled=round(handled, 3))
    return ticket_view(ctx, t)


def _learn_handling(ctx, service: str, seconds: float) -> None:
    alpha = ctx.config.rules.estimate_smoothing
    old = queueing.handling_seconds(ctx.config, ctx.state, service)
    ctx.state.handling[service] = round((1 - alpha) * old + alpha * seconds, 3)


def cancel(ctx, cmd: dict) -> dict:
    """The citizen leaves, or staff withdraw a ticket issued in error."""
    t = ctx.live_ticket(cmd)
    if t.status in IN_HAND and t.window is not None:
        ws = ctx.state.windows[t.window]
        ws.ticket = None
        ctx.state.touch(ws)
    t.status, t.window = "cancelled", None
    ctx.state.touch(t)
    ctx.emit("ticket_cancelled", t, reason=cmd.get("reason"))
    return ticket_view(ctx, t)
