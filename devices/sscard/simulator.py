"""`yichuang sim sscard`: put a virtual 社会保障卡 into pcscd's virtual reader.

The card connects to the vsmartcard ``vpcd`` port of the running pcscd (Debian's
``/etc/reader.conf.d/vpcd`` listens on 35963 = slot ``Virtual PCD 00 00``), prints the
reader name a kiosk opens as ``pcsc://<name>``, and stays in the reader until Ctrl-C.
If pcscd restarts, the card plugs itself in again. ``--start-pcscd`` starts a pcscd of
its own when none is running (a demo machine without the pcscd service).
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from devices.sscard import pcscd
from devices.sscard.vcard import DEFAULT_ATR, CardData, SocialSecurityCardApplet, VirtualCardLink


class Simulator:
    """A virtual card kept inserted in one vpcd slot, re-inserted if the link drops."""

    def __init__(self, applet: SocialSecurityCardApplet, port: int, *,
                 host: str = "127.0.0.1", atr: bytes = DEFAULT_ATR) -> None:
        self.link = VirtualCardLink(applet, port, host=host, atr=atr)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def serve_forever(self, poll: float = 0.5) -> None:
        while not self._stop.is_set():
            if not self.link.inserted:
                try:
                    self.link.insert()
                except OSError:
                    pass  # pcscd not (yet) listening: try again
            self._stop.wait(poll)
        self.link.remove()

    def start(self) -> "Simulator":
        self._thread = threading.Thread(target=self.serve_forever, name="sim-sscard", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self.link.remove()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang sim sscard", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1", help="where pcscd's vpcd listens")
    p.add_argument("--port", type=int, default=None,
                   help="vpcd port (default: the running pcscd's first vpcd slot)")
    p.add_argument("--start-pcscd", action="store_true",
                   help="start a pcscd of our own if none is running")
    p.add_argument("--t0", action="store_true", help="answer T=0 style (61xx, 6Cxx)")
    p.add_argument("--pin", help="require this PIN before the holder file can be read")
    p.add_argument("--name", default=CardData.name, help="holder name (fictional)")
    p.add_argument("--id-number", default=CardData.id_number, help="ID number (fictional)")
    p.add_argument("--name-length", type=int, default=30,
                   help="bytes the name record is padded to (not 30 -> 6Cxx for a T=0 reader)")
    return p


def _interrupt(signum, frame):  # SIGTERM ends the demo like Ctrl-C does
    raise KeyboardInterrupt


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    own = None
    if not pcscd.pcscd_answers():
        if not args.start_pcscd:
            print("pcscd is not running: start it (systemctl start pcscd) or pass --start-pcscd",
                  file=sys.stderr)
            return 1
        own = pcscd.PcscdProcess()
        own.start()
    port = args.port or (own.port if own else pcscd.running_vpcd_ports()[0])
    data = CardData(name=args.name, id_number=args.id_number, name_length=args.name_length)
    sim = Simulator(SocialSecurityCardApplet(data=data, t0=args.t0, pin=args.pin), port,
                    host=args.host).start()
    try:
        reader = pcscd.find_reader_for_atr(DEFAULT_ATR, timeout=5.0)
        print(f"virtual social-security card {data!r} in vpcd port {port}", flush=True)
        if reader:
            print(f"reader: pcsc://{reader}", flush=True)
        else:
            print("the card did not show up in any reader: is vpcd on that port?", flush=True)
        print("Ctrl-C to pull the card out", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
        if own is not None:
            own.stop()
    return 0
