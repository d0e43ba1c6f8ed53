"""KeypadBus and Ev1527Receiver through pseudo-terminals against the keypad simulators:
garbage, split frames, wrong checksums, silent keypads, reboots, a bus that disappears."""
import os
import subprocess
import sys
import threading
import time

import pytest

from devices.keypad.codec import KeyAction, KeyPress
from devices.keypad.driver import Ev1527Receiver, KeypadBus, KeypadState
from devices.keypad.simulator import Ev1527Simulator, KeypadSimulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WINDOWS = {1: "W01", 2: "W02"}


@pytest.fixture
def sim(tmp_path):
    simulator = KeypadSimulator([1, 2], link=str(tmp_path / "keypads"))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def bus(sim):
    master = KeypadBus(f"serial://{sim.path}", [1, 2], windows=WINDOWS, reply_timeout=0.1,
                       reconnect_delay=0.05)
    yield master
    master.close()


def rounds(bus, n=4):
    out = []
    for _ in range(n):
        out += bus.poll_round()
    return out


def presses(events):
    return [e for e in events if isinstance(e, KeyPress)]


def states(events):
    return [e for e in events if isinstance(e, KeypadState)]


def test_keys_arrive_typed_with_their_window(sim, bus):
    first = rounds(bus, 2)
    assert KeypadState(None, True) in first
    assert KeypadState(1, True, "W01") in first and KeypadState(2, True, "W02") in first
    sim.press(1, KeyAction.LOGIN, "1024")
    sim.press(1, KeyAction.CALL_NEXT)
    sim.press(2, KeyAction.CALL_NUMBER, "A012")
    sim.press(2, KeyAction.TRANSFER, "3")
    for action in (KeyAction.RECALL, KeyAction.NO_SHOW, KeyAction.PAUSE, KeyAction.RESUME,
                   KeyAction.HOLD, KeyAction.FINISH, KeyAction.RATE, KeyAction.LOGOUT):
        sim.press(1, action)
    got = presses(rounds(bus, 12))
    assert [p for p in got if p.address == 1] == [
        KeyPress(1, KeyAction.LOGIN, "1024", "W01"), KeyPress(1, KeyAction.CALL_NEXT, "", "W01"),
        KeyPress(1, KeyAction.RECALL, "", "W01"), KeyPress(1, KeyAction.NO_SHOW, "", "W01"),
        KeyPress(1, KeyAction.PAUSE, "", "W01"), KeyPress(1, KeyAction.RESUME, "", "W01"),
        KeyPress(1, KeyAction.HOLD, "", "W01"), KeyPress(1, KeyAction.FINISH, "", "W01"),
        KeyPress(1, KeyAction.RATE, "", "W01"), KeyPress(1, KeyAction.LOGOUT, "", "W01")]
    assert [p for p in got if p.address == 2] == [
        KeyPress(2, KeyAction.CALL_NUMBER, "A012", "W02"), KeyPress(2, KeyAction.TRANSFER, "3", "W02")]
    assert bus.garbled == 0


def test_display_text_reaches_the_keypad(sim, bus):
    rounds(bus, 2)
    bus.show(1, "请A012号到1号窗口")
    bus.show(1, "等候 5 人", line=1)
    bus.show(2, "暂停服务")
    rounds(bus, 1)
    assert sim.display(1) == {0: "请A012号到1号窗口", 1: "等候 5 人"}
    assert sim.display(2) == {0: "暂停服务"}
    bus.show(0xFF, "系统维护")  # broadcast: every keypad, no replies
    rounds(bus, 1)
    assert sim.display(1)[0] == sim.display(2)[0] == "系统维护"


def test_garbage_before_replies_is_skipped(sim, bus):
    rounds(bus, 2)
    sim.garbage_before = b"\x00\xff\x68\x16\xfe"
    sim.press(1, KeyAction.CALL_NEXT)
    got = presses(rounds(bus, 3))
    assert got == [KeyPress(1, KeyAction.CALL_NEXT, "", "W01")]
    assert bus.garbled > 0


def test_split_replies_are_joined(sim, bus):
    rounds(bus, 2)
    sim.split_replies = True
    sim.press(2, KeyAction.LOGIN, "20")
    assert presses(rounds(bus, 3)) == [KeyPress(2, KeyAction.LOGIN, "20", "W02")]


def test_wrong_checksum_reply_is_asked_for_again_and_arrives_once(sim, bus):
    rounds(bus, 2)
    sim.corrupt_replies = 2
    sim.press(1, KeyAction.RECALL)
    got = presses(rounds(bus, 4))
    assert got == [KeyPress(1, KeyAction.RECALL, "", "W01")]
    assert bus.garbled >= 2


def test_a_repeated_key_is_dropped(sim, bus):
    rounds(bus, 2)
    sim.keypads[1].ignore_acks = 2  # the keypad sends the acknowledged key twice more
    sim.press(1, KeyAction.CALL_NEXT)
    sim.press(1, KeyAction.FINISH)
    got = presses(rounds(bus, 6))
    assert got == [KeyPress(1, KeyAction.CALL_NEXT, "", "W01"), KeyPress(1, KeyAction.FINISH, "", "W01")]


def test_noise_on_an_idle_bus_does_not_hurt(sim, bus):
    rounds(bus, 2)
    sim.port.write(b"\x68\x03\x03\x68junk\x16" * 3)
    assert presses(rounds(bus, 2)) == []
    sim.press(2, KeyAction.HOLD)
    assert presses(rounds(bus, 2)) == [KeyPress(2, KeyAction.HOLD, "", "W02")]


def test_a_silent_keypad_goes_offline_and_comes_back(sim):
    bus = KeypadBus(f"serial://{sim.path}", [1, 2, 7], windows=WINDOWS, reply_timeout=0.05,
                    offline_after=2)
    try:
        got = rounds(bus, 2)
        offline = [s for s in states(got) if not s.online]
        assert [(s.address, s.error.code, s.error.message_zh) for s in offline] == [
            (7, "keypad_offline", "呼叫器无响应，请检查连线")]
        sim.silent.add(2)
        sim.press(2, KeyAction.CALL_NEXT)
        got = rounds(bus, 2)
        assert [(s.address, s.online, s.window) for s in states(got)] == [(2, False, "W02")]
        assert presses(got) == []
        bus.show(2, "已恢复")
        sim.silent.clear()
        got = rounds(bus, 2)
        assert KeypadState(2, True, "W02") in states(got)
        assert presses(got) == [KeyPress(2, KeyAction.CALL_NEXT, "", "W02")]  # kept, not lost
        rounds(bus, 1)
        assert sim.display(2) == {0: "已恢复"}
    finally:
        bus.close()


def test_a_rebooted_keypad_is_heard_again_and_gets_its_display_back(sim, bus):
    rounds(bus, 2)
    bus.show(1, "A012")
    sim.press(1, KeyAction.CALL_NEXT)  # seq 1
    assert len(presses(rounds(bus, 2))) == 1
    sim.reboot(1)                      # power cut: sequence numbers start at 1 again
    assert sim.display(1) == {}
    sim.press(1, KeyAction.RECALL)     # seq 1 again: must not be taken for a repeat
    got = presses(rounds(bus, 4))
    assert got == [KeyPress(1, KeyAction.RECALL, "", "W01")]
    assert sim.display(1) == {0: "A012"}


def test_the_bus_disappears_and_returns(tmp_path):
    link = str(tmp_path / "bus")
    first = KeypadSimulator([1], link=link)
    first.start()
    bus = KeypadBus(f"serial://{link}", [1], windows=WINDOWS, reply_timeout=0.05)
    try:
        rounds(bus, 2)
        first.stop()                     # USB-RS485 adapter pulled out
        got = rounds(bus, 2)
        down = [s for s in states(got) if s.address is None]
        assert down and not down[0].online and down[0].error.code == "disconnected"
        assert down[0].error.message_zh == "设备未连接，请联系工作人员"
        assert len(down) == 1            # said once, not every round
        second = KeypadSimulator([1], link=link)
        second.start()
        try:
            second.press(1, KeyAction.LOGIN, "7")
            got = rounds(bus, 4)
            assert KeypadState(None, True) in got
            assert presses(got) == [KeyPress(1, KeyAction.LOGIN, "7", "W01")]
        finally:
            second.stop()
    finally:
        bus.close()


def test_events_loop_in_a_thread(sim, bus):
    stop = threading.Event()
    seen = []

    def consume():
        for event in bus.events(stop):
            if isinstance(event, KeyPress):
                seen.append(event)
                stop.set()

    thread = threading.Thread(target=consume)
    thread.start()
    sim.press(2, KeyAction.FINISH)
    thread.join(timeout=5)
    stop.set()
    assert seen == [KeyPress(2, KeyAction.FINISH, "", "W02")]


def test_missing_port_is_a_state_not_an_exception(tmp_path):
    bus = KeypadBus(f"serial://{tmp_path}/nothing", [1])
    got = bus.poll_round()
    assert got[0].address is None and not got[0].online and got[0].error.code == "disconnected"
    assert bus.poll_round() == []


def test_yichuang_sim_keypad_command(tmp_path):
    link = str(tmp_path / "keypad")
    proc = subprocess.Popen([sys.executable, "-m", "devices.sim", "keypad", "--addresses", "3",
                             "--link", link], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    try:
        assert link in proc.stdout.readline()
        bus = KeypadBus(f"serial://{link}", [3], windows={3: "W03"}, reply_timeout=0.2)
        rounds(bus, 2)
        proc.stdin.write("3 call 15\n")
        proc.stdin.flush()
        assert "keypad 3: call 15" in proc.stdout.readline()
        got = []
        for _ in range(20):
            got += presses(bus.poll_round())
            if got:
                break
        assert got == [KeyPress(3, KeyAction.CALL_NUMBER, "15", "W03")]
        bus.show(3, "请15号")
        bus.poll_round()
        assert proc.stdout.readline().strip() == "keypad 3 显示 line 0: 请15号"
        bus.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------- 433 MHz

class FakeClock:
    """Time for the repeat filter, moved by the test (a held button repeats for a while)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def receiver_sim(tmp_path):
    simulator = Ev1527Simulator(link=str(tmp_path / "rx"))
    simulator.start()
    yield simulator
    simulator.stop()


def read_until(receiver, want, tries=20):
    got = []
    for _ in range(tries):
        got += receiver.read(0.05)
        if len(presses(got)) >= want:
            break
    return got


def test_ev1527_presses_map_to_windows_and_repeats_are_one_press(receiver_sim):
    clock = FakeClock()
    rx = Ev1527Receiver(f"serial://{receiver_sim.path}", {0xA1B2C: "W05", 0x00001: "W06"},
                        clock=clock)
    try:
        assert rx.read(0.05) == [KeypadState(None, True)]
        receiver_sim.send(0xA1B2C, 0x1, repeats=5)     # held: five frames, one press
        got = read_until(rx, 1, tries=5)
        assert presses(got) == [KeyPress(0xA1B2C, KeyAction.CALL_NEXT, "", "W05", "ev1527")]
        clock.now += 1.0                               # released, pressed again later
        receiver_sim.send(0xA1B2C, 0x1)
        receiver_sim.send(0x00001, 0x8)
        got = read_until(rx, 2)
        assert presses(got) == [KeyPress(0xA1B2C, KeyAction.CALL_NEXT, "", "W05", "ev1527"),
                                KeyPress(0x00001, KeyAction.RATE, "", "W06", "ev1527")]
    finally:
        rx.close()


def test_ev1527_unknown_transmitters_are_noted_not_acted_on(receiver_sim):
    rx = Ev1527Receiver(f"serial://{receiver_sim.path}", {0xA1B2C: "W05"}, clock=FakeClock())
    learning = Ev1527Receiver(f"serial://{receiver_sim.path}", {}, learn=True, clock=FakeClock())
    try:
        rx.read(0.05)
        receiver_sim.send(0x12345, 0x2)
        receiver_sim.send(0xA1B2C, 0x6)               # two buttons at once: not in the keymap
        assert presses(read_until(rx, 1, tries=4)) == []
        assert rx.unknown_transmitters == {0x12345}
        rx.close()
        learning.read(0.05)
        receiver_sim.send(0x12345, 0x2)
        assert presses(read_until(learning, 1)) == [KeyPress(0x12345, KeyAction.RECALL, "", None, "ev1527")]
    finally:
        rx.close()
        learning.close()


def test_ev1527_garbage_bad_checks_and_split_frames(receiver_sim):
    rx = Ev1527Receiver(f"serial://{receiver_sim.path}", {0xA1B2C: "W05"}, clock=FakeClock())
    try:
        rx.read(0.05)
        frame = bytes.fromhex("FD A1 B2 C4 D7 DF")    # key bit 4: NO_SHOW
        receiver_sim.port.write(b"\x00\xfd\x13" + bytes.fromhex("FD A1 B2 C4 00 DF") + frame[:3])
        time.sleep(0.02)
        receiver_sim.port.write(frame[3:])
        got = read_until(rx, 1)
        assert presses(got) == [KeyPress(0xA1B2C, KeyAction.NO_SHOW, "", "W05", "ev1527")]
        assert rx.garbled >= 2
    finally:
        rx.close()


def test_ev1527_receiver_unplugged_and_back(tmp_path):
    link = str(tmp_path / "rx")
    first = Ev1527Simulator(link=link)
    first.start()
    clock = FakeClock()
    rx = Ev1527Receiver(f"serial://{link}", {0xA1B2C: "W05"}, clock=clock)
    try:
        rx.read(0.05)
        first.stop()
        got = rx.read(0.05) + rx.read(0.05)
        assert [s.online for s in states(got)] == [False]
        second = Ev1527Simulator(link=link)
        second.start()
        try:
            assert rx.read(0.05) == [KeypadState(None, True)]
            clock.now += 1
            second.send(0xA1B2C, 0x2)
            assert presses(read_until(rx, 1)) == [KeyPress(0xA1B2C, KeyAction.RECALL, "", "W05", "ev1527")]
        finally:
            second.stop()
    finally:
        rx.close()


def test_yichuang_sim_keypad_ev1527_command(tmp_path):
    link = str(tmp_path / "rx")
    proc = subprocess.Popen([sys.executable, "-m", "devices.sim", "keypad", "--ev1527", "--link", link],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert link in proc.stdout.readline()
        rx = Ev1527Receiver(f"serial://{link}", {0xA1B2C: "W05"})
        rx.read(0.05)
        proc.stdin.write("A1B2C next\n")
        proc.stdin.flush()
        assert "fd a1 b2 c1 d2 df x3" in proc.stdout.readline()
        assert presses(read_until(rx, 1)) == [KeyPress(0xA1B2C, KeyAction.CALL_NEXT, "", "W05", "ev1527")]
        rx.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
