"""`yichuang county --config COUNTY.toml --db postgresql://… --broker mqtt://…`: the county
supervisor. Ingests every hall's events into PostgreSQL (idempotent by (hall, seq), holes asked
for again) and keeps each hall's live summary. Runs until SIGINT or SIGTERM."""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import threading
from pathlib import Path

import psycopg

from county.config import load_county
from county.ingest import Ingest
from county.store import CountyStore
from hall.config import ConfigError
from hall.service.bus import parse_broker_url
from hall.service.main import stop_on_signals
from hall.service.sdnotify import Watchdog


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang county", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="the county file (config/county/*.toml)")
    p.add_argument("--db", required=True, help="postgresql://… (the database must exist)")
    p.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="the county broker")
    p.add_argument("--password-file", help="read the broker password from this file")
    p.add_argument("--client-id", help="MQTT client id (several supervisors: one each)")
    p.add_argument("--listen", metavar="HOST:PORT", help="also serve the county web view here (e.g. 127.0.0.1:8090)")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    args = p.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        config = load_county(args.config)
        address = parse_broker_url(args.broker)
        if args.password_file:
            address = dataclasses.replace(address, password=Path(args.password_file).read_text().strip())
        store = CountyStore(args.db, {h.id: h.name for h in config.halls.values()})
        web = None
        if args.listen:
            if not config.accounts:
                raise ValueError(f"{args.config} lists no [[account]]: the web view needs one to sign in "
                                 "(make its password_hash with `yichuang web-password`)")
            host, _, port = args.listen.rpartition(":")
            web = (host or "127.0.0.1", int(port))
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ValueError, OSError, psycopg.Error) as err:
        print(f"yichuang county: {err}", file=sys.stderr)
        return 2
    stop = threading.Event()
    stop_on_signals(stop)
    ingest = Ingest(store, address, config.id, args.client_id)
    dog = Watchdog()
    dog.ready(f"county {config.id}: {len(config.halls)} halls")
    logging.getLogger("yichuang.county").info("county %s: ingesting %d halls from %s into PostgreSQL",
                                              config.id, len(config.halls), address)
    server = reader = None
    if web:
        from county.web import Reader, create_app, serve_in_thread

        reader = Reader(args.db)
        server, _ = serve_in_thread(create_app(config, reader), web[0], web[1])
        logging.getLogger("yichuang.county").info("county web view on http://%s:%d/", web[0], web[1])
    try:
        ingest.run(stop, on_loop=dog.feed)
    finally:
        if server:
            server.should_exit = True
        if reader:
            reader.close()
        store.close()
        logging.getLogger("yichuang.county").info("stopped: %s", ingest.counts)
    return 0
