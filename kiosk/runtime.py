"""The kiosk's wiring to the world: the MQTT bus and its devices, around a ``KioskFlow``.

Everything that arrives on another thread (paho's network thread, a card watcher, the
scanner's reader, the printer worker) is handed to ``post(fn)``, which runs ``fn`` on the UI
thread (``Clock.schedule_once`` in the app; a plain queue in tests and benchmarks), so the
presenter is only ever touched from one thread. ``run_effects`` carries out what the
presenter asks for. Devices come from the device's entry in the hall file, each as a URL.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from paho.mqtt.client import topic_matches_sub

from hall.protocol import HUB_CLIENT, V, Topics, encode, parse_status
from hall.service.bus import Bus, parse_broker_url
from kiosk.effects import CheckPrinter, Print, Quit, Send, Speak
from kiosk.flow import KioskFlow
from kiosk.person import from_id_card, from_ss_card
from kiosk.printing import printed_ticket

log = logging.getLogger("yichuang.kiosk")


@dataclass(frozen=True)
class DeviceUrls:
    idcard: str = ""
    sscard: str = ""
    scanner: str = ""
    printer: str = ""


class KioskRuntime:
    def __init__(self, flow: KioskFlow, broker_url: str, urls: DeviceUrls, hall_key: bytes,
                 post: Callable[[Callable[[], None]], None], *, speaker=None, on_quit=None):
        self.flow = flow
        self.config = flow.config
        self.device = flow.settings.device
        self.topics = Topics(self.config.id)
        self.urls = urls
        self.key = hall_key
        self.post = post
        self.speaker = speaker
        self.on_quit = on_quit
        t = self.topics
        self._hub_status = t.status(HUB_CLIENT)
        self.bus = Bus(parse_broker_url(broker_url), f"{self.device}-{uuid.uuid4().hex[:6]}", t.status(self.device),
                       self._deliver, subscriptions=(t.reply(self.device) + "/#", t.hall_state(), t.service(),
                                                     self._hub_status))
        self.printer = None
        self._work: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._closers: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ life
    def start(self) -> "KioskRuntime":
        self.bus.start()
        worker = threading.Thread(target=self._printer_worker, name="kiosk-printer", daemon=True)
        worker.start()
        self._threads.append(worker)
        self._start_devices()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._work.put(None)
        for close in self._closers:
            try:
                close()
            except Exception:  # noqa: BLE001 - stopping must not fail on one device
                log.exception("kiosk: stopping a device failed")
        self.bus.stop()

    # ------------------------------------------------------------------ MQTT in (paho's thread)
    def _deliver(self, kind: str, value) -> None:
        if kind == "connected":
            self.post(lambda: self.flow.on_connection(True))
        elif kind == "disconnected":
            self.post(lambda: self.flow.on_connection(False))
        elif kind == "message":
            message, _ = value
            self._message(message.topic, message.payload)

    def _message(self, topic: str, payload: bytes) -> None:
        t = self.topics
        if topic == self._hub_status:
            state = parse_status(payload)
            self.post(lambda: self.flow.on_hub(state == "online"))
            return
        try:
            body = json.loads(payload.decode("utf-8")) if payload else None
        except (UnicodeDecodeError, ValueError):
            log.warning("kiosk: unreadable message on %s", topic)
            return
        if t.is_reply_to(self.device, topic):
            self.post(lambda: self.flow.reply(body))
        elif topic == t.hall_state():
            self.post(lambda: self.flow.on_state("hall", body))
        elif topic_matches_sub(t.service(), topic):
            self.post(lambda: self.flow.on_state("service", body))

    # ------------------------------------------------------------------ effects (UI thread)
    def run_effects(self) -> None:
        for effect in self.flow.take_effects():
            if isinstance(effect, Send):
                log.info("kiosk: %s %s", effect.verb, effect.transaction)
                self.bus.publish(self.topics.request(self.device), encode(
                    {"v": V, "verb": effect.verb, "transaction": effect.transaction, **effect.fields}))
            elif isinstance(effect, (CheckPrinter, Print)):
                self._work.put(effect)
            elif isinstance(effect, Speak):
                if self.speaker is not None:
                    self.speaker(effect)
            elif isinstance(effect, Quit) and self.on_quit is not None:
                self.on_quit()

    def _printer_worker(self) -> None:
        while not self._stop.is_set():
            effect = self._work.get()
            if effect is None:
                return
            try:
                self._printer_job(effect)
            except Exception:  # noqa: BLE001 - a bug here must not stop the next ticket
                log.exception("kiosk: printer job failed")
                if isinstance(effect, Print):
                    self.post(lambda e=effect: self.flow.printed(e.job, False, "打印机故障，请联系工作人员",
                                                                 "printer error"))
                else:
                    self.post(lambda: self.flow.printer_checked(False, "打印机故障，请联系工作人员", "printer error"))

    def _printer_job(self, effect) -> None:
        printer = self._printer()
        if isinstance(effect, CheckPrinter):
            if printer is None:
                self.post(lambda: self.flow.printer_checked(False, "未配置打印机，请联系工作人员", "no printer"))
                return
            st = printer.status()
            self.post(lambda: self.flow.printer_checked(st.can_print, st.state.message_zh, st.state.message_en))
            return
        when = time.time() if effect.reprint else None
        result = printer.print_ticket(printed_ticket(effect.data, self.config, now=when))
        printer.pending.clear()  # the kiosk decides about a failed ticket (no late reprint of a cancelled one)
        zh = result.message_zh
        en = result.error.message_en if result.error else result.state.message_en
        log.info("kiosk: printed %s ok=%s state=%s", effect.data.get("ticket"), result.ok, result.state.value)
        self.post(lambda: self.flow.printed(effect.job, result.ok, zh, en))

    def _printer(self):
        if self.printer is None and self.urls.printer:
            from devices.printer.driver import TicketPrinter

            self.printer = TicketPrinter(self.urls.printer)
            self._closers.append(self.printer.close)
        return self.printer

    # ------------------------------------------------------------------ card readers and scanner
    def _start_devices(self) -> None:
        if self.urls.idcard:
            from devices.idcard.driver import IdCardReader
            from devices.idcard.watcher import CardWatcher

            reader = IdCardReader(self.urls.idcard)
            watcher = CardWatcher(reader, self._on_id_card, self._on_card_status).start()
            self._closers += [watcher.stop, reader.close]
        if self.urls.scanner:
            from devices.scanner.driver import SerialScanner

            scanner = SerialScanner(self.urls.scanner)
            scanner.start(self._on_scan, self._on_card_status_scanner)
            self._closers.append(scanner.stop)
        if self.urls.sscard:
            thread = threading.Thread(target=self._sscard_loop, name="kiosk-sscard", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _on_id_card(self, read) -> None:
        person = from_id_card(read, self.key)  # the clear number stays in ``read``, dropped here
        self.post(lambda: self.flow.card(person))

    def _on_card_status(self, err) -> None:
        self.post(lambda: self.flow.card_error(err))

    def _on_card_status_scanner(self, err) -> None:
        if err is not None:
            log.warning("kiosk: scanner: %s", err)

    def _on_scan(self, scan) -> None:
        self.post(lambda: self.flow.scan(scan.kind, scan.text, dict(scan.fields)))

    def _sscard_loop(self) -> None:
        from devices.errors import DeviceError
        from devices.sscard.reader import SocialSecurityCardReader

        reader = SocialSecurityCardReader(self.urls.sscard, hmac_key=self.key)
        self._closers.append(reader.close)
        last = None
        while not self._stop.is_set():
            try:
                if not reader.wait_for_card(0.5):
                    continue
                card = reader.read()
                person = from_ss_card(card)
                self.post(lambda: self.flow.card(person))
                reader.wait_for_removal(60)
                last = None
            except DeviceError as err:
                if err.code != last:
                    self.post(lambda e=err: self.flow.card_error(e))
                last = err.code
                self._stop.wait(1.0)
