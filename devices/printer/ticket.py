"""A queue ticket (排队小票) rendered to ESC/POS bytes.

Layout, top to bottom (58 mm paper: 32 columns of 12-dot characters; 80 mm: 48):

    hall name            centred, bold, 2×2 (1×2 if it does not fit on one line at 2×2)
    ticket number        centred, bold, 4×4 (GS !, so a Chinese suffix scales too)
    service name         centred, 1×2
    English service name centred, 1×1 — when the hall gives one
    【绿色通道】         centred, bold, 2×2 — only for the green channel (绿色通道)
    前面还有 N 人等候    left
    预计等候约 M 分钟    left
    取号时间：…          left
    补打时间：…          left — only on a ticket printed a minute or more after it was issued
    QR code              centred; native GS ( k, or a GS v 0 raster for printers without it
    notice               left, wrapped to the paper width (a CJK character is two columns)
    feed and cut
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.printer import codec

PAPER_COLUMNS = {58: 32, 80: 48}


@dataclass(frozen=True)
class Ticket:
    """What a citizen's ticket shows: the hub's issue reply (``hall/views.py``), field for field,
    with the hall's name and notice. ``hall.printed_ticket.printed_ticket`` builds it from a
    reply. ``qr`` is the ticket's status-page URL (``hall.protocol.ticket_url``): it carries an
    unguessable token and no personal data; empty, no QR is printed.
    """

    hall_name: str
    number: str                        # reply ``ticket``
    service_name: str                  # reply ``service_name``
    people_ahead: int                  # reply ``people_ahead``
    estimated_wait_min: float | None   # reply ``estimated_wait_min``; None: no estimate
    issued_at: datetime                # reply ``issued_at``, the hall's local time
    qr: str                            # ticket_url(web_url, reply ``token``)
    notice: str = ""                   # ``[hall] notice``
    green_channel: bool = False        # reply ``priority`` == "green"
    service_name_en: str = ""          # reply ``service_name_en``
    reprinted_at: datetime | None = None  # set on a reprint: when it was printed


@dataclass(frozen=True)
class TicketLayout:
    """Printer-dependent choices: paper width, QR mode and size, cut style."""

    paper_mm: int = 58
    native_qr: bool = True
    qr_module: int = 6
    qr_ec: str = "M"
    number_size: int = 4
    partial_cut: bool = False

    @property
    def columns(self) -> int:
        return PAPER_COLUMNS.get(self.paper_mm, 32)


def people_ahead_text(count: int) -> str:
    return "前面没有人等候" if count <= 0 else f"前面还有 {count} 人等候"


def wait_text(minutes: float | None) -> str:
    """The estimate in whole minutes (rounded half up), as the hub gave it in tenths."""
    if minutes is None:
        return "请留意叫号屏和语音叫号"
    whole = int(minutes + 0.5)
    return "即将为您办理" if whole <= 0 else f"预计等候约 {whole} 分钟"


def issued_text(when: datetime) -> str:
    return "取号时间：" + when.strftime("%Y-%m-%d %H:%M:%S")


def reprinted_text(when: datetime) -> str:
    return "补打时间：" + when.strftime("%Y-%m-%d %H:%M:%S")


GREEN_CHANNEL_MARK = "【绿色通道】"


def text_columns(text: str) -> int:
    return sum(codec.column_width(c) for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """Split text into lines of at most ``columns`` print columns (explicit newlines kept)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current, used = "", 0
        for char in paragraph:
            width = codec.column_width(char)
            if used + width > columns:
                lines.append(current)
                current, used = "", 0
            current += char
            used += width
        lines.append(current)
    return lines


def render_ticket(ticket: Ticket, layout: TicketLayout = TicketLayout()) -> bytes:
    """The complete ESC/POS job for one ticket, from ESC @ to the cut."""
    out = bytearray(codec.INIT)
    out += codec.align("center") + codec.bold(True)
    hall_width = 2 if text_columns(ticket.hall_name) * 2 <= layout.columns else 1
    out += codec.size(hall_width, 2)
    for part in wrap(ticket.hall_name, layout.columns // hall_width):
        out += codec.line(part)
    out += codec.size(layout.number_size, layout.number_size)
    out += codec.line(ticket.number)
    out += codec.bold(False) + codec.size(1, 2)
    out += codec.line(ticket.service_name)
    if ticket.service_name_en:
        out += codec.size(1, 1)
        for part in wrap(ticket.service_name_en, layout.columns):
            out += codec.line(part)
    if ticket.green_channel:
        out += codec.bold(True) + codec.size(2, 2) + codec.line(GREEN_CHANNEL_MARK) + codec.bold(False)
    out += codec.size(1, 1) + codec.align("left")
    out += codec.line(people_ahead_text(ticket.people_ahead))
    out += codec.line(wait_text(ticket.estimated_wait_min))
    out += codec.line(issued_text(ticket.issued_at))
    if ticket.reprinted_at is not None:
        out += codec.line(reprinted_text(ticket.reprinted_at))
    if ticket.qr:
        out += codec.align("center")
        if layout.native_qr:
            out += codec.qr_native(ticket.qr, layout.qr_module, layout.qr_ec)
        else:
            out += codec.qr_raster(ticket.qr, layout.qr_module, layout.qr_ec)
        out += codec.LF + codec.align("left")
    if ticket.notice:
        for part in wrap(ticket.notice, layout.columns):
            out += codec.line(part)
    out += codec.cut(partial=layout.partial_cut)
    return bytes(out)
