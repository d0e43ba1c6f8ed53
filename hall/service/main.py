"""`yichuang hub --config F --db F --broker mqtt://HOST:PORT`: the hall's service on the bus.

Runs until SIGINT or SIGTERM, then says ``offline`` and leaves. kill -9 is safe: every
answered request was committed first, and what was committed but not yet published goes out
on the next start.

For tests and demos only: ``--clock 2025-03-04T10:00`` starts the hub's clock at that hall
local time (it then runs at normal speed), and ``--always-open`` treats the hall as open
00:00-24:00 every day. Neither belongs in a real hall.
"""
from __future__ import annotations

import argparse
import dataclasses
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
    offset = HallCalendar(config).epoch(start) - time.time()
    return lambda: time.time() + offset


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
    ensure_sound(Path(args.db), Path(args.backup_dir) if args.backup_dir else None)
    store = HallStore(args.db, config, clock=clock)
    return config, store, Hub(store, broker, clock=clock, tick_seconds=args.tick,
                                 uplink=getattr(args, "uplink", False), uplink_stall=getattr(args, "uplink_stall", 30.0))


def stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


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
    logging.getLogger("yichuang.hub").info("hub for %s (%s) on %s, database %s", config.name, config.id,
                                           hub.bus.address, args.db)
    try:
        hub.run(stop)
    finally:
        store.close()
    return 0
