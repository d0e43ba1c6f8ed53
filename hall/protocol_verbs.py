"""The commands a device may send the hub: each verb's fields, their kinds, and who may give it.

This is the request half of the MQTT contract (``hall.protocol`` holds the topics and the
envelope). The engine's own checks still run afterwards (a ticket that does not exist, a
window that is paused…); this table catches what can be told from the message alone: an
unknown field, a missing one, a wrong type, a device whose role may not give the command.

Roles are the ``[[device]] role`` values of the hall file. A *window-bound* device (a soft
caller, or a keypad bridge given a ``window``) acts only for its own window: it may leave
``window`` out and the hub fills it in; naming another window is refused. A keypad bridge
without a ``window`` drives a whole RS-485 bus of keypads and names the window in every
request. Boards, window screens and rating pads only read (the rating pad will answer its
own prompts when the rating verbs arrive).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from hall.protocol_words import CHANNELS, OUTCOMES

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEXT_MAX = 200


@dataclass(frozen=True)
class Kind:
    """A field's type: a name for the docs, what a wrong value is told it should be, a check."""

    name: str
    expected_zh: str
    expected_en: str

    def accepts(self, value) -> bool:
        if self.name == "text":
            return isinstance(value, str) and 0 < len(value) <= TEXT_MAX
        if self.name == "bool":
            return isinstance(value, bool)
        if self.name == "place":
            return value == "front" or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        if self.name == "date":
            return isinstance(value, str) and bool(_DATE.match(value))
        if self.name == "object":
            return isinstance(value, dict)
        raise KeyError(self.name)


KINDS = {
    "text": Kind("text", f"1-{TEXT_MAX}个字符的字符串", f"a string of 1-{TEXT_MAX} characters"),
    "bool": Kind("bool", "true或false", "true or false"),
    "place": Kind("place", "\"front\"或不小于0的整数", "\"front\" or a whole number >= 0"),
    "date": Kind("date", "YYYY-MM-DD格式的日期", "a date YYYY-MM-DD"),
    "object": Kind("object", "JSON对象", "a JSON object"),
}


@dataclass(frozen=True)
class Field:
    """One field of a request.

    ``choices``: the only values allowed. ``refusal``: the hall's own code (``hall.messages``)
    for a value not among the choices or a required field left out, where it has one; else
    ``wrong_type`` and ``missing_field`` answer. ``manager_values: values only a manager may give
    (a kiosk may not issue through the staff channel or grant the green channel).
    ``from_device``: a window-bound device may leave it out; the hub fills in its window.
    ``parts``: the fields of an object-valued field.
    """

    name: str
    kind: str
    required: bool = False
    doc: str = ""
    choices: tuple = ()
    manager_values: tuple = ()
    from_device: bool = False
    parts: tuple["Field", ...] = ()
    refusal: str = ""


@dataclass(frozen=True)
class Verb:
    name: str
    fields: tuple[Field, ...]
    roles: tuple[str, ...]
    doc: str

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


KIOSK, WINDOW_ROLES, MANAGER = ("kiosk",), ("caller", "keypad_bridge"), ("manager",)
# roles that publish requests at all (a rating pad will answer its own prompts; the hub refuses
# it every verb until then); boards and window screens only read
REQUESTING_ROLES = KIOSK + WINDOW_ROLES + MANAGER + ("rating_pad",)

ROLES = {  # role: (Chinese name, what it may do)
    "kiosk": ("取号机", "issues, cancels and returns tickets for citizens"),
    "caller": ("窗口呼叫器", "acts only for its own window"),
    "keypad_bridge": ("物理按键桥", "its own window, or any window when the device has no window"),
    "board": ("综合屏", "reads state and events"),
    "window_screen": ("窗口屏", "reads state and events"),
    "rating_pad": ("评价器", "reads state and events (rating verbs come with the rating pad)"),
    "manager": ("大厅管理台", "may do everything"),
}

_WINDOW = Field("window", "text", True, "window id (a window-bound device may omit it)", from_device=True)
_NUMBER = Field("number", "text", True, "ticket number, e.g. A001")
_REASON = Field("reason", "text", False, "free text for the record")
_SERVICE = Field("service", "text", True, "service code from the hall file")
_PERSON = Field("person", "object", False, "the citizen, never in clear", parts=(
    Field("hash", "text", False, "keyed hash of the ID number"),
    Field("masked", "text", False, "masked ID number, e.g. 3701**********1234"),
    Field("birth", "date", False, "birth date, for the green channel age"),
))

_ALL = KIOSK + WINDOW_ROLES + MANAGER
_AT_WINDOW = WINDOW_ROLES + MANAGER


def _window_verb(name: str, doc: str, *extra: Field) -> Verb:
    return Verb(name, (_WINDOW, *extra), _AT_WINDOW, doc)


VERBS: dict[str, Verb] = {v.name: v for v in (
    Verb("issue", (
        _SERVICE,
        Field("channel", "text", False, "how the ticket was taken", choices=CHANNELS, manager_values=("staff",)),
        _PERSON,
        Field("appointment", "text", False, "appointment code (channel appointment)"),
        Field("green", "bool", False, "grant the green channel", manager_values=(True,)),
    ), KIOSK + MANAGER, "取号 take a ticket"),
    Verb("cancel", (_NUMBER, _REASON), KIOSK + MANAGER, "取消 cancel a live ticket"),
    Verb("lookup", (
        Field("number", "text", False, "ticket number (give this, the token, or person and service)"),
        Field("token", "text", False, "the ticket's token, from its QR code"),
        Field("service", "text", False, "service code, with person: that citizen's live ticket"),
        _PERSON,
    ), KIOSK + MANAGER, "查询 a ticket's live status; changes nothing"),
    Verb("checkin", (
        Field("appointment", "text", True, "appointment code (预约码) of an imported booking"),
        _PERSON,
    ), KIOSK + MANAGER, "预约签到 an appointment code becomes a ticket"),
    Verb("return_missed", (
        _NUMBER,
        Field("place", "place", False, "\"front\" or people to wait behind (default rules.return_after)"),
        Field("window", "text", False, "window asking (filled in for a window-bound device)", from_device=True),
    ), _ALL, "回呼 put a missed ticket back in line"),
    _window_verb("staff_login", "登录 staff sign in at the window",
                 Field("staff", "text", True, "staff number"), Field("takeover", "bool", False, "AB岗 take over")),
    _window_verb("staff_logout", "退出 staff sign out; the window closes", _REASON),
    _window_verb("close", "关闭窗口 the same as staff_logout", _REASON),
    _window_verb("pause", "暂停 pause the window",
                 Field("reason", "text", True, "why (shown on the window screen)", refusal="reason_required")),
    _window_verb("resume", "恢复 resume a paused window"),
    _window_verb("call_next", "顺呼 call the next ticket"),
    _window_verb("call_number", "特呼 call a given waiting or held ticket", _NUMBER),
    _window_verb("recall", "重呼 call the ticket in hand again"),
    _window_verb("start", "开始办理 the citizen has arrived"),
    _window_verb("no_show", "过号 the citizen did not come"),
    _window_verb("hold", "挂起 set the ticket aside", _REASON),
    _window_verb("transfer", "转办 to another service or window",
                 Field("to_service", "text", False, "service code (give this or to_window)"),
                 Field("to_window", "text", False, "window id (give this or to_service)"),
                 Field("return_after", "bool", False, "come back to this window afterwards")),
    _window_verb("finish", "办结 finish with an outcome",
                 Field("outcome", "text", False, "default completed", choices=tuple(OUTCOMES),
                       refusal="unknown_outcome"),
                 Field("reason", "text", False, "required when the outcome is rejected")),
    Verb("open_service", (_SERVICE,), MANAGER, "开放取号 open a service's line"),
    Verb("close_service", (_SERVICE, _REASON), MANAGER, "暂停取号 close a service's line"),
    Verb("tick", (), MANAGER, "let the hall day roll and re-check tidal alerts (the hub ticks by itself)"),
)}
