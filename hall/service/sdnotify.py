"""systemd's notify protocol (sd_notify(3)) without a C library: READY, WATCHDOG, STATUS, STOPPING.

Every Yichuang process runs as a ``Type=notify`` unit with ``WatchdogSec=``: it says READY=1 once
it serves, and feeds the watchdog from its *main loop* (the hub's request loop, a Kivy app's
clock), so a process whose loop hangs stops feeding and systemd restarts it. Outside systemd
(no ``NOTIFY_SOCKET``) every call is a no-op, so the same code runs in tests and demos.
"""
from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger("yichuang.sdnotify")


def notify(*fields: str) -> bool:
    """Send ``KEY=VALUE`` lines to systemd; False when not under systemd or the socket fails."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not fields:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall("\n".join(fields).encode("utf-8"))
        return True
    except OSError as err:
        log.warning("cannot tell systemd %s: %s", fields[0], err)
        return False


def watchdog_seconds() -> float | None:
    """The watchdog period systemd set for this process (``WATCHDOG_USEC``), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    # A terminal app runs as the child of its kiosk compositor (cage), which is the unit's main
    # process: its unit sets YC_WATCHDOG_CHILD=1 and NotifyAccess=all so the app feeds for it.
    if not usec or (pid and pid != str(os.getpid()) and not os.environ.get("YC_WATCHDOG_CHILD")):
        return None
    try:
        seconds = int(usec) / 1_000_000
    except ValueError:
        return None
    return seconds if seconds > 0 else None


class Watchdog:
    """Feeds systemd's watchdog at most every half period, from whatever loop calls ``feed``.

    >>> dog = Watchdog()          # outside systemd: feed() does nothing
    >>> dog.ready("serving")
    False
    """

    def __init__(self, clock=time.monotonic) -> None:
        period = watchdog_seconds()
        self.every = period / 2 if period else None
        self._clock = clock
        self._last = float("-inf")

    def ready(self, status: str = "") -> bool:
        fields = ["READY=1"] + ([f"STATUS={status}"] if status else [])
        return notify(*fields)

    def status(self, text: str) -> bool:
        return notify(f"STATUS={text}")

    def feed(self) -> bool:
        """Call from the main loop; sends WATCHDOG=1 when half the period has passed."""
        if self.every is None:
            return False
        now = self._clock()
        if now - self._last < self.every:
            return False
        self._last = now
        return notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return notify("STOPPING=1")


def kivy_watchdog(status: str, every: float = 1.0) -> Watchdog:
    """For a Kivy app, called from its ``build``: READY=1 now, and the watchdog fed from Kivy's
    clock, so a frozen UI thread stops feeding and systemd restarts the terminal. Call
    ``stopping()`` on the result from the app's ``on_stop``."""
    from kivy.clock import Clock

    dog = Watchdog()
    dog.ready(status)

    def on_clock(_dt) -> None:  # returns None: a callback that returns False is unscheduled by Kivy
        dog.feed()  # (feed() is False when it is not yet time to send)

    dog.on_clock = on_clock  # Kivy's clock may hold its callbacks weakly: the dog keeps its own
    Clock.schedule_interval(on_clock, every)
    return dog
