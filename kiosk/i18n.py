"""Every sentence the kiosk shows a citizen, in Simplified Chinese and in English.

``tr(key, lang, **params)`` picks one; the presenters never hold a sentence of their own, so
the live 中文/English switch re-renders every screen from the same keys. The hub's own
sentences (refusals, ``error.message`` / ``message_en``) and the devices' (``message_zh`` /
``message_en``) are shown as they come, through ``pick``.
"""
from __future__ import annotations

ZH, EN = "zh", "en"
LANGS = (ZH, EN)

TEXTS: dict[str, tuple[str, str]] = {
    # the frame of every screen
    "lang_switch": ("English", "中文"),
    "elderly_on": ("长者模式", "Large text"),
    "elderly_off": ("普通模式", "Normal mode"),
    "home": ("返回首页", "Home"),
    "back": ("返回", "Back"),
    "done": ("完成", "Done"),
    "working": ("正在处理，请稍候…", "One moment, please…"),
    "offline": ("系统连接中断，请稍候或联系工作人员", "The system is not connected; please wait or ask staff."),
    "retrying": ("网络较慢，正在重试，请不要离开", "The network is slow; retrying, please stay here."),
    "connected": ("已连接", "Online"),
    # home
    "open_now": ("现在可以取号", "Tickets available now"),
    "closed_now": ("现在不在取号时间", "Not taking tickets now"),
    "closed_today": ("今天大厅不办理业务", "The hall is closed today"),
    "hours": ("办理时间 {hours}", "Hours {hours}"),
    "swipe_prompt": ("请刷身份证或社保卡取号", "Place your ID card or social security card on the reader"),
    "or_choose": ("或点击下方业务取号", "or touch a service below"),
    "scan_button": ("扫码签到/查询", "Scan a code"),
    "waiting_count": ("等候 {n} 人", "{n} waiting"),
    "wait_estimate": ("约 {m} 分钟", "about {m} min"),
    "wait_none": ("无需等候", "no wait"),
    "service_closed": ("暂停取号", "Not taking tickets"),
    "needs_id": ("需刷身份证", "ID card needed"),
    "guide_link": ("办事指南", "Guide"),
    "take_ticket": ("取号", "Take a ticket"),
    "greeting": ("{name}，您好", "Hello, {name}"),
    "green_channel": ("绿色通道", "Green channel"),
    "green_note": ("您可走绿色通道，优先办理", "You may use the green channel: you will be served first"),
    "elderly_offer": ("字太小？点这里用长者模式", "Text too small? Touch for large text"),
    "clear_person": ("不是我，清除", "Not me, clear"),
    # service guide (一次性告知)
    "guide_title": ("办事指南", "Service guide"),
    "materials": ("请携带以下材料：", "Please bring:"),
    "no_materials": ("无需携带材料", "No documents needed"),
    "time_limit": ("办理时限：{limit}", "Time limit: {limit}"),
    "windows": ("办理窗口：{windows}", "Windows: {windows}"),
    "waiting_line": ("当前等候 {n} 人，预计等候约 {m} 分钟", "{n} waiting now, about {m} min"),
    "id_required_line": ("取号需刷身份证", "You need your ID card to take a ticket"),
    "id_not_required_line": ("无需身份证即可取号", "No ID card needed to take a ticket"),
    # printer
    "printer_problem_title": ("暂时无法打印小票", "Tickets cannot be printed now"),
    "no_print": ("不打印，屏幕显示号码", "Don't print, show the number"),
    "printing": ("正在打印小票…", "Printing your ticket…"),
    "print_failed": ("小票没有打印出来：{why}", "The ticket did not print: {why}"),
    "write_down": ("请记下号码或用手机拍下二维码", "Please note the number or photograph the QR code"),
    "noted": ("我已记下号码", "I have noted the number"),
    "take_slip": ("请取走小票，留意叫号", "Please take your ticket and watch the board"),
    "screen_only": ("请记下您的号码，留意叫号", "Please note your number and watch the board"),
    # ticket
    "your_number": ("您的号码", "Your number"),
    "people_ahead": ("前面还有 {n} 人等候", "{n} people ahead of you"),
    "nobody_ahead": ("前面没有人等候", "Nobody is ahead of you"),
    "estimate": ("预计等候约 {m} 分钟", "Estimated wait about {m} min"),
    "estimate_now": ("即将为您办理", "You will be served shortly"),
    "bring": ("请备好：{materials}", "Have ready: {materials}"),
    # already holding, reprint
    "holding_title": ("您已取过号", "You already have a ticket"),
    "reprint": ("重新打印小票", "Print it again"),
    "reprinted": ("已重新打印，请取走小票", "Printed again; please take your ticket"),
    "looking_up": ("正在查询您的号码…", "Looking up your ticket…"),
    # QR
    "scan_title": ("扫码签到/查询", "Scan a code"),
    "scan_help": ("请将预约二维码或小票上的二维码对准扫码口", "Hold your appointment code or your ticket's QR code to the scanner"),
    "unknown_code": ("无法识别的二维码", "This code cannot be recognised"),
    "unknown_code_next": ("请出示预约码或本大厅的小票二维码，或咨询服务台",
                          "Show an appointment code or a ticket from this hall, or ask at the front desk."),
    "unreadable_code": ("没有扫清楚，请再扫一次", "The code was not read; please scan again"),
    "status_title": ("号码状态", "Ticket status"),
    "checkin_title": ("预约签到成功", "Checked in"),
    "checking_in": ("正在签到…", "Checking you in…"),
    "status_waiting": ("等候中", "waiting"),
    "status_called": ("请到{window}办理", "please go to {window}"),
    "status_serving": ("正在办理", "being served"),
    "status_held": ("已挂起，请留意叫号", "set aside; watch the board"),
    "status_missed": ("已过号", "missed"),
    "status_finished": ("已办结", "finished"),
    "status_cancelled": ("已取消", "cancelled"),
    "status_expired": ("已过期", "expired"),
    "return_missed": ("过号了？重新排队", "Missed it? Queue again"),
    "returned": ("已重新排队", "You are back in the queue"),
    # refusals
    "refused_title": ("暂时不能取号", "No ticket this time"),
    "refused_next_id": ("请将身份证放在感应区，放好后自动取号", "Place your ID card on the reader; the ticket follows"),
    "ask_staff": ("如有疑问，请咨询服务台", "If in doubt, please ask at the front desk"),
    # cards
    "card_read_error": ("{message}", "{message}"),
    "reader_unavailable": ("读卡器暂不可用，您仍可点击业务取号", "The card reader is unavailable; you can still touch a service"),
    # manager
    "manager_title": ("管理员", "Manager"),
    "pin_prompt": ("请输入管理密码", "Enter the manager PIN"),
    "pin_wrong": ("密码错误", "Wrong PIN"),
    "exit_app": ("退出程序", "Quit the kiosk"),
    "clear": ("清除", "Clear"),
}


def tr(key: str, lang: str, **params) -> str:
    zh, en = TEXTS[key]
    text = en if lang == EN else zh
    return text.format(**params) if params else text


def pick(lang: str, zh: str | None, en: str | None) -> str:
    """The hub's or a device's own sentence in ``lang`` (Chinese when there is no English)."""
    if lang == EN and en:
        return en
    return zh or en or ""


def minutes(value) -> int:
    """A wait in whole minutes as a citizen reads it (0.4 → 1: never promise "no wait" early)."""
    if value is None:
        return 0
    value = float(value)
    return 0 if value <= 0 else max(1, round(value))
