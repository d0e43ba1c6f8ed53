"""A queue ticket (排队小票) rendered to ESC/POS bytes.

Layout, top to bottom (58 mm paper: 32 columns of 12-dot characters; 80 mm: 48):

    hall name            centred, bold, 2×2 (1×2 if it does not fit on one line at 2×2)
    ticket number        centred, bold, 4×4 (GS !, so a Chinese suffix scales too)
    service name         centred, 1×2
    【绿色通道】         centred, bold, 2×2 — only for the green channel (绿色通道)
    前面还有 N 人等候    left
    预计等候约 M 分钟    left
    取号时间：…          left
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
    """What a citizen's ticket shows. ``qr_payload`` is the status-page URL (no personal data)."""

    hall_name: str
    ticket_number: str
    service_name: str
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: datetime
    qr_payload: str
    notice: str = ""
    green_channel: bool = False


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


def wait_text(minutes: int) -> str:
    return "即将为您办理" if minutes <= 0 else f"预计等候约 {minutes} 分钟"


def issued_text(when: datetime) -> str:
    return "取号时间：" + when.strftime("%Y-%m-%d %H:%M:%S")


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
    out += codec.line(ticket.ticket_number)
    out += codec.bold(False) + codec.size(1, 2)
    out += codec.line(ticket.service_name)
    if ticket.green_channel:
        out += codec.bold(True) + codec.size(2, 2) + codec.line(GREEN_CHANNEL_MARK) + codec.bold(False)
    out += codec.size(1, 1) + codec.align("left")
    out += codec.line(people_ahead_text(ticket.people_ahead))
    out += codec.line(wait_text(ticket.estimated_wait_minutes))
    out += codec.line(issued_text(ticket.issued_at))
    if ticket.qr_payload:
        out += codec.align("center")
        if layout.native_qr:
            out += codec.qr_native(ticket.qr_payload, layout.qr_module, layout.qr_ec)
        else:
            out += codec.qr_raster(ticket.qr_payload, layout.qr_module, layout.qr_ec)
        out += codec.LF + codec.align("left")
    if ticket.notice:
        for part in wrap(ticket.notice, layout.columns):
            out += codec.line(part)
    out += codec.cut(partial=layout.partial_cut)
    return bytes(out)
