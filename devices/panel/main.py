"""`yichuang sim panel --dir DIR [--config HALL.toml] [--appointment CODE]`: the demo's
simulated devices (模拟设备) as a window.

It serves the ID card reader, scanner and printer simulators on ptys linked in DIR (a kiosk
started with ``--idcard serial://DIR/idcard --scanner serial://DIR/scanner --printer
serial://DIR/printer`` uses them), keeps every printed ticket in DIR/printed, and shows
buttons to place and take an ID card, scan the demo's appointment code and take the paper
out. `yichuang demo` starts it beside the kiosk; Ctrl-C or SIGTERM stops it, the ptys go.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys


def run(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang sim panel", description=__doc__.split("\n")[0])
    p.add_argument("--dir", required=True, help="where the devices' links and the printed tickets go")
    p.add_argument("--config", help="hall file (for its green channel age)")
    p.add_argument("--appointment", default="", help="the code of a booking to scan (the demo imports one)")
    p.add_argument("--size", default="640x860", help="window size WxH (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="do not print the kiosk's device URLs")
    args = p.parse_args(argv)
    green_age = 60
    if args.config:
        from hall.config import ConfigError, load_hall

        try:
            green_age = load_hall(args.config).rules.green_channel_age
        except ConfigError as err:
            print(err, file=sys.stderr)
            return 2
    from devices.panel.presenter import PanelPresenter
    from devices.panel.rig import DeviceRig, kiosk_urls

    rig = DeviceRig(args.dir, args.appointment).start()  # before Kivy: the kiosk waits for the links
    try:
        if not args.quiet:
            print("simulated devices: " + "  ".join(f"--{k} {v}" for k, v in kiosk_urls(args.dir).items()),
                  flush=True)
        os.environ.setdefault("KIVY_NO_ARGS", "1")
        os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
        from kivy.config import Config

        width, height = args.size.lower().split("x")
        Config.set("graphics", "width", width)
        Config.set("graphics", "height", height)
        from kivy.clock import Clock

        from devices.panel.app import DevicePanelApp

        app = DevicePanelApp(PanelPresenter(rig, green_age))

        def stop(*_):
            Clock.schedule_once(lambda _dt: app.stop(), 0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        app.run()
    finally:
        rig.stop()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
