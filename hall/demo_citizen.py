"""The demo's scripted citizen (演示市民): one walk through the running hall, for a machine
without a display (and for the test of ``make demo``).

The citizen takes a ticket at the kiosk (the kiosk's own presenter and runtime, with the
printer simulator on a pty standing in for the ticket printer), is called from window 1's
caller (a device client speaking the caller's verbs), is shown on the board (``state/board``)
and announced by the voice process (``yichuang voice``, read from its ``--trace`` file: it
played the call), rates on a rating pad where this build has one, and is finished. Then an
elderly citizen lays her ID card on the card reader simulator, touches the same service and
gets a green-channel ticket, whose printed bytes the walk decodes (text and QR); it waits at
window 1 for the person at the demo to call.

``walk`` returns the lines it printed, and raises ``CitizenLost`` with the step that failed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from devices.idcard.cards import demo_cards, demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.printer.interpreter import QrCode, TextLine
from devices.printer.simulator import PrinterSimulator
from hall.config import HallConfig
from hall.service.client import HallClient, ReplyTimeout
from kiosk.driver import KioskDriver, KioskStuck
from kiosk.runtime import DeviceUrls

DEMO_KEY = b"yichuang-demo-key-not-secret"  # the kiosk's --demo-key


class CitizenLost(RuntimeError):
    """A step of the walk did not happen in time: the message names it."""


@dataclass
class Walk:
    ticket: str = ""
    service: str = ""
    called_at: str = ""
    announced: str = ""
    rated: bool | None = None  # None: the window has no rating pad
    finished: bool = False
    card_ticket: str = ""  # the elderly citizen's ticket by ID card
    lines: list[str] = field(default_factory=list)


def _traced(trace: Path, what: str, ticket: str | None = None) -> bool:
    """Has the voice written ``what`` (for ``ticket``) in its trace? ``playing SEQ TICKET T``:
    it started playing that call; ``listening GEN - T``: it hears the calls from now on."""
    try:
        return any(line.split()[0:1] == [what] and (ticket is None or line.split()[2:3] == [ticket])
                   for line in trace.read_text().splitlines())
    except FileNotFoundError:
        return False


def _wait_traced(trace: Path, what: str, ticket: str | None, timeout: float, lost: str) -> None:
    deadline = time.monotonic() + timeout
    while not _traced(trace, what, ticket):
        if time.monotonic() > deadline:
            raise CitizenLost(f"voice: {lost} within {timeout:.0f} s ({trace})")
        time.sleep(0.1)


def _rate(config: HallConfig, url: str, window: str, ticket: str, timeout: float, note) -> bool | None:
    """The window's pad asks (retained ``state/pad/<window>``); the citizen answers 满意, sent
    as that pad would send it. None when the window has no pad."""
    pad = next((d for d in config.devices.values() if d.role == "rating_pad" and d.window == window), None)
    if pad is None:
        note(f"  5. 评价: window {window} has no rating pad in this hall file")
        return None
    with HallClient(url, config.id, pad.id, watch_state=True) as client:
        topic = client.topics.pad(window)
        try:
            client.wait_for(lambda: ticket in str((client.state_of(topic) or {}).get("ask") or ""), timeout,
                            "the pad's question")
            reply = client.request("rate", number=ticket, level="satisfied", timeout=timeout)
        except Exception as err:  # noqa: BLE001 - a wait's own timeout error
            raise CitizenLost(f"rating pad {pad.id}: {err}") from None
    if reply.get("status") != "ok":
        raise CitizenLost(f"rating pad {pad.id}: rate answered {reply}")
    note(f"  5. 评价 {pad.id}: the pad asked about {ticket}; the citizen rated 满意 (one rating for the matter)")
    return True


def walk(config: HallConfig, url: str, board_trace: Path | None, timeout: float = 60.0, say=print) -> Walk:
    w = Walk()

    def note(line: str) -> None:
        w.lines.append(line)
        say(line, flush=True)

    kiosk_id = next(d.id for d in config.devices.values() if d.role == "kiosk")
    caller = next(d for d in config.devices.values() if d.role == "caller" and d.window)
    window = caller.window
    service = next(c for c in config.services if config.windows[window].skill(c))
    staff = next(s.number for s in config.staff.values() if s.may_work_at(window))
    note("演示市民 / the scripted citizen:")
    printer, reader = PrinterSimulator(), IdCardSimulator()
    printer.start()
    reader.start()
    kiosk = KioskDriver(config, url, DeviceUrls(printer=f"serial://{printer.path}?timeout=2",
                                                idcard=f"serial://{reader.path}"), DEMO_KEY, device=kiosk_id,
                        has_printer=True)
    try:
        kiosk.pump(lambda: kiosk.flow.online and kiosk.flow.catalogue.services, "connection to the hub", timeout)
        kiosk.tap("take", service)
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", "ticket", timeout)
        w.ticket, w.service = kiosk.flow.view().number, service
        printed = len(printer.tickets())
        note(f"  1. 取号 {kiosk_id}: ticket {w.ticket} for {service} "
             f"({'printed on the printer simulator' if printed else 'on screen'})")
        kiosk.tap("done")
        if board_trace is not None:  # calls are not retained: the announcer must be listening first
            _wait_traced(board_trace, "listening", None, timeout, "the announcer is not listening")
        with HallClient(url, config.id, caller.id, watch_state=True) as desk:
            try:
                desk.request("staff_login", staff=staff, timeout=timeout)
                reply = desk.request("call_next", timeout=timeout)
            except ReplyTimeout as err:
                raise CitizenLost(f"caller: {err}") from None
            called = (reply.get("data") or {}).get("ticket")
            if reply.get("status") != "ok" or called != w.ticket:
                raise CitizenLost(f"caller: call_next answered {reply}, not ticket {w.ticket}")
            w.called_at = window
            note(f"  2. 叫号 {caller.id}: staff {staff} at window {window} called {called}")
            board = desk.topics.board()
            try:
                desk.wait_for(lambda: w.ticket in str(desk.state_of(board) or ""), timeout, "the board")
            except Exception as err:  # noqa: BLE001 - a wait's own timeout error
                raise CitizenLost(f"board: {w.ticket} not on state/board: {err}") from None
            if board_trace is not None:
                _wait_traced(board_trace, "playing", w.ticket, timeout, f"the announcer did not play the call of "
                                                                         f"{w.ticket}")
                w.announced = f"{w.ticket}号请到{window}号窗口"
                note(f"  3. 播报 board + voice: {w.ticket} is on the board, and the voice played 「{w.announced}」")
            else:
                note(f"  3. 上屏 board: {w.ticket} is on the board")
            reply = desk.request("finish", timeout=timeout)
            if reply.get("status") != "ok":
                raise CitizenLost(f"caller: finish answered {reply}")
            w.finished = True
            note(f"  4. 办结 window {window}: {w.ticket} finished")
        w.rated = _rate(config, url, window, w.ticket, timeout, note)
        w.card_ticket = _by_id_card(kiosk, reader, printer, service, window, timeout, note)
    except KioskStuck as err:
        raise CitizenLost(str(err)) from None
    finally:
        kiosk.stop()
        reader.stop()
        printer.stop()
    return w


ELDER = "resident_long_term"  # 李*英, born 1955: the green channel (绿色通道) by age


def _by_id_card(kiosk: KioskDriver, reader: IdCardSimulator, printer: PrinterSimulator, service: str, window: str,
                timeout: float, note) -> str:
    """An elderly citizen lays her card on the reader, touches ``service``; the ticket printed
    is read back from the printer simulator's decoded bytes."""
    holder = demo_cards()[ELDER]
    printed = len(printer.tickets())
    reader.place(demo_virtual_cards()[ELDER])
    kiosk.pump(lambda: kiosk.flow.person is not None, "ID card read", timeout)
    kiosk.tap("take", service)
    kiosk.pump(lambda: kiosk.flow.screen == "ticket" and len(printer.tickets()) > printed,
               "ticket by ID card", timeout)
    number = kiosk.flow.view().number
    paper = printer.last_ticket()
    kiosk.tap("done")
    reader.lift()
    lines = [item.text.strip() for item in paper if isinstance(item, TextLine) and item.text.strip()]
    qr = next((item.payload for item in paper if isinstance(item, QrCode)), "")
    if not any(number in line for line in lines) or not qr:
        raise CitizenLost(f"printer: the ticket {number} is not what was printed: {lines} QR {qr!r}")
    note(f"  6. 刷身份证 {kiosk.flow.settings.device}: {holder.masked_name} ({holder.age_on(kiosk.flow.now_local().date())}) laid her "
         f"ID card on the reader simulator and touched {service}; ticket {number}, printed:")
    note("       " + " | ".join(lines))
    note(f"       QR {qr}")
    note(f"     {number} waits for window {window}: the call_next line above calls it")
    return number
