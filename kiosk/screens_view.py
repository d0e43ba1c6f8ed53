"""The words and buttons of each kiosk screen, from the presenter's state (``KioskFlow``).

One function per screen; each returns the parts of a ``View`` that differ. The Kivy widgets
draw whatever comes back and decide nothing.
"""
from __future__ import annotations

from kiosk.i18n import EN, minutes, pick, tr
from kiosk.printing import ticket_qr
from kiosk.view import PRIMARY, QUIET, SECONDARY, Button, View

STATUS_KEYS = {
    "waiting": "status_waiting", "serving": "status_serving", "held": "status_held", "missed": "status_missed",
    "finished": "status_finished", "cancelled": "status_cancelled", "expired": "status_expired",
}


def build_view(flow) -> View:
    lang = flow.lang
    banner = None if flow.online else tr("offline", lang)
    header = flow.catalogue.header(flow.now_local(), lang, flow.online, banner)
    parts = SCREENS[flow.screen](flow, lang)
    notice = _notice_text(flow, lang)
    greeting = None
    if flow.person is not None and flow.screen in ("home", "guide", "refused"):
        greeting = tr("greeting", lang, name=flow.person.masked_name)
    green = flow.person is not None and flow.person.is_elder(flow.now_local().date(),
                                                             flow.config.rules.green_channel_age)
    return View(screen=flow.screen, generation=flow.generation, lang=lang, elderly=flow.elderly,
                header=header, notice=notice, greeting=greeting, green=green, **parts)


def _notice_text(flow, lang: str) -> str | None:
    if not flow.notice:
        return None
    what = flow.notice[0]
    if what[0] == "device":
        return pick(lang, what[1], what[2])
    return tr(what[0], lang)


def _frame_buttons(flow, lang: str, home: bool = True) -> list[Button]:
    out = []
    if home:
        out.append(Button("home", tr("home", lang), kind=SECONDARY))
    return out


def _home(flow, lang):
    buttons = [Button("scan", tr("scan_button", lang), kind=SECONDARY)]
    if flow.person is not None:
        buttons.append(Button("clear_person", tr("clear_person", lang), kind=QUIET))
    lines = []
    if flow.person is not None and flow.person.is_elder(flow.now_local().date(), flow.config.rules.green_channel_age):
        lines.append(tr("green_note", lang))
    extra = {"offer_elderly": tr("elderly_offer", lang)} if flow.ctx.get("offer_elderly") else {}
    return {"groups": flow.catalogue.groups(lang, flow.elderly),
            "prompt": tr("swipe_prompt", lang) if flow.person is None else tr("or_choose", lang),
            "lines": tuple(lines) if flow.person is not None else (tr("or_choose", lang),), "buttons": tuple(buttons), "extra": extra}


def _guide(flow, lang):
    code = flow.ctx["service"]
    cat = flow.catalogue
    enabled = cat.is_open(code)
    buttons = []
    if enabled:
        buttons.append(Button("take", tr("take_ticket", lang), arg=code))
    buttons += _frame_buttons(flow, lang)
    return {"title": cat.service_name(code, lang), "lines": cat.guide_lines(code, lang), "buttons": tuple(buttons)}


WORKING_KEYS = {"checking": "working", "working": "working", "printing": "printing", "looking_up": "looking_up",
                "checking_in": "checking_in"}


def _working(flow, lang):
    what = flow.ctx.get("what", "working")
    lines = [tr(WORKING_KEYS.get(what, "working"), lang)]
    p = flow.pending
    if p is not None and flow.clock() - p.first >= flow.settings.slow_seconds:
        lines.append(tr("retrying", lang) if flow.online else tr("offline", lang))
    data = flow.ctx.get("data") or {}
    return {"title": tr("your_number", lang) if data else "", "number": data.get("ticket"),
            "lines": tuple(lines), "busy": True}


def _printer_problem(flow, lang):
    zh, en = flow.ctx["why"]
    return {"title": tr("printer_problem_title", lang), "lines": (pick(lang, zh, en),),
            "buttons": (Button("no_print", tr("no_print", lang)), Button("home", tr("back", lang), kind=SECONDARY))}


def ticket_lines(flow, data: dict, lang: str) -> list[str]:
    svc = flow.config.services.get(data.get("service"))
    name = (data.get("service_name_en") or data.get("service_name")) if lang == EN else data.get("service_name")
    lines = [name or (svc.name if svc else "")]
    ahead = int(data.get("people_ahead") or 0)
    lines.append(tr("people_ahead", lang, n=ahead) if ahead > 0 else tr("nobody_ahead", lang))
    m = minutes(data.get("estimated_wait_min"))
    lines.append(tr("estimate", lang, m=m) if m else tr("estimate_now", lang))
    return lines


def _ticket(flow, lang):
    data, mode = flow.ctx["data"], flow.ctx["mode"]
    lines = []
    if mode == "print_failed":
        zh, en = flow.ctx.get("why") or ("", "")
        lines += [tr("print_failed", lang, why=pick(lang, zh, en)), tr("write_down", lang)]
    elif mode == "screen_only":
        lines += [tr("screen_only", lang), tr("write_down", lang)]
    else:
        lines.append(tr("take_slip", lang))
    lines += ticket_lines(flow, data, lang)
    svc = flow.config.services.get(data.get("service"))
    if svc and svc.materials and lang != EN:
        lines.append(tr("bring", lang, materials="、".join(svc.materials)))
    if mode == "printed":
        buttons = (Button("done", tr("done", lang)),)
    else:
        buttons = (Button("noted", tr("noted", lang)),)
    title = tr(flow.ctx["title"], lang) if flow.ctx.get("title") else tr("your_number", lang)
    return {"title": title, "number": data.get("ticket"), "qr": ticket_qr(data, flow.config),
            "lines": tuple(lines), "buttons": buttons,
            "extra": {"green": data.get("priority") == "green", "mode": mode}}


def _refused(flow, lang):
    zh, en = flow.ctx["message"]
    lines = [pick(lang, zh, en) or tr("ask_staff", lang)]
    if flow.ctx.get("code") == "id_card_required":
        lines.append(tr("refused_next_id", lang))
    else:
        lines.append(tr("ask_staff", lang))
    return {"title": tr("refused_title", lang), "lines": tuple(lines), "buttons": tuple(_frame_buttons(flow, lang))}


def _holding(flow, lang):
    data = flow.ctx["data"]
    lines = ticket_lines(flow, data, lang)
    note = flow.ctx.get("note")
    if note:
        lines.insert(0, tr("reprinted", lang) if note[0] == "reprinted" else
                     tr("print_failed", lang, why=pick(lang, note[1], note[2])))
    buttons = []
    if flow.settings.has_printer and not flow.ctx.get("printing"):
        buttons.append(Button("reprint", tr("reprint", lang)))
    buttons.append(Button("done", tr("done", lang), kind=SECONDARY))
    return {"title": tr("holding_title", lang), "number": data.get("ticket"), "qr": ticket_qr(data, flow.config),
            "lines": tuple(lines), "buttons": tuple(buttons), "busy": bool(flow.ctx.get("printing"))}


def status_line(flow, data: dict, lang: str) -> str:
    status = data.get("status")
    if status == "called":
        wid = data.get("window")
        w = flow.config.windows.get(wid)
        name = ((w.name_en or w.name) if lang == EN else w.name) if w else (wid or "")
        return tr("status_called", lang, window=name)
    return tr(STATUS_KEYS.get(status, "status_waiting"), lang)


def _status(flow, lang):
    data = flow.ctx["data"]
    lines = [status_line(flow, data, lang)]
    if data.get("status") == "waiting":
        lines += ticket_lines(flow, data, lang)[1:]
    if flow.ctx.get("note"):
        lines.insert(0, tr("returned", lang))
    buttons = []
    if data.get("status") == "missed":
        buttons.append(Button("return_missed", tr("return_missed", lang)))
    buttons.append(Button("done", tr("done", lang), kind=SECONDARY))
    return {"title": tr("status_title", lang), "number": data.get("ticket"), "lines": tuple(lines),
            "buttons": tuple(buttons)}


def _scan(flow, lang):
    return {"title": tr("scan_title", lang), "lines": (tr("scan_help", lang),),
            "buttons": tuple(_frame_buttons(flow, lang))}


def _unknown_code(flow, lang):
    return {"title": tr("unknown_code", lang), "lines": (tr("unknown_code_next", lang),),
            "buttons": tuple(_frame_buttons(flow, lang))}


def _manager(flow, lang):
    lines = [tr("pin_wrong", lang)] if flow.ctx.get("wrong") else []
    digits = tuple(Button("pin", str(d), arg=str(d)) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0))
    buttons = digits + (Button("pin_clear", tr("clear", lang), kind=SECONDARY), Button("pin_ok", "OK"),
                        Button("home", tr("back", lang), kind=SECONDARY))
    return {"title": tr("pin_prompt", lang), "lines": tuple(lines), "buttons": buttons,
            "pin": "●" * len(flow.ctx.get("pin", ""))}


SCREENS = {
    "home": _home, "guide": _guide, "working": _working, "printer_problem": _printer_problem, "ticket": _ticket,
    "refused": _refused, "holding": _holding, "status": _status, "scan": _scan, "unknown_code": _unknown_code,
    "manager": _manager,
}
