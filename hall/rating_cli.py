"""`yichuang cases --config F --db F`: list and move 差评 cases (差评核实、整改、反馈) from a shell.

    yichuang cases --config F --db F                   # the open cases, overdue first
    yichuang cases --config F --db F --all             # every case
    yichuang cases --config F --db F show 3            # one case with its steps
    yichuang cases --config F --db F show 3 --phone    # ... and the phone number in clear, to call back
    yichuang cases --config F --db F move 3 --step verify --verdict true --note "调阅录像属实" --by 张主任

Listing reads the database (read-only, beside the running hub). Moving a case is a
``case_step`` request to the hub as the hall's manager device: the hub owns the database,
so when it is not running the case is not moved and the command says so (exit status 3).
``--phone`` opens the sealed number with the hall key and prints it on this terminal only.
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
import uuid
from pathlib import Path

from hall import rating as rules
from hall import rating_store
from hall.config import ConfigError, load_hall
from hall.protocol import V, Topics, encode, parse_status
from hall.rating_engine import case_view
from hall.service.bus import Bus, parse_broker_url

HUB_DOWN = 3


class _Db:
    """The hall database opened read-only, with the query surface ``hall.rating_store`` uses."""

    def __init__(self, path: str):
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such database")
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        self.conn.row_factory = sqlite3.Row

    def query(self, sql: str, params=()):
        return (dict(r) for r in self.conn.execute(sql, params).fetchall())


def _line(view: dict) -> str:
    flag = "逾期" if view["overdue"] else "  "
    phone = f" 电话{view['phone']}" if view["phone"] else ""
    named = "实名" if view["named"] else "匿名"
    reasons = "、".join(view["reason_names"])
    return (f"{view['case']:>4}  {flag}  {view['status_name']:<4} 期限{view['deadline']}  {view['window']}号窗口 "
            f"工号{view['staff'] or '-'}  {view['ticket']}  {view['level_name']}（{reasons}） {named}{phone}")


def _view(config, case) -> dict:
    view = case_view(case)
    names = rules.reasons_for(config)
    view["reason_names"] = [names[c].name if c in names else c for c in case.reasons]
    return view


def list_cases(config, db, show_all: bool, out) -> int:
    cases = rating_store.cases(db, open_only=not show_all)
    cases.sort(key=lambda c: (not c.overdue, c.status == "closed", c.deadline, c.id))
    if not cases:
        print("没有待处置的差评案件 (no open cases)" if not show_all else "没有差评案件 (no cases)", file=out)
        return 0
    print("案件  逾期  状态  期限            窗口  工号  票号  评价（原因）", file=out)
    for case in cases:
        print(_line(_view(config, case)), file=out)
    return 0


def show_case(config, db, case_id: int, reveal: bool, out) -> int:
    case = rating_store.case(db, case_id)
    if case is None:
        print(f"没有编号为{case_id}的差评案件 (no case {case_id})", file=sys.stderr)
        return 1
    view = _view(config, case)
    print(_line(view), file=out)
    rec = next((r for r in rating_store.ratings(db, case.day) if r.id == case.rating), None)
    if rec is not None and rec.text:
        print(f"      群众留言：{rec.text}", file=out)
    steps = "、".join(rules.STEPS[s][0] for s in view["next"]) or "无（已办结）"
    print(f"      下一步：{steps}", file=out)
    for s in case.steps:
        verdict = f"（{rules.VERDICTS[s['verdict']]}）" if s.get("verdict") else ""
        print(f"      {s['at'][:16]}  {rules.STEPS[s['step']][0]}{verdict}  {s['by']}：{s['note']}", file=out)
    if reveal:
        from hall.rating_phone import PhoneError, hall_key, unseal

        if rec is None or not rec.phone_sealed:
            print("      群众未留电话 (no phone number left)", file=out)
        else:
            try:
                print(f"      回访电话：{unseal(hall_key(config), rec.phone_sealed)}", file=out)
            except PhoneError as err:
                print(f"yichuang cases: {err}", file=sys.stderr)
                return 1
    return 0


def move_case(config, args, out) -> int:
    """One ``case_step`` request to the hub as the manager device; the reply or why there is none."""
    device = args.device or next((d.id for d in config.devices.values() if d.role == "manager"), None)
    if device is None:
        print("yichuang cases: the hall file has no [[device]] with role = \"manager\"; add one or give --device",
              file=sys.stderr)
        return 2
    topics = Topics(config.id)
    got: dict = {}
    ready = threading.Event()
    txn = f"cases-{uuid.uuid4().hex[:12]}"

    def deliver(kind: str, value) -> None:
        if kind != "message":
            return
        message, _ = value
        if message.topic == topics.status("hub"):
            got["hub"] = parse_status(message.payload)
        else:
            try:
                body = json.loads(message.payload.decode("utf-8"))
            except ValueError:
                return
            if isinstance(body, dict) and body.get("transaction") == txn:
                got["reply"] = body
        ready.set()

    try:
        address = parse_broker_url(args.broker)
    except ValueError as err:
        print(f"yichuang cases: {err}", file=sys.stderr)
        return 2
    bus = Bus(address, f"{device}-cases-{uuid.uuid4().hex[:6]}", topics.status(device), deliver,
              subscriptions=(topics.status("hub"), topics.reply(device) + "/#"))
    bus.start()
    try:
        if not bus.wait_connected(args.timeout):
            print(f"没有连上消息服务器 {address}，案件未处置。The broker at {address} does not answer: "
                  "the case was not moved. Is Mosquitto running?", file=sys.stderr)
            return HUB_DOWN
        ready.wait(1.0)  # the retained status of the hub, if the broker has one
        if got.get("hub") != "online":
            print("大厅中枢（yichuang hub）未运行，案件未处置。The hub is not running (status/hub is "
                  f"{got.get('hub') or 'unknown'}): the case was not moved. Start `yichuang hub` and try again.",
                  file=sys.stderr)
            return HUB_DOWN
        fields = {"case": args.case, "step": args.step, "note": args.note, "by": args.by}
        if args.verdict:
            fields["verdict"] = args.verdict
        request = {"v": V, "verb": "case_step", "transaction": txn, **fields}
        ready.clear()
        bus.publish(topics.request(device), encode(request))
        deadline = args.timeout
        while "reply" not in got and ready.wait(deadline):
            ready.clear()
        reply = got.get("reply")
        if reply is None:
            print(f"大厅中枢{args.timeout:g}秒内没有答复。The hub did not answer within {args.timeout:g} s; "
                  "the request stays queued for it. Check `yichuang cases show` before sending again.",
                  file=sys.stderr)
            return HUB_DOWN
    finally:
        bus.stop()
    if reply["status"] != "ok":
        err = reply["error"]
        print(f"{err['message']} ({err['code']}: {err['message_en']})", file=sys.stderr)
        return 1
    view = reply["data"]
    view["reason_names"] = [rules.reasons_for(config)[c].name if c in rules.reasons_for(config) else c
                            for c in view["reasons"]]
    print(_line(view), file=out)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang cases", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--db", required=True, help="hall database (read-only here)")
    p.add_argument("--all", action="store_true", help="list closed cases too")
    sub = p.add_subparsers(dest="action")
    show = sub.add_parser("show", help="one case with its steps")
    show.add_argument("case", type=int)
    show.add_argument("--phone", action="store_true", help="print the citizen's phone number to call back")
    move = sub.add_parser("move", help="move a case one step through the hub")
    move.add_argument("case", type=int)
    move.add_argument("--step", required=True, choices=tuple(rules.STEPS))
    move.add_argument("--verdict", choices=tuple(rules.VERDICTS), help="with --step verify")
    move.add_argument("--note", required=True, help="what was done")
    move.add_argument("--by", required=True, help="who did it")
    move.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="the hall's broker (default %(default)s)")
    move.add_argument("--device", help="the manager device id (default: the hall file's first manager)")
    move.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the hub (default 10)")
    return p


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_hall(args.config)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    if args.action == "move":
        return move_case(config, args, sys.stdout)
    try:
        db = _Db(args.db)
        if args.action == "show":
            return show_case(config, db, args.case, args.phone, sys.stdout)
        return list_cases(config, db, args.all, sys.stdout)
    except FileNotFoundError as err:
        print(f"yichuang cases: {err}", file=sys.stderr)
        return 2
    except sqlite3.Error as err:
        print(f"yichuang cases: {args.db}: {err} (is this a hall database of a hub with 好差评?)", file=sys.stderr)
        return 2
