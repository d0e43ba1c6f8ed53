"""Why the hub answers a request with an error before the engine even sees it.

The engine's refusals (``hall.messages.REFUSALS``: "the queue is empty", "outside hours"…)
and these protocol errors (malformed JSON, a missing field, a device not allowed to give a
command…) share one reply shape and one table of codes, ``ERROR_CODES``, which
docs/mqtt-api.md lists in full. A code never changes meaning once shipped.

The Chinese sentence is what a kiosk or a caller shows a clerk; the English one is for
operators and hardware makers.
"""
from __future__ import annotations

from hall.messages import REFUSALS

PROTOCOL_ERRORS: dict[str, tuple[str, str]] = {
    "malformed_json": ("请求不是有效的JSON对象", "The payload is not a UTF-8 JSON object."),
    "payload_too_large": ("请求过大（上限{limit}字节）", "The payload is larger than {limit} bytes."),
    "too_deep": ("请求嵌套层数过多（上限{limit}层）", "The payload nests lists and objects deeper than {limit} levels."),
    "unsupported_version": ("不支持的协议版本：{v}", "Unsupported protocol version {v}; this hub speaks v{supported}."),
    "missing_field": ("缺少字段：{field}", "The field '{field}' is required."),
    "wrong_type": ("字段{field}格式有误：应为{expected_zh}", "The field '{field}' must be {expected}."),
    "unknown_field": ("不认识的字段：{field}", "Unknown field '{field}' for this command."),
    "unknown_device": ("设备{device}未在本大厅登记", "Device '{device}' is not registered in this hall."),
    "not_allowed": ("{role_zh}{device}无权执行“{verb}”", "Device '{device}' ({role}) may not do '{verb}'."),
    "not_your_window": ("本设备属于{own}号窗口，不能操作{window}号窗口",
                        "This device belongs to window {own}; it may not act for window {window}."),
    "manager_only": ("{field}={value}只能由大厅管理台设置", "{field}={value} may be given only by a manager."),
    "personal_data": ("请求中含有明文身份证号码，已拒绝；请只发送脱敏号码和加密摘要",
                      "The payload carries a clear ID number; send only the masked form and the keyed hash."),
    "bad_reply_to": ("回复主题无效：只能使用本设备的回复主题", "reply_to must be this device's reply topic or below it."),
    "internal_error": ("系统暂时无法处理，请稍后重试", "The hub could not process the request; please retry."),
    "poison_request": ("该请求曾使系统中断，已拒绝；请勿重发，并联系管理员",
                       "This request stopped the hub before and is refused; do not send it again, tell the operator."),
}

ERROR_CODES: dict[str, tuple[str, str]] = {**REFUSALS, **PROTOCOL_ERRORS}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def error_body(code: str, **params) -> dict:
    """The ``error`` object of an error reply: ``{code, message, message_en}``."""
    zh, en = ERROR_CODES[code]
    values = _Blank({k: str(v) for k, v in params.items()})
    return {"code": code, "message": zh.format_map(values), "message_en": en.format_map(values)}


class ProtocolError(Exception):
    """A request the hub answers with an error without handing it to the engine.

    ``transaction`` and ``reply_to`` are what could be read from the payload, so the error
    reaches the device that asked (``None`` when the payload was unreadable).
    """

    def __init__(self, code: str, transaction: str | None = None, reply_to: str | None = None, **params):
        if code not in ERROR_CODES:
            raise KeyError(f"no error code {code!r}")
        super().__init__(code)
        self.code = code
        self.params = params
        self.transaction = transaction
        self.reply_to = reply_to

    def body(self) -> dict:
        return error_body(self.code, **self.params)
