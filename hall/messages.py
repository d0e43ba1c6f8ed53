"""Why the hall says no: every refusal code with the sentence a citizen or clerk reads.

The Chinese text is what the kiosk, caller or keypad shows; the English one is for
operators and for the English UI. Codes are stable: the MQTT contract carries them.
"""
from __future__ import annotations

from dataclasses import dataclass

from hall.protocol_words import OUTCOMES  # noqa: F401 (the contract's words; kept importable here)

REFUSALS: dict[str, tuple[str, str]] = {
    # issuing tickets (取号)
    "unknown_service": ("没有这个办理事项，请重新选择", "There is no such service; please choose again."),
    "service_closed": ("{service}今天暂停取号，请咨询服务台", "{service_en} is not taking tickets today; please ask at the front desk."),
    "outside_hours": ("现在不在办理时间（{hours}），请在办理时间内取号",
                      "It is outside service hours ({hours_en}); please come back during service hours."),
    "closed_day": ("今天大厅不办理业务，请在工作日前来", "The hall is closed today; please come on a working day."),
    "quota_reached": ("今日{service}号源已满（{quota}个），请明天再来或网上办理",
                      "Today's {quota} tickets for {service_en} are all taken; please come tomorrow or apply online."),
    "id_card_required": ("办理{service}需刷身份证取号，请将身份证放在感应区",
                         "{service_en} needs your ID card to take a ticket; please place it on the reader."),
    "already_holding": ("您已领取{service}的{number}号，请留意叫号", "You already hold ticket {number} for {service_en}; please watch the board."),
    "person_daily_cap": ("您今天已取号{count}次，已达上限，请到服务台咨询",
                         "You have taken {count} tickets today, the daily limit; please ask at the front desk."),
    "appointment_required": ("请出示预约码", "Please show your appointment code."),
    "green_needs_staff": ("绿色通道请由工作人员办理", "The green channel is granted by staff."),
    # appointments (预约签到)
    "appointment_unknown": ("没有找到这个预约，请核对预约码或到服务台咨询",
                            "No such appointment; please check the code or ask at the front desk."),
    "appointment_wrong_day": ("您预约的是{day} {slot}，不是今天，请在预约当天前来",
                              "Your appointment is on {day} at {slot}, not today; please come on that day."),
    "appointment_too_early": ("您预约的时段是{slot}，请在{since}以后签到",
                              "Your appointment is at {slot}; please check in after {since}."),
    "appointment_too_late": ("您预约的时段{slot}已过，请直接取号或重新预约",
                             "Your appointment at {slot} has passed; please take a ticket or book again."),
    "appointment_used": ("这个预约已经签到过（{number}号），请留意叫号",
                         "This appointment is already checked in (ticket {number}); please watch the board."),
    # windows and staff (窗口、AB岗)
    "unknown_window": ("没有{window}号窗口", "There is no window {window}."),
    "unknown_staff": ("工号{staff}不存在，请核对", "Staff number {staff} does not exist."),
    "staff_not_authorised": ("工号{staff}未被授权在{window}号窗口服务", "Staff {staff} is not authorised at window {window}."),
    "staff_elsewhere": ("工号{staff}已在{other}号窗口登录，请先退出", "Staff {staff} is logged in at window {other}; log out there first."),
    "window_occupied": ("{window}号窗口已由工号{staff}登录", "Window {window} is already staffed by {staff}."),
    "window_closed": ("{window}号窗口未登录，请先登录", "Window {window} is not open; please log in first."),
    "window_paused": ("{window}号窗口已暂停，请先恢复服务", "Window {window} is paused; resume first."),
    "window_not_paused": ("{window}号窗口未暂停", "Window {window} is not paused."),
    "out_of_season": ("{window}号窗口不在开放季节（{season}）", "Window {window} opens only in its season ({season_en})."),
    "ticket_in_hand": ("请先办结、挂起或转办当前的{number}号", "Finish, hold or transfer ticket {number} first."),
    "no_ticket": ("{window}号窗口当前没有正在办理的号", "Window {window} has no current ticket."),
    "reason_required": ("请填写原因", "A reason is required."),
    # calling (叫号)
    "queue_empty": ("当前没有等候的群众", "Nobody is waiting for this window."),
    "unknown_ticket": ("今天没有{number}号", "There is no ticket {number} today."),
    "not_waiting": ("{number}号当前状态为{status}，不能呼叫", "Ticket {number} is {status_en} and cannot be called."),
    "not_missed": ("{number}号不在过号列表中", "Ticket {number} is not in the missed pool."),
    "not_eligible": ("本窗口不能办理{number}号的事项", "This window cannot serve ticket {number}."),
    "already_started": ("{number}号已开始办理", "Ticket {number} is already being served."),
    "ticket_final": ("{number}号{status}，不能再操作", "Ticket {number} is already {status_en}."),
    "same_window": ("不能转办到本窗口", "Cannot transfer to the same window."),
    "unknown_outcome": ("办结结果无效", "Unknown outcome."),
    # requests
    "bad_request": ("请求格式有误：{detail_zh}", "Malformed request: {detail}"),
    "unknown_verb": ("不支持的操作：{verb}", "Unknown command: {verb}"),
}

STATUS_ZH = {
    "waiting": "等候中", "called": "已叫号", "serving": "办理中", "held": "挂起", "missed": "过号",
    "finished": "已办结", "cancelled": "已取消", "expired": "已过期",
}
STATUS_EN = {
    "waiting": "waiting", "called": "called", "serving": "being served", "held": "on hold", "missed": "missed",
    "finished": "finished", "cancelled": "cancelled", "expired": "expired",
}



class _Blank(dict):
    def __missing__(self, key):
        return ""


@dataclass(frozen=True)
class Refusal(Exception):
    """A command the hall will not carry out, with its reason."""

    code: str
    params: tuple = ()

    @property
    def message(self) -> str:
        return REFUSALS[self.code][0].format_map(_Blank(self.params))

    @property
    def message_en(self) -> str:
        return REFUSALS[self.code][1].format_map(_Blank(self.params))

    def as_error(self) -> dict:
        return {"code": self.code, "message": self.message, "message_en": self.message_en}


def status_params(status: str) -> dict:
    """A ticket's status for a refusal: ``status`` in Chinese, ``status_en`` in English."""
    return {"status": STATUS_ZH[status], "status_en": STATUS_EN[status]}


def bad_request(detail_en: str, detail_zh: str) -> Refusal:
    """``bad_request`` with the detail in each language (no English in the Chinese sentence)."""
    return refuse("bad_request", detail=detail_en, detail_zh=detail_zh)


def refuse(code: str, **params) -> Refusal:
    if code not in REFUSALS:
        raise KeyError(f"no refusal message for {code!r}")
    if code == "bad_request" and "detail_zh" not in params:  # a detail written in Chinese already
        params["detail_zh"] = params.get("detail", "")
    return Refusal(code, tuple(sorted((k, str(v)) for k, v in params.items())))
