"""What a manager may do from the dashboard, each a request to the hub (never a database write).

``perform(link, config, form)`` checks the form against the hall file, sends the request
as the hall's manager device and returns the sentence to show; a refusal by the hub comes
back as ``ActionError`` with the hub's own Chinese message.
"""
from __future__ import annotations

from hall.web.link import HubUnavailable


class ActionError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _window(config, form) -> str:
    wid = str(form.get("window", ""))
    if wid not in config.windows:
        raise ActionError("没有这个窗口。")
    return wid


def _service(config, form) -> str:
    code = str(form.get("service", ""))
    if code not in config.services:
        raise ActionError("没有这项业务。")
    return code


def _reason(form, default: str) -> str:
    text = str(form.get("reason") or "").strip()[:100]
    return text or default


def request_for(config, form: dict, by: str = "") -> tuple[str, dict, str]:
    """(verb, fields, the sentence on success) for a dashboard form; ``by`` signs a case step."""
    action = form.get("action")
    if action == "case_step":
        try:
            case = int(str(form.get("case", "")))
        except ValueError:
            raise ActionError("没有这个案件。") from None
        note = str(form.get("note") or "").strip()[:200]
        if not note:
            raise ActionError("每一步处置都要填写说明。")
        fields = {"case": case, "step": str(form.get("step", "")), "note": note, "by": by or "大厅管理台"}
        if form.get("verdict"):
            fields["verdict"] = str(form["verdict"])
        return "case_step", fields, f"{case}号差评案件已处置"
    if action == "open_window":
        wid = _window(config, form)
        staff = str(form.get("staff", ""))
        if staff not in config.staff:
            raise ActionError("请选择上岗的工作人员。")
        return "staff_login", {"window": wid, "staff": staff}, f"已开启{config.windows[wid].name}"
    if action == "close_window":
        wid = _window(config, form)
        return "staff_logout", {"window": wid, "reason": "大厅管理台关闭"}, f"已关闭{config.windows[wid].name}"
    if action == "pause":
        wid = _window(config, form)
        return "pause", {"window": wid, "reason": _reason(form, "管理台暂停")}, f"已暂停{config.windows[wid].name}"
    if action == "resume":
        wid = _window(config, form)
        return "resume", {"window": wid}, f"{config.windows[wid].name}已恢复"
    if action == "open_service":
        code = _service(config, form)
        return "open_service", {"service": code}, f"{config.services[code].name}已开放取号"
    if action == "close_service":
        code = _service(config, form)
        return ("close_service", {"service": code, "reason": _reason(form, "管理台暂停取号")},
                f"{config.services[code].name}已暂停取号")
    raise ActionError("不认识的操作。")


def perform(link, config, form: dict, by: str = "") -> str:
    verb, fields, done = request_for(config, form, by)
    return ask(link, verb, fields, done)


def ask(link, verb: str, fields: dict, done: str) -> str:
    """Send one request to the hub; ``done`` if it was accepted, else ActionError with its message."""
    if link is None:
        raise ActionError("未连接大厅消息服务，无法操作。", 503)
    try:
        reply = link.request(verb, **fields)
    except HubUnavailable:
        raise ActionError("大厅中枢没有应答，请稍后重试。", 503) from None
    if reply.get("status") != "ok":
        error = reply.get("error") or {}
        raise ActionError(error.get("message") or "大厅中枢拒绝了这个操作。", 409)
    return done
