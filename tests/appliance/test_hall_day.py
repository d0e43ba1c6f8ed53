"""A compressed hall day, end to end, on a real Mosquitto: the hub as a process, the kiosk's
presenter and runtime taking tickets by touch and by ID card (the reader simulator on a pty),
two callers (windows 1 and 9) calling and finishing (at the end, everyone still waiting), the announcer (`yichuang voice`, SDL's
dummy sound card) hearing every call; the hub killed with SIGKILL after a third of the day and
the broker restarted after two thirds. Then the invariants: every ticket in exactly one final
state, nothing served twice, every call announced exactly once."""
from __future__ import annotations

import collections
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devices.idcard.cards import demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from hall.config import load_hall
from hall.protocol import Topics
from hall.service.client import HallClient
from hall.service.local_broker import Mosquitto, spawn_hub_online
from kiosk.flow import KioskFlow, KioskSettings
from kiosk.runtime import DeviceUrls, KioskRuntime

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "config" / "halls" / "township.toml"
ROUNDS = 12  # each round: a ticket by touch for each desk, called and finished


class _Watch:
    """Waits for a retained status topic to say online (a device's process is connected)."""

    def __init__(self, port: int, topic: str):
        import paho.mqtt.client as mqtt

        self.online = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"watch-{os.getpid()}")
        self.client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
        self.client.on_message = lambda c, u, m: b'"online"' in m.payload and self.online.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def wait_online(self, timeout: float) -> None:
        assert self.online.wait(timeout), "the voice did not come online"
        time.sleep(1.0)  # its subscription to the call events follows its status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.loop_stop()
        self.client.disconnect()


class Kiosk:
    def __init__(self, config, url, urls):
        self.flow = KioskFlow(config, KioskSettings(device="kiosk-1", has_printer=False))
        self.inbox: queue.Queue = queue.Queue()
        self.runtime = KioskRuntime(self.flow, url, urls, b"day-key", self.inbox.put).start()

    def pump(self, until, what, timeout=40.0):
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, f"kiosk: no {what} (screen {self.flow.screen} {self.flow.ctx})"
            try:
                self.inbox.get(timeout=0.05)()
            except queue.Empty:
                pass
            self.flow.tick()
            self.runtime.run_effects()

    def tap(self, action, arg=None):
        assert self.flow.touch(action, arg, self.flow.view().generation), (action, arg, self.flow.screen)
        self.runtime.run_effects()

    def take(self, service) -> str:
        self.pump(lambda: self.flow.online and self.flow.screen == "home", "home screen online")
        self.tap("take", service)
        self.pump(lambda: self.flow.screen == "ticket", f"ticket for {service}")
        number = self.flow.view().number
        self.tap("noted" if self.flow.view().button("noted") else "done")
        return number


def test_a_hall_day_with_a_hub_kill_and_a_broker_restart(tmp_path):
    config = load_hall(HALL)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    hub = spawn_hub_online(HALL, db, broker.url, log, "--always-open")
    trace = tmp_path / "voice.trace"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(SDL_AUDIODRIVER="dummy", KIVY_NO_ARGS="1")
    voice = subprocess.Popen([sys.executable, "-m", "hall.cli", "voice", "--config", str(HALL), "--broker",
                              broker.url, "--trace", str(trace), "--log-level", "WARNING"], cwd=ROOT, env=env,
                             stderr=subprocess.DEVNULL)
    reader = IdCardSimulator()
    reader.start()
    kiosk = Kiosk(config, broker.url, DeviceUrls(idcard=reader.path))
    desks = {"caller-1": ("0101", "social_insurance"), "caller-9": ("0104", "help")}
    callers = {d: HallClient(broker.url, config.id, d).connect() for d in desks}
    issued: list[str] = []
    served: list[str] = []
    try:
        # the announcer is up before the first call (call events are not retained: a voice that
        # starts late misses the calls before it, as a late listener in the hall would)
        board_status = Topics(config.id).status("board-1")
        with _Watch(broker.port, board_status) as watch:
            watch.wait_online(60)
        for device, (staff, _) in desks.items():
            assert callers[device].request("staff_login", staff=staff, timeout=30)["status"] == "ok"
        # a ticket by card: civil affairs asks for the ID card, the card brings the ticket
        kiosk.pump(lambda: kiosk.flow.online, "connection")
        kiosk.tap("take", "civil_affairs")
        kiosk.pump(lambda: kiosk.flow.screen == "refused", "the ID card request")
        reader.place(demo_virtual_cards()["resident_long_term"])
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", "card ticket")
        card_ticket = kiosk.flow.view().number
        issued.append(card_ticket)
        kiosk.tap("noted")  # no printer here: the number on screen
        reader.lift()
        for rnd in range(ROUNDS):
            if rnd == ROUNDS // 3:  # the hub dies mid-day: SIGKILL, no goodbye
                hub.send_signal(signal.SIGKILL)
                hub.wait(10)
                hub = spawn_hub_online(HALL, db, broker.url, log, "--always-open", timeout=40)
            if rnd == 2 * ROUNDS // 3:  # the broker restarts (its persistence kept)
                broker.stop()
                broker.start()
            for device, (_, service) in desks.items():
                issued.append(kiosk.take(service))
            for device in desks:
                reply = callers[device].request("call_next", timeout=40)
                assert reply["status"] == "ok", reply
                served.append(reply["data"]["ticket"])
                assert callers[device].request("finish", timeout=40)["status"] == "ok"
        # the end of the day: each desk calls whoever is still waiting for it (the card ticket among them)
        for device in desks:
            while (reply := callers[device].request("call_next", timeout=40))["status"] == "ok":
                served.append(reply["data"]["ticket"])
                assert callers[device].request("finish", timeout=40)["status"] == "ok"
        deadline = time.monotonic() + 30
        while not trace.exists() or sum(1 for line in trace.read_text().splitlines()
                                        if line.startswith("queued")) < len(served):
            assert time.monotonic() < deadline, ("the voice did not hear every call", served,
                                                 trace.read_text() if trace.exists() else "no trace")
            time.sleep(0.2)
    finally:
        kiosk.runtime.stop()
        reader.stop()
        for c in callers.values():
            c.close()
        voice.terminate()
        try:
            voice.wait(20)
        except subprocess.TimeoutExpired:
            voice.kill()
        hub.terminate()
        hub.wait(20)
        broker.stop()

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    tickets = dict(conn.execute("SELECT number, status FROM tickets").fetchall())
    calls = collections.Counter(t for (t,) in conn.execute("SELECT ticket FROM events WHERE type='ticket_called'"))
    finishes = collections.Counter(t for (t,) in conn.execute(
        "SELECT ticket FROM events WHERE type='ticket_finished'"))
    conn.close()
    # every ticket taken is in the database once; every served one finished, each called and finished once
    assert sorted(tickets) == sorted(issued) and len(set(issued)) == len(issued)
    assert len(set(served)) == len(served)  # nothing served twice
    assert sorted(served) == sorted(issued) and card_ticket in served
    assert all(status == "finished" for status in tickets.values()), tickets  # one final state each
    assert all(calls[t] == 1 and finishes[t] == 1 for t in served), (calls, finishes)
    # every call announced exactly once by the voice, across the hub kill and the broker restart
    queued = collections.Counter(line.split()[2] for line in trace.read_text().splitlines()
                                 if line.startswith("queued"))
    assert queued == collections.Counter(served), (queued, served)
