"""`yichuang rating-pad --config HALL.toml --device pad-3`: the rating pad (评价器) of one window.

The device must be a ``rating_pad`` of the hall file with its ``window``. The pad seals a phone
number with the hall key (``hall.rating_phone.hall_key``); without a key on this tablet it
does not offer the phone field, and says so in its log. ``--size 800x1280`` (portrait) or
``1280x800`` (landscape) sets the window for a trial on a desktop; on the tablet use
``--fullscreen``.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang rating-pad", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--device", required=True, help="this pad's device id in the hall file (role rating_pad)")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://HOST:PORT (default %(default)s)")
    p.add_argument("--size", default="800x1280", help="window size WxH (default %(default)s)")
    p.add_argument("--fullscreen", action="store_true", help="fill the screen (on the tablet)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="the language it starts in")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    log = logging.getLogger("yichuang.rating")
    from hall.config import ConfigError, load_hall

    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    device = config.devices.get(args.device)
    if device is None or device.role != "rating_pad" or not device.window:
        print(f"yichuang rating-pad: {args.device!r} is not a rating_pad with a window in {args.config}",
              file=sys.stderr)
        return 2
    try:
        width, height = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        print(f"yichuang rating-pad: --size {args.size!r} must be WxH, e.g. 800x1280", file=sys.stderr)
        return 2
    from hall.rating_phone import PhoneError, hall_key, seal

    try:
        key = hall_key(config)
        sealer = lambda phone: seal(key, phone)  # noqa: E731
    except PhoneError as err:
        log.warning("no phone field on this pad: %s", err)
        sealer = None
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    if args.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
    from rating.app import RatingPadApp
    from rating.link import PadLink
    from rating.presenter import PadPresenter

    presenter = PadPresenter(device.window, sealer=sealer, lang=args.lang)
    from pathlib import Path

    app = RatingPadApp(presenter, photo_root=str(Path(config.source).parent))
    app.link = PadLink(args.broker, config.id, device.id, device.window, app.from_bus)
    import signal

    from kivy.clock import Clock

    # SIGTERM (systemd, the demo): stop like a user would, saying offline and disconnecting cleanly
    signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda dt: app.stop(), 0))
    app.run()
    return 0


def demo_argv(config_path: str, broker_url: str) -> list[str]:
    """How `yichuang demo` starts the pad of the hall's first rating pad (hall.demo.APPS)."""
    from hall.config import load_hall

    config = load_hall(config_path)
    pad = next(d.id for d in config.devices.values() if d.role == "rating_pad")
    return [sys.executable, "-m", "hall.cli", "rating-pad", "--config", str(config_path), "--device", pad,
            "--broker", broker_url]
