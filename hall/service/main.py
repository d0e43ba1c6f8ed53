"""`yichuang hub --config F --db F --broker mqtt://HOST:PORT`: the hall's service on the bus.

Runs until SIGINT or SIGTERM, then says ``offline`` and leaves. kill -9 is safe: every
answered request was committed first, and what was committed but not yet published goes out
on the next start.

For tests and demos only: ``--clock 2025-03-04T10:00`` starts the hub's clock at that hall
local time (it then runs at normal speed), ``--always-open`` treats the hall as open
00:00-24:00 every day, and ``--next-day-on-signal`` lets SIGUSR1 move the hub's clock on by one
hall day (compressed hall days: the soak rolls the day a hundred times in an hour). None of
them belongs in a real hall.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from hall.backup import DamagedDatabase, ensure_sound
from hall.clock import HallCalendar
from hall.config import ConfigError, HallConfig, Hours, load_hall
from hall.service.bus import parse_broker_url
from hall.service.hub import Hub
from hall.store import HallStore, StoreError

ALL_DAY = Hours(((0, 24 * 60),))


def always_open(config: HallConfig) -> HallConfig:
    """The same hall, open 00:00-24:00 every day of the week, every service (demos and tests)."""
    services = {code: dataclasses.replace(s, hours=None) for code, s in config.services.items()}
    return dataclasses.replace(config, hours=ALL_DAY, weekdays=(1, 2, 3, 4, 5, 6, 7), closed_days=(),
                               services=services)


def clock_from(start: str | None, config: HallConfig) -> Callable[[], float]:
    """The wall clock, or one that starts at ``start`` (hall local time) and runs on from there."""
    if start is None:
        return time.time
    return SteppingClock(HallCalendar(config), start)


class SteppingClock:
    """TESTS/DEMOS ONLY: the wall clock moved by an offset. It starts at ``start`` (hall local
    time; now when None) and runs on at normal speed; ``next_day()`` moves it on to the same
    time of day on the next date, so the hall day rolls at the hub's next tick."""

    def __init__(self, calendar: HallCalendar, start: str | None = None):
        self.calendar = calendar
        self.offset = 0.0 if start is None else calendar.epoch(start) - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset

    def next_day(self) -> None:
        now = self.calendar.local(self())
        later = now + dt.timedelta(days=1)  # the same local time of day (zoneinfo arithmetic is wall time)
        self.offset += later.timestamp() - now.timestamp()


def parser(prog: str = "yichuang hub") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--db", required=True, help="hall database (created if missing)")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883",
                   help="mqtt://[user[:password]@]HOST:PORT (default %(default)s)")
    p.add_argument("--password-file", help="read the broker password from this file (not the command line)")
    p.add_argument("--backup-dir", help="where the nightly backups are (default: backups/ beside the database); "
                   "named when the database fails its check at start")
    p.add_argument("--uplink", action="store_true",
                   help="send every committed event up to the county (the hall's broker bridges up/# and down/#)")
    p.add_argument("--uplink-stall", type=float, default=30.0,
                   help="seconds without the county's acknowledgement before sending again from it (default 30)")
    p.add_argument("--tick", type=float, default=30.0, help="seconds between day/tidal checks (default 30)")
    p.add_argument("--clock", metavar="ISO", help="TESTS/DEMOS ONLY: start the hub's clock at this local time")
    p.add_argument("--always-open", action="store_true", help="TESTS/DEMOS ONLY: open 00:00-24:00 every day")
    p.add_argument("--next-day-on-signal", action="store_true",
                   help="TESTS/DEMOS ONLY: SIGUSR1 moves the hub's clock on by one day (compressed hall days)")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return p


def prepare(args: argparse.Namespace) -> tuple[HallConfig, HallStore, Hub]:
    """Load the hall, open the store and build the hub from parsed options (shared with the demo)."""
    config = load_hall(args.config)
    if args.always_open:
        config = always_open(config)
    broker = parse_broker_url(args.broker)
    if args.password_file:
        broker = dataclasses.replace(broker, password=Path(args.password_file).read_text().strip())
    clock = clock_from(args.clock, config)
    if getattr(args, "next_day_on_signal", False) and not isinstance(clock, SteppingClock):
        clock = SteppingClock(HallCalendar(config))
    ensure_sound(Path(args.db), Path(args.backup_dir) if args.backup_dir else None)
    store = HallStore(args.db, config, clock=clock)
    return config, store, Hub(store, broker, clock=clock, tick_seconds=args.tick,
                                 uplink=getattr(args, "uplink", False), uplink_stall=getattr(args, "uplink_stall", 30.0))


def stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


def next_day_on_signal(hub: Hub) -> None:
    """TESTS/DEMOS ONLY: SIGUSR1 moves the hub's clock on by one day and has it tick at once.
    The handler only moves the clock and sets a flag; the day rolls on the hub's own thread at
    the next turn of its loop, between two requests, as at the real day boundary."""

    def jump(*_) -> None:
        hub.clock.next_day()
        hub.tick_soon()

    signal.signal(signal.SIGUSR1, jump)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    try:
        config, store, hub = prepare(args)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except DamagedDatabase as err:
        print(f"yichuang hub: {err}", file=sys.stderr)
        return 2
    except (ValueError, OSError, StoreError) as err:
        print(f"yichuang hub: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    stop_on_signals(stop)
    if args.next_day_on_signal:
        next_day_on_signal(hub)
    logging.getLogger("yichuang.hub").info("hub for %s (%s) on %s, database %s", config.name, config.id,
                                           hub.bus.address, args.db)
    try:
        hub.run(stop)
    finally:
        store.close()
    return 0
