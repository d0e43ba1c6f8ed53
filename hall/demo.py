"""`yichuang demo --config F`: a whole hall on one machine, with instructions (the README's `make demo`).

Runs the hub on a demo database, prints the broker's address and what to try with
`mosquitto_pub`/`mosquitto_sub`/`mosquitto_rr`, and runs until Ctrl-C (or ``--for SECONDS``).

The broker: where a Mosquitto already listens on 127.0.0.1:1883 (``scripts/setup.sh``
installs the ``mosquitto`` package, which on a host with systemd starts one), the demo uses
it; where the port is free, it starts its own embedded broker (amqtt) there; where something
else holds the port (or a hub of this hall is already online on that broker: another demo),
its own broker on a free port. The banner says which. ``--port 0``
always starts its own on a free port; ``--broker URL`` uses a given broker.

The demo hall is open 00:00-24:00 every day (the hub's ``--always-open``), so it can be tried
at any hour; it says so when it starts. The terminal apps start beside the hub (``APPS``): the
board, the voice, window 1's screen and rating pad, the kiosk, window 1's soft caller, and the
device window (模拟设备, ``devices.panel``) whose card reader, scanner and printer simulators the
kiosk uses; the demo books one appointment for now for its 扫预约码. With a display they are
windows (the ones a person uses placed for a 1920x1080 desktop, ``WINDOWS``); without one they
run offscreen and a scripted citizen walks through once (``hall.demo_citizen``). Either way the
demo ends its output with two lines of what to try.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from devices.panel.rig import kiosk_urls
from devices.panel.rig import ready as devices_ready
from hall.appointments import import_bookings
from hall.clock import HallCalendar
from hall.config import ConfigError, HallConfig, load_hall
from hall.protocol import ONLINE, V, Topics
from hall.service.broker import EmbeddedBroker
from hall.service.bus import parse_broker_url
from hall.service.local_broker import HubStatus, free_port, mqtt_broker_at
from hall.service.main import prepare, stop_on_signals

DEFAULT_PORT = 1883


def _rating_pad(config: str, url: str, _devices) -> list[str]:
    from rating.main import demo_argv

    return demo_argv(config, url)


# Terminal apps the demo starts beside the hub, in this order (the windows a person uses last,
# so they open on top): (name, argv builder taking (config path, broker url, the folder of the
# simulated devices))
APPS: list[tuple[str, object]] = []
# the hall board and window 1's screen, in windows of a desk's size
APPS.append(("board", lambda config, url, _devices: [
    sys.executable, "-m", "hall.cli", "board", "--config", config, "--broker", url, "--windowed", "--size",
    "1280x720", "--log-level", "WARNING", "--no-voice"]))
# the announcer (叫号语音) as its own process, as yichuang-voice.service runs it
APPS.append(("voice", lambda config, url, _devices: [sys.executable, "-m", "hall.cli", "voice", "--config", config,
                                                     "--broker", url, "--log-level", "WARNING"]))
APPS.append(("window-screen", lambda config, url, _devices: [
    sys.executable, "-m", "hall.cli", "window-screen", "--config", config, "--broker", url, "--windowed",
    "--log-level", "WARNING"]))
APPS.append(("rating pad (评价器)", _rating_pad))
# the kiosk's card reader, scanner and printer: simulators on ptys, with a window of buttons
DEVICES = "simulated devices (模拟设备)"
APPS.append((DEVICES, lambda config, url, devices: [
    sys.executable, "-m", "hall.cli", "sim", "panel", "--dir", str(devices), "--config", str(config), "--quiet"]))
# the kiosk on those simulators (no social-security card reader: that needs the machine's pcscd);
# in landscape, so that on a 1920x1080 desktop its 完成 button is on the screen
APPS.append(("kiosk", lambda config, url, devices: [
    sys.executable, "-m", "hall.cli", "kiosk", "--config", str(config), "--device", "kiosk-1", "--broker", url,
    *(arg for name, device in kiosk_urls(devices).items() for arg in (f"--{name}", device)), "--sscard", "",
    "--demo-key", "--size", "1280x880", "--log-level", "WARNING"]))
# the soft caller of window 1 (sign in: F12, staff 0101, PIN 1234 in the example halls)
APPS.append(("soft caller of window 1", lambda config, url, _devices: [
    sys.executable, "-m", "hall.cli", "caller", "--config", str(config), "--device", "caller-1", "--broker", url]))
# Where the windows a person uses open on a 1920x1080 desktop: the kiosk at the top left, the
# device window beside it, the soft caller's strip below them. The board, the window screen and
# the pad open where the window manager puts them, behind (one brings them up to look).
WINDOWS = {"kiosk": (0, 0), DEVICES: (1280, 0), "soft caller of window 1": (0, 880)}
DEMO_BOOKING = "DEMO"  # the demo's appointment code: DEMO and the day, e.g. DEMO20261130


def book_demo_appointment(config: HallConfig, db: str, now: float | None = None) -> str:
    """Import one booking for now (a slot from a few minutes ago to an hour on) for the first
    service that needs no ID card, so the device window's 扫预约码 checks it in."""
    now = time.time() if now is None else now
    calendar = HallCalendar(config)
    minute = calendar.minute_of_day(now)
    start, end = max(0, minute - 5), min(24 * 60 - 1, minute + 60)
    service = next(code for code, s in config.services.items() if not s.id_card_required)
    code = DEMO_BOOKING + calendar.day(now).strftime("%Y%m%d")
    import_bookings(db, config, [{"code": code, "service": service, "day": calendar.day(now).isoformat(),
                                  "start": f"{start // 60:02d}:{start % 60:02d}",
                                  "end": f"{end // 60:02d}:{end % 60:02d}", "person": "演*"}])
    return code


def window_at(left: int, top: int) -> dict[str, str]:
    """The environment that opens a Kivy app's window at (left, top) (Kivy's KCFG_ settings)."""
    return {"KCFG_GRAPHICS_POSITION": "custom", "KCFG_GRAPHICS_LEFT": str(left), "KCFG_GRAPHICS_TOP": str(top)}


def wait_for_devices(devices: Path, app: subprocess.Popen, timeout: float = 30.0) -> bool:
    """Until the device window's simulators serve (their links are there), so the kiosk
    finds its reader, scanner and printer from its first second."""
    deadline = time.monotonic() + timeout
    while not devices_ready(devices):
        if app.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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


def choose_broker(host: str, port: int, hall_id: str) -> tuple[str, EmbeddedBroker | None, str]:
    """(broker URL, our own broker or None, what it is): a broker already answering on
    ``port``, else our own there, else our own on a free port (``port`` 0: that at once).
    A broker where a hub of this hall is already online (another demo) is left to it."""
    why = ""
    if port and mqtt_broker_at(host, port):
        url = f"mqtt://{host}:{port}"
        with HubStatus(url, hall_id) as status:
            busy = status.first_heard(0.5) == ONLINE
        if not busy:
            return url, None, "the MQTT broker already running here, e.g. the system's Mosquitto"
        why = f"; a hub of hall {hall_id} is already online on the broker at port {port} (another demo?)"
    elif port and can_bind(host, port):
        broker = EmbeddedBroker(host, port).start()
        return broker.url, broker, "the demo's own embedded broker (amqtt)"
    elif port:
        why = f"; port {port} is held by something that is not an MQTT broker we may use"
    broker = EmbeddedBroker(host, free_port()).start()
    return broker.url, broker, "the demo's own embedded broker (amqtt) on a free port" + why


def can_bind(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the broker will
        try:
            probe.bind((host, port))
            return True
        except OSError:
            return False


def banner(config: HallConfig, url: str, what: str, db: str, extra: list[str] = ()) -> str:
    address = parse_broker_url(url)
    lines = [
        f"一窗 Yichuang demo: {config.name} ({config.name_en or config.id})",
        f"  broker  mqtt://{address.host}:{address.port}  ({what}; MQTT 3.1.1: give mosquitto_rr -V 311)",
        f"  topics  {Topics(config.id).root}/…  (docs/mqtt-api.md)",
        f"  data    {db}",
        *extra,
        "  演示模式：大厅全天开放（00:00-24:00，每天），任何时间都可以取号。",
        "  Demo mode: the hall is open 00:00-24:00 every day, so tickets can be taken at any hour.",
        "",
        "Try, in another terminal:",
    ]
    for step, command in examples(config, address.host, address.port):
        lines += [f"  # {step}", f"  {command}"]
    if APPS:
        lines += ["", "Apps started: " + ", ".join(name for name, _ in APPS),
                  "  软呼叫器登录：F12，工号0101，密码1234（示例大厅） / soft caller: F12, staff 0101, PIN 1234 (example halls)"]
    lines += ["", "Ctrl-C stops the demo."]
    return "\n".join(lines)


def try_lines(web_lines: list[str], display: bool) -> str:
    """The two lines of what to try: with a display, in the device window and at the kiosk;
    without one, at the web dashboard and with the mosquitto_rr lines of the banner."""
    web = next((part for line in web_lines for part in line.split() if part.startswith("http")), "the hall web")
    if display:
        return (f"Try: in the 模拟设备 (Simulated devices) window press 放身份证 · 长者, touch a service on the kiosk, "
                f"then call it from the soft caller (F12, 0101, 1234) and watch {web}.\n"
                f"试一试：在「模拟设备」窗口点「放身份证 · 长者」，再在取号机上点一项业务；然后在软呼叫器上叫号"
                f"（F12，工号0101，密码1234），在 {web} 看大厅看板。")
    return (f"Try: open {web} to watch the hall's dashboard, and take another ticket with the mosquitto_rr lines "
            f"above (on a screen, the 模拟设备 window lays ID cards on the kiosk's reader).\n"
            f"试一试：打开 {web} 查看大厅看板，再用上面的 mosquitto_rr 命令取号、叫号（有显示器时，"
            f"「模拟设备」窗口可往取号机上放身份证、扫预约码）。")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang demo", description=__doc__.split("\n")[0])
    p.add_argument("--config", default="config/halls/township.toml", help="hall file (default %(default)s)")
    p.add_argument("--host", default="127.0.0.1", help="address of the broker (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help="use the broker on this port, or start one there if it is free; 0: always start "
                        "one on a free port (default %(default)s)")
    p.add_argument("--broker", metavar="URL", help="use this broker (mqtt://[user:password@]host:port)")
    p.add_argument("--db", help="hall database to keep (default: a temporary one, removed at the end)")
    p.add_argument("--web-port", type=int, default=8080, help="the hall's web; 0 picks a free port, -1 none")
    p.add_argument("--for", dest="seconds", type=float, help="stop after this many seconds (for tests)")
    p.add_argument("--citizen", choices=("auto", "yes", "no"), default="no",
                   help="a scripted citizen walks through the hall once: yes, no, or auto (when there is no "
                        "display; `make demo` passes auto) (default %(default)s)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with tempfile.TemporaryDirectory(prefix="yichuang-demo-") as tmp:
        db = args.db or str(Path(tmp) / "demo.sqlite")
        try:
            if args.broker:
                url, broker, what = args.broker, None, "the broker given with --broker"
                parse_broker_url(url)
            else:
                url, broker, what = choose_broker(args.host, args.port, load_hall(args.config).id)
        except ConfigError as err:
            print(err, file=sys.stderr)
            return 2
        except (RuntimeError, ValueError, ConnectionError) as err:
            print(f"yichuang demo: {err}", file=sys.stderr)
            return 2
        hub_args = argparse.Namespace(config=args.config, db=db, broker=url, password_file=None,
                                      tick=30.0, clock=None, always_open=True, backup_dir=None)
        try:
            booking = book_demo_appointment(load_hall(args.config), db)
            config, store, hub = prepare(hub_args)
        except ConfigError as err:
            if broker:
                broker.stop()
            print(err, file=sys.stderr)
            return 2
        stop = threading.Event()
        stop_on_signals(stop)
        # --for counts from the end of the scripted citizen's walk (or from the banner)
        timer = threading.Timer(args.seconds, stop.set) if args.seconds is not None else None
        apps = []
        simulators = None  # the device window's process
        status = None
        serving = threading.Thread(target=hub.run, args=(stop,), name="hub")
        try:
            # the hub is up when a client of the printed address hears its retained status/hub online
            status = HubStatus(url, config.id).start(15)
            serving.start()
            status.wait_online(15)
            headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            citizen = args.citizen == "yes" or (args.citizen == "auto" and headless)
            trace = Path(tmp) / "voice-trace.txt"
            devices = Path(tmp) / "devices"
            # the console keeps to what matters: warnings, in each app's own log format
            env = {"KIVY_LOG_MODE": "MIXED", "KCFG_KIVY_LOG_LEVEL": "warning", **os.environ}
            if headless:  # the same windows offscreen, the voice on SDL's dummy sound card
                env.setdefault("SDL_AUDIODRIVER", "dummy")
                env.setdefault("KIVY_NO_ARGS", "1")
            extra = {"voice": ["--trace", str(trace)], DEVICES: ["--appointment", booking]}
            for name, build in APPS:
                apps.append(subprocess.Popen(build(args.config, url, devices) + extra.get(name, []),
                                             env={**env, **window_at(*WINDOWS[name])} if name in WINDOWS else env))
                if name == DEVICES:
                    simulators = apps[-1]
                    if not wait_for_devices(devices, simulators):
                        print("yichuang demo: the simulated devices did not start; the kiosk runs without them",
                              file=sys.stderr, flush=True)
            extra_lines: list[str] = [f"  devices the kiosk's ID card reader, scanner and printer are simulators "
                                    f"(模拟设备 window); tickets printed: {devices / 'printed'}",
                                    f"          demo booking {booking}: 扫预约码 in that window checks it in"]
            if args.web_port >= 0:
                from hall.web.demo import start as start_web
                web, lines = start_web(args.config, db, url, tmp, args.host, args.web_port)
                apps += [web] if web else []
                extra_lines = lines + extra_lines
            print(banner(config, url, what, db, extra_lines), flush=True)
            if citizen:
                from hall.demo_citizen import CitizenLost, walk

                try:
                    walk(config, url, trace if any(n == "voice" for n, _ in APPS) else None)
                except CitizenLost as err:
                    print(f"yichuang demo: the scripted citizen got lost: {err}", file=sys.stderr, flush=True)
                    return 1
            print(try_lines(extra_lines, not headless), flush=True)
            if timer:
                timer.daemon = True
                timer.start()
            stop.wait()
        except (ConnectionError, TimeoutError) as err:
            print(f"yichuang demo: the hub could not serve through {url}: {err}", file=sys.stderr)
            return 1
        finally:
            stop.set()
            if serving.is_alive():
                serving.join(30)
            if status:
                status.close()
            if timer:
                timer.cancel()
            # the device window last: the kiosk lets go of its reader, scanner and printer first
            for batch in ([app for app in apps if app is not simulators], [simulators] if simulators else []):
                for app in batch:
                    app.terminate()
                for app in batch:
                    try:
                        app.wait(10)
                    except subprocess.TimeoutExpired:  # e.g. the voice still saying its last call
                        app.kill()
                        app.wait()
            store.close()
            if broker:
                broker.stop()
    print("demo stopped", flush=True)
    return 0
