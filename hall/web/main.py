"""`yichuang web --config HALL.toml --db hall.sqlite [--listen 127.0.0.1:8080]`: the hall's web.

Serves the citizen's ticket page (/t/<token>), the manager's dashboard (/manage, sign-in
with the hall file's [[account]]s) and report downloads. Reads the hub's database read-only,
wakes on the hall's MQTT traffic, and acts only through the hub. Runs until SIGINT/SIGTERM.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.service.bus import parse_broker_url
from hall.service.main import always_open, clock_from

log = logging.getLogger("yichuang.web")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang web", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--db", required=True, help="the hub's hall database (read only)")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://[user[:password]@]HOST:PORT")
    p.add_argument("--password-file", help="read the broker password from this file")
    p.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT to serve on (default %(default)s)")
    p.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (behind an HTTPS proxy)")
    p.add_argument("--clock", metavar="ISO", help="TESTS/DEMOS ONLY: start the web's clock at this local time")
    p.add_argument("--always-open", action="store_true", help="TESTS/DEMOS ONLY: the hub runs --always-open")
    p.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    return p


def listen_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--listen {text!r}: expected HOST:PORT")
    return host.strip("[]"), int(port)


def build(args):
    """(app, live, host, port) from parsed options (shared with the demo and the tests)."""
    from hall.web.app import create_app
    from hall.web.link import HallLink
    from hall.web.live import LiveHall
    from hall.web.snapshot import HallReader

    config = load_hall(args.config)
    if args.always_open:
        config = always_open(config)
    broker = parse_broker_url(args.broker)
    if args.password_file:
        broker = dataclasses.replace(broker, password=Path(args.password_file).read_text().strip())
    host, port = listen_address(args.listen)
    link = HallLink(config, broker, config.web.device)
    live = LiveHall(config, HallReader(args.db, config), link, clock_from(args.clock, config))
    app = create_app(config, live, secure_cookies=args.secure_cookies)
    return app, live, host, port


def main(argv: list[str]) -> int:
    import uvicorn

    args = parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        app, live, host, port = build(args)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"yichuang web: {err}", file=sys.stderr)
        return 2
    if not live.config.accounts:
        print("yichuang web: the hall file has no [[account]]: only the ticket pages will work "
              "(make a password hash with `yichuang web-password`)", file=sys.stderr)
    if live.config.web.device is None:
        print("yichuang web: no [[device]] with role manager: the dashboard can look but not act", file=sys.stderr)
    live.link.start()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=args.log_level.lower(),
                                           timeout_graceful_shutdown=2, access_log=False))
    print(f"yichuang web: http://{host}:{port}/  (dashboard /manage, ticket pages /t/<token>)", flush=True)
    try:
        asyncio.run(server.serve())
    except OSError as err:
        print(f"yichuang web: cannot listen on {host}:{port}: {err}", file=sys.stderr)
        return 2
    finally:
        live.link.stop()
        live.reader.close()
    return 0
