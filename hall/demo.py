"""`yichuang demo --config F`: a whole hall on one machine, with instructions (the README's `make demo`).

Starts the embedded broker (amqtt) and the hub on a demo database, prints where to connect
and what to try with `mosquitto_pub`/`mosquitto_sub`/`mosquitto_rr`, and runs until Ctrl-C
(or ``--for SECONDS``). The demo hall is open 00:00-24:00 every day (the hub's
``--always-open``), so it can be tried at any hour; it says so when it starts. The kiosk,
caller and board apps join here as they are written (``APPS``).
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from hall.config import ConfigError, HallConfig
from hall.protocol import V, Topics
from hall.service.broker import EmbeddedBroker
from hall.service.local_broker import free_port
from hall.service.main import prepare, stop_on_signals

# Terminal apps the demo starts beside the hub: (name, argv builder taking (config path, broker url)).
APPS: list[tuple[str, object]] = [
    ("soft caller of window 1", lambda config, url: [sys.executable, "-m", "hall.cli", "caller", "--config", config,
                                                     "--device", "caller-1", "--broker", url]),
]


def examples(config: HallConfig, host: str, port: int) -> list[tuple[str, str]]:
    """(what, shell command) pairs: a ticket's life from the shell, with this hall's names."""
    t = Topics(config.id)
    kiosk = next((d.id for d in config.devices.values() if d.role == "kiosk"), "kiosk-1")
    caller = next((d for d in config.devices.values() if d.role == "caller"), None)
    window = caller.window if caller else next(iter(config.windows))
    caller_id = caller.id if caller else "caller-1"
    service = next(c for c in config.services if config.windows[window].skill(c))
    staff = next((s.number for s in config.staff.values() if s.may_work_at(window)), "0101")
    addr = f"-h {host} -p {port}"

    def rr(device: str, verb: str, txn: str, **fields) -> str:
        body = json.dumps({"v": V, "verb": verb, "transaction": txn, **fields}, ensure_ascii=False)
        return (f"mosquitto_rr -V 311 {addr} -t {t.request(device)} -e {t.reply(device)} "
                f"-m {shlex.quote(body)}")

    return [
        ("watch everything the hub says / 查看大厅的全部消息", f"mosquitto_sub {addr} -v -t {shlex.quote(t.root + '/#')}"),
        (f"take a ticket at {kiosk} / 取号", rr(kiosk, "issue", "demo-1", service=service)),
        (f"staff {staff} signs in at window {window} / 登录", rr(caller_id, "staff_login", "demo-2", staff=staff)),
        ("call the next ticket / 顺呼", rr(caller_id, "call_next", "demo-3")),
        ("call it again / 重呼", rr(caller_id, "recall", "demo-4")),
        ("finish / 办结", rr(caller_id, "finish", "demo-5")),
        ("the board's last calls / 综合屏", f"mosquitto_sub {addr} -v -C 1 -t {t.board()}"),
        (f"window {window} with its staff / 窗口屏", f"mosquitto_sub {addr} -v -C 1 -t {t.window(window)}"),
        ("the same transaction again: the first answer, nothing changes / 重复请求", rr(kiosk, "issue", "demo-1",
                                                                                     service=service)),
        ("a request the hub refuses / 错误示例", rr(caller_id, "issue", "demo-6", service=service)),
    ]


def banner(config: HallConfig, broker: EmbeddedBroker, db: str) -> str:
    lines = [
        f"一窗 Yichuang demo: {config.name} ({config.name_en or config.id})",
        f"  broker  mqtt://{broker.host}:{broker.port}  (embedded amqtt, MQTT 3.1.1: give mosquitto_rr -V 311)",
        f"  topics  {Topics(config.id).root}/…  (docs/mqtt-api.md)",
        f"  data    {db}",
        "  演示模式：大厅全天开放（00:00-24:00，每天），任何时间都可以取号。",
        "  Demo mode: the hall is open 00:00-24:00 every day, so tickets can be taken at any hour.",
        "",
        "Try, in another terminal:",
    ]
    for what, command in examples(config, broker.host, broker.port):
        lines += [f"  # {what}", f"  {command}"]
    if APPS:
        lines += ["", "Apps started: " + ", ".join(name for name, _ in APPS),
                  "  软呼叫器登录：F12，工号0101，密码1234（示例大厅） / soft caller: F12, staff 0101, PIN 1234 (example halls)"]
    lines += ["", "Ctrl-C stops the demo."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang demo", description=__doc__.split("\n")[0])
    p.add_argument("--config", default="config/halls/township.toml", help="hall file (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="address the broker listens on (default %(default)s)")
    p.add_argument("--port", type=int, default=1883, help="broker port; 0 picks a free one (default %(default)s)")
    p.add_argument("--db", help="hall database to keep (default: a temporary one, removed at the end)")
    p.add_argument("--for", dest="seconds", type=float, help="stop after this many seconds (for tests)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="yichuang-demo-") as tmp:
        db = args.db or str(Path(tmp) / "demo.sqlite")
        try:
            broker = EmbeddedBroker(args.host, port).start()
        except RuntimeError as err:
            print(f"yichuang demo: {err}\n(is another broker on port {port}? try --port 0)", file=sys.stderr)
            return 2
        hub_args = argparse.Namespace(config=args.config, db=db, broker=broker.url, password_file=None,
                                      tick=30.0, clock=None, always_open=True, backup_dir=None)
        try:
            config, store, hub = prepare(hub_args)
        except ConfigError as err:
            broker.stop()
            print(err, file=sys.stderr)
            return 2
        stop = threading.Event()
        stop_on_signals(stop)
        timer = threading.Timer(args.seconds, stop.set) if args.seconds is not None else None
        if timer:
            timer.daemon = True
            timer.start()
        serving = threading.Thread(target=hub.run, args=(stop,), name="hub")
        serving.start()
        apps = []
        try:
            if not hub.bus.wait_connected(15):
                print("yichuang demo: the hub could not reach the embedded broker", file=sys.stderr)
                return 1
            apps = [subprocess.Popen(build(args.config, broker.url)) for _, build in APPS]
            print(banner(config, broker, db), flush=True)
            stop.wait()
        finally:
            stop.set()
            serving.join(30)
            if timer:
                timer.cancel()
            for app in apps:
                app.terminate()
                app.wait(10)
            store.close()
            broker.stop()
    print("demo stopped", flush=True)
    return 0
