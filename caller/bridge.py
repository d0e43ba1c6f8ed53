"""The keypad bridge (物理按键桥): hardware keypads and 433 MHz buttons turned into requests.

Threads, each with one job:
- the keypad bus (``KeypadBus.events``): every KeyPress is written to the journal before the
  next poll of that keypad acknowledges it (the generator polls again only when asked);
- the 433 MHz receiver (``Ev1527Receiver.events``): the same, its repeated bursts already
  counted once by the driver;
- the sender: the oldest unanswered press becomes a request on ``request/<bridge>`` with the
  journal's transaction id; it is sent again every ``retry_every`` seconds and after every
  reconnection until the hub answers, then settled, and the keypad shows the result;
- MQTT (hall.service.bus.Bus): replies, the windows' and services' retained state;
- the LED bars (caller.ledbar.WindowBars) of the windows this bridge drives.

So a press is acted on exactly once across a hub, broker or bridge restart: it is on disk
or still in the keypad, its transaction id never changes, and the hub answers a repeated id
with its first answer.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

from caller.journal import Entry, Journal
from caller.keys import display_for, request_for, rf_keymap
from devices.keypad.codec import KeyPress
from devices.keypad.driver import Ev1527Receiver, KeypadBus, KeypadState
from hall.config import HallConfig
from hall.protocol import V, Topics, encode
from hall.service.bus import BrokerAddress, Bus
from hall.service.sdnotify import Watchdog

log = logging.getLogger("yichuang.bridge")
TAKEOVER_SECONDS = 15.0  # a second 登录 with the same number within this confirms an AB岗 takeover


class KeypadBridge:
    def __init__(self, config: HallConfig, device_id: str, broker: BrokerAddress, journal: str | Path, *,
                 retry_every: float = 2.0, bars: bool = True):
        device = config.devices.get(device_id)
        if device is None or device.role != "keypad_bridge":
            raise ValueError(f"{device_id!r} is not a keypad_bridge in the hall file")
        self.config, self.device = config, device
        self.topics = Topics(config.id)
        self.retry_every = retry_every
        self.journal = Journal(journal)
        self.stop_event = threading.Event()
        self._wake = threading.Condition()
        self._replies: dict[str, dict] = {}
        self._takeovers: dict[str, tuple[str, float]] = {}  # window -> (staff, until): AB岗 offered
        self.windows_state: dict[str, dict] = {}
        self.services_state: dict[str, dict] = {}
        windows = [w for w in config.windows.values() if device.window in (None, w.id)]
        self.keypad_windows = {w.keypad: w.id for w in windows if w.keypad is not None}
        self.remote_windows = {w.remote: w.id for w in windows if w.remote is not None}
        self.keypads = KeypadBus(device.bus, sorted(self.keypad_windows), windows=self.keypad_windows) \
            if device.bus and self.keypad_windows else None
        if self.keypads is not None:
            self.keypads.resume(self.journal.last_seqs())
        self.receiver = Ev1527Receiver(device.receiver, self.remote_windows, keymap=rf_keymap(device.rf_keys)) \
            if device.receiver and self.remote_windows else None
        self.bars = None
        if bars and device.ledbars:
            driven_by_callers = {d.window for d in config.devices.values() if d.role == "caller" and d.ledbars}
            bar_windows = {w.id: w for w in windows if w.ledbar is not None and w.id not in driven_by_callers}
            if bar_windows:
                from caller.ledbar import WindowBars

                self.bars = WindowBars(device.ledbars, bar_windows)
        self.bus = Bus(broker, f"{device_id}-bridge", self.topics.status(device_id), self._deliver,
                       subscriptions=(self.topics.reply(device_id) + "/#", self.topics.window(), self.topics.service()))
        self.counts = {"presses": 0, "sent": 0, "answered": 0}
        self.watchdog = Watchdog()  # systemd: READY once running, then fed from the send loop

    # ------------------------------------------------------------------ life

    def run(self) -> None:
        self.bus.start()
        threads = []
        if self.keypads is not None:
            threads.append(threading.Thread(target=self._read_keypads, name="keypads", daemon=True))
        if self.receiver is not None:
            threads.append(threading.Thread(target=self._read_receiver, name="ev1527", daemon=True))
        for t in threads:
            t.start()
        log.info("bridge %s: keypads %s, 433 MHz buttons %s, journal %s", self.device.id,
                 sorted(self.keypad_windows), [f"{r:05X}" for r in self.remote_windows], self.journal.path)
        self.watchdog.ready(f"bridge {self.device.id}: {len(self.keypad_windows)} keypads, "
                            f"{len(self.remote_windows)} buttons")
        try:
            self._send_loop()
        finally:
            self.watchdog.stopping()
            self.stop_event.set()
            for t in threads:
                t.join(3)
            self.bus.stop()
            if self.bars is not None:
                self.bars.close()
            for driver in (self.keypads, self.receiver):
                if driver is not None:
                    driver.close()
            self.journal.close()

    def stop(self) -> None:
        self.stop_event.set()
        with self._wake:
            self._wake.notify_all()

    # ------------------------------------------------------------------ presses in

    def _read_keypads(self) -> None:
        for event in self.keypads.events(self.stop_event):
            if isinstance(event, KeyPress):
                seq = self.keypads.last_seq(event.address)
                try:
                    self._journal(event, seq)
                except sqlite3.Error as exc:  # a full or broken disk: the keypad must keep the key
                    log.error("cannot journal a press of keypad %s (%s); it will be asked again", event.address, exc)
                    self.keypads.resume({event.address: 255 if seq == 1 else seq - 1})
                    self.stop_event.wait(1.0)
            elif isinstance(event, KeypadState):
                self._keypad_state(event)

    def _read_receiver(self) -> None:
        for event in self.receiver.events(self.stop_event):
            if isinstance(event, KeyPress):
                self._journal(event, 0)
            elif isinstance(event, KeypadState) and event.address is None:
                log.warning("433 MHz receiver %s", "back" if event.online else f"gone: {event.error}")

    def _journal(self, press: KeyPress, seq: int) -> None:
        window = press.window
        entry = self.journal.add(press.source, press.address, seq, press.action.name, press.digits,
                                 str(window) if window is not None else None)
        self.counts["presses"] += 1
        log.info("press %s: %s %s from %s %s (window %s)", entry.transaction, press.action.name, press.digits,
                 press.source, press.address, window)
        with self._wake:
            self._wake.notify_all()

    def _keypad_state(self, state: KeypadState) -> None:
        if state.address is None:
            log.warning("keypad bus %s", "up" if state.online else f"down: {state.error}")
        elif state.online:
            self._show_window(state.window)
        else:
            log.warning("keypad %s (window %s) does not answer", state.address, state.window)

    # ------------------------------------------------------------------ requests out

    def _send_loop(self) -> None:
        while not self.stop_event.is_set():
            self.watchdog.feed()
            pending = self.journal.unsettled(1)
            if not pending:
                with self._wake:
                    self._wake.wait(0.5)
                continue
            self._settle(pending[0])

    def _settle(self, entry: Entry) -> None:
        """Send one press until the hub answers it (or the bridge stops)."""
        if entry.window is None:
            self.journal.settle(entry.id, "skipped", "no_window")
            return
        asked = request_for(entry.action, entry.digits, entry.window)
        if isinstance(asked, str):  # the key cannot be a request: say so on the keypad
            self.journal.settle(entry.id, "skipped", "local")
            self._display(entry, asked, "")
            return
        verb, fields = asked
        offer = self._takeovers.pop(entry.window, None)
        if verb == "staff_login" and offer and offer[0] == fields["staff"] and time.monotonic() < offer[1]:
            fields["takeover"] = True  # AB岗: the same number pressed again confirms the takeover
        payload = encode({"v": V, "verb": verb, "transaction": entry.transaction, **fields})
        while not self.stop_event.is_set():
            self.watchdog.feed()
            if self.bus.connected:
                self.bus.publish(self.topics.request(self.device.id), payload, qos=1)
                self.counts["sent"] += 1
            deadline = time.monotonic() + self.retry_every
            with self._wake:
                while entry.transaction not in self._replies and not self.stop_event.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._wake.wait(left)
                reply = self._replies.pop(entry.transaction, None)
            if reply is not None:
                self.counts["answered"] += 1
                error = reply.get("error") or {}
                self.journal.settle(entry.id, reply.get("status", "error"), error.get("code"))
                line1, line2 = display_for(verb, reply, self._waiting(entry.window))
                if error.get("code") == "window_occupied":
                    self._takeovers[entry.window] = (fields["staff"], time.monotonic() + TAKEOVER_SECONDS)
                    line2 = "再按登录即接替"
                self._display(entry, line1, line2, refused=reply.get("status") != "ok")
                return

    def _display(self, entry: Entry, line1: str, line2: str, refused: bool = True) -> None:
        if entry.source == "rs485" and self.keypads is not None:
            self.keypads.show(entry.address, line1, 0)
            self.keypads.show(entry.address, line2, 1)
        elif entry.window is not None and refused:
            log.info("433 MHz button at window %s: %s", entry.window, line1)
            if self.bars is not None:
                self.bars.flash(entry.window, line1)  # its confirmation is the bar above the window

    def _show_window(self, window: str | None) -> None:
        """A keypad that comes (back) online shows its window's state."""
        ws = self.windows_state.get(window or "")
        address = next((a for a, w in self.keypad_windows.items() if w == window), None)
        if ws is None or address is None or self.keypads is None:
            return
        ticket = (ws.get("ticket") or {}).get("number")
        status = {"closed": "未登录", "paused": "暂停服务"}.get(ws.get("status"), f"当前{ticket}号" if ticket else "空闲")
        waiting = self._waiting(window)
        self.keypads.show(address, status, 0)
        self.keypads.show(address, f"等候{waiting}人" if waiting is not None else "", 1)

    def _waiting(self, window_id: str) -> int | None:
        window = self.config.windows.get(window_id)
        if window is None or not self.services_state:
            return None
        codes = set(window.primary) | set(window.secondary)
        return sum(s.get("waiting", 0) for code, s in self.services_state.items() if code in codes)

    # ------------------------------------------------------------------ MQTT (paho's thread)

    def _deliver(self, kind: str, value) -> None:
        if kind == "connected":
            with self._wake:
                self._wake.notify_all()  # send the pending press again at once
            return
        if kind != "message":
            return
        message, _ = value
        try:
            body = json.loads(message.payload.decode("utf-8")) if message.payload else None
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        topic = message.topic
        if self.topics.is_reply_to(self.device.id, topic):
            with self._wake:
                if isinstance(body.get("transaction"), str):
                    self._replies[body["transaction"]] = body
                    if len(self._replies) > 1000:
                        self._replies.pop(next(iter(self._replies)))
                self._wake.notify_all()
        elif topic.startswith(self.topics.window("")):
            wid = topic[len(self.topics.window("")):]
            self.windows_state[wid] = body
            if self.bars is not None:
                self.bars.follow(body)
        elif topic.startswith(self.topics.service("")):
            self.services_state[topic[len(self.topics.service("")):]] = body
