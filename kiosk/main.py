"""`yichuang kiosk --config HALL.toml --device kiosk-1 [--broker URL] [--fullscreen]`.

Runs the kiosk (取号机) for one ``[[device]]`` of the hall file: its card readers, scanner and
printer are the URLs of that entry (``--idcard`` … override them, e.g. for a simulator's
pty). ``--size 1080x1920`` sets the window for a try-out; ``--fullscreen`` is the hall's mode.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from hall.config import ConfigError, load_hall


def parse_args(argv):
    p = argparse.ArgumentParser(prog="yichuang kiosk", description="the kiosk (取号机)")
    p.add_argument("--config", required=True, help="the hall file (TOML)")
    p.add_argument("--device", default="kiosk-1", help="this kiosk's [[device]] id")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://[user:password@]host:port")
    p.add_argument("--fullscreen", action="store_true", help="fullscreen without decorations (the hall's mode)")
    p.add_argument("--size", default=None, help="window size for a try-out, e.g. 1080x1920")
    for dev in ("idcard", "sscard", "scanner", "printer"):
        p.add_argument(f"--{dev}", default=None, help=f"{dev} URL (overrides the hall file)")
    p.add_argument("--idle-seconds", type=int, default=None)
    p.add_argument("--demo-key", action="store_true",
                   help="TESTS/DEMOS ONLY: hash ID numbers with a fixed, public key instead of the hall's")
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    from hall.service.bus import parse_broker_url
    from kiosk.settings import KioskConfigError, hall_key, kiosk_settings

    try:
        overrides = {"idcard": args.idcard, "sscard": args.sscard, "scanner": args.scanner,
                     "printer": args.printer, "idle_seconds": args.idle_seconds}
        settings, urls, inches = kiosk_settings(config, args.device, overrides)
        key = b"yichuang-demo-key-not-secret" if args.demo_key else hall_key(config)
        parse_broker_url(args.broker)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (KioskConfigError, ValueError) as err:
        print(f"yichuang kiosk: {err}", file=sys.stderr)
        return 2
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")  # SIGTERM is ours: stop cleanly (systemd, the demo)
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    if args.size:
        w, h = args.size.lower().split("x")
        Config.set("graphics", "width", w)
        Config.set("graphics", "height", h)
    from kiosk.app import KioskApp
    from kiosk.flow import KioskFlow
    from kiosk.runtime import KioskRuntime
    from kiosk.theme import scale_for
    from kiosk.voice_out import speaker

    flow = KioskFlow(config, settings)

    def runtime(post, quit_app):
        return KioskRuntime(flow, args.broker, urls, key, post, speaker=speaker(), on_quit=quit_app)

    app = KioskApp(flow, runtime_factory=runtime, fullscreen=args.fullscreen, scale=scale_for(inches))

    def stop(*_):
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
