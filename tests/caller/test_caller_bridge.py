"""The keypad bridge: keys to requests (pure), its journal, and a morning of presses from six
keypads on a simulated RS-485 bus and two 433 MHz buttons, through a real Mosquitto and the hub,
with a kill -9 of the bridge, a kill -9 of the hub and a broker restart in the middle: every
press acted on exactly once, read back from the hub's database and event log."""
from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caller.journal import Journal
from caller.keys import display_for, request_for, rf_keymap
from devices.keypad.codec import KeyAction
from devices.keypad.ev1527 import DEFAULT_KEYMAP
from devices.keypad.simulator import Ev1527Simulator, KeypadSimulator
from hall.config import load_hall
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


# ---------------------------------------------------------------------- keys (pure)

def test_each_key_becomes_its_request():
    assert request_for("LOGIN", "0101", "3") == ("staff_login", {"window": "3", "staff": "0101"})
    assert request_for("CALL_NEXT", "", "3") == ("call_next", {"window": "3"})
    assert request_for("PAUSE", "", "3") == ("pause", {"window": "3", "reason": "临时离开"})
    assert request_for("TRANSFER", "02", "3") == ("transfer", {"window": "3", "to_window": "2"})
    assert request_for("CALL_NUMBER", "a012", "3") == ("call_number", {"window": "3", "number": "A012"})
    assert request_for("CALL_NUMBER", "12", "3") == "请输入完整号码"
    assert request_for("RATE", "", "3") == "评价器未接入"
    for verb in ("recall", "no_show", "resume", "hold", "finish", "staff_logout"):
        assert request_for({"staff_logout": "LOGOUT"}.get(verb, verb.upper()), "", "1") == (verb, {"window": "1"})


def test_the_display_shows_the_result_or_the_refusal_in_short():
    ok = {"status": "ok", "data": {"ticket": "A012", "status": "called"}}
    assert display_for("call_next", ok, 5) == ("请A012号", "等候5人")
    assert display_for("finish", {"status": "ok", "data": {"ticket": "A012"}}, 0) == ("A012号已办结", "等候0人")
    refused = {"status": "error", "error": {"code": "queue_empty", "message": "当前没有等候的群众"}}
    assert display_for("call_next", refused, 0) == ("无人等候", "等候0人")
    odd = {"status": "error", "error": {"code": "something_new", "message": "一句很长很长很长很长很长很长的新的拒绝说明"}}
    assert display_for("call_next", odd, None)[0] == odd["error"]["message"][:16] == "一句很长很长很长很长很长很长的新"


def test_rf_keys_from_the_hall_file():
    assert rf_keymap(()) == DEFAULT_KEYMAP
    assert rf_keymap(((1, "call_next"), (8, "finish"))) == {1: KeyAction.CALL_NEXT, 8: KeyAction.FINISH}


def test_the_journal_keeps_presses_and_each_keypads_last_sequence(tmp_path):
    j = Journal(tmp_path / "j.sqlite")
    a = j.add("rs485", 1, 7, "CALL_NEXT", "", "1")
    j.add("rs485", 2, 3, "LOGIN", "0101", "2")
    j.add("rs485", 1, 8, "FINISH", "", "1")
    j.add("ev1527", 0xA1B2C, 0, "CALL_NEXT", "", "7")
    assert j.last_seqs() == {1: 8, 2: 3}
    assert [e.id for e in j.unsettled()] == [1, 2, 3, 4]
    j.settle(a.id, "ok")
    j.close()
    again = Journal(tmp_path / "j.sqlite")  # a restarted bridge: the same ids, the same token
    assert [e.transaction for e in again.unsettled()] == [f"{again.token}-2-k2.3", f"{again.token}-3-k1.8",
                                                          f"{again.token}-4-rfA1B2C"]
    assert a.transaction == f"{again.token}-1-k1.7"
    assert Journal(tmp_path / "other.sqlite").token != again.token


# ---------------------------------------------------------------------- a morning on the bus

KEYPADS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6"}  # bus address -> window
REMOTES = {0xA1B2C: "7", 0x1F00D: "8"}  # transmitter -> window
STAFF = {"1": "0101", "2": "0102", "3": "0103", "4": "0104", "5": "0105", "6": "0106", "7": "0107", "8": "0108"}


def morning_hall(tmp_path: Path, keypads: str, receiver: str) -> Path:
    text = TOWNSHIP.read_text()
    text = re.sub(r'(?m)^id = "banzhuyuan"$', f'id = "kb{int(time.time() * 1000) % 100000}"', text, count=1)
    text = re.sub(r"(?m)^(keypad|remote|ledbar) = .*\n", "", text)
    text = text[:text.index("# The keypads of windows 1 and 2")]  # the example bridge goes
    for n in range(5, 9):
        text += f'\n[[staff]]\nnumber = "010{n}"\nname = "员工{n}"\n'
    for n in range(4, 9):
        text += f'\n[[window]]\nid = "{n}"\nkind = "comprehensive"\nprimary = ["social_insurance", "household"]\n'
    for address, window in KEYPADS.items():  # wire the keypads in after the window tables
        text = text.replace(f'[[window]]\nid = "{window}"\n', f'[[window]]\nid = "{window}"\nkeypad = {address}\n', 1)
    for remote, window in REMOTES.items():
        text = text.replace(f'[[window]]\nid = "{window}"\n', f'[[window]]\nid = "{window}"\nremote = "{remote:05X}"\n', 1)
    if 'id = "manager"' not in text:
        text += '\n[[device]]\nid = "manager"\nrole = "manager"\n'
    text += f'''
[[device]]
id = "bridge-1"
role = "keypad_bridge"
bus = "serial://{keypads}"
receiver = "serial://{receiver}"
rf_keys = {{"1" = "call_next", "8" = "finish"}}
'''
    path = tmp_path / "hall.toml"
    path.write_text(text)
    config = load_hall(path)
    assert {w.keypad: w.id for w in config.windows.values() if w.keypad} == KEYPADS
    return path


class BridgeProcess:
    def __init__(self, hall: Path, url: str, journal: Path, log: Path):
        self.args = [sys.executable, "-m", "hall.cli", "keypad-bridge", "--config", str(hall), "--device", "bridge-1",
                     "--broker", url, "--journal", str(journal), "--log-level", "INFO"]
        self.log = log
        self.process = None

    def start(self):
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=out)
        return self

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def wait_until(predicate, what: str, timeout: float = 60.0, pause: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(pause)
    pytest.fail(f"not within {timeout} s: {what}")


def hub_rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_a_morning_of_presses_each_acted_on_once(tmp_path):
    keypads = KeypadSimulator(list(KEYPADS), link=str(tmp_path / "keypads"))
    radio = Ev1527Simulator(link=str(tmp_path / "radio"))
    keypads.start()
    radio.start()
    hall = morning_hall(tmp_path, keypads.path, radio.path)
    config = load_hall(hall)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, hub_log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    status = HubStatus(broker.url, config.id).start()  # before the hub: its own "online" is waited for
    hub = spawn_hub(hall, db, broker.url, hub_log, "--always-open")
    bridge = BridgeProcess(hall, broker.url, tmp_path / "journal.sqlite", tmp_path / "bridge.log")
    kiosk = manager = None
    pressed = {"keypad": 0, "rf": 0}
    try:
        status.wait_online(30, hub, hub_log)
        kiosk = HallClient(broker.url, config.id, "kiosk-1").connect()
        manager = HallClient(broker.url, config.id, "manager").connect()
        for _ in range(40):
            assert kiosk.request("issue", service="household")["status"] == "ok"
        for window in REMOTES.values():  # a 433 MHz button has no digits: the manager signs them in
            assert manager.request("staff_login", window=window, staff=STAFF[window])["status"] == "ok"
        bridge.start()

        def press_keypads(action, with_staff=False):
            for address, window in KEYPADS.items():
                keypads.press(address, action, STAFF[window] if with_staff else "")
                pressed["keypad"] += 1

        def press_radio(bits):
            for remote in REMOTES:
                radio.send(remote, bits, repeats=4)  # a held button repeats: counted once
                pressed["rf"] += 1

        def bridge_transactions() -> int:
            return hub_rows(db, "SELECT COUNT(*) FROM transactions WHERE source = 'bridge-1'")[0][0]

        def settled(total: int):
            return lambda: bridge_transactions() >= total

        # 1. sign in at the keypads, then a first round of calls and finishes
        press_keypads(KeyAction.LOGIN, with_staff=True)
        wait_until(settled(6), "the six keypad logins")
        press_keypads(KeyAction.CALL_NEXT)
        press_radio(1)
        wait_until(settled(14), "the first calls")
        wait_until(lambda: keypads.display(1).get(0, "").startswith("请C0"), "the keypad shows the call")
        assert keypads.display(1)[1].startswith("等候")
        press_keypads(KeyAction.FINISH)
        time.sleep(0.4)  # a real finger: the same radio key again only after a moment
        press_radio(8)
        wait_until(settled(22), "the first finishes")

        # 2. kill -9 the bridge with presses in the keypads' queues, then start it again
        press_keypads(KeyAction.CALL_NEXT)
        press_keypads(KeyAction.FINISH)
        time.sleep(0.05)
        bridge.kill9()
        press_keypads(KeyAction.CALL_NEXT)  # pressed while no bridge runs: kept in the keypads
        bridge.start()
        wait_until(settled(40), "the presses around the kill")
        press_keypads(KeyAction.FINISH)
        press_radio(1)
        wait_until(settled(48), "after the restart")

        # 3. kill -9 the hub with presses on their way: the bridge sends them again, same ids
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)
        press_radio(8)
        press_keypads(KeyAction.CALL_NEXT)
        time.sleep(1.0)
        hub = spawn_hub(hall, db, broker.url, hub_log, "--always-open")
        status.wait_online(30, hub, hub_log)
        wait_until(settled(56), "the presses across the hub restart", timeout=90)

        # 4. the broker restarts while clerks press: journaled, sent when it is back
        broker.stop()
        press_keypads(KeyAction.FINISH)
        time.sleep(0.4)
        press_radio(1)
        time.sleep(1.0)
        broker.start()
        wait_until(settled(64), "the presses across the broker restart", timeout=90)
        time.sleep(0.4)
        press_radio(8)
        wait_until(settled(66), "the last finishes")

        total = pressed["keypad"] + pressed["rf"]
        assert total == 66
        time.sleep(0.5)  # nothing more arrives
        assert bridge_transactions() == total
        replies = hub_rows(db, "SELECT status, COUNT(*) FROM transactions WHERE source = 'bridge-1' GROUP BY status")
        assert replies == [("ok", total)]  # no press refused: none doubled (a double call is ticket_in_hand)
        calls = dict(hub_rows(db, "SELECT window, COUNT(*) FROM events WHERE type = 'ticket_called' GROUP BY window"))
        finishes = dict(hub_rows(db, "SELECT window, COUNT(*) FROM events WHERE type = 'ticket_finished' GROUP BY window"))
        every = {**{w: 4 for w in KEYPADS.values()}, **{w: 3 for w in REMOTES.values()}}
        assert calls == every and finishes == every
        logins = hub_rows(db, "SELECT window, staff FROM events WHERE type = 'staff_login' ORDER BY window")
        assert logins == sorted(STAFF.items())
        seqs = [s for (s,) in hub_rows(db, "SELECT seq FROM events ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        for client in (kiosk, manager):
            if client is not None:
                client.close()
        bridge.stop()
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            hub.wait(15)
        status.close()
        broker.stop()
        keypads.stop()
        radio.stop()


# ---------------------------------------------------------------------- the bridge drives the LED bars

def test_the_bridge_shows_results_on_keypads_and_led_bars(tmp_path):
    import threading

    from caller.bridge import KeypadBridge
    from devices.ledbar.codec import BarState
    from devices.ledbar.simulator import LedBarSimulator
    from hall.service.bus import parse_broker_url

    keypads = KeypadSimulator([1], link=str(tmp_path / "keypads"))
    radio = Ev1527Simulator(link=str(tmp_path / "radio"))
    bars = LedBarSimulator([1, 2], link=str(tmp_path / "bars"))
    for sim in (keypads, radio, bars):
        sim.start()
    text = TOWNSHIP.read_text()
    text = re.sub(r'(?m)^id = "banzhuyuan"$', f'id = "lb{int(time.time() * 1000) % 100000}"', text, count=1)
    text = re.sub(r"(?m)^(keypad|remote|ledbar) = .*\n", "", text)
    text = text.replace('[[window]]\nid = "1"\n', '[[window]]\nid = "1"\nkeypad = 1\nledbar = 1\n', 1)
    text = text.replace('[[window]]\nid = "2"\n', '[[window]]\nid = "2"\nremote = "A1B2C"\nledbar = 2\n', 1)
    text = re.sub(r'(?m)^bus = .*$', f'bus = "serial://{keypads.path}"', text)
    text = re.sub(r'(?m)^receiver = .*$', f'receiver = "serial://{radio.path}"', text)
    text = re.sub(r'(?m)^ledbars = .*$', f'ledbars = "serial://{bars.path}"', text)
    hall = tmp_path / "hall.toml"
    hall.write_text(text)
    config = load_hall(hall)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, hub_log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    status = HubStatus(broker.url, config.id).start()
    hub = spawn_hub(hall, db, broker.url, hub_log, "--always-open")
    bridge = runner = kiosk = None
    try:
        status.wait_online(30, hub, hub_log)
        bridge = KeypadBridge(config, "bridge-1", parse_broker_url(broker.url), tmp_path / "journal.sqlite")
        bridge.bars.flash_seconds = 1.0
        runner = threading.Thread(target=bridge.run, daemon=True)
        runner.start()
        wait_until(lambda: bars.state(1).text == "暂停服务" and bars.state(2).text == "暂停服务",
                   "closed windows say so on their bars", 20)

        keypads.press(1, KeyAction.CALL_NEXT)  # not signed in
        wait_until(lambda: keypads.display(1).get(0) == "请先登录", "the keypad shows the refusal")
        keypads.press(1, KeyAction.LOGIN, "0101")
        wait_until(lambda: keypads.display(1).get(0) == "工号0101已登录", "the keypad login")
        wait_until(lambda: bars.state(1) == BarState("1号窗口", False, False, 8), "an idle window shows its name")
        keypads.press(1, KeyAction.CALL_NEXT)
        wait_until(lambda: keypads.display(1) == {0: "无人等候", 1: "等候0人"}, "nobody waits")
        kiosk = HallClient(broker.url, config.id, "kiosk-1").connect()
        number = kiosk.request("issue", service="household")["data"]["ticket"]
        keypads.press(1, KeyAction.CALL_NEXT)
        wait_until(lambda: keypads.display(1).get(0) == f"请{number}号", "the keypad shows the call")
        wait_until(lambda: bars.state(1) == BarState(f"请{number}号到1号窗口", True, False, 8), "the bar calls")

        keypads.press(1, KeyAction.LOGIN, "0102")  # AB岗: another clerk at a staffed window
        wait_until(lambda: keypads.display(1) == {0: "已有他人登录", 1: "再按登录即接替"}, "the keypad asks")
        keypads.press(1, KeyAction.LOGIN, "0102")  # the same number again: take over
        wait_until(lambda: keypads.display(1).get(0) == "工号0102已登录", "the takeover")
        taken = hub_rows(db, "SELECT type, staff, data FROM events WHERE type IN ('staff_login', 'staff_logout') "
                             "ORDER BY seq")
        assert [(t, s) for t, s, _ in taken] == [("staff_login", "0101"), ("staff_logout", "0101"),
                                                ("staff_login", "0102")]
        assert '"takeover":true' in taken[2][2].replace(" ", "")

        radio.send(0xA1B2C, 1, repeats=3)  # window 2's button: nobody signed in there
        wait_until(lambda: bars.state(2).text == "请先登录", "the button's refusal flashes on its bar")
        wait_until(lambda: bars.state(2).text == "暂停服务", "then the bar shows the window again")
        rows = hub_rows(db, "SELECT status, COUNT(*) FROM transactions WHERE source = 'bridge-1' GROUP BY status")
        assert dict(rows) == {"ok": 3, "error": 4}
    finally:
        if kiosk is not None:
            kiosk.close()
        if bridge is not None:
            bridge.stop()
            runner.join(10)
        hub.send_signal(signal.SIGTERM)
        hub.wait(15)
        status.close()
        broker.stop()
        for sim in (keypads, radio, bars):
            sim.stop()


def test_a_press_the_journal_cannot_take_stays_in_the_keypad(tmp_path):
    """The driver gives a key, the disk refuses it: the next poll does not acknowledge it, so the
    keypad sends it again, and it is journaled once the disk takes it."""
    import sqlite3 as sq
    import threading

    from caller.bridge import KeypadBridge
    from hall.service.bus import parse_broker_url

    keypads = KeypadSimulator([1], link=str(tmp_path / "keypads"))
    keypads.start()
    text = re.sub(r'(?m)^bus = .*$', f'bus = "serial://{keypads.path}"', TOWNSHIP.read_text())
    text = re.sub(r'(?m)^(receiver|ledbars) = .*\n', "", text)
    hall = tmp_path / "hall.toml"
    hall.write_text(text)
    bridge = KeypadBridge(load_hall(hall), "bridge-1", parse_broker_url("mqtt://127.0.0.1:9"), tmp_path / "j.sqlite")
    real_add, failures = bridge.journal.add, []

    def flaky_add(*args):
        if len(failures) < 2:
            failures.append(args)
            raise sq.OperationalError("database or disk is full")
        return real_add(*args)

    bridge.journal.add = flaky_add
    reader = threading.Thread(target=bridge._read_keypads, daemon=True)
    try:
        reader.start()
        keypads.press(1, KeyAction.CALL_NEXT)
        keypads.press(1, KeyAction.FINISH)
        wait_until(lambda: len(bridge.journal.unsettled()) == 2, "both presses journaled", 20)
        assert [(e.action, e.seq) for e in bridge.journal.unsettled()] == [("CALL_NEXT", 1), ("FINISH", 2)]
        assert len(failures) == 2
        wait_until(lambda: not keypads.keypads[1].queue, "the keypad hears both acknowledged", 20)
        assert len(bridge.journal.unsettled()) == 2  # and nothing twice
    finally:
        bridge.stop_event.set()
        reader.join(5)
        keypads.stop()
