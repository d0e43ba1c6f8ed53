"""The 好差评 half of the retained state: what a window's rating pad shows, and the overdue
case alerts on ``state/hall``.

``state/pad/<window>`` (``Topics.pad``) tells the pad who serves at its window (name, number,
photo: 持证上岗) and, while a finished matter waits for its rating, what to ask about and until
when; the levels and the hall's 差评 reasons come with it, so a pad needs nothing but this
topic to draw every screen. No citizen's data: the ticket appears by number only.
"""
from __future__ import annotations

from hall import rating as rules
from hall.protocol import V


def pad_state(config, state, calendar, window_id: str) -> dict:
    window, ws = config.windows[window_id], state.windows[window_id]
    staff = config.staff.get(ws.staff) if ws.staff else None
    book = state.rating
    key = book.asks.get(window_id)
    m = book.matters.get(key) if key else None
    svc = config.services.get(m.service) if m else None
    return {
        "v": V, "window": window.id, "name": window.name, "name_en": window.name_en, "status": ws.status,
        "staff": {"number": staff.number, "name": staff.name, "photo": staff.photo} if staff else None,
        "ask": {
            "ticket": m.ticket, "service": m.service, "service_name": svc.name if svc else m.service,
            "service_name_en": svc.name_en if svc else "", "matter": m.number, "staff": m.staff,
            "asked_at": calendar.iso(m.asked_at), "expires_at": calendar.iso(m.expires_at),
            "expires_ts": m.expires_at,
        } if m else None,
        "levels": [{"code": lv.code, "name": lv.name, "name_en": lv.name_en, "stars": lv.stars, "bad": lv.bad}
                   for lv in rules.LEVELS.values()],
        "reasons": [{"code": r.code, "name": r.name, "name_en": r.name_en, "text": r.text}
                    for r in config.rating.reasons],
    }


def case_alerts(config, state) -> list[dict]:
    """Cases past their deadline: "差评案件3已超过办理期限（2025-03-25），请尽快处置"."""
    out = []
    for case in sorted(state.rating.cases.values(), key=lambda c: c.id):
        if case.overdue:
            window = config.windows.get(case.window)
            out.append({
                "case": case.id, "window": case.window, "window_name": window.name if window else case.window,
                "staff": case.staff, "deadline": case.deadline, "status": case.status,
                "message": f"差评案件{case.id}（{window.name if window else case.window}）已超过办理期限"
                           f"（{case.deadline}），请尽快处置",
                "message_en": f"Bad-rating case {case.id} (window {case.window}) is past its deadline "
                              f"({case.deadline}).",
            })
    return out
