"""A pseudo-terminal a simulator serves: the device's side of a serial cable with no hardware.

``start()`` opens a pty pair in raw mode and returns the path a driver opens (the slave
``/dev/pts/N``, or a stable symlink when ``link`` is given, so a driver configured with that
path finds the simulator again after it restarts). A thread reads what the driver writes and
hands it to ``handler(data) -> reply bytes or None``. The simulator keeps its own slave fd
open, so the master never sees EIO while the driver reconnects.

Shared by the printer, keypad and LED bar simulators (a candidate for ``devices/`` itself).
"""
from __future__ import annotations

import logging
import os
import pty
import select
import sys
import threading
import tty
from typing import Callable

log = logging.getLogger(__name__)


class PtyPort:
    def __init__(self, handler: Callable[[bytes], bytes | None], link: str | None = None):
        self.handler = handler
        self.link = link
        self.slave_name = ""
        self._master = self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    @property
    def path(self) -> str:
        return self.link or self.slave_name

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        self.slave_name = os.ttyname(self._slave)
        if self.link:
            tmp = f"{self.link}.{os.getpid()}.tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(self.slave_name, tmp)
            os.replace(tmp, self.link)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"pty {self.path}", daemon=True)
        self._thread.start()
        return self.path

    def write(self, data: bytes) -> None:
        """Send bytes to the driver (an unsolicited frame, e.g. a key press)."""
        with self._write_lock:
            if self._master >= 0:
                os.write(self._master, data)

    def stop(self) -> None:
        """Close the pty (the device "disappears"); the link is removed."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
            self._thread = None
        with self._write_lock:
            for fd in (self._master, self._slave):
                if fd >= 0:
                    os.close(fd)
            self._master = self._slave = -1
        if self.link and os.path.islink(self.link) and os.readlink(self.link) == self.slave_name:
            os.unlink(self.link)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self._master, 4096)
            except OSError:
                if self._stop.wait(0.05):
                    return
                continue
            if not data:
                continue
            try:
                reply = self.handler(data)
            except Exception:  # a simulator bug must not kill the port
                log.exception("simulator handler failed on %r", data[:64])
                continue
            if reply:
                self.write(reply)


class OnPty:
    """For a simulator that serves its device on ``self.port`` (a PtyPort)."""

    port: PtyPort

    def start(self) -> str:
        """Open the pseudo-terminal; returns the path to give the driver."""
        return self.port.start()

    def stop(self) -> None:
        self.port.stop()

    @property
    def path(self) -> str:
        return self.port.path

    def serve_console(self, banner: str, on_words: Callable[[list[str]], object]) -> int:
        """``yichuang sim``'s loop: open the pty, print where to connect, hand every operator
        line from stdin to ``on_words`` until 'quit', then serve until Ctrl-C."""
        path = self.start()
        print(f"{banner} on {path}  (connect with serial://{path}?baudrate=9600)", flush=True)
        try:
            for raw in sys.stdin:
                words = raw.split()
                if words[:1] in (["quit"], ["exit"]):
                    break
                if words:
                    on_words(words)
            else:
                threading.Event().wait()  # stdin closed: serve until Ctrl-C
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
        return 0
