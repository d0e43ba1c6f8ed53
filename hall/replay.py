"""`yichuang replay --config F --db F`: apply JSON-lines commands from stdin through the store.

Each input line is one command (docs/commands.md). A command may carry ``"at"`` (an ISO time;
without a zone, the hall's local time) to replay a day as it happened; otherwise the wall
clock is used. For every command one line ``{"reply": …}`` is written, then one line
``{"event": …}`` per event it caused. A line that is not a JSON object gets an error reply
and the replay goes on.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Iterable

from hall.config import ConfigError, load_hall
from hall.messages import bad_request
from hall.protocol_words import V
from hall.store import HallStore


def replay(store: HallStore, lines: Iterable[str], out: IO[str], events: bool = True) -> dict:
    counts = {"commands": 0, "ok": 0, "error": 0, "events": 0}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        counts["commands"] += 1
        try:
            command = json.loads(line)
            if not isinstance(command, dict):
                raise ValueError("not an object")
            now = store.engine.calendar.epoch(command["at"]) if "at" in command else None
        except (ValueError, TypeError) as exc:
            reply = {"v": V, "status": "error", "transaction": None,
                     "error": bad_request(f"line {n}: {exc}", f"第{n}行不是有效的命令").as_error()}
            emitted: list = []
        else:
            command = {k: v for k, v in command.items() if k != "at"}
            reply, emitted = store.apply(command, now, source="replay")
        counts[reply["status"]] += 1
        out.write(json.dumps({"reply": reply}, ensure_ascii=False) + "\n")
        if events:
            for e in emitted:
                out.write(json.dumps({"event": e}, ensure_ascii=False) + "\n")
                counts["events"] += 1
        out.flush()
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="yichuang replay", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    parser.add_argument("--db", required=True, help="hall database (created if missing)")
    parser.add_argument("--no-events", action="store_true", help="write replies only")
    args = parser.parse_args(argv)
    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    store = HallStore(args.db, config)
    try:
        counts = replay(store, sys.stdin, sys.stdout, events=not args.no_events)
    finally:
        store.close()
    print(f"replay: {counts['commands']} commands, {counts['ok']} ok, {counts['error']} refused, "
          f"{counts['events']} events", file=sys.stderr)
    return 0
