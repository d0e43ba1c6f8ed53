"""The hub's issue reply → the ticket the kiosk prints: the one place the two meet.

The printer's ``Ticket`` (devices/printer/ticket.py) holds the reply's fields under the same
meaning (``hall/views.py`` writes them), plus what the hall file adds: the hall's name, its
notice, and ``[hall] web_url``, the base of the ticket's QR code (``hall.protocol.ticket_url``).
Nothing personal is copied: the reply carries no name or ID, and the QR carries only the token.
"""
from __future__ import annotations

import datetime as dt

from devices.printer.ticket import Ticket
from hall.config import HallConfig
from hall.protocol import ticket_url

REPRINT_AFTER = 60.0  # seconds: a ticket printed later than this after issue says 补打 and when


def printed_ticket(reply_data: dict, config: HallConfig, *, web_url: str | None = None,
                   now: dt.datetime | float | None = None) -> Ticket:
    """The printed ticket for an ok ``issue`` reply's ``data``.

    ``web_url`` overrides ``config.web_url`` (the base of the QR). ``now`` is when it is
    printed (a datetime or epoch seconds; default: when it was issued): a reprint a minute or
    more later carries 补打时间, since its people-ahead and wait are those of the issue.
    A reply without a token (a hub older than the ticket QR) prints without a QR code.
    Raises ``KeyError``/``ValueError`` for data that is not an issue reply.
    """
    issued = dt.datetime.fromisoformat(reply_data["issued_at"]).astimezone(config.timezone)
    printed = issued if now is None else _local(now, config)
    token = reply_data.get("token")
    return Ticket(
        hall_name=config.name,
        number=reply_data["ticket"],
        service_name=reply_data["service_name"],
        service_name_en=reply_data.get("service_name_en") or "",
        people_ahead=int(reply_data["people_ahead"]),
        estimated_wait_min=reply_data.get("estimated_wait_min"),
        issued_at=issued.replace(tzinfo=None),
        qr=ticket_url(web_url or config.web_url, token) if token else "",
        notice=config.notice,
        green_channel=reply_data.get("priority") == "green",
        reprinted_at=(printed.replace(tzinfo=None)
                      if (printed - issued).total_seconds() >= REPRINT_AFTER else None),
    )


def _local(when: dt.datetime | float, config: HallConfig) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when.astimezone(config.timezone) if when.tzinfo else when.replace(tzinfo=config.timezone)
    return dt.datetime.fromtimestamp(when, config.timezone)
