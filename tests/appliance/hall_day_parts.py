"""The people and machines of the hall-day test (test_hall_day.py), each driven through its real
interface: the derived hall file, the appliance's processes, the kiosk, a soft caller and the
rating pads (their presenters on their real MQTT links), the keypads on the bus simulator, and
the manager at the web dashboard."""
from __future__ import annotations

import http.cookiejar
import json
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from caller.link import CallerLink
from caller.presenter import CallerPresenter
from hall.service.bus import parse_broker_url
from hall.service.local_broker import free_port, wait_for_port
from kiosk.driver import KioskDriver
from rating.link import PadLink
from rating.presenter import PadPresenter

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
PIN = "1234"  # every example staff member's PIN
TIDAL = "5"  # the derived hall's tidal window, opened from the dashboard
TIDAL_STAFF = "0105"
TIDAL_OVER = 6  # people waiting for social insurance before the hub asks for the tidal window


def wait_until(predicate, what, timeout: float = 40.0, pause: float = 0.05):
    """``predicate()``'s first true value; ``what`` (a string, or a function saying it at the
    time of failure) names the wait that did not end."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what() if callable(what) else what}")
        time.sleep(pause)


def rows(db: Path, sql: str, params=()) -> list[tuple]:
    """Read the hub's database beside the running hub (read only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def day_hall(tmp_path: Path, keypads: str, ledbars: str, manager_accounts: str) -> Path:
    """The township hall under an id of its own, with: windows 1 and 2 on YC-485 keypads and
    every window's LED bar on the bridge (its lines are the simulators' ptys), no 433 MHz
    receiver, a fifth clerk and a tidal window 5 for social insurance with its caller, a second
    board device for the voice PC, the pads asking for 10 s, and the web's accounts."""
    text = TOWNSHIP.read_text()
    text = re.sub(r'(?m)^id = "banzhuyuan"$', f'id = "day{os.getpid()}x{int(time.time() * 1000) % 100000}"',
                  text, count=1)
    text = re.sub(r"(?m)^receiver = .*\n", "", text)
    text = re.sub(r"(?m)^bus = .*$", f'bus = "serial://{keypads}"', text)
    text = re.sub(r"(?m)^ledbars = .*$", f'ledbars = "serial://{ledbars}"', text)
    text = text.replace("[[service]]", f'[[staff]]\nnumber = "{TIDAL_STAFF}"\nname = "赵敏"\n\n[[service]]', 1)
    text += f'''
[[window]]
id = "{TIDAL}"
name = "{TIDAL}号潮汐窗口"
kind = "tidal"
primary = ["social_insurance"]

[window.tidal]
services = ["social_insurance"]
waiting_over = {TIDAL_OVER}

[[device]]
id = "caller-{TIDAL}"
role = "caller"
window = "{TIDAL}"

[[device]]
id = "voice-1"
role = "board"

[rating]
ask_seconds = 10
{manager_accounts}'''
    path = tmp_path / "hall.toml"
    path.write_text(text)
    return path


def child_env() -> dict:
    """A child Python of the appliance: Kivy offscreen, SDL's dummy sound card, no console noise."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1",
               SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    return env


class Child:
    """One `yichuang …` process of the appliance, its output in a log beside the database."""

    def __init__(self, log: Path, *args: str):
        self.args, self.log = [sys.executable, "-m", "hall.cli", *args], log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Child":
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=child_env(), stdout=out, stderr=out)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Watch:
    """Waits for a device's retained status topic to say online (its process is connected)."""

    def __init__(self, port: int, topic: str):
        import paho.mqtt.client as mqtt

        self.online = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"watch-{os.getpid()}-{time.time()}")
        self.client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
        self.client.on_message = lambda c, u, m: b'"online"' in m.payload and self.online.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def wait_online(self, timeout: float, who: str) -> None:
        try:
            assert self.online.wait(timeout), f"{who} did not come online"
        finally:
            self.client.loop_stop()
            self.client.disconnect()


class Kiosk(KioskDriver):
    """The kiosk's presenter and runtime, pumped on the test's thread (its UI thread)."""

    def __init__(self, config, url, urls):
        super().__init__(config, url, urls, b"day-key")
        self.issued: list[str] = []

    def take(self, service) -> str:
        self.pump(lambda: self.flow.online and self.flow.screen == "home", "home screen online")
        self.tap("take", service)
        self.pump(lambda: self.flow.screen == "ticket", f"ticket for {service}")
        number = self.flow.view().number
        self.tap("noted" if self.flow.view().button("noted") else "done")
        self.issued.append(number)
        return number


class SoftCaller:
    """A soft caller (软呼叫器): its presenter on its real bus link, as the Kivy window runs it;
    the clerk's presses go to the presenter, never to the bus directly."""

    def __init__(self, config, device: str, url: str):
        self.lock = threading.RLock()
        self.presenter = CallerPresenter(config, device, send=lambda p: False, retry_every=1.0)
        self.link = CallerLink(self.presenter, parse_broker_url(url), self._post)
        self.link.start()

    def _post(self, fn):
        with self.lock:
            fn()

    def view(self):
        with self.lock:
            self.presenter.tick()  # the window's half-second tick: a late request is sent again
            return self.presenter.view()

    def act(self, what: str, press, settled, timeout: float = 60.0):
        """Press once the caller may act (it says so while the hub or the broker is away), then
        wait for the hub's answer."""
        wait_until(lambda: self.view().online, f"{self.presenter.device.id} back online to {what}", timeout)
        with self.lock:
            press(self.presenter)
        return wait_until(lambda: (v := self.view()) and not v.working and settled(v) and v,
                          lambda: f"{self.presenter.device.id}: {what} answered ({self.view().notice})", timeout)

    def sign_in(self, staff: str) -> None:
        self.act("sign in", lambda p: p.sign_in(staff, PIN), lambda v: v.situation == "idle")

    def call_next(self) -> str | None:
        """The next ticket's number, or None when nobody waits for this window."""
        v = self.act("call next", lambda p: p.press("call_next"),
                     lambda v: v.situation == "called" or (v.notice and v.notice.kind == "error"))
        return v.ticket.number if v.situation == "called" else None

    def finish(self) -> None:
        self.act("finish", lambda p: p.press("finish"), lambda v: v.situation == "idle")

    def close(self) -> None:
        self.link.stop()


class Pad:
    """A window's rating pad (评价器): its presenter on its real bus link, pumped as the Kivy app
    does (resending a late request every 3 s). Its clock is the hall's compressed day: a
    citizen who has read the thank-you walks away at once. It keeps what it sent and which
    of its ratings the hub accepted."""

    RESEND_AFTER = 3.0

    def __init__(self, url: str, hall_id: str, window: str):
        self.inbox: queue.Queue = queue.Queue()
        self.presenter = PadPresenter(window)
        self.link = PadLink(url, hall_id, f"pad-{window}", window, lambda kind, value: self.inbox.put((kind, value)))
        self.skew = 0.0
        self.seen: set[str] = set()  # matters this pad's citizen has answered or walked away from
        self.sent: set[str] = set()  # transactions the pad published
        self.accepted: list[tuple[str, str]] = []  # (ticket, level) the hub confirmed
        self._last_send = 0.0
        self.link.start()

    def now(self) -> float:
        return time.time() + self.skew

    def pump(self, until, what: str, timeout: float = 40.0):
        p = self.presenter
        deadline = time.monotonic() + timeout
        while True:
            if p.screen == "thanks":  # the citizen has read it and gone
                self.skew += max(0.0, p.thanks_until - self.now())
            p.tick(self.now())
            if p.pending is not None and self.now() - self._last_send >= self.RESEND_AFTER:
                p.resend()
            while p.outbox:
                txn, fields = p.outbox.pop(0)
                self.sent.add(txn)
                self._last_send = self.now()
                self.link.send(txn, fields)
            if until(p):
                return
            assert time.monotonic() < deadline, f"pad {p.window}: {what} (screen {p.view()})"
            try:
                kind, value = self.inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            if kind == "reply" and p.pending is not None and value.get("transaction") == p.pending.transaction \
                    and value.get("status") == "ok":
                self.accepted.append((p.pending.fields["number"], p.pending.fields["level"]))
            p.on_bus(kind, value, self.now())

    def _next_ask(self) -> dict:
        self.pump(lambda p: p.screen == "asking" and p.ask and p.ask["matter"] not in self.seen,
                  "the hub asks about the matter just finished")
        ask = self.presenter.ask
        self.seen.add(ask["matter"])
        return ask

    def rate(self, level: str, reasons: tuple[str, ...] = ()) -> str:
        """The citizen taps a face (and for a 差评 its reasons, then 提交); the ticket rated."""
        ask, p = self._next_ask(), self.presenter
        p.choose(level, self.now())
        for code in reasons:
            p.toggle_reason(code)
        if reasons:
            p.submit(self.now())
        self.pump(lambda p: p.pending is None, f"the hub's answer to the rating of {ask['ticket']}")
        return ask["ticket"]

    def walk_away(self) -> str:
        """The citizen leaves without answering: the hub records 未评价 later."""
        return self._next_ask()["ticket"]

    def close(self) -> None:
        self.link.stop()


class Dashboard:
    """The hall's web (`yichuang web`) and a manager signed in to its dashboard over HTTP."""

    def __init__(self, hall: Path, db: Path, url: str, log: Path, name: str, password: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.child = Child(log, "web", "--config", str(hall), "--db", str(db), "--broker", url, "--listen",
                           f"127.0.0.1:{self.port}", "--always-open").start()
        assert wait_for_port(self.port, 30), f"the web did not listen:\n{log.read_text()[-2000:]}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = self._get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        page = self.opener.open(self.base + "/login", data=urllib.parse.urlencode(
            {"csrf": csrf, "name": name, "password": password}).encode(), timeout=20).read().decode()
        assert "潮汐提醒" in page, "the manager is not on the dashboard after signing in"

    def _get(self, path: str) -> str:
        try:
            return self.opener.open(self.base + path, timeout=20).read().decode()
        except urllib.error.HTTPError as err:  # 503 while the web cannot read the hall yet
            return f"HTTP {err.code}"

    def tidal_alert(self, window: str) -> str | None:
        """The alert's form as the dashboard shows it now, or None."""
        page = self._get("/manage")
        found = re.search(rf'<div class="alert" data-window="{window}">.*?</form>', page, re.S)
        return found.group(0) if found else None

    def open_from_alert(self, form: str) -> dict:
        """The manager presses 开启 on the alert, with the first clerk the form offers."""
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
        fields["staff"] = re.search(r'<option value="([^"]+)"', form).group(1)
        req = urllib.request.Request(self.base + "/manage/act", data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Accept": "application/json"})
        return {**json.loads(self.opener.open(req, timeout=30).read()), "staff": fields["staff"]}

    def stop(self) -> None:
        self.child.stop()
