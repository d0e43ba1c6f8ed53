"""From the hub's ticket reply to what the kiosk prints and shows: the one adapter.

The contract names ONE function for this, ``hall.printed_ticket.printed_ticket(reply_data,
config, ...)``, and one ticket QR, ``hall.protocol.ticket_url(web_url, token)``. Until they
are on main this module builds the same ``devices.printer.ticket.Ticket`` itself; the kiosk
calls only ``printed_ticket`` and ``ticket_qr`` below, so the switch is made here alone.
"""
from __future__ import annotations

import datetime as dt

from devices.printer.ticket import Ticket
from hall.config import HallConfig

try:  # the contract's own function, once merged
    from hall.printed_ticket import printed_ticket as _contract_printed_ticket
except ImportError:  # pragma: no cover - depends on what main holds
    _contract_printed_ticket = None
try:
    from hall.protocol import ticket_url as _ticket_url
except ImportError:  # pragma: no cover
    _ticket_url = None


def ticket_qr(data: dict, config: HallConfig) -> str:
    """The ticket's QR text: the status page URL with the ticket's token (no personal data);
    before tokens exist, the compact ``YC-T:<hall>:<yyyymmdd>:<number>`` form the scanner knows."""
    token = data.get("token")
    web_url = getattr(config, "web_url", "") or ""
    if token and _ticket_url is not None and web_url:
        return _ticket_url(web_url, token)
    day = str(data.get("id", "")).split(":")[0].replace("-", "") or dt.date.today().strftime("%Y%m%d")
    return f"YC-T:{config.id}:{day}:{data.get('ticket', '')}"


def printed_ticket(data: dict, config: HallConfig) -> Ticket:
    if _contract_printed_ticket is not None:
        return _contract_printed_ticket(data, config)
    issued = data.get("issued_at")
    try:
        when = dt.datetime.fromisoformat(issued) if issued else dt.datetime.now(config.timezone)
    except ValueError:
        when = dt.datetime.now(config.timezone)
    wait = data.get("estimated_wait_min")
    return Ticket(
        hall_name=config.name, ticket_number=data["ticket"], service_name=data.get("service_name") or data["service"],
        people_ahead=int(data.get("people_ahead") or 0),
        estimated_wait_minutes=0 if not wait else max(1, round(float(wait))),
        issued_at=when, qr_payload=ticket_qr(data, config), notice=config.notice,
        green_channel=data.get("priority") == "green")
