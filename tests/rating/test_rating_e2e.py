"""End to end on a real Mosquitto with `yichuang hub` as a process: a window finishes, the pad
asks, the citizen gives a 差评 with reasons and a phone number on the pad, a case opens with
its working-day deadline, and `yichuang cases` moves it to 办结 through the hub. The phone
number appears in clear nowhere: not on the bus, not in the hub's log, not in the database
(WAL included), not in the broker's persistence."""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hall.protocol import Topics
from hall.rating_phone import seal
from hall.service.bus import Bus, parse_broker_url
from rating.link import PadLink
from rating.presenter import PadPresenter
from tests.hub.conftest import Hall as HubHall
from tests.hub.conftest import connect, mosquitto, start_hub  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13812345678"
CLEAR_FORMS = (PHONE, "138 1234 5678", "138-1234-5678")


class Spy:
    """Every message of the hall on the bus, as raw bytes (a third party listening to everything)."""

    def __init__(self, url: str, hall_id: str):
        self.topics = Topics(hall_id)
        self.messages: list[tuple[str, bytes]] = []
        self.bus = Bus(parse_broker_url(url), f"spy-{hall_id}", self.topics.status("spy"), self._deliver,
                       subscriptions=(self.topics.root + "/#",))

    def _deliver(self, kind, value):
        if kind == "message":
            message, _ = value
            self.messages.append((message.topic, bytes(message.payload)))

    def events(self, type_: str) -> list[dict]:
        return [json.loads(p) for t, p in list(self.messages) if t == self.topics.event(type_)]


class HeadlessPad:
    """The pad's presenter and its real MQTT link, driven without a window (the Kivy app does
    exactly this on its main thread)."""

    def __init__(self, url: str, hall_id: str, key: bytes):
        self.inbox: queue.Queue = queue.Queue()
        self.presenter = PadPresenter("3", sealer=lambda phone: seal(key, phone))
        self.link = PadLink(url, hall_id, "pad-3", "3", lambda kind, value: self.inbox.put((kind, value)))

    def pump(self, until, timeout: float = 15.0):
        deadline = time.monotonic() + timeout
        while True:
            self.presenter.tick(time.time())  # the app ticks its presenter four times a second
            self._flush()
            if until(self.presenter):
                return
            left = deadline - time.monotonic()
            assert left > 0, f"pad stuck on {self.presenter.view()}"
            try:
                kind, value = self.inbox.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            self.presenter.on_bus(kind, value, time.time())

    def _flush(self):
        while self.presenter.outbox:
            self.link.send(*self.presenter.outbox.pop(0))


@pytest.fixture
def rating_hall(tmp_path, hall_key):
    hall = HubHall(tmp_path)
    hall.path.write_text(hall.path.read_text() + "\n[rating]\nask_seconds = 4\ncase_days = 15\n")
    hall.config = __import__("hall.config", fromlist=["load_hall"]).load_hall(hall.path)
    return hall


def cases_cli(hall, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", "cases", "--config", str(hall.path), "--db", str(hall.db),
                           *args], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_a_bad_rating_on_the_pad_is_followed_to_the_end(mosquitto, rating_hall, start_hub, connect, hall_key):
    hall = rating_hall
    hub = start_hub(hall, mosquitto.url, "--tick", "0.5")
    spy = Spy(mosquitto.url, hall.id)
    spy.bus.start()
    assert spy.bus.wait_connected(10)
    pad = HeadlessPad(mosquitto.url, hall.id, hall_key)
    pad.link.start()
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    caller = connect(mosquitto.url, hall, "caller-3")
    try:
        # the pad shows the staff on duty once the window opens
        assert caller.request("staff_login", staff="0103")["status"] == "ok"
        pad.pump(lambda p: p.pad and p.pad.get("staff") and p.connected)
        assert pad.presenter.view()["screen"] == "idle" and pad.presenter.view()["staff"]["name"] == "王芳"

        # finish → the pad asks
        number = kiosk.request("issue", service="household")["data"]["ticket"]
        assert caller.request("call_next")["status"] == "ok"
        assert caller.request("finish")["status"] == "ok"
        pad.pump(lambda p: p.screen == "asking")
        assert pad.presenter.view()["matter"].startswith(f"{number}号")

        # 差评 with reasons and a phone number, on the pad
        p = pad.presenter
        p.choose("very_dissatisfied", time.time())
        p.toggle_reason("long_wait")
        p.toggle_reason("attitude")
        p.open_phone()
        for k in PHONE:
            p.key(k, time.time())
        p.confirm_phone(time.time())
        p.submit(time.time())
        pad.pump(lambda p: p.screen == "thanks")
        assert pad.presenter.view()["lines"][-1] == "工作人员将通过 138****5678 与您联系"

        # the record and its case, with the deadline in working days (2025-03-04 + 15 → 03-25)
        rows = hall.query("SELECT id, level, reasons, named, phone_masked, phone_sealed, \"case\", channel "
                          "FROM ratings")
        ((matter, level, reasons, named, masked, sealed, case, channel),) = rows
        assert (level, json.loads(reasons), named, masked, case, channel) == (
            "very_dissatisfied", ["long_wait", "attitude"], 1, "138****5678", 1, "pad")
        assert sealed and PHONE not in sealed
        assert hall.query("SELECT status, deadline, named FROM cases") == [("open", "2025-03-25", 1)]
        listed = cases_cli(hall)
        assert listed.returncode == 0, listed.stderr
        assert "2025-03-25" in listed.stdout and "138****5678" in listed.stdout and PHONE not in listed.stdout

        # moved to 办结 from the shell, step by step, through the hub
        steps = [("verify", "--verdict", "true", "--note", "调阅录像，情况属实"),
                 ("rectify", "--note", "窗口人员已培训"),
                 ("answer", "--note", "已电话回访并致歉"),
                 ("close", "--note", "办结")]
        refused = cases_cli(hall, "move", "1", "--step", "close", "--note", "x", "--by", "张主任",
                            "--broker", mosquitto.url)
        assert refused.returncode == 1 and "下一步只能是：核实" in refused.stderr
        for step, *extra in steps:
            done = cases_cli(hall, "move", "1", "--step", step, *extra, "--by", "张主任", "--broker", mosquitto.url)
            assert done.returncode == 0, done.stderr
        assert hall.query("SELECT status, verdict FROM cases") == [("closed", "true")]
        wait_for(lambda: len(spy.events("case_step")) == 4)
        assert [e["data"]["status"] for e in spy.events("case_step")] == ["verified", "rectified", "answered", "closed"]
        assert [e["type"] for e in spy.events("case_opened")] == ["case_opened"]
        shown = cases_cli(hall, "show", "1", "--phone")
        assert shown.returncode == 0 and f"回访电话：{PHONE}" in shown.stdout  # on this terminal only

        # no answer in time: 未评价, never 满意
        second = kiosk.request("issue", service="household")["data"]["ticket"]
        assert caller.request("call_next")["status"] == "ok"
        assert caller.request("finish")["status"] == "ok"
        # (the pad may or may not draw the ask before it runs out on a loaded machine: no race on it)
        wait_for(lambda: [e for e in spy.events("rating_unrated") if e["ticket"] == second], timeout=30)
        assert [e["ticket"] for e in spy.events("rating_asked")] == [number, second]
        pad.pump(lambda p: p.screen == "idle", timeout=30)
        assert hall.query("SELECT level, stars FROM ratings WHERE ticket = ?", (second,)) == [("unrated", 0)]
        assert pad.presenter.reasons == [] and pad.presenter.phone is None  # nothing of the citizen kept

        # the hub down: the shell says so and changes nothing
        hub.stop()
        before = hall.query("SELECT * FROM cases")
        down = cases_cli(hall, "move", "1", "--step", "close", "--note", "x", "--by", "李", "--broker",
                         mosquitto.url, "--timeout", "3")
        assert down.returncode == 3 and "未运行" in down.stderr and "not moved" in down.stderr
        assert hall.query("SELECT * FROM cases") == before
    finally:
        pad.link.stop()
        spy.bus.stop()

    # the phone number in clear nowhere
    payloads = b"\n".join(p for _, p in spy.messages)
    assert spy.events("ticket_rated")[0]["data"]["phone"] == "138****5678"
    for form in CLEAR_FORMS:
        assert form.encode() not in payloads
    files = [hall.db, Path(f"{hall.db}-wal"), hub.log, *Path(mosquitto.directory).rglob("*")]
    for path in files:
        if path.is_file():
            data = path.read_bytes()
            for form in CLEAR_FORMS:
                assert form.encode() not in data, path


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)
