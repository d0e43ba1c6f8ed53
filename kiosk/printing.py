"""From the hub's ticket reply to what the kiosk prints and shows.

One function turns a reply into the printed ticket (``hall.printed_ticket``), and one defines
the ticket's QR (``hall.protocol.ticket_url``: the hall web's status page of the ticket, by
its unguessable token, with no personal data). The screen shows the very same QR, so a
citizen whose ticket did not print can photograph it.
"""
from __future__ import annotations

from devices.printer.ticket import Ticket
from hall.config import HallConfig
from hall.printed_ticket import printed_ticket as _printed_ticket
from hall.protocol import ticket_url


def ticket_qr(data: dict, config: HallConfig) -> str | None:
    token = data.get("token")
    return ticket_url(config.web_url, token) if token else None


def printed_ticket(data: dict, config: HallConfig, now: float | None = None) -> Ticket:
    """``now`` (epoch seconds) marks a reprint with its time (补打时间)."""
    return _printed_ticket(data, config, now=now)
