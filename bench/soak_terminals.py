"""The soak's terminals, each in a process of its own so that its RSS is its own: the kiosk
(presenter and runtime, driven by touches), the soft caller (presenter and link, driven by
its buttons) and the rating pad (presenter and link, a citizen tapping a face). bench/soak.py
starts them and drives them line by line: it writes a command on stdin, the terminal answers
with one line on stdout (``ready`` once it is connected, ``error ...`` when something failed).

``python -m bench.soak_terminals kiosk|caller|pad BROKER_URL HALL_FILE``

- kiosk: ``take`` → ``ticket H001`` (a touch on the help desk's tile, screen-only ticket) or
  ``refused``;
- caller (window 9): ``sign_in`` → ``signed_in`` (waits until the window is closed, as after
  the day's end, then the clerk's number and PIN); ``serve`` → ``served H001`` (呼叫下一位,
  then 办结);
- pad (window 9): ``rate`` → ``rated H001`` (waits for the ask, taps the best face; the
  thank-you then runs its course on the pad's own clock, moved on so the next ask is not
  kept waiting six seconds).
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time
from typing import Callable

WINDOW, STAFF, SERVICE = "9", "0104", "help"
TIMEOUT = 60.0


def serve(handlers: dict[str, Callable[[], str]]) -> None:
    """Answer commands from stdin, one line each, until ``quit`` or the end of input."""
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        try:
            answer = handlers[command]()
        except Exception as err:  # the bench reports it and stops
            answer = f"error {type(err).__name__}: {err}"
        print(answer, flush=True)


def kiosk(url: str, hall: str) -> None:
    from hall.config import load_hall
    from kiosk.driver import KioskDriver
    from kiosk.runtime import DeviceUrls

    driver = KioskDriver(load_hall(hall), url, DeviceUrls(), b"soak-key")
    flow, tap = driver.flow, driver.tap

    def pump(until, what: str) -> None:
        driver.pump(until, what, TIMEOUT)

    def take() -> str:
        pump(lambda: flow.online and flow.screen == "home", "home screen")
        tap("take", SERVICE)
        pump(lambda: flow.screen in ("ticket", "refused"), "ticket")
        if flow.screen == "refused":
            tap("home")
            return "refused"
        number = flow.view().number
        tap("noted" if flow.view().button("noted") else "done")
        return f"ticket {number}"

    try:
        pump(lambda: flow.online and flow.catalogue.services, "connection")
        serve({"take": take})
    finally:
        driver.stop()


def caller(url: str, hall: str) -> None:
    from caller.link import CallerLink
    from caller.presenter import CallerPresenter
    from caller.rehearsal import PIN
    from hall.config import load_hall
    from hall.service.bus import parse_broker_url

    presenter = CallerPresenter(load_hall(hall), f"caller-{WINDOW}", send=lambda p: False)
    changed = threading.Condition()

    def post(change) -> None:  # paho's thread: the presenter is touched under the condition's lock
        with changed:
            change()
            changed.notify_all()

    link = CallerLink(presenter, parse_broker_url(url), post)

    def wait(until, what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        with changed:
            while not until():
                if time.monotonic() > deadline:
                    notice = presenter.notice.text if presenter.notice else ""
                    raise RuntimeError(f"caller: no {what} ({presenter.situation()}, {notice})")
                presenter.tick()
                changed.wait(0.5)

    def act(what) -> None:
        with changed:
            what()

    def idle() -> bool:
        return presenter.pending is None and presenter.situation() == "idle"

    def sign_in() -> str:
        wait(lambda: presenter.situation() == "signed_out" and presenter.view().online, "closed window")
        act(lambda: presenter.sign_in(STAFF, PIN))
        wait(idle, "sign-in")
        return "signed_in"

    def serve_one() -> str:
        act(lambda: presenter.press("call_next"))
        wait(lambda: presenter.pending is None and presenter.situation() == "called", "call")
        with changed:
            number = presenter.window_state["ticket"]["number"]
        act(lambda: presenter.press("finish"))
        wait(idle, "finish")
        return f"served {number}"

    link.start()
    try:
        serve({"sign_in": sign_in, "serve": serve_one})
    finally:
        link.stop()


def pad(url: str, hall: str) -> None:
    from hall.config import load_hall
    from hall.rating_phone import seal
    from rating.link import PadLink
    from rating.presenter import PadPresenter

    config = load_hall(hall)
    presenter = PadPresenter(WINDOW, sealer=lambda phone: seal(b"soak-key", phone))
    inbox: queue.Queue = queue.Queue()
    link = PadLink(url, config.id, f"pad-{WINDOW}", WINDOW, lambda kind, value: inbox.put((kind, value)))
    skew = [0.0]  # the pad's clock, moved on past each thank-you

    def now() -> float:
        return time.time() + skew[0]

    def pump(until, what: str) -> None:
        """As the app does on its main thread: tick, send what the presenter queued, apply what came."""
        deadline = time.monotonic() + TIMEOUT
        p = presenter
        while True:
            p.tick(now())
            while p.outbox:
                link.send(*p.outbox.pop(0))
            if until():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"pad: no {what} (screen {p.screen})")
            try:
                kind, value = inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            if kind == "pad":
                p.on_pad_state(value)
            elif kind == "reply":
                p.on_reply(value, now())
            elif kind == "connected":
                p.on_connection(value)
            elif kind == "hub":
                p.on_hub_status(value)

    def rate() -> str:
        pump(lambda: presenter.screen == "asking", "ask")
        number = presenter.ask["ticket"]
        best = next(level["code"] for level in presenter.pad["levels"] if not level["bad"])
        presenter.choose(best, now())
        pump(lambda: presenter.screen == "thanks", "thank-you")
        skew[0] += presenter.thanks_until - now()  # the citizen walks away; the pad goes back to idle
        pump(lambda: presenter.screen != "thanks", "the end of the thank-you")
        return f"rated {number}"

    link.start()
    try:
        pump(lambda: presenter.connected, "connection")
        serve({"rate": rate})
    finally:
        link.stop()


if __name__ == "__main__":
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    role, broker_url, hall_file = sys.argv[1:4]
    {"kiosk": kiosk, "caller": caller, "pad": pad}[role](broker_url, hall_file)
