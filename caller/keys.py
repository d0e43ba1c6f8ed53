"""What a hardware key asks of the hub, and what the keypad's display says back (pure).

A YC-485 keypad's keys are printed on it (登录, 呼叫, 重呼, 过号 …), so each ``KeyAction`` has
one verb. A 433 MHz button has up to four unlabelled keys; the hall file's ``rf_keys`` says
which verb each key bit does. The display has two lines of 16 Chinese characters: the
result ("请A012号", "等候5人"), or the hub's refusal in a few words.
"""
from __future__ import annotations

from devices.keypad.codec import KeyAction
from devices.keypad.ev1527 import DEFAULT_KEYMAP

VERB_OF = {
    KeyAction.LOGIN: "staff_login", KeyAction.LOGOUT: "staff_logout", KeyAction.CALL_NEXT: "call_next",
    KeyAction.RECALL: "recall", KeyAction.NO_SHOW: "no_show", KeyAction.PAUSE: "pause",
    KeyAction.RESUME: "resume", KeyAction.TRANSFER: "transfer", KeyAction.HOLD: "hold",
    KeyAction.CALL_NUMBER: "call_number", KeyAction.FINISH: "finish",
}
ACTION_OF_VERB = {verb: action for action, verb in VERB_OF.items()}
KEYPAD_PAUSE_REASON = "临时离开"  # a keypad has no reason list

# the hub's refusals in a few words for a 16-character display
SHORT = {
    "queue_empty": "无人等候", "window_closed": "请先登录", "window_paused": "窗口已暂停，请先恢复",
    "ticket_in_hand": "请先办结当前号", "no_ticket": "当前无号", "unknown_staff": "工号不存在",
    "staff_not_authorised": "工号无权在此窗口", "staff_elsewhere": "工号已在别处登录",
    "window_occupied": "已有他人登录", "window_not_paused": "窗口未暂停", "unknown_ticket": "无此号码",
    "not_waiting": "该号不能呼叫", "not_eligible": "本窗口不能办理", "already_started": "已开始办理",
    "unknown_window": "无此窗口", "same_window": "不能转本窗口", "reason_required": "请填写原因",
    "out_of_season": "窗口不在开放季节", "not_missed": "该号未过号",
}


def rf_keymap(rf_keys: tuple[tuple[int, str], ...]) -> dict[int, KeyAction]:
    """The hall file's ``rf_keys`` (key bits → verb) as the receiver's keymap; the default if none."""
    if not rf_keys:
        return dict(DEFAULT_KEYMAP)
    return {bits: ACTION_OF_VERB[verb] for bits, verb in rf_keys}


def request_for(action: str, digits: str, window: str) -> tuple[str, dict] | str:
    """(verb, fields) for a key pressed at ``window``, or a sentence for the display when the
    key cannot become a request."""
    try:
        key = KeyAction[action]
    except KeyError:
        return "未知按键"
    if key == KeyAction.RATE:
        return "评价器未接入"
    verb = VERB_OF[key]
    fields: dict = {"window": window}
    if key == KeyAction.LOGIN:
        if not digits:
            return "请输入工号"
        fields["staff"] = digits
    elif key == KeyAction.PAUSE:
        fields["reason"] = KEYPAD_PAUSE_REASON
    elif key == KeyAction.TRANSFER:
        if not digits:
            return "请输入窗口号"
        fields["to_window"] = digits.lstrip("0") or "0"
    elif key == KeyAction.CALL_NUMBER:
        if not (digits and digits[0].isalpha()):
            return "请输入完整号码"
        fields["number"] = digits.upper()
    return verb, fields


def display_for(verb: str, reply: dict, waiting: int | None) -> tuple[str, str]:
    """The keypad's two display lines after the hub's reply."""
    line2 = f"等候{waiting}人" if waiting is not None else ""
    if reply.get("status") != "ok":
        error = reply.get("error") or {}
        return SHORT.get(error.get("code"), (error.get("message") or "操作未成功")[:16]), line2
    data = reply.get("data") or {}
    number = data.get("ticket", "")
    if verb in ("call_next", "call_number"):
        return f"请{number}号", line2
    if verb == "recall":
        return (f"{number}号已过号" if data.get("status") == "missed" else f"重呼{number}号"), line2
    text = {
        "staff_login": f"工号{data.get('staff', '')}已登录", "staff_logout": "已退出",
        "pause": "暂停服务", "resume": "恢复服务", "start": f"{number}号办理中", "no_show": f"{number}号已过号",
        "hold": f"{number}号已挂起", "transfer": f"{number}号已转办", "finish": f"{number}号已办结",
    }.get(verb, "已完成")
    return text, line2
