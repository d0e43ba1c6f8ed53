"""`yichuang caller --config HALL.toml --device caller-3`: the soft caller on the window PC.

A compact window that stays on top beside the clerk's business software: ``--layout strip``
(1366x200, along the screen's edge) or ``--layout panel`` (400x768, at its side). It connects
to the hall's broker as its ``[[device]]`` and acts only for that device's window. With
``ledbars`` on the device in the hall file it also drives the window's LED bar (caller/ledbar.py).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.service.bus import parse_broker_url


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang caller", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--device", required=True, help="this caller's [[device]] id, e.g. caller-3")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883",
                   help="mqtt://[user[:password]@]HOST:PORT (default %(default)s)")
    p.add_argument("--password-file", help="read the broker password from this file (not the command line)")
    p.add_argument("--layout", choices=("strip", "panel"), default="strip",
                   help="strip: 1366x200; panel: 400x768 (default strip)")
    p.add_argument("--fullscreen", action="store_true",
                   help="fill the screen (a PC used only as the caller, e.g. under yichuang-terminal@)")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
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
        print(f"yichuang caller: {err}", file=sys.stderr)
        return 2
    device = config.devices.get(args.device)
    if device is None or device.role != "caller":
        callers = ", ".join(d.id for d in config.devices.values() if d.role == "caller") or "none"
        print(f"yichuang caller: {args.device!r} is not a caller in {args.config} (callers: {callers})",
              file=sys.stderr)
        return 2
    from caller import theme

    layout = theme.LAYOUTS[args.layout]
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(layout.size[0]))
    Config.set("graphics", "height", str(layout.size[1]))
    Config.set("graphics", "resizable", "1")
    if args.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from caller.window import run_caller

    return run_caller(config, args.device, broker, layout)
