"""The serial scanner driver against the scanner simulator, over real pseudo-terminals."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devices.errors import DeviceError
from devices.scanner.classify import APPOINTMENT, TICKET, UNKNOWN, UNREADABLE
from devices.scanner.driver import SerialScanner, split_url
from devices.scanner.simulator import ScannerSimulator

REPO = Path(__file__).resolve().parents[2]
CHINESE = "预约码YY20240612001 社保业务"


@pytest.fixture
def plug(tmp_path):
    """plug(terminator, encoding) -> an open simulator behind a stable symlink."""
    sims = []

    def make(terminator="cr", encoding="utf-8"):
        sim = ScannerSimulator(terminator, encoding, link=str(tmp_path / "scanner"))
        sim.start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def scanners():
    opened = []

    def make(url, **options):
        scanner = SerialScanner(url, reconnect_interval=0.05, **options)
        opened.append(scanner)
        return scanner

    yield make
    for scanner in opened:
        scanner.stop()


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
def test_each_terminator(plug, scanners, terminator):
    sim = plug(terminator)
    scanner = scanners(sim.url + f"?terminator={terminator}")
    scanner.open()
    sim.scan("YY20240612001")
    sim.scan("http://192.168.10.2:8080/t/q3Vb8kPz1XwY7sLmN0aR2c")
    first, second = scanner.read(2.0), scanner.read(2.0)
    assert (first.kind, first.fields) == (APPOINTMENT, {"code": "20240612001"})
    assert (second.kind, second.fields["token"]) == (TICKET, "q3Vb8kPz1XwY7sLmN0aR2c")


def test_any_terminator_reads_a_crlf_scanner(plug, scanners):
    sim = plug("crlf")
    scanner = scanners(sim.url)  # default: any
    scanner.open()
    sim.scan("ABC")
    sim.scan("DEF")
    assert [scanner.read(2.0).text, scanner.read(2.0).text] == ["ABC", "DEF"]


def test_no_terminator_idle_gap(plug, scanners):
    sim = plug("none")
    scanner = scanners(sim.url, terminator="none", idle_gap=0.15)
    scanner.open()
    sim.scan("YY20240612", chunk=3, pause=0.01)  # pieces well inside the gap
    scan = scanner.read(2.0)
    assert scan.text == "YY20240612" and scan.kind == APPOINTMENT


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_chinese_payloads(plug, scanners, encoding):
    sim = plug("crlf", encoding)
    scanner = scanners(sim.url + "?terminator=crlf&encoding=auto")
    scanner.open()
    sim.scan(CHINESE)
    scan = scanner.read(2.0)
    assert scan.text == CHINESE and scan.kind == UNKNOWN


def test_split_reads_inside_a_multibyte_character(plug, scanners):
    sim = plug("cr", "utf-8")
    scanner = scanners(sim.url)
    scanner.open()
    sim.scan("社保" * 20, chunk=1, pause=0.002)  # one byte at a time
    sim.scan("二维码", encoding="gbk", chunk=2)
    assert scanner.read(3.0).text == "社保" * 20
    assert scanner.read(3.0).text == "二维码"


def test_garbage_gives_unreadable_scans_and_loses_nothing_after(plug, scanners):
    sim = plug("cr")
    scanner = scanners(sim.url)
    scanner.open()
    sim.write(b"\xff\xfe\x00\x81\r")
    sim.write(b"\x01\x02\x03\r")
    sim.scan("YY20240612001")
    kinds = [scanner.read(2.0) for _ in range(3)]
    assert [k.kind for k in kinds] == [UNREADABLE, UNREADABLE, APPOINTMENT]
    assert kinds[0].error.code == "unreadable_code"
    assert kinds[0].error.message_zh == "无法识别此码，请重新扫码"


def test_encoding_forced_to_utf8_reports_gbk_as_unreadable(plug, scanners):
    sim = plug("cr", "gbk")
    scanner = scanners(sim.url, encoding="utf-8")
    scanner.open()
    sim.scan("中文预约")
    assert scanner.read(2.0).kind == UNREADABLE


def test_nothing_scanned_is_none(plug, scanners):
    sim = plug()
    scanner = scanners(sim.url)
    assert scanner.read(0.2) is None
    assert scanner.connected


def test_scanner_that_disappears_and_returns(plug, scanners):
    sim = plug("cr")
    scanner = scanners(sim.url)
    scanner.open()
    sim.scan("YY11111111")
    assert scanner.read(2.0).fields == {"code": "11111111"}
    sim.write(b"YY222")  # unplugged in the middle of a code…
    assert scanner.read(0.3) is None  # …after the driver has read that much
    sim.stop()
    cut = scanner.read(1.0)
    assert cut.kind == UNREADABLE and cut.error.code == "incomplete_code"
    with pytest.raises(DeviceError) as err:
        scanner.read(0.3)
    assert err.value.code == "disconnected"
    assert err.value.message_zh == "扫码器未连接，请联系工作人员"
    assert not scanner.connected

    back = plug("cr")  # plugged in again: same symlink, a new pty behind it
    assert scanner.read(0.5) is None  # reopened by itself
    assert scanner.connected and back.reader_attached()
    back.scan("YY33333333")
    assert scanner.read(2.0).fields == {"code": "33333333"}


def test_reading_thread_reports_status_and_recovers(plug, scanners):
    sim = plug("cr")
    scanner = scanners(sim.url)
    scans, statuses = queue.Queue(), queue.Queue()
    scanner.start(scans.put, statuses.put)
    assert statuses.get(timeout=3.0) is None  # port open: scans are not lost from here on
    assert sim.reader_attached()
    sim.scan("YY44444444")
    assert scans.get(timeout=3.0).fields == {"code": "44444444"}
    sim.stop()
    lost = statuses.get(timeout=3.0)
    assert lost.code == "disconnected"
    back = plug("cr")
    assert statuses.get(timeout=3.0) is None  # back, reopened by the same thread
    back.scan("YY55555555")
    assert scans.get(timeout=3.0).fields == {"code": "55555555"}


def test_url_options_are_not_passed_to_the_transport():
    assert split_url("loop://?terminator=crlf&encoding=gbk") == (
        "loop://", {"terminator": "crlf", "encoding": "gbk"})
    assert split_url("/dev/ttyACM0?baudrate=9600&terminator=none") == (
        "/dev/ttyACM0?baudrate=9600", {"terminator": "none"})


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        SerialScanner("loop://", terminator="tab")
    with pytest.raises(ValueError):
        SerialScanner("loop://", encoding="big5")


def test_missing_port_is_a_device_error(tmp_path, scanners):
    scanner = scanners(str(tmp_path / "no-scanner"))
    with pytest.raises(DeviceError) as err:
        scanner.read(0.2)
    assert err.value.code == "disconnected"


def test_yichuang_sim_scanner_cli(tmp_path, scanners):
    link = tmp_path / "cli-scanner"
    proc = subprocess.Popen(
        [sys.executable, "-m", "devices.sim", "scanner", "--terminator", "crlf",
         "--encoding", "gbk", "--link", str(link), "--scan", "YY20240612001", "--pause", "0.05"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        banner = proc.stdout.readline()
        assert f"serial://{link}" in banner
        scanner = scanners(f"serial://{link}?terminator=crlf")
        scanner.open()
        assert scanner.read(5.0).fields == {"code": "20240612001"}
        proc.stdin.write("社保卡取号\nhex:FF FE 0D 0A\n")
        proc.stdin.flush()
        assert scanner.read(5.0).text == "社保卡取号"
        assert scanner.read(5.0).kind == UNREADABLE
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert not link.exists()  # unplugged: the symlink is gone
