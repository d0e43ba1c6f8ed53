"""Poison messages: a request that makes the hub fail inside, sent with QoS 1, is delivered
again at every start of the hub (its session is persistent). The hub recognises it from its
in-flight record (hall.service.inflight), answers it ``poison_request``, acknowledges it, and
serves the requests queued behind it. The fault is planted by tests/hub/faulty_hub.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hall.clock import HallCalendar
from hall.service.local_broker import HubStatus

from .conftest import HubProcess
from .faulty_hub import MARK

FAULTY = Path(__file__).with_name("faulty_hub.py")


class FaultyHub(HubProcess):
    """The hub with a planted fault (``YC_TEST_FAULT``), started like the real one."""

    def __init__(self, hall, url, mode: str):
        super().__init__(hall, url)
        self.mode = mode

    def start(self, timeout: float = 20.0, wait: bool = True) -> "FaultyHub":
        if self._t0 is None:
            self._t0 = time.time()
        clock = HallCalendar(self.hall.config).local(self._clock0 + time.time() - self._t0)
        if self.status is None:
            self.status = HubStatus(self.url, self.hall.id).start()
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, str(FAULTY), "--config", str(self.hall.path), "--db", str(self.hall.db),
                 "--broker", self.url, "--clock", clock.replace(tzinfo=None).isoformat()],
                stdout=out, stderr=out, env={**os.environ, "YC_TEST_FAULT": self.mode})
        if wait:
            self.wait_online(timeout)
        return self


def poison_file(hall) -> list[dict]:
    path = Path(f"{hall.db}.poison")
    return json.loads(path.read_text()) if path.exists() else []


def test_a_request_that_crashed_the_hub_is_refused_on_redelivery_and_the_next_is_served(mosquitto, hall, connect):
    hub = FaultyHub(hall, mosquitto.url, "segv").start()
    try:
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        poison = kiosk.send("cancel", number="H001", reason=MARK)  # QoS 1
        behind = kiosk.send("issue", service="help")  # queued behind it
        assert hub.process.wait(20) == -signal.SIGSEGV
        assert poison not in kiosk.replies and behind not in kiosk.replies

        hub.start()  # the same planted fault: only recognising the request saves the hub
        refused = kiosk.reply(poison, 20)
        assert refused["status"] == "error" and refused["error"]["code"] == "poison_request"
        assert refused["error"]["message"].startswith("该请求曾使系统中断")
        assert kiosk.reply(behind, 20)["data"]["ticket"] == "H001"
        assert hub.alive()
        assert [(e["transaction"], e["fault"], e["poison"]) for e in poison_file(hall)] == [(poison, True, True)]
        log = hub.log.read_text()
        assert "died of a fault" in log and "Fatal Python error: Segmentation fault" in log
        assert "that stopped the hub before (poison)" in log
        # it is acknowledged: after another restart nothing is delivered again
        hub.stop()
        hub.start()
        after = kiosk.request("issue", service="help")["data"]["ticket"]
        assert after == "H002" and [r["transaction"] for r in kiosk.received].count(poison) == 1
    finally:
        hub.stop()


def test_a_request_in_hand_at_two_deaths_without_a_trace_is_poison(mosquitto, hall, connect):
    hub = FaultyHub(hall, mosquitto.url, "exit").start()
    try:
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        poison = kiosk.send("cancel", number="H001", reason=MARK)
        assert hub.process.wait(20) == 70
        hub.start(wait=False)  # one death without a fault record: a suspect, handled again: it kills again
        assert hub.process.wait(20) == 70
        assert poison not in kiosk.replies
        assert [(e["deaths"], e["poison"]) for e in poison_file(hall)] == [(1, False)]
        hub.start()  # found in hand at a second death: poison
        assert kiosk.reply(poison, 20)["error"]["code"] == "poison_request"
        assert [(e["deaths"], e["poison"]) for e in poison_file(hall)] == [(2, True)]
        assert kiosk.request("issue", service="help")["data"]["ticket"] == "H001"
    finally:
        hub.stop()


def test_one_kill_9_during_a_request_never_makes_it_poison(mosquitto, hall, connect, start_hub):
    hub = FaultyHub(hall, mosquitto.url, "hang").start()
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    txn = kiosk.send("cancel", number="H001", reason=MARK)
    inflight = Path(f"{hall.db}.inflight")
    deadline = time.monotonic() + 20
    while not (inflight.exists() and inflight.read_bytes().strip()):  # the hub holds the request
        assert time.monotonic() < deadline
        time.sleep(0.02)
    hub.kill9()
    assert txn not in kiosk.replies
    start_hub(hall, mosquitto.url)  # the real hub: the request is a suspect, handled once more
    reply = kiosk.reply(txn, 20)
    assert reply["error"]["code"] == "unknown_ticket"  # the engine's own answer, not poison_request
    deadline = time.monotonic() + 10  # the hub forgives it once its answer is out
    while poison_file(hall) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert poison_file(hall) == []  # forgiven


def test_an_exception_outside_every_handler_is_caught_at_the_request_boundary(mosquitto, hall, connect):
    hub = FaultyHub(hall, mosquitto.url, "raise").start()
    try:
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        pid = hub.process.pid
        kiosk.send("cancel", number="H001", reason=MARK)
        got = kiosk.wait_for(lambda: kiosk.received, 20, "the last guard's answer")
        assert got[0]["error"]["code"] == "internal_error" and got[0]["transaction"] is None
        assert kiosk.request("issue", service="help")["data"]["ticket"] == "H001"
        assert hub.alive() and hub.process.pid == pid
        assert "LAST GUARD" in hub.log.read_text()
    finally:
        hub.stop()
