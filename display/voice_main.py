"""`yichuang voice --config HALL.toml`: the announcer alone, for a hall whose speakers hang on
another PC than the board's (run the board with ``--no-voice`` then).

Generates the clip pack on first use, listens to the call events and says each one as the
hall file's ``[voice]`` asks. Runs until SIGINT/SIGTERM (or ``--for SECONDS``).
"""
from __future__ import annotations

import argparse
import logging
import queue
import sys
import threading

from hall.config import ConfigError, load_hall
from hall.service.main import clock_from, stop_on_signals
from hall.service.sdnotify import Watchdog
from display.feed import Feed, Trace, add_connection_options, password_of, pick_device
from display.terminal import DisplayCore

log = logging.getLogger("yichuang.voice")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang voice", description="the call announcer (叫号语音) alone")
    add_connection_options(p, "the [[device]] id to connect as (default: the first board of the hall file)")
    p.add_argument("--for", dest="seconds", type=float, help="TESTS: stop after this many seconds")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = p.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        config = load_hall(args.config)
        device = pick_device(config, args.device, ("board",))
    except (ConfigError, ValueError) as err:
        print(f"yichuang voice: {err}", file=sys.stderr)
        return 2
    from display.apps import _start_voice

    voice = _start_voice(config)
    if voice is None:
        return 1
    inbox: queue.Queue = queue.Queue()
    trace = Trace(args.trace)
    core = DisplayCore(config, clock=clock_from(args.clock, config), voice=voice, announce=True, trace=trace)
    feed = Feed(args.broker, config, device, lambda kind, value: inbox.put((kind, value)), events=True,
                password=password_of(args)).start()
    stop = threading.Event()
    stop_on_signals(stop)
    if args.seconds is not None:
        threading.Timer(args.seconds, stop.set).start()
    log.info("announcing the calls of %s (%s) as %s", config.name, config.id, device)
    watchdog = Watchdog()  # systemd: yichuang-voice.service is Type=notify with a watchdog
    watchdog.ready(f"announcing {config.id}")
    try:
        while not stop.is_set():
            watchdog.feed()
            try:
                kind, value = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if kind == "connected":
                log.info("connected to %s", feed.bus.address)
                trace("listening", value, "-")  # subscribed: a call from now on is heard
            elif kind == "disconnected":
                log.warning("lost the broker (%s); reconnecting", value)
            core.handle(kind, value)
    finally:
        watchdog.stopping()
        feed.stop()
        voice.close()  # the call being said is finished; a backlog is not said on the way out
    return 0
