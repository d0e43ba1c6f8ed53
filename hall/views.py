"""What a reply says about a ticket or a window (the data part of an ok reply)."""
from __future__ import annotations

from hall.queueing import wait_minutes
from hall.state import Ticket, WindowState


def ticket_view(ctx: Context, t: Ticket) -> dict:
    svc = ctx.config.services[t.service]
    return {
        "ticket": t.number, "id": t.id, "service": t.service, "service_name": svc.name,
        "service_name_en": svc.name_en, "status": t.status, "priority": t.priority,
        "people_ahead": t.people_ahead,
        "estimated_wait_min": wait_minutes(t.estimated_wait),
        "issued_at": ctx.calendar.iso(t.issued_at), "window": t.window, "pinned_window": t.pinned_window,
        "token": t.token,
    }


def window_view(ctx: Context, ws: WindowState) -> dict:
    t = ctx.state.tickets.get(ws.ticket) if ws.ticket else None
    return {"window": ws.id, "status": ws.status, "staff": ws.staff, "ticket": t.number if t else None,
            "pause_reason": ws.pause_reason}
