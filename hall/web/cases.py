"""好差评 on the web: the 差评 cases for the manager's dashboard, and a citizen's own rating
on the ticket page (the 二维码 channel). Read from the hub's tables (``cases``, ``matters``,
``ratings``); every change goes to the hub as ``case_step`` or ``rate``.

A viewer sees a case without the citizen's masked phone and with staff numbers only.
"""
from __future__ import annotations

import datetime as dt
import json

from hall import rating as rules


def has_rating(reader) -> bool:
    return "status" in reader.columns("cases")


def open_cases(reader, config, today: str, show_personal: bool) -> list[dict]:
    """Cases not yet 办结, the most urgent first, with the steps each may take next."""
    if not has_rating(reader):
        return []
    reasons = rules.reasons_for(config)
    out = []
    for r in reader.query("SELECT * FROM cases WHERE status != 'closed' ORDER BY deadline, id"):
        svc, win = config.services.get(r["service"]), config.windows.get(r["window"])
        staff = config.staff.get(r["staff"] or "")
        steps = json.loads(r["steps"]) if r["steps"] else []
        allowed = rules.allowed_steps(r["status"], r["verdict"], bool(r["named"]))
        left = (dt.date.fromisoformat(r["deadline"]) - dt.date.fromisoformat(today)).days
        out.append({
            "id": r["id"], "ticket": r["ticket"], "day": r["day"],
            "service": svc.name if svc else r["service"], "window": win.name if win else r["window"],
            "staff": (f"{staff.name}（{staff.number}）" if show_personal else staff.number) if staff else (r["staff"] or ""),
            "level": rules.ALL_LEVELS[r["level"]].name if r["level"] in rules.ALL_LEVELS else r["level"],
            "reasons": "、".join(reasons[c].name if c in reasons else c for c in json.loads(r["reasons"] or "[]")),
            "deadline": r["deadline"], "days_left": left, "overdue": bool(r["overdue"]) or left < 0,
            "status": rules.CASE_STATUS.get(r["status"], r["status"]),
            "verdict": rules.VERDICTS.get(r["verdict"] or "", ""),
            "phone": r["phone_masked"] if show_personal else None,
            "last": steps[-1]["note"] if steps else "",
            "next": [(s, rules.STEPS[s][0]) for s in allowed],
        })
    return out


LEVEL_CHOICES = tuple((lv.code, lv.name, lv.name_en, lv.bad) for lv in rules.LEVELS.values())


def rating_of(reader, config, row: dict, now: float) -> dict | None:
    """What the finished ticket's holder may do about rating: ``open`` (with the window it was
    served at), ``rated`` (with the level), ``closed`` (time over), or None (no rating here)."""
    if not has_rating(reader):
        return None
    matters = reader.query("SELECT * FROM matters WHERE day = ? AND ticket = ? ORDER BY served_at DESC",
                           (row["day"], row["number"]))
    if not matters:
        return None
    for m in matters:
        if m["status"] in ("asked", "served") and (m["expires_at"] is None or now < m["expires_at"]):
            return {"state": "open", "window": m["window"]}
    rated = reader.query("SELECT level FROM ratings WHERE day = ? AND ticket = ? AND level != 'unrated' "
                         "ORDER BY at DESC LIMIT 1", (row["day"], row["number"]))
    if rated:
        level = rules.ALL_LEVELS.get(rated[0]["level"])
        return {"state": "rated", "level": level.name if level else rated[0]["level"],
                "level_en": level.name_en if level else rated[0]["level"]}
    return {"state": "closed"}


def is_bad(level: str) -> bool:
    return level in rules.LEVELS and rules.LEVELS[level].bad


def reason_choices(config) -> list[tuple[str, str, str, bool]]:
    return [(r.code, r.name, r.name_en or r.code, r.text) for r in config.rating.reasons]
