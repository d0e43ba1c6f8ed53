"""`yichuang appointments import FILE --config HALL.toml --db HALL.db`: the hall's bookings.

Appointments (预约办) are booked by hotline, web or app; the hall exports them as CSV and
imports them here. The kiosk's ``checkin`` verb then finds a booking by its code and the
engine checks it (another day, too early, too late, already used; ``hall.checkin``).

The CSV, UTF-8 (a BOM is fine), one booking a line, with this header::

    code,service,date,slot,person
    20260303A1,household,2026-03-03,09:00-09:30,张*三
    20260303B7,social_insurance,2026-03-03,14:00-14:30,3701**********1234

- ``code``: the appointment code, 6-32 letters and digits (the QR shows ``YY`` + code)
- ``service``: a service code of the hall file
- ``date``: YYYY-MM-DD; ``slot``: HH:MM-HH:MM, start before end
- ``person``: optional, a masked name or masked ID number only; a clear 18-digit ID number
  is refused, the file is not imported

The whole file is checked first and imported in one transaction, or not at all: every
problem is listed with its line. A code imported again replaces its booking.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import sys
import time
from pathlib import Path

from hall.config import ConfigError, HallConfig, load_hall
from hall.protocol import has_id_number

HEADER = ("code", "service", "date", "slot", "person")
_CODE = re.compile(r"^[0-9A-Za-z]{6,32}$")
_SLOT = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def parse(text: str, config: HallConfig) -> tuple[list[dict], list[str]]:
    """(bookings, problems) from the CSV text; problems name the line and what is wrong."""
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        return [], [f"line 1: the header must be {','.join(HEADER)}"]
    seen: dict[str, int] = {}
    for n, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            problems.append(f"line {n}: {len(row)} columns, expected {len(HEADER)}")
            continue
        code, service, date, slot, person = (cell.strip() for cell in row)
        if has_id_number(row):
            problems.append(f"line {n}: a clear ID number; give only a masked form (3701**********1234)")
            continue
        if not _CODE.match(code):
            problems.append(f"line {n}: code {code!r} must be 6-32 letters and digits")
        elif code in seen:
            problems.append(f"line {n}: code {code} already on line {seen[code]}")
        seen.setdefault(code, n)
        if service not in config.services:
            problems.append(f"line {n}: no service {service!r} in {config.id} ({', '.join(config.services)})")
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            problems.append(f"line {n}: date {date!r} is not YYYY-MM-DD")
        m = _SLOT.match(slot)
        if not m or not (int(m[1]) * 60 + int(m[2]) < int(m[3]) * 60 + int(m[4]) <= 24 * 60) or \
                int(m[2]) > 59 or int(m[4]) > 59:
            problems.append(f"line {n}: slot {slot!r} must be HH:MM-HH:MM, start before end")
            continue
        rows.append({"code": code, "service": service, "day": date, "start": slot[:5], "end": slot[6:],
                     "person": person or None})
    return rows, problems


def import_bookings(db_path: str | Path, config: HallConfig, rows: list[dict]) -> int:
    """Write the bookings in one transaction (through the store, so the schema is current)."""
    from hall.store import HallStore

    store = HallStore(db_path, config)
    try:
        now = round(time.time(), 3)
        with store.db.atomic():
            store.db.conn.executemany(
                "INSERT OR REPLACE INTO appointments (code, service, day, start, end, person, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(r["code"], r["service"], r["day"], r["start"], r["end"], r["person"], now) for r in rows])
        return len(rows)
    finally:
        store.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="yichuang appointments", description="the hall's bookings (预约)")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import bookings from a CSV file (see the module's docs)")
    imp.add_argument("file")
    imp.add_argument("--config", required=True, help="the hall file")
    imp.add_argument("--db", required=True, help="the hall database the hub uses")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        print(f"yichuang appointments: cannot read {args.file}: {err}", file=sys.stderr)
        return 2
    rows, problems = parse(text, config)
    if problems:
        print(f"{args.file}: not imported, {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    count = import_bookings(args.db, config, rows)
    print(f"imported {count} appointment(s) into {args.db}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
