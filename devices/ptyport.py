"""A pseudo-terminal a simulator serves: the device's side of a serial cable with no hardware.

``start()`` opens a pty pair in raw mode and returns the path a driver opens (the slave
``/dev/pts/N``, or a stable symlink when ``link`` is given, so a driver configured with that
path finds the simulator again after it restarts). A thread reads what the driver writes and
hands it to ``handler(data) -> reply bytes or None``. By default the simulator keeps its own
slave fd open, so the master never sees EIO while the driver reconnects; with
``hold_slave=False`` it does not, and ``attached()`` tells whether a driver has the port open.

Every simulator serves its device this way (ID card reader, scanner, printer, keypad, LED
bar), through ``OnPty``.
"""
from __future__ import annotations

import logging
import os
import pty
import select
import signal
import sys
import threading
import time
import tty
from typing import Callable

log = logging.getLogger(__name__)


class PtyPort:
    def __init__(self, handler: Callable[[bytes], bytes | None], link: str | None = None,
                 hold_slave: bool = True):
        self.handler = handler
        self.link = link
        self.hold_slave = hold_slave
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

    @property
    def slave_fd(self) -> int:
        """The simulator's own fd of the slave (termios: the line speed a driver set); -1 if
        not held."""
        return self._slave

    def start(self) -> str:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.slave_name = os.ttyname(self._slave)
        if not self.hold_slave:  # a driver's open() is then visible: the master stops hanging up
            os.close(self._slave)
            self._slave = -1
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
        """Send bytes to the driver (a reply, or an unsolicited frame such as a key press).
        Waits while the line is full; gives up when the port is stopped or nobody is there."""
        view = memoryview(data)
        with self._write_lock:
            while view and self._master >= 0:
                try:
                    view = view[os.write(self._master, view):]
                except BlockingIOError:
                    select.select([], [self._master], [], 0.05)
                    if self._stop.is_set():
                        return
                except OSError:  # no driver on the other end: the bytes are lost, as on a cable
                    return

    def attached(self, timeout: float = 0.0) -> bool:
        """Has a driver opened the port (``hold_slave=False`` only)? Waits up to ``timeout``."""
        deadline = time.monotonic() + timeout
        poller = select.poll()
        poller.register(self._master, select.POLLIN)
        while True:
            if not dict(poller.poll(0)).get(self._master, 0) & select.POLLHUP:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

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

    def __enter__(self) -> "PtyPort":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

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

    @property
    def url(self) -> str:
        return f"serial://{self.path}"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_console(self, banner: str, on_words: Callable[[list[str]], object] | None = None, *,
                      on_line: Callable[[str], object] | None = None,
                      then: Callable[[], object] | None = None, baudrate: int = 9600) -> int:
        """``yichuang sim``'s loop: open the pty, print where to connect, run ``then()``, hand
        every operator line from stdin to ``on_line`` (as typed) or ``on_words`` (split, blank
        lines skipped) until 'quit', then serve until Ctrl-C or SIGTERM (both end it cleanly:
        the pty and its link go away, exit status 0)."""
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
        try:
            path = self.start()
            shown = f"{banner} on {path}" + (f" (pty {self.port.slave_name})" if path != self.port.slave_name else "")
            print(f"{shown}  (connect with serial://{path}?baudrate={baudrate})", flush=True)
            if then is not None:
                then()
            for raw in sys.stdin:
                line = raw.rstrip("\r\n")
                words = line.split()
                if words[:1] in (["quit"], ["exit"]):
                    break
                if on_line is not None:
                    on_line(line)
                elif words and on_words is not None:
                    on_words(words)
            else:
                threading.Event().wait()  # stdin closed: serve until Ctrl-C
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            if main:
                signal.signal(signal.SIGTERM, previous)
        return 0


def _interrupt(signum, frame):  # SIGTERM ends a simulator like Ctrl-C does
    raise KeyboardInterrupt
