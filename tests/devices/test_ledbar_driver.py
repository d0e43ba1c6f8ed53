"""LedBars through pseudo-terminals against the LED bar simulator."""
import os
import subprocess
import sys

import pytest

from devices.ledbar.codec import BarState
from devices.ledbar.driver import LedBars
from devices.ledbar.simulator import LedBarSimulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def sim(tmp_path):
    simulator = LedBarSimulator([1, 2, 3], link=str(tmp_path / "bars"))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def bars(sim):
    driver = LedBars(f"serial://{sim.path}", reply_timeout=0.1, retries=1)
    yield driver
    driver.close()


def test_show_blink_brightness_clear_query(sim, bars):
    assert bars.show(3, "请A012号到3号窗口", blink=True) is None
    assert sim.state(3) == BarState("请A012号到3号窗口", True, False, 8)
    assert bars.blink(3, False) is None
    assert bars.brightness(3, 12) is None
    assert sim.state(3) == BarState("请A012号到3号窗口", False, False, 12)
    assert bars.query(3) == BarState("请A012号到3号窗口", False, False, 12)
    assert bars.show(1, "暂停服务", scroll=True) is None
    assert sim.state(1) == BarState("暂停服务", False, True, 8)
    assert bars.clear(3) is None
    assert sim.state(3) == BarState("", False, False, 12)
    assert sim.state(2) == BarState()


def test_broadcast_reaches_every_bar_without_replies(sim, bars):
    bars.show(1, "A001")
    assert bars.show(0xFF, "系统维护中") is None
    assert bars.query(3).text == "系统维护中"  # a request after it: the broadcast was handled
    assert all(sim.state(a).text == "系统维护中" for a in (1, 2, 3))
    assert bars.wanted[1].text == "系统维护中"


def test_garbage_split_replies_and_a_wrong_checksum(sim, bars):
    sim.garbage_before = b"\x00\x02\xff\x03"
    assert bars.show(2, "请B003号") is None
    sim.garbage_before = b""
    sim.split_replies = True
    assert bars.blink(2, True) is None
    sim.split_replies = False
    sim.corrupt_replies = 1          # the first answer is garbled: the driver asks again
    assert bars.brightness(2, 3) is None
    assert sim.state(2) == BarState("请B003号", True, False, 3)
    assert bars.garbled >= 2


def test_silent_bar_is_offline_then_restored_when_back(sim, bars):
    sim.silent.add(2)
    error = bars.show(2, "请C010号")
    assert error.code == "ledbar_offline" and error.message_zh == "窗口屏无响应，请检查连线"
    assert sim.state(2) == BarState()
    bars.blink(2, True)              # still away: the wish is remembered
    sim.silent.clear()
    assert bars.brightness(2, 10) is None
    assert sim.state(2) == BarState("请C010号", True, False, 10)  # whole state sent again


def test_bad_value_is_refused_by_the_bar(sim, bars):
    assert bars.show(1, "OK") is None
    error = bars._check(1, bars._request(1, bytes.fromhex("02 01 03 01 10 13 03")))  # brightness 16
    assert error.code == "ledbar_refused" and "status 4" in error.detail


def test_bar_rebooted_gets_everything_back_with_refresh(sim, bars):
    bars.show(1, "A001")
    bars.show(2, "B002", blink=True)
    sim.reboot(1)
    sim.reboot(2)
    assert bars.refresh() == {}
    assert sim.state(1).text == "A001" and sim.state(2) == BarState("B002", True, False, 8)


def test_port_disappears_and_returns(tmp_path):
    link = str(tmp_path / "bars")
    first = LedBarSimulator([1], link=link)
    first.start()
    bars = LedBars(f"serial://{link}", reply_timeout=0.1, retries=1)
    try:
        assert bars.show(1, "请A001号") is None
        first.stop()
        error = bars.show(1, "请A002号")
        assert error.code == "disconnected" and error.message_zh == "设备未连接，请联系工作人员"
        second = LedBarSimulator([1], link=link)   # a fresh bar: blank
        second.start()
        try:
            assert bars.brightness(1, 5) is None
            assert second.state(1) == BarState("请A002号", False, False, 5)
        finally:
            second.stop()
    finally:
        bars.close()


def test_missing_port_is_an_error_value(tmp_path):
    error = LedBars(f"serial://{tmp_path}/none").show(1, "x")
    assert error.code == "disconnected"


def test_yichuang_sim_ledbar_command(tmp_path):
    link = str(tmp_path / "bars")
    proc = subprocess.Popen([sys.executable, "-m", "devices.sim", "ledbar", "--addresses", "4,5",
                             "--link", link], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    try:
        assert link in proc.stdout.readline()
        bars = LedBars(f"serial://{link}", reply_timeout=0.3)
        assert bars.show(5, "请A012号到5号窗口", blink=True) is None
        assert proc.stdout.readline().strip() == "[5] 请A012号到5号窗口   (闪烁 blink, 亮度 brightness 8)"
        bars.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
