"""Draw what the printer simulator put on paper as a PNG, so people can look at a ticket.

The image is the paper at its real dot width (384 dots for 58 mm, 576 for 80 mm) with a
12×24-dot character cell, as a thermal printer's standard font. Usage:

    python -m devices.printer.preview out.png     # a sample ticket
"""
from __future__ import annotations

import sys
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont

from devices.printer import codec
from devices.printer.interpreter import Cut, Feed, QrCode, RasterImage, TextLine

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CELL_HEIGHT = 24      # dots per text line at 1×1
LINE_GAP = 6
PAPER_DOTS = {32: 384, 48: 576}


def _font():
    return ImageFont.truetype(CJK_FONT, CELL_HEIGHT - 2)


def _segment_image(text: str, width: int, height: int, bold: bool, font) -> Image.Image:
    cols = sum(codec.column_width(c) for c in text)
    base = Image.new("L", (max(1, cols * CELL_HEIGHT // 2), CELL_HEIGHT), 255)
    draw = ImageDraw.Draw(base)
    x = 0
    for char in text:  # one cell per character, like the printer's fixed-pitch font
        cell = codec.column_width(char) * CELL_HEIGHT // 2
        offset = (cell - font.getlength(char)) / 2
        draw.text((x + offset, 1), char, font=font, fill=0, stroke_width=1 if bold else 0, stroke_fill=0)
        x += cell
    return base.resize((base.width * width, base.height * height), Image.NEAREST)


def _place(canvas_width: int, item_width: int, align: str) -> int:
    if align == "center":
        return max(0, (canvas_width - item_width) // 2)
    if align == "right":
        return max(0, canvas_width - item_width)
    return 0


def _qr_image(item: QrCode) -> Image.Image:
    matrix = codec.qr_matrix(item.payload, item.ec if item.ec in codec.QR_EC else "M", border=0)
    size = len(matrix) * item.module
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle([x * item.module, y * item.module,
                                (x + 1) * item.module - 1, (y + 1) * item.module - 1], fill=0)
    return image


def raster_to_image(item: RasterImage) -> Image.Image:
    """A GS v 0 image as a Pillow image (black dots on white)."""
    image = Image.new("L", (item.width, item.height), 255)
    pixels = image.load()
    for y in range(item.height):
        for x in range(item.width):
            if item.pixel(x, y):
                pixels[x, y] = 0
    return image


def render_png(elements: list, path: str, columns: int = 32) -> str:
    """Draw ``elements`` (from PrinterSimulator.printed / tickets()) to ``path``; return it."""
    width = PAPER_DOTS.get(columns, columns * 12)
    font = _font()
    blocks: list[tuple[Image.Image | None, int, int]] = []  # (image, x, height)
    for item in elements:
        if isinstance(item, TextLine):
            parts = [_segment_image(s.text, s.width, s.height, s.bold, font) for s in item.segments if s.text]
            height = max([p.height for p in parts] + [CELL_HEIGHT])
            line = Image.new("L", (max(1, sum(p.width for p in parts)), height), 255)
            x = 0
            for part in parts:  # segments share the baseline at the bottom of the line
                line.paste(part, (x, height - part.height))
                x += part.width
            blocks.append((line, _place(width, line.width, item.align), height + LINE_GAP))
        elif isinstance(item, (QrCode, RasterImage)):
            image = _qr_image(item) if isinstance(item, QrCode) else raster_to_image(item)
            blocks.append((image, _place(width, image.width, item.align), image.height + LINE_GAP))
        elif isinstance(item, Feed):
            blocks.append((None, 0, item.lines * (CELL_HEIGHT + LINE_GAP)))
        elif isinstance(item, Cut):
            blocks.append(("cut", 0, 12))
    margin = 16
    canvas = Image.new("L", (width + 2 * margin, sum(b[2] for b in blocks) + 2 * margin), 255)
    draw = ImageDraw.Draw(canvas)
    y = margin
    for image, x, height in blocks:
        if image == "cut":
            for dash in range(0, canvas.width, 12):
                draw.line([(dash, y + 6), (dash + 6, y + 6)], fill=128)
        elif image is not None:
            canvas.paste(image, (margin + x, y))
        y += height
    canvas.save(path)
    return path


def sample_ticket():
    from devices.printer.ticket import Ticket
    return Ticket(hall_name="临淄区政务服务中心", number="A012", service_name="社会保障业务",
                  people_ahead=5, estimated_wait_min=15,
                  issued_at=datetime(2025, 3, 3, 9, 15, 32),
                  qr="http://192.168.10.2:8080/t/q3Vb8kPz1XwY7sLmN0aR2c",
                  notice="请留意叫号，过号需重新取号。办结后请对本次服务作出评价。",
                  green_channel=True)


def main(argv: list[str]) -> int:
    from devices.printer.simulator import PrinterSimulator
    from devices.printer.ticket import TicketLayout, render_ticket

    paths = [a for a in argv if not a.startswith("--")]
    path = paths[0] if paths else "ticket.png"
    raster = "--raster" in argv
    sim = PrinterSimulator()
    sim.handle(render_ticket(sample_ticket(), TicketLayout(native_qr=not raster)))
    print(render_png(sim.last_ticket(), path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
