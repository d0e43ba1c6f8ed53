"""A rendered ticket, read back by a small ESC/POS decoder written here (not the codec's, not
the simulator's), field by field; the raster QR read back by zbarimg; the PNG preview."""
import subprocess
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image

from devices.printer.preview import render_png
from devices.printer.simulator import PrinterSimulator
from devices.printer.ticket import Ticket, TicketLayout, render_ticket

TICKET = Ticket(
    hall_name="临淄区政务服务中心",
    number="A012",
    service_name="社会保障业务",
    people_ahead=5,
    estimated_wait_min=15,
    issued_at=datetime(2025, 3, 3, 9, 15, 32),
    qr="http://192.168.10.2:8080/t/q3Vb8kPz1XwY7sLmN0aR2c",
    notice="请留意叫号，过号需重新取号。办结后请对本次服务作出评价。",
    green_channel=True,
)


# ------------------------------------------------------------------ an independent decoder

@dataclass
class Printed:
    text: str = ""
    size: int = 0x00          # the GS ! byte in force when the line's first text came
    align: int = 0
    bold: int = 0
    chinese_runs: list = field(default_factory=list)  # raw GB18030 bytes between FS & and FS .


@dataclass
class Decoded:
    lines: list = field(default_factory=list)
    qr_functions: dict = field(default_factory=dict)   # fn byte -> parameter bytes
    raster: tuple | None = None                         # (bytes per row, rows, data)
    ends_with: bytes = b""
    init_first: bool = False


def decode(job: bytes) -> Decoded:
    """Walk the job byte by byte, knowing only the ESC/POS spec."""
    out = Decoded(init_first=job[:2] == b"\x1b@", ends_with=job[-6:])
    size = align = bold = 0
    current = None
    i = 0

    def line_here():
        nonlocal current
        if current is None:
            current = Printed(size=size, align=align, bold=bold)
        return current

    while i < len(job):
        b = job[i]
        if job[i:i + 2] == b"\x1b@":
            i += 2
        elif job[i:i + 2] in (b"\x1ba", b"\x1bE", b"\x1bd", b"\x1d!"):
            value = job[i + 2]
            cmd = job[i:i + 2]
            if cmd == b"\x1ba":
                align = value
            elif cmd == b"\x1bE":
                bold = value
            elif cmd == b"\x1d!":
                size = value
            i += 3
        elif job[i:i + 2] == b"\x1c&":
            end = job.index(b"\x1c.", i)
            run = job[i + 2:end]
            line_here().chinese_runs.append(run)
            current.text += run.decode("gb18030")
            i = end + 2
        elif job[i:i + 3] == b"\x1d(k":
            length = job[i + 3] + 256 * job[i + 4]
            body = job[i + 5:i + 5 + length]
            assert body[0] == 0x31  # cn = 49: QR code
            out.qr_functions[body[1]] = body[2:]
            i += 5 + length
        elif job[i:i + 4] == b"\x1dv0\x00":
            xbytes = job[i + 4] + 256 * job[i + 5]
            rows = job[i + 6] + 256 * job[i + 7]
            out.raster = (xbytes, rows, job[i + 8:i + 8 + xbytes * rows])
            i += 8 + xbytes * rows
        elif job[i:i + 2] == b"\x1dV":
            i += 3
        elif b == 0x0A:
            out.lines.append(current or Printed(size=size, align=align, bold=bold))
            current = None
            i += 1
        else:
            assert 0x20 <= b < 0x7F, f"unexpected byte 0x{b:02X} at {i}"
            line_here().text += chr(b)
            i += 1
    return out


def find(decoded: Decoded, text: str) -> Printed:
    matches = [line for line in decoded.lines if line.text == text]
    assert matches, f"{text!r} not printed; lines: {[line.text for line in decoded.lines]}"
    return matches[0]


# ------------------------------------------------------------------------------- the tests

def test_every_field_is_on_the_ticket_with_its_size():
    decoded = decode(render_ticket(TICKET))
    assert decoded.init_first

    hall = find(decoded, "临淄区政务服务中心")
    assert hall.chinese_runs == [bytes.fromhex("c1d9d7cdc7f8d5fecef1b7fecef1d6d0d0c4")]
    assert hall.size == 0x01 and hall.align == 1 and hall.bold == 1  # 18 columns: 1×2 fits

    number = find(decoded, "A012")
    assert number.size == 0x33 and number.align == 1 and number.bold == 1

    service = find(decoded, "社会保障业务")
    assert service.size == 0x01 and service.chinese_runs == ["社会保障业务".encode("gb18030")]

    green = find(decoded, "【绿色通道】")
    assert green.size == 0x11 and green.bold == 1

    assert find(decoded, "前面还有 5 人等候").size == 0x00
    assert find(decoded, "预计等候约 15 分钟").size == 0x00
    assert find(decoded, "取号时间：2025-03-03 09:15:32").align == 0

    notice_lines = [line.text for line in decoded.lines if line.text and line.text in TICKET.notice]
    assert "".join(notice_lines) == TICKET.notice
    assert all(sum(2 if ord(c) > 0x7F else 1 for c in text) <= 32 for text in notice_lines)

    order = [line.text for line in decoded.lines if line.text]
    assert order.index("A012") < order.index("社会保障业务") < order.index("前面还有 5 人等候")
    assert decoded.ends_with == b"\x1bd\x04\x1dV\x00"  # feed 4 lines, full cut


def test_hall_name_is_double_width_when_it_fits_and_no_green_mark_by_default():
    ticket = Ticket("城关镇便民服务中心", "B003", "不动产登记", 0, 0, datetime(2025, 3, 3, 8, 30),
                    "http://h/t/Bq0vLp4sT7yB1nZcHk2mW9")
    decoded = decode(render_ticket(ticket))
    hall = find(decoded, "城关镇便民服务中心")
    assert hall.size == 0x01  # 9 CJK characters at 2× width would be 36 columns > 32
    decoded80 = decode(render_ticket(ticket, TicketLayout(paper_mm=80)))
    assert find(decoded80, "城关镇便民服务中心").size == 0x11
    short = Ticket("便民服务中心", "B003", "不动产登记", 0, 0, datetime(2025, 3, 3, 8, 30), "")
    decoded_short = decode(render_ticket(short))
    assert find(decoded_short, "便民服务中心").size == 0x11
    assert decoded_short.qr_functions == {} and decoded_short.raster is None  # no payload, no QR
    assert find(decoded, "前面没有人等候")
    assert find(decoded, "即将为您办理")
    assert not [line for line in decoded.lines if "绿色通道" in line.text]


def test_native_qr_decodes_back_to_the_payload():
    fns = decode(render_ticket(TICKET)).qr_functions
    assert fns[0x41] == b"\x32\x00"       # model 2
    assert fns[0x43] == b"\x06"           # module size 6 dots
    assert fns[0x45] == b"\x31"           # error correction M
    assert fns[0x50][:1] == b"\x30"
    assert fns[0x50][1:].decode("utf-8") == TICKET.qr
    assert fns[0x51] == b"\x30"           # print the symbol


def test_raster_qr_is_readable_by_zbarimg(tmp_path):
    decoded = decode(render_ticket(TICKET, TicketLayout(native_qr=False)))
    assert decoded.qr_functions == {}
    xbytes, rows, data = decoded.raster
    image = Image.new("1", (xbytes * 8, rows), 1)
    for y in range(rows):
        for x in range(xbytes * 8):
            if data[y * xbytes + x // 8] & (0x80 >> (x % 8)):
                image.putpixel((x, y), 0)
    png = tmp_path / "qr.png"
    image.save(png)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, timeout=20)
    assert result.returncode == 0
    assert result.stdout.decode().strip() == TICKET.qr


def test_png_preview_of_what_the_simulator_printed(tmp_path):
    sim = PrinterSimulator()
    sim.handle(render_ticket(TICKET))
    ticket = sim.last_ticket()
    text = sim.dump_text(ticket)
    assert "临淄区政务服务中心" in text and "A012  «4×4»" in text
    path = render_png(ticket, str(tmp_path / "ticket.png"))
    image = Image.open(path)
    assert image.width == 384 + 32 and image.height > 600
    result = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, timeout=20)
    assert result.stdout.decode().strip() == TICKET.qr
