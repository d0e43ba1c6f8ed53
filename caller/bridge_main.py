"""`yichuang keypad-bridge --config HALL.toml --device bridge-1`: keypads, 433 MHz buttons and
LED bars on the hall's bus.

The ports come from the bridge's ``[[device]]`` (``bus``, ``receiver``, ``ledbars``), the
keypad addresses, transmitter ids and bar addresses from the ``[[window]]`` entries
(``keypad``, ``remote``, ``ledbar``); docs/caller.md has an example. Every press is journaled
(``--journal``, SQLite) before the keypad is told it arrived.
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.service.bus import parse_broker_url


def default_journal(device: str) -> str:
    for directory in (os.environ.get("STATE_DIRECTORY", "").split(":")[0], "/var/lib/yichuang"):
        if directory and os.path.isdir(directory) and os.access(directory, os.W_OK):
            return os.path.join(directory, f"{device}-journal.sqlite")
    return f"{device}-journal.sqlite"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang keypad-bridge", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--device", required=True, help="this bridge's [[device]] id, e.g. bridge-1")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883",
                   help="mqtt://[user[:password]@]HOST:PORT (default %(default)s)")
    p.add_argument("--password-file", help="read the broker password from this file (not the command line)")
    p.add_argument("--journal", help="the press journal (default $STATE_DIRECTORY, /var/lib/yichuang or the "
                                     "working directory, whichever is writable: <device>-journal.sqlite)")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = p.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    try:
        config = load_hall(args.config)
        broker = parse_broker_url(args.broker)
        if args.password_file:
            broker = dataclasses.replace(broker, password=Path(args.password_file).read_text().strip())
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError) as err:
        print(f"yichuang keypad-bridge: {err}", file=sys.stderr)
        return 2
    from caller.bridge import KeypadBridge

    try:
        bridge = KeypadBridge(config, args.device, broker, args.journal or default_journal(args.device))
    except (ValueError, OSError) as err:
        print(f"yichuang keypad-bridge: {err}", file=sys.stderr)
        return 2
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: bridge.stop())
    try:
        bridge.run()
    finally:
        logging.getLogger("yichuang.bridge").info("bridge stopped: %s", bridge.counts)
    return 0
