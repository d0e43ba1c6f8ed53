"""A hall in a box: the hub's request handling over a real SQLite store, in process, without a
broker, with soft callers (presenters) wired to it. Used by the presenter tests and by the
screenshot script (caller/screens.py), so both show what the real hub answers.

``Desk`` is one soft caller at a hall whose hub is ``hall.service.hub.Hub`` with a
controlled clock; ``deliver()`` plays the broker: the hub answers every request sent since,
and the presenter hears the events, the retained state and the reply in the hub's order.
Nothing is sent while the desk's broker is "down".
"""
from __future__ import annotations

import json
from pathlib import Path

from caller.presenter import CallerPresenter
from hall.clock import HallCalendar
from hall.config import load_hall
from hall.protocol import HUB_CLIENT, Topics, encode
from hall.service.bus import BrokerAddress
from hall.service.hub import Hub
from hall.store import HallStore

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
TEST_CLOCK = "2025-03-04T10:00:00"  # a Tuesday, inside the township hall's hours
PIN = "1234"  # every example staff member's PIN


class LocalHub:
    """The hub's request handling, retained state and events, without the bus."""

    def __init__(self, tmp_path: Path, config=None):
        self.config = config or load_hall(TOWNSHIP)
        self.topics = Topics(self.config.id)
        self.now = HallCalendar(self.config).epoch(TEST_CLOCK)
        self.store = HallStore(tmp_path / "hall.sqlite", self.config, clock=lambda: self.now)
        self.hub = Hub(self.store, BrokerAddress("127.0.0.1", 1), clock=lambda: self.now)
        self.events: list[dict] = []
        self.hub._committed = self._committed  # events go to the desks, not to a broker
        self.desks: list["Desk"] = []
        self._txn = 0

    def _committed(self, events: list[dict]) -> None:
        self.events.extend(events)
        self.hub.retained.feed(events)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def request(self, device: str, verb: str, **fields) -> dict:
        """A request from another device (a kiosk takes a ticket), answered at once."""
        self._txn += 1
        _, reply = self.hub.handle(device, encode({"v": 1, "verb": verb, "transaction": f"x-{self._txn}", **fields}))
        self.broadcast()
        return reply

    def issue(self, service: str = "household") -> str:
        reply = self.request("kiosk-1", "issue", service=service)
        assert reply["status"] == "ok", reply
        return reply["data"]["ticket"]

    def broadcast(self, force: bool = False) -> None:
        """Events, then the changed retained state, to every desk whose broker is up."""
        events, self.events = self.events, []
        changes = self.hub.retained.changes(self.now, force=force)
        for desk in self.desks:
            for event in events:
                desk.hear(self.topics.event(event["type"]), event)
            for topic, message in changes:
                desk.hear(topic, message)

    def query(self, sql: str, params=()) -> list[tuple]:
        return self.store.db.execute(sql, params).fetchall()

    def count(self, event_type: str) -> int:
        return self.query("SELECT COUNT(*) FROM events WHERE type = ?", (event_type,))[0][0]


class Desk:
    """One soft caller on ``device``, its requests answered by ``LocalHub.deliver``."""

    def __init__(self, hub: LocalHub, device: str = "caller-3"):
        self.hub, self.device = hub, device
        self.sent: list[dict] = []
        self.up = True
        self.presenter = CallerPresenter(hub.config, device, self._send, clock=lambda: hub.now, retry_every=2.0)
        hub.desks.append(self)
        self.presenter.set_connected(True)
        self.presenter.receive(hub.topics.status(HUB_CLIENT), {"v": 1, "state": "online"})
        for topic, message in hub.hub.retained.messages(hub.now).items():
            self.hear(topic, message)

    def _send(self, payload: dict) -> bool:
        if not self.up:
            raise RuntimeError("sent while the broker is down")
        json.dumps(payload)  # it must be JSON
        self.sent.append(payload)
        return True

    def hear(self, topic: str, message: dict) -> None:
        if self.up:
            self.presenter.receive(topic, message)

    def deliver(self, drop_replies: bool = False) -> list[dict]:
        """The hub answers everything sent since the last delivery; returns the replies."""
        sent, self.sent = self.sent, []
        replies = []
        for payload in sent:
            _, reply = self.hub.hub.handle(self.device, encode(payload))
            replies.append(reply)
        self.hub.broadcast()
        if not drop_replies:
            for reply in replies:
                self.hear(self.hub.topics.reply(self.device), reply)
        return replies

    # conveniences for tests
    def press(self, action: str, deliver: bool = True) -> None:
        self.presenter.press(action)
        if deliver:
            self.deliver()

    def view(self):
        return self.presenter.view()

    def notice(self) -> str:
        n = self.presenter.view().notice
        return n.text if n else ""

    def sign_in(self, staff: str = "0103", pin: str = PIN) -> None:
        self.presenter.press("sign_in")
        self.presenter.sign_in(staff, pin)
        self.deliver()
