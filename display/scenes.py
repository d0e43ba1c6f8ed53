"""Example halls in a known state, made by the real engine: for screenshots, tests and benches.

``SceneHall`` runs a hall file through the real store (a SQLite file of its own) and the hub's
``RetainedState``, so the messages a scene puts in a ``HallMirror`` are exactly what the hub
would publish. ``busy(scene)`` signs staff in at every window it can, issues tickets and calls
them, so a 30-window county board is full.
"""
from __future__ import annotations

import itertools
from pathlib import Path

from hall.clock import HallCalendar
from hall.config import HallConfig
from hall.protocol import Topics
from hall.service.retained import RetainedState
from hall.store import HallStore
from display.mirror import HallMirror

DAY = "2025-03-04"  # a Tuesday


class SceneHall:
    def __init__(self, config: HallConfig, directory: Path, start: str = f"{DAY}T10:00:00"):
        self.config = config
        self.calendar = HallCalendar(config)
        self.now = self.calendar.epoch(start)
        self.store = HallStore(Path(directory) / f"scene-{config.id}.sqlite", config, clock=lambda: self.now)
        self.topics = Topics(config.id)
        self.retained = RetainedState(self.store, self.topics)
        self._ids = itertools.count(1)
        self.store.apply({"verb": "tick", "transaction": "scene-tick"}, self.now)

    def do(self, verb: str, **fields) -> dict:
        reply, events = self.store.apply({"verb": verb, "transaction": f"scene-{next(self._ids)}", **fields}, self.now)
        self.retained.feed(events)
        return reply

    def later(self, seconds: float) -> "SceneHall":
        self.now += seconds
        return self

    def messages(self) -> dict[str, dict]:
        seq = self.store.state.seq
        return {topic: {**m, "seq": seq} for topic, m in self.retained.messages(self.now).items()}

    def mirror(self, into: HallMirror | None = None, *, hub_online: bool = True) -> HallMirror:
        mirror = into or HallMirror(self.config.id)
        for topic, message in self.messages().items():
            mirror.apply(topic, message)
        mirror.apply(self.topics.status("hub"), {"v": 1, "state": "online" if hub_online else "offline"})
        mirror.connected = True
        return mirror

    def close(self) -> None:
        self.store.close()


def busy(scene: SceneHall, *, per_service: int = 3, pause: dict[str, str] | None = None,
         recall: str | None = None) -> SceneHall:
    """Staff at every window, ``per_service`` tickets per service, every window calls one.

    ``pause`` = {window: reason} pauses those windows after their call; ``recall`` = a window
    that calls its ticket again last (so the newest call on the board is a 重呼)."""
    cfg = scene.config
    used: set[str] = set()
    for wid in cfg.windows:
        for staff in cfg.staff.values():
            if staff.number not in used and staff.may_work_at(wid):
                if scene.do("staff_login", window=wid, staff=staff.number)["status"] == "ok":
                    used.add(staff.number)
                    break
    for _ in range(per_service):
        for code in cfg.services:
            scene.do("issue", service=code)
            scene.later(7)
    for wid in cfg.windows:
        scene.later(11)
        scene.do("call_next", window=wid)
    for wid, reason in (pause or {}).items():
        scene.do("finish", window=wid)
        scene.do("pause", window=wid, reason=reason)
    if recall:
        scene.later(5)
        scene.do("recall", window=recall)
    return scene
