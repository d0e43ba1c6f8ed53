"""The words of the MQTT contract that the engine itself speaks: the schema version, the
event types, how a ticket was taken, how a ticket ends.

The lowest layer of the protocol module: it imports nothing of the hall, so the engine, the
store and the replay (below the protocol in the layering) take their version and their
event types from here, and ``hall.protocol`` (topics, envelopes), ``hall.protocol_verbs``
(requests) and ``hall.protocol_asyncapi`` publish the same words. docs/mqtt-api.md lists
them; a test fails when the two disagree.
"""
from __future__ import annotations

V = 1  # the schema version every payload carries as "v"

EVENT_TYPES = {  # type: 中文 (the last level of event/<type>)
    "ticket_issued": "取号", "ticket_called": "叫号", "ticket_recalled": "重呼", "ticket_started": "开始办理",
    "ticket_no_show": "过号", "ticket_returned": "回呼", "ticket_held": "挂起", "ticket_transferred": "转办",
    "ticket_sent_back": "转办后返回原窗口", "ticket_finished": "办结", "ticket_cancelled": "取消",
    "ticket_expired": "过期（跨日）", "staff_login": "登录", "staff_logout": "退出（被接替）",
    "window_closed": "窗口关闭", "window_paused": "窗口暂停", "window_resumed": "窗口恢复",
    "service_opened": "开放取号", "service_closed": "暂停取号", "tidal_alert": "潮汐窗口提醒",
    "tidal_alert_cleared": "潮汐提醒解除", "day_started": "新的一天",
}
CALL_EVENTS = ("ticket_called", "ticket_recalled")  # what a board announces

# the top-level keys of every event, in order; what the event is about is at the top level
# (``ticket``, ``service``, ``window``, ``staff``, null when not), the details in ``data``
EVENT_KEYS = ("v", "seq", "type", "at", "ts", "day", "ticket", "service", "window", "staff", "data")

CHANNELS = ("kiosk", "id_card", "appointment", "staff")  # how a ticket was taken

OUTCOMES = {  # how a ticket ends at the window (办结)
    "completed": "办结",
    "accepted_to_backoffice": "受理转后台",
    "notified_to_supplement": "一次告知补正",
    "rejected": "不予受理",
}
