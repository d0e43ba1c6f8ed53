"""Who may do what: the hub's own check of a request against the device that sent it.

The sender's identity is the device id in the request topic (``yc/<hall>/request/<device>``),
looked up in the hall file's ``[[device]]`` entries. The broker's ACL should already stop a
device from publishing on another's topic; the hub checks again, because a broker may run
without an ACL (the embedded demo broker does) and because the rules here (a caller acts only
for its own window, a kiosk may not use the staff channel) are finer than any ACL.
"""
from __future__ import annotations

import json

from hall.config import Device, HallConfig
from hall.protocol import Request
from hall.protocol_errors import ProtocolError
from hall.protocol_verbs import ROLES


def device_of(config: HallConfig, device_id: str, request: Request) -> Device:
    device = config.devices.get(device_id)
    if device is None:
        raise ProtocolError("unknown_device", request.transaction, request.reply_to, device=device_id)
    return device


def authorise(device: Device, request: Request) -> dict:
    """The engine command for ``request`` from ``device``, or ``ProtocolError('not_allowed')``.

    A window-bound device (one with a ``window`` in the hall file) gets its window filled in
    and may not name another; a manager or an unbound keypad bridge must name the window.
    """
    verb = request.spec()

    def fail(code: str, **params) -> ProtocolError:
        return ProtocolError(code, request.transaction, request.reply_to, **params)

    if device.role not in verb.roles:
        raise fail("not_allowed", device=device.id, role=device.role, role_zh=ROLES[device.role][0], verb=verb.name)
    fields = dict(request.fields)
    window_field = verb.field("window")
    if window_field is not None and device.role != "manager" and device.window is not None:
        asked = fields.setdefault("window", device.window)
        if asked != device.window:
            raise fail("not_your_window", own=device.window, window=asked)
    if window_field is not None and window_field.required and "window" not in fields:
        raise fail("missing_field", field="window")
    if device.role != "manager":
        for f in verb.fields:
            if f.name in fields and fields[f.name] in f.manager_values:
                raise fail("manager_only", field=f.name, value=json.dumps(fields[f.name], ensure_ascii=False))
    return {"verb": verb.name, **fields}
