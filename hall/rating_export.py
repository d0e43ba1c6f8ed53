"""`yichuang ratings export --config F --db F --day D`: one hall day's ratings as JSON lines,
ready for upload to a provincial 好差评 platform (docs/ratings-export.md describes each field).

One line per rating record, 未评价 included, in the order they were given, with the follow-up
of a 差评 as it stands now. The phone number is exported masked only; the sealed form stays in
the hall. ``--out FILE`` writes a file (atomically) instead of standard output;
``--mark-reported`` records the exported ratings as reported upward (上报) once written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from hall import rating as rules
from hall import rating_store
from hall.clock import HallCalendar
from hall.config import ConfigError, load_hall

FORMAT = "yichuang.ratings/1"


def export_line(config, calendar: HallCalendar, rec, case) -> dict:
    """One rating record in the export format (a plain dict, written as one JSON line)."""
    level = rules.ALL_LEVELS.get(rec.level, rules.UNRATED)
    names = rules.reasons_for(config)
    staff = config.staff.get(rec.staff) if rec.staff else None
    window = config.windows.get(rec.window)
    return {
        "format": FORMAT,
        "hall": config.id, "hall_name": config.name,
        "matter_no": rec.id,  # 办件编号
        "service_code": rec.service, "service_name": rec.service_name,  # 事项编码 / 名称
        "window": rec.window, "window_name": window.name if window else rec.window,
        "staff_no": rec.staff, "staff_name": staff.name if staff else None,  # 工作人员 (持证上岗)
        "ticket": rec.ticket, "day": rec.day,
        "channel": rec.channel, "channel_name": rules.CHANNELS.get(rec.channel, rec.channel),
        "level": level.code, "level_name": level.name, "stars": level.stars, "bad": level.bad,
        "reasons": list(rec.reasons), "reason_names": [names[c].name if c in names else c for c in rec.reasons],
        "text": rec.text,
        "rated_at": calendar.iso(rec.at),
        "named": rec.named,  # 实名 / 匿名
        "phone_masked": rec.phone_masked,
        "follow_up": None if case is None else {
            "case": case.id, "status": case.status, "status_name": rules.CASE_STATUS[case.status],
            "verdict": case.verdict, "verdict_name": rules.VERDICTS.get(case.verdict) if case.verdict else None,
            "deadline": case.deadline, "overdue": case.overdue,
            "closed_at": calendar.iso(case.closed_at) if case.closed_at is not None else None,
            "steps": [{"step": s["step"], "step_name": rules.STEPS[s["step"]][0], "at": s["at"], "by": s["by"],
                       "note": s["note"], "verdict": s.get("verdict")} for s in case.steps],
        },
        "reported": rec.reported,
    }


def export_day(config, db, day: str) -> list[dict]:
    calendar = HallCalendar(config)
    cases = {c.id: c for c in rating_store.cases(db)}
    return [export_line(config, calendar, r, cases.get(r.case)) for r in rating_store.ratings(db, day)]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang ratings", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    e = sub.add_parser("export", help="write a hall day's ratings as JSON lines")
    e.add_argument("--config", required=True, help="hall file")
    e.add_argument("--db", required=True, help="hall database")
    e.add_argument("--day", required=True, help="the hall day, YYYY-MM-DD")
    e.add_argument("--out", help="write to this file instead of standard output")
    e.add_argument("--mark-reported", action="store_true", help="record the exported ratings as reported (上报)")
    args = p.parse_args(argv)
    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    try:
        day = dt.date.fromisoformat(args.day).isoformat()
    except ValueError:
        print(f"yichuang ratings: --day {args.day!r} is not a date YYYY-MM-DD", file=sys.stderr)
        return 2
    if not Path(args.db).exists():
        print(f"yichuang ratings: {args.db}: no such database", file=sys.stderr)
        return 2
    from sqlite_utils import Database

    db = Database(sqlite3.connect(args.db, timeout=10))
    try:
        lines = export_day(config, db, day)
        text = "".join(json.dumps(x, ensure_ascii=False, sort_keys=False) + "\n" for x in lines)
        if args.out:
            out = Path(args.out)
            fd, tmp = tempfile.mkstemp(dir=out.parent or ".", prefix=out.name + ".")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, out)
        else:
            sys.stdout.write(text)
        if args.mark_reported and lines:
            rating_store.mark_reported(db, [x["matter_no"] for x in lines])
    except sqlite3.Error as err:
        print(f"yichuang ratings: {args.db}: {err}", file=sys.stderr)
        return 2
    finally:
        db.conn.close()
    print(f"ratings export: {len(lines)} ratings of {day}", file=sys.stderr)
    return 0
