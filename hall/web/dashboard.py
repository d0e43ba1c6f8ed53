"""The manager's dashboard (大厅管理台), as data: every window, every service's line, the
tidal alerts, the last calls and today's figures. Pure: the hall's state and today's events in,
plain dicts out; the templates draw them and the live stream sends them again on every change.

A viewer's dashboard carries no staff names (numbers only) and no actions.
"""
from __future__ import annotations

from hall import protocol_state as shapes
from hall import queueing, tidal
from hall.protocol import CALL_EVENTS
from hall.web.figures import compute

STATUS_ZH = {"open": "办理中", "paused": "暂停", "closed": "关闭"}
TICKET_ZH = {"called": "叫号中", "serving": "办理中"}
BOARD_ROWS = 8


def windows(config, state, now: float, show_names: bool) -> list[dict]:
    out = []
    for wid, window in config.windows.items():
        ws = state.windows[wid]
        staff = config.staff.get(ws.staff) if ws.staff else None
        t = state.tickets.get(ws.ticket) if ws.ticket else None
        began = (t.started_at or t.called_at) if t else None
        candidates = [s.number for s in config.staff.values() if s.may_work_at(wid)
                      and all(o.staff != s.number for o in state.windows.values())]
        out.append({
            "id": wid, "name": window.name, "kind": window.kind, "status": ws.status,
            "status_zh": STATUS_ZH.get(ws.status, ws.status), "pause_reason": ws.pause_reason or "",
            "staff": (f"{staff.name}（{staff.number}）" if show_names else staff.number) if staff else (ws.staff or ""),
            "ticket": t.number if t else "", "ticket_status": TICKET_ZH.get(t.status, "") if t else "",
            "minutes": int(max(0.0, now - began) // 60) if began else None,
            "tidal": window.tidal is not None, "alert": wid in state.alerts,
            "free_staff": [(n, (f"{n} {config.staff[n].name}" if show_names else n)) for n in candidates],
        })
    return out


def services(config, state) -> list[dict]:
    summary = queueing.service_summary(config, state)
    issued: dict[str, int] = {}
    for t in state.tickets.values():
        issued[t.service] = issued.get(t.service, 0) + 1
    out = []
    for code, svc in config.services.items():
        s = summary[code]
        quota_left = None if svc.daily_quota is None else max(0, svc.daily_quota - issued.get(code, 0))
        out.append({"code": code, "name": svc.name, "prefix": svc.prefix, "waiting": s["waiting"],
                    "estimate": s["estimated_wait_min"], "serving": s["windows_serving"], "open": s["open"],
                    "quota": svc.daily_quota, "quota_left": quota_left})
    return out


def alerts(config, state) -> list[dict]:
    """The tidal alerts, with the pressure on their lines now (not only when they were raised)."""
    out = []
    for wid, a in sorted(state.alerts.items()):
        view = shapes.alert_view(a)
        window = config.windows.get(wid)
        service, waiting, minutes = a.get("service"), a.get("waiting"), a.get("estimated_wait_min")
        if window is not None and window.tidal is not None:
            service, waiting, minutes = tidal.pressure(config, state, window.tidal)
        svc = config.services.get(service)
        out.append({**view, "service_name": svc.name if svc else (service or ""), "waiting": waiting,
                    "estimated_wait_min": minutes})
    return out


def calls(config, events: list[dict]) -> list[dict]:
    rows = [e for e in events if e["type"] in CALL_EVENTS][-BOARD_ROWS:]
    out = []
    for e in reversed(rows):
        w = config.windows.get(e["window"])
        out.append({"seq": e["seq"], "ticket": e["ticket"], "window": w.name if w else e["window"],
                    "recall": e["type"] == "ticket_recalled", "at": _clock(e.get("at", ""))})
    return out


def _clock(iso: str) -> str:
    return iso[11:19] if len(iso) >= 19 else iso


def today(events: list[dict], hour_of) -> dict:
    f = compute(events, hour_of)
    row = f.hall.row()
    hours = sorted(set(f.issued_by_hour) | set(f.served_by_hour))
    row["chart"] = {"hours": [f"{h:02d}时" for h in hours],
                    "issued": [f.issued_by_hour.get(h, 0) for h in hours],
                    "served": [f.served_by_hour.get(h, 0) for h in hours]}
    return row


def model(config, state, events: list[dict], now: float, show_names: bool, hour_of) -> dict:
    return {
        "day": state.day, "seq": state.seq,
        "windows": windows(config, state, now, show_names),
        "services": services(config, state),
        "alerts": alerts(config, state),
        "calls": calls(config, events),
        "today": today(events, hour_of),
    }
