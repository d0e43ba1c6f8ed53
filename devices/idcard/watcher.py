"""Poll a reader in the background and hand each newly placed card to the app.

The kiosk's loop: every ``interval`` seconds try ``read_card``; a card read is passed to
``on_card`` once; changes of the reader's condition (disconnected, reconnected, card still
lying there, a card that cannot be read) are passed to ``on_status`` once each, with
``None`` meaning "ready, waiting for a card". Callbacks run on the watcher's thread: a Kivy
app hands them to the UI with ``Clock.schedule_once``.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from devices.errors import DeviceError
from devices.idcard.driver import CardRead, IdCardReader

log = logging.getLogger("devices.idcard")
IDLE_CODES = frozenset({"no_card"})


class CardWatcher:
    def __init__(self, reader: IdCardReader, on_card: Callable[[CardRead], None],
                 on_status: Callable[[DeviceError | None], None] | None = None, *,
                 interval: float = 0.3, **read_options) -> None:
        self.reader = reader
        self.on_card = on_card
        self.on_status = on_status
        self.interval = interval
        self.read_options = read_options
        self._status: str | None = "starting"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> CardRead | DeviceError | None:
        """One attempt; returns what happened and calls the callbacks."""
        try:
            read = self.reader.read_card(**self.read_options)
        except DeviceError as err:
            self._report(None if err.code in IDLE_CODES else err)
            return err
        self._report(None)
        self.on_card(read)
        return read

    def _report(self, err: DeviceError | None) -> None:
        code = err.code if err else None
        if code == self._status:
            return
        self._status = code
        if self.on_status is not None:
            self.on_status(err)

    def start(self) -> "CardWatcher":
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="idcard-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # a callback's bug must not stop the reader
                log.exception("idcard watcher: callback failed")
            self._stop.wait(self.interval)
