"""The LED bar above a window follows the window's retained state: the exact YC-LED frames the
bar simulator receives for a call, a pause, a bar that lost power and a line that came back."""
from __future__ import annotations

import time

import pytest

from caller.ledbar import WindowBars, bar_text
from devices.ledbar import codec
from devices.ledbar.codec import BarState, Frame, FrameReader
from devices.ledbar.simulator import LedBarSimulator


class RecordingBars(LedBarSimulator):
    """The bar simulator, keeping every frame the driver sent (replies are not recorded)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.frames: list[bytes] = []
        self._rec = FrameReader()

    def handle(self, data: bytes) -> bytes:
        for frame in self._rec.feed(data):
            if isinstance(frame, Frame) and not frame.is_reply:
                self.frames.append(codec.encode(frame.address, frame.command, frame.data))
        return super().handle(data)

    def take(self) -> list[bytes]:
        with self.lock:
            out, self.frames = self.frames, []
        return out


def wait_until(predicate, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    pytest.fail(f"not within {timeout} s: {what}")


def test_the_bar_text_for_each_window_state(local_hub):
    w = local_hub.config.windows["3"]
    assert bar_text(w, None) == ("3号窗口", False)
    assert bar_text(w, {"status": "closed", "ticket": None}) == ("暂停服务", False)
    assert bar_text(w, {"status": "paused", "ticket": None}) == ("暂停服务", False)
    assert bar_text(w, {"status": "open", "ticket": None}) == ("3号窗口", False)
    assert bar_text(w, {"status": "open", "ticket": {"number": "A012", "status": "called"}}) == ("请A012号到3号窗口", True)
    assert bar_text(w, {"status": "open", "ticket": {"number": "A012", "status": "serving"}}) == ("正在办理A012号", False)
    help_desk = local_hub.config.windows["9"]
    assert bar_text(help_desk, {"status": "open", "ticket": {"number": "H001", "status": "called"}}) == ("请H001号到帮办代办台", True)


def test_a_call_a_pause_a_power_cut_and_a_lost_line(tmp_path, local_hub, desk):
    sim = RecordingBars([3], link=str(tmp_path / "bars"))
    sim.start()
    window = local_hub.config.windows["3"]
    bars = WindowBars(f"serial://{sim.path}", {"3": window}, check_every=3600, retry_every=0.1)
    topic = local_hub.topics.window("3")

    def follow():
        bars.follow(desk.presenter.window_state)
        wait_until(bars.settled, "the bar shows the window state")

    def shows(text, blink):
        return BarState(text, blink, False, 8)

    try:
        follow()  # closed: nobody signed in
        assert sim.state(3) == shows("暂停服务", False)
        # the port was just opened: the bar may have been reset, so its whole state goes
        assert sim.take() == [codec.brightness(3, 8), codec.show_text(3, "暂停服务", False)]

        desk.sign_in()
        follow()
        assert sim.take() == [codec.show_text(3, "3号窗口", False)]

        number = local_hub.issue()
        desk.press("call_next")
        follow()
        assert sim.state(3) == shows(f"请{number}号到3号窗口", True)
        assert sim.take() == [codec.show_text(3, f"请{number}号到3号窗口", True)]

        desk.press("recall")  # the same text: nothing sent
        follow()
        desk.press("start")
        follow()
        desk.press("finish")
        follow()
        desk.presenter.press("pause")
        desk.presenter.choose("午休")
        desk.deliver()
        follow()
        assert sim.take() == [codec.show_text(3, f"正在办理{number}号", False), codec.show_text(3, "3号窗口", False),
                              codec.show_text(3, "暂停服务", False)]

        sim.reboot(3)  # the bar lost power: blank
        assert sim.state(3) == BarState()
        bars.check_soon()
        wait_until(lambda: sim.state(3) == shows("暂停服务", False), "the bar has its text again")
        wait_until(bars.settled, "settled")
        assert sim.take() == [codec.query(3), codec.brightness(3, 8), codec.show_text(3, "暂停服务", False)]

        sim.stop()  # the line is gone (a USB adapter pulled)
        desk.press("resume")
        bars.follow(desk.presenter.window_state)
        wait_until(lambda: "3" in bars.errors, "the driver notices the line is gone")
        sim.take()
        sim.start()  # plugged in again: the bar gets its whole state, then the change
        wait_until(bars.settled, "the bar caught up")
        assert sim.state(3) == shows("3号窗口", False)
        assert sim.take() == [codec.brightness(3, 8), codec.show_text(3, "3号窗口", False)]
        assert topic  # the state came from the hub's retained topic for window 3
    finally:
        bars.close()
        sim.stop()
