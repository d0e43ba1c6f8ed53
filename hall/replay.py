"""`yichuang replay --config F --db F`: apply JSON-lines commands from stdin through the store.

Each input line is one command (docs/commands.md). A command may carry ``"at"`` (an ISO time;
without a zone, the hall's local time) to replay a day as it happened; otherwise the wall
clock is used. For every command one line ``{"reply": …}`` is written, then one line
``{"event": …}`` per event it caused. Any line gets exactly one reply line: one that is not
a JSON object, nests too deep or holds text that is not Unicode gets an error reply, as does a
command the engine refuses, and the replay goes on.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import IO, Iterable

from hall import untrusted
from hall.config import ConfigError, load_hall
from hall.messages import bad_request
from hall.protocol_errors import error_body
from hall.protocol_words import V
from hall.store import HallStore

log = logging.getLogger("yichuang.replay")


MAX_DEPTH = 32  # a command nests two levels; anything deeper is refused before it is parsed


def replay(store: HallStore, lines: Iterable[str], out: IO[str], events: bool = True) -> dict:
    counts = {"commands": 0, "ok": 0, "error": 0, "events": 0}
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        counts["commands"] += 1
        reply, emitted = _one(store, n, line)
        counts[reply["status"]] += 1
        out.write(json.dumps({"reply": reply}, ensure_ascii=False) + "\n")
        if events:
            for e in emitted:
                out.write(json.dumps({"event": e}, ensure_ascii=False) + "\n")
                counts["events"] += 1
        out.flush()
    return counts


def _one(store: HallStore, n: int, line: str) -> tuple[dict, list]:
    """The reply to one input line (exactly one, whatever the line holds) and its events."""
    try:
        command = untrusted.loads(line, MAX_DEPTH)
        if not isinstance(command, dict):
            raise ValueError("not an object")
        now = store.engine.calendar.epoch(command["at"]) if "at" in command else None
    except (ValueError, TypeError) as exc:
        detail = f"line {n}: {exc}".encode("utf-8", "replace").decode("utf-8")
        return _error(bad_request(detail, f"第{n}行不是有效的命令").as_error()), []
    command = {k: v for k, v in command.items() if k != "at"}
    try:
        return store.apply(command, now, source="replay")
    except Exception:  # the last guard: the replay goes on, and says which line failed
        log.exception("line %d failed", n)
        return _error(error_body("internal_error")), []


def _error(error: dict) -> dict:
    return {"v": V, "status": "error", "transaction": None, "error": error}


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
    sys.stdin.reconfigure(errors="surrogateescape")  # a line that is not UTF-8 is refused, not fatal
    try:
        counts = replay(store, sys.stdin, sys.stdout, events=not args.no_events)
    finally:
        store.close()
    print(f"replay: {counts['commands']} commands, {counts['ok']} ok, {counts['error']} refused, "
          f"{counts['events']} events", file=sys.stderr)
    return 0
