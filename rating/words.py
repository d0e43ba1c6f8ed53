"""Everything the rating pad says, in Simplified Chinese and in English (the live 中文/English switch)."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "welcome": ("欢迎评价", "Please rate our service"),
    "window_staff": ("{window} · 工号 {number}", "{window} · Staff No. {number}"),
    "no_staff": ("本窗口暂停服务", "This window is not serving now"),
    "photo": ("照片", "Photo"),
    "ask_title": ("请您对本次服务进行评价", "How was our service today?"),
    "ask_matter": ("{ticket}号 · {service}", "Ticket {ticket} · {service}"),
    "ask_hint": ("点一下表情即可，一事一评", "Tap one face. One rating per visit."),
    "reasons_title": ("请选择不满意的原因（可多选）", "What went wrong? (one or more)"),
    "reasons_more": ("其他意见可扫码或到服务台反映", "Other comments: scan the QR code or tell the front desk"),
    "phone_button": ("留下手机号，方便回访（可不填）", "Leave a mobile number for a call back (optional)"),
    "phone_left": ("回访电话：{masked}", "Call back: {masked}"),
    "phone_title": ("请输入手机号码（可不填）", "Your mobile number (optional)"),
    "phone_bad": ("请输入11位手机号码", "Please enter an 11-digit mobile number"),
    "phone_ok": ("确定", "OK"),
    "phone_clear": ("清除", "Clear"),
    "phone_delete": ("删除", "Delete"),
    "submit": ("提交", "Submit"),
    "submit_needs_reason": ("请至少选择一项原因", "Choose at least one reason"),
    "back": ("返回", "Back"),
    "sending": ("正在提交…", "Sending…"),
    "thanks": ("感谢您的评价", "Thank you for your rating"),
    "thanks_bad": ("我们会认真核实整改，并向您反馈", "We will look into it and put it right"),
    "thanks_phone": ("工作人员将通过 {masked} 与您联系", "We will call you back on {masked}"),
    "lost": ("网络连接中断，正在重新连接", "Connection lost, reconnecting"),
    "hub_down": ("评价系统暂时无法使用，请稍候", "Rating is not available at the moment"),
    "failed": ("提交未成功：{message}", "Not sent: {message}"),
    "no_answer": ("暂时没有收到答复，请稍候再试", "No answer yet; please try again in a moment"),
    "lang": ("English", "中文"),
}


def say(key: str, lang: str, **params) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**params)
