"""Everything the board and the window screens say, in Chinese and English."""
from __future__ import annotations

WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}

WORDS = {
    "zh": {
        "calling": "正在呼叫", "recent": "最近叫号", "windows": "窗口", "waiting": "等候人数",
        "people": "人", "about_min": "约{m}分钟", "no_calls": "请留意叫号", "idle": "等待叫号",
        "paused": "暂停服务", "closed_window": "暂停服务", "closed_window_hint": "请到其他窗口办理",
        "serving": "正在办理", "called": "请 {ticket} 号 到本窗口办理", "staff_no": "工号 {number}",
        "lost": "系统连接中断，正在自动恢复；屏幕显示的可能不是最新信息",
        "stopped": "今日已停止取号", "not_yet": "{at} 开始取号", "break": "午间休息，{at} 恢复取号",
        "closed_day": "今日不办公", "tidal_open": "潮汐窗口{window}号已开放", "recall": "重呼",
        "sentence": "请 {ticket} 号 到 {window}", "service_closed": "暂停取号", "page": "{page}/{pages}",
        "on_duty": "持证上岗", "no_photo": "照片",
        "date": "{y}年{m}月{d}日 星期{w}", "window_of": "{id}号窗口",
    },
    "en": {
        "calling": "Now calling", "recent": "Recent calls", "windows": "Windows", "waiting": "Waiting",
        "people": "", "about_min": "~{m} min", "no_calls": "Please listen for your number", "idle": "Ready",
        "paused": "Paused", "closed_window": "Closed", "closed_window_hint": "Please go to another window",
        "serving": "Now serving", "called": "Number {ticket}, please come to this window",
        "staff_no": "Staff No. {number}",
        "lost": "Connection lost, reconnecting; this screen may not be up to date",
        "stopped": "No more tickets today", "not_yet": "Tickets from {at}", "break": "Lunch break, tickets from {at}",
        "closed_day": "Closed today", "tidal_open": "Tidal window {window} is now open", "recall": "Recall",
        "sentence": "Number {ticket}, please go to {window}", "service_closed": "Closed", "page": "{page}/{pages}",
        "on_duty": "On duty", "no_photo": "Photo",
        "date": "{w} {d}/{m}/{y}", "window_of": "Window {id}",
    },
}


def say(lang: str, key: str, **params) -> str:
    return WORDS["en" if lang == "en" else "zh"][key].format(**params)
