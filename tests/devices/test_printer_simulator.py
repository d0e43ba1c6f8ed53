"""The printer simulator's interpreter: split input, unknown commands, Chinese mode, status."""
from datetime import datetime

from devices.printer.interpreter import Cut, Interpreter, QrCode, RasterImage, StatusRequest, TextLine
from devices.printer.simulator import PrinterSimulator
from devices.printer.ticket import Ticket, TicketLayout, render_ticket

TICKET = Ticket("便民服务中心", "C101", "医保业务", 2, 6, datetime(2025, 3, 3, 10, 0),
                "http://h/t/Hk2mW9xQ0vLp4sT7yB1nZc", "过号请重新取号")


def test_a_job_fed_one_byte_at_a_time_prints_the_same_as_in_one_piece():
    for layout in (TicketLayout(), TicketLayout(native_qr=False)):
        job = render_ticket(TICKET, layout)
        whole = PrinterSimulator()
        whole.handle(job)
        split = PrinterSimulator()
        for i in range(len(job)):
            split.handle(job[i:i + 1])
        assert split.printed == whole.printed
        assert whole.dump_text().splitlines()[0].strip() == "便民服务中心  «2×2»"


def test_elements_sizes_and_codes():
    items = Interpreter().feed(render_ticket(TICKET))
    lines = [i for i in items if isinstance(i, TextLine)]
    number = next(line for line in lines if line.text == "C101")
    assert (number.segments[0].width, number.segments[0].height, number.align) == (4, 4, "center")
    qr = next(i for i in items if isinstance(i, QrCode))
    assert (qr.payload, qr.module, qr.ec, qr.model) == ("http://h/t/Hk2mW9xQ0vLp4sT7yB1nZc", 6, "M", 2)
    assert isinstance(items[-1], Cut) and not items[-1].partial
    raster = next(i for i in Interpreter().feed(render_ticket(TICKET, TicketLayout(native_qr=False)))
                  if isinstance(i, RasterImage))
    assert raster.pixel(24, 24) and not raster.pixel(0, 0)  # finder pattern corner, quiet zone


def test_without_fs_ampersand_chinese_prints_as_garbage_like_a_real_printer():
    items = Interpreter().feed("号码\n".encode("gb18030"))
    assert items[0].text != "号码"
    items = Interpreter().feed(b"\x1c&" + "号码".encode("gb18030") + b"\x1c.\n")
    assert items[0].text == "号码"


def test_unknown_commands_are_skipped_and_noted():
    interpreter = Interpreter()
    items = interpreter.feed(b"\x1b\x99AB\n\x1dZ\n")
    assert [i.text for i in items] == ["AB", ""]
    assert interpreter.warnings == ["unknown command ESC 0x99", "unknown command GS 0x5A"]


def test_status_request_in_the_middle_of_a_job_is_answered_in_order():
    sim = PrinterSimulator(paper="low")
    reply = sim.handle(b"AB\x10\x04\x04CD\n\x10\x04\x01")
    assert reply == b"\x1e\x12"
    assert sim.dump_text() == "ABCD"
    assert [i for i in Interpreter().feed(b"\x10\x04")] == []  # incomplete: waits for n


def test_status_request_alone_is_one_item():
    assert Interpreter().feed(b"\x10\x04\x02") == [StatusRequest(2)]


def test_print_data_while_stopped_is_discarded_and_counted():
    sim = PrinterSimulator(cover_open=True)
    assert sim.handle(b"lost\n\x10\x04\x02") == b"\x16"
    assert sim.printed == [] and sim.discarded == 1
