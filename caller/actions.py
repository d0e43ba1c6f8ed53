"""The soft caller's buttons: what each is called, its keyboard shortcut, and when it applies.

One table, read by the presenter (what a press does), the Kivy window (the label and the
shortcut printed on the button) and docs/caller.md (the shortcut list a clerk is given).
Clerks keep their hands on the keyboard, so every action has a function key; a dialog
(a reason, an outcome, a number) is answered with digit keys, Enter and Esc.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    id: str
    label: str          # what the clerk reads (Chinese)
    label_en: str
    key: str            # the shortcut as printed: "F1", "Shift+F7"
    verb: str | None    # the request it sends directly, or None when a dialog asks first
    when: tuple[str, ...]  # window situations it applies in (see ``situation``)

    @property
    def caption(self) -> str:
        return f"{self.label}\n{self.key}"


# Window situations: signed_out (closed), idle (open, nothing in hand), called, serving, paused.
ACTIONS: tuple[Action, ...] = (
    Action("call_next", "呼叫下一位", "Call next", "F1", "call_next", ("idle",)),
    Action("recall", "重呼", "Call again", "F2", "recall", ("called",)),
    Action("start", "开始办理", "Start", "F3", "start", ("called",)),
    Action("no_show", "过号", "No-show", "F4", "no_show", ("called",)),
    Action("hold", "挂起", "Hold", "F5", "hold", ("called", "serving")),
    Action("transfer", "转办", "Transfer", "F6", None, ("called", "serving")),
    Action("finish", "办结", "Finish", "F7", "finish", ("called", "serving")),
    Action("finish_other", "其他结果", "Other outcome", "Shift+F7", None, ("called", "serving")),
    Action("call_number", "特呼", "Call a number", "F8", None, ("idle",)),
    Action("return_missed", "回呼", "Return missed", "F9", None, ("idle", "called", "serving", "paused")),
    Action("call_held", "叫挂起号", "Call held", "F10", None, ("idle",)),
    Action("pause", "暂停", "Pause", "F11", None, ("idle",)),
    Action("resume", "恢复", "Resume", "F11", "resume", ("paused",)),
    Action("sign_in", "登录", "Sign in", "F12", None, ("signed_out", "idle", "called", "serving", "paused")),
    Action("sign_out", "退出", "Sign out", "Shift+F12", "staff_logout", ("idle", "paused")),
)
BY_ID = {a.id: a for a in ACTIONS}

# What a shortcut does depends on the window: F11 pauses an idle window and resumes a
# paused one. ``for_key`` picks the action that applies, or the first one.
def for_key(key: str, situation: str) -> Action | None:
    matches = [a for a in ACTIONS if a.key == key]
    return next((a for a in matches if situation in a.when), matches[0] if matches else None)


PAUSE_REASONS = ("午休", "会议", "临时离开", "业务咨询", "其他")
OUTCOMES = (  # (outcome, label): 办结 first, so Enter takes it
    ("completed", "办结"), ("accepted_to_backoffice", "受理转后台"),
    ("notified_to_supplement", "一次告知补正"), ("rejected", "不予受理"),
)
REJECT_REASONS = ("材料不齐全", "不符合受理条件", "不属于本窗口受理范围", "其他")

# Why an action does not apply now (shown when its shortcut is pressed anyway).
NOT_NOW = {
    "signed_out": "请先登录（F12）",
    "idle": "当前没有正在办理的号",
    "called": "请先办结、挂起或转办当前的{number}号",
    "serving": "请先办结、挂起或转办当前的{number}号",
    "paused": "窗口已暂停，请先恢复服务（F11）",
}
