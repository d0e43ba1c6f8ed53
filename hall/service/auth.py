"""Who may do what: the hub's own check of a request against the device that sent it.

The sender's identity is the device id in the request topic (``yc/<hall>/request/<device>``),
looked up in the hall file's ``[[device]]`` entries. The broker's ACL should already stop a
device from publishing on another's topic; the hub checks again, because a broker may run
without an ACL (the embedded demo broker does) and because the rules here (a caller acts only
for its own window, a kiosk may not use the staff channel) are finer than any ACL.
"""
from __future__ import annotations

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

    def deny(detail: str = "") -> ProtocolError:
        return ProtocolError("not_allowed", request.transaction, request.reply_to, device=device.id,
                             role=device.role, verb=verb.name, detail=detail)

    if device.role not in verb.roles or device.role not in ROLES:
        raise deny()
    fields = dict(request.fields)
    window_field = verb.field("window")
    if window_field is not None and device.role != "manager" and device.window is not None:
        asked = fields.setdefault("window", device.window)
        if asked != device.window:
            raise deny(f" (window {asked}; this device belongs to window {device.window})")
    if window_field is not None and window_field.required and "window" not in fields:
        raise ProtocolError("missing_field", request.transaction, request.reply_to, field="window")
    if device.role != "manager":
        for f in verb.fields:
            if f.name in fields and fields[f.name] in f.manager_values:
                raise deny(f" ({f.name}={fields[f.name]!r} is for staff at the manager desk)")
    return {"verb": verb.name, **fields}
