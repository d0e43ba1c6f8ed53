"""The printer driver against the simulator, by every URL a device takes: over a pty
(serial://, spy://, file://), over TCP (socket://, tcp://), loop://, the dummy, and through
`yichuang sim printer` in a subprocess. Only a port's errors mean offline; a bug propagates."""
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime

import pytest

from devices.printer.codec import PrinterState
from devices.printer.driver import TicketPrinter
from devices.printer.interpreter import RasterImage
from devices.printer.preview import render_png
from devices.ptyport import PtyPort
from devices.printer.simulator import PrinterSimulator
from devices.printer.ticket import Ticket, render_ticket

TICKET = Ticket("临淄区政务服务中心", "A012", "社会保障业务", 5, 15, datetime(2025, 3, 3, 9, 15, 32),
                "http://192.168.10.2:8080/t/q3Vb8kPz1XwY7sLmN0aR2c", "请留意叫号，过号需重新取号。")
TIMEOUT = 0.2


@pytest.fixture
def sim(tmp_path):
    simulator = PrinterSimulator(link=str(tmp_path / "printer"))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def printer(sim):
    device = TicketPrinter(f"serial://{sim.path}?baudrate=9600", status_timeout=TIMEOUT)
    yield device
    device.close()


def printed_text(sim):
    return sim.dump_text(sim.last_ticket())


def test_prints_a_ticket_over_a_pty(sim, printer):
    result = printer.print_ticket(TICKET)
    assert result.ok and result.state is PrinterState.READY and result.error is None
    assert len(sim.tickets()) == 1
    text = printed_text(sim)
    for expected in ("临淄区政务服务中心", "A012  «4×4»", "社会保障业务", "前面还有 5 人等候",
                     "预计等候约 15 分钟", "取号时间：2025-03-03 09:15:32", TICKET.qr,
                     "请留意叫号，过号需重新取号。"):
        assert expected in text
    assert sim.status_requests[:3] == [1, 2, 4]  # status checked before the job
    assert sim.interpreter.warnings == []
    assert printer.pending == []


def test_paper_out_is_a_clear_error_and_nothing_is_lost(sim, printer):
    sim.paper = "out"
    result = printer.print_ticket(TICKET)
    assert not result.ok
    assert result.state is PrinterState.PAPER_OUT
    assert result.error.code == "printer_paper_out"
    assert result.message_zh == "打印机缺纸，请联系工作人员"
    assert sim.tickets() == [] and sim.discarded == 0  # nothing was sent to a stopped printer
    assert printer.pending == [render_ticket(TICKET)]

    assert not printer.retry_pending().ok  # still no paper: still kept
    assert len(printer.pending) == 1

    sim.load_paper()
    result = printer.retry_pending()
    assert result.ok and printer.pending == []
    assert len(sim.tickets()) == 1 and "A012" in printed_text(sim)


def test_paper_running_out_mid_ticket_keeps_the_job_for_a_reprint(sim, printer):
    sim.load_paper(lines=4)
    result = printer.print_ticket(TICKET)
    assert not result.ok and result.state is PrinterState.PAPER_OUT
    assert sim.tickets() == []  # cut never reached the paper
    assert len(printer.pending) == 1

    sim.load_paper()
    assert printer.retry_pending().ok
    assert len(sim.tickets()) == 1
    assert TICKET.qr in printed_text(sim) and "A012" in printed_text(sim)


def test_cover_open_and_error_and_offline(sim, printer):
    sim.cover_open = True
    result = printer.print_ticket(TICKET)
    assert result.state is PrinterState.COVER_OPEN
    assert result.message_zh == "打印机仓盖未关好，请联系工作人员"
    sim.cover_open, sim.error = False, True
    assert printer.status().state is PrinterState.ERROR
    sim.error, sim.offline = False, True
    assert printer.status().state is PrinterState.OFFLINE
    sim.offline = False
    assert printer.retry_pending().ok and len(sim.tickets()) == 1


def test_paper_low_still_prints_and_says_so(sim, printer):
    sim.paper = "low"
    result = printer.print_ticket(TICKET)
    assert result.ok and result.state is PrinterState.PAPER_LOW
    assert result.message_zh == "打印纸即将用完，请工作人员及时更换"
    assert len(sim.tickets()) == 1


def test_stale_bytes_on_the_line_are_dropped_before_asking(sim, printer):
    sim.port.write(b"\xff\x00\x1a\x72garbage")
    status = printer.status()
    assert status.state is PrinterState.READY
    assert status.replies == {1: 0x12, 2: 0x12, 4: 0x12}


def test_garbled_status_reply_refuses_to_print_and_keeps_the_job(tmp_path):
    noisy = PtyPort(lambda data: b"\xff" * data.count(b"\x10\x04"))
    path = noisy.start()
    device = TicketPrinter(f"serial://{path}", status_timeout=TIMEOUT)
    try:
        result = device.print_ticket(TICKET)
        assert not result.ok and result.state is PrinterState.ERROR
        assert "malformed status byte 0xFF" in result.error.detail
        assert result.message_zh == "打印机故障，请联系工作人员"
        assert len(device.pending) == 1
    finally:
        device.close()
        noisy.stop()


def test_silent_device_is_offline_not_a_hang():
    received = []
    silent = PtyPort(lambda data: received.append(data))
    path = silent.start()
    device = TicketPrinter(f"serial://{path}", status_timeout=TIMEOUT)
    try:
        result = device.print_ticket(TICKET)
        assert not result.ok and result.state is PrinterState.OFFLINE
        assert result.error.code == "printer_offline"
        assert result.message_zh == "打印机未连接或已脱机，请联系工作人员"
        assert b"".join(received) == b"\x10\x04\x01"  # asked once, printed nothing
    finally:
        device.close()
        silent.stop()


def test_printer_disappears_and_comes_back(tmp_path):
    link = str(tmp_path / "printer")
    first = PrinterSimulator(link=link)
    first.start()
    device = TicketPrinter(f"serial://{link}", status_timeout=TIMEOUT)
    try:
        assert device.print_ticket(TICKET).ok
        first.stop()  # unplugged
        assert not os.path.exists(link)
        result = device.print_ticket(TICKET)
        assert not result.ok and result.state is PrinterState.OFFLINE
        assert device.status().state is PrinterState.OFFLINE
        second = PrinterSimulator(link=link)  # plugged back in (a new pty behind the same path)
        second.start()
        try:
            assert device.status().state is PrinterState.READY
            assert device.retry_pending().ok
            assert len(second.tickets()) == 1 and "A012" in second.dump_text()
        finally:
            second.stop()
    finally:
        device.close()


def test_file_url_writes_to_the_device_node_and_reads_status_back(sim):
    device = TicketPrinter(f"file://{sim.port.slave_name}", status_timeout=TIMEOUT)
    try:
        assert device.status().state is PrinterState.READY
        assert device.print_ticket(TICKET).ok
        assert len(sim.tickets()) == 1
        sim.paper = "out"
        assert device.print_ticket(TICKET).state is PrinterState.PAPER_OUT
    finally:
        device.close()


def test_file_url_to_a_spool_file(tmp_path):
    spool = tmp_path / "job.bin"
    spool.write_bytes(b"")
    device = TicketPrinter(f"file://{spool}")
    assert device.print_ticket(TICKET).ok
    device.close()
    assert render_ticket(TICKET) in spool.read_bytes()


@pytest.fixture
def tcp_printer():
    """A network printer on 127.0.0.1: the simulator behind a raw TCP port (like port 9100)."""
    sim = PrinterSimulator()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.1)
                while not stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    conn.sendall(sim.handle(data))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sim, server.getsockname()[1]
    stop.set()
    thread.join(2)
    server.close()


def test_tcp_url(tcp_printer):
    sim, port = tcp_printer
    device = TicketPrinter(f"tcp://127.0.0.1:{port}", status_timeout=TIMEOUT)
    try:
        assert device.print_ticket(TICKET).ok
        assert len(sim.tickets()) == 1
        sim.paper = "out"
        assert device.print_ticket(TICKET).state is PrinterState.PAPER_OUT
        assert len(device.pending) == 1
    finally:
        device.close()


def test_socket_url_is_the_same_network_printer(tcp_printer):
    sim, port = tcp_printer
    device = TicketPrinter(f"socket://127.0.0.1:{port}?qr=raster", status_timeout=TIMEOUT)
    try:
        assert device.print_ticket(TICKET).ok
        assert len(sim.tickets()) == 1 and any(isinstance(i, RasterImage) for i in sim.last_ticket())
    finally:
        device.close()


def test_spy_url_traces_the_exchange(sim, tmp_path):
    trace = tmp_path / "printer.trace"
    device = TicketPrinter(f"spy://{sim.path}?file={trace}&baudrate=9600", status_timeout=TIMEOUT)
    try:
        assert device.print_ticket(TICKET).ok
    finally:
        device.close()
    assert len(sim.tickets()) == 1
    lines = trace.read_text().splitlines()
    assert any("TX" in line and "10 04 01" in line for line in lines)  # the status query…
    assert any("RX" in line and " 12 " in line for line in lines)       # …and the printer's answer


def test_loop_url_echoes_the_query_and_is_a_clear_error():
    device = TicketPrinter("loop://", status_timeout=TIMEOUT)
    result = device.print_ticket(TICKET)
    assert not result.ok and result.state is PrinterState.ERROR
    assert "malformed status byte 0x10" in result.error.detail  # its own DLE came back
    assert len(device.pending) == 1


def test_the_printers_own_options_never_reach_the_port():
    device = TicketPrinter("socket://127.0.0.1:9100?qr=raster&paper=80&timeout=0.3")
    assert device.port_url == "socket://127.0.0.1:9100"
    assert (device.layout.native_qr, device.layout.paper_mm, device.status_timeout) == (False, 80, 0.3)


def test_a_programming_error_is_not_reported_as_printer_offline(sim):
    """Only what a port raises means offline; a bug in the caller must surface."""
    device = TicketPrinter(f"serial://{sim.path}", status_timeout="0.2")  # a str, not seconds
    try:
        with pytest.raises(ValueError, match="timeout"):
            device.status()
    finally:
        device.close()
    device = TicketPrinter(f"serial://{sim.path}", status_timeout=TIMEOUT)
    try:
        with pytest.raises(TypeError):
            device.print_job("A012 社保")  # text, not ESC/POS bytes
        assert device.pending == [] and sim.tickets() == []
    finally:
        device.close()


def test_tcp_url_with_nobody_listening_is_offline():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    device = TicketPrinter(f"tcp://127.0.0.1:{port}", status_timeout=TIMEOUT)
    result = device.print_ticket(TICKET)
    assert result.state is PrinterState.OFFLINE and not result.ok


def test_dummy_url():
    assert TicketPrinter("dummy://").print_ticket(TICKET).ok
    assert TicketPrinter("dummy://?state=out").print_ticket(TICKET).state is PrinterState.PAPER_OUT
    device = TicketPrinter("dummy://?state=low&qr=raster")
    assert device.print_ticket(TICKET).state is PrinterState.PAPER_LOW
    assert b"\x1dv0\x00" in device.port.output  # raster QR chosen by the URL


def test_usb_url_without_the_device_is_offline_not_a_crash():
    result = TicketPrinter("usb://0416:5011").print_ticket(TICKET)
    assert not result.ok and result.state is PrinterState.OFFLINE


def test_unknown_url_scheme_is_refused_at_configuration():
    for url in ("ftp://printer", "usb://epson", "dummy://?state=jammed", "tcp://:9100", "tcp://printer:lpt"):
        with pytest.raises(ValueError):
            TicketPrinter(url)


def test_yichuang_sim_printer_command(tmp_path):
    link = str(tmp_path / "printer")
    proc = subprocess.Popen([sys.executable, "-m", "devices.sim", "printer", "--link", link],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        banner = proc.stdout.readline()
        assert link in banner
        device = TicketPrinter(f"serial://{link}", status_timeout=0.5)
        assert device.print_ticket(TICKET).ok
        shown = [proc.stdout.readline() for _ in range(3)]
        assert "临淄区政务服务中心" in shown[0] and "A012" in shown[1]
        proc.stdin.write("paper out\n")
        proc.stdin.flush()
        while "state:" not in proc.stdout.readline():
            pass
        assert device.status().state is PrinterState.PAPER_OUT
        device.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_raster_qr_over_a_pty_arrives_whole_and_scans(sim, tmp_path):
    device = TicketPrinter(f"serial://{sim.path}?qr=raster", status_timeout=TIMEOUT)
    try:
        assert device.print_ticket(TICKET).ok
    finally:
        device.close()
    images = [item for item in sim.last_ticket() if isinstance(item, RasterImage)]
    assert len(images) == 1 and images[0].width >= images[0].height > 200  # several pty reads
    png = render_png(sim.last_ticket(), str(tmp_path / "ticket.png"))
    scanned = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, timeout=20)
    assert scanned.stdout.decode().strip() == TICKET.qr
