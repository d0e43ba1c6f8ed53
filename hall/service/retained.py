"""The retained state the hub keeps on the bus, and which of it changed.

``RetainedState.changes`` builds every retained message (``hall.protocol_state``) and returns
only those whose content differs from what was last published, so a burst of commands does
not flood the broker with identical copies; ``force`` returns them all (on connect, and when
a terminal announces itself). The board's recent calls are kept here, fed by the events and
read back from the event log on start.
"""
from __future__ import annotations

from hall import protocol_state as shapes
from hall.protocol import CALL_EVENTS, Topics
from hall.store import HallStore


class RetainedState:
    def __init__(self, store: HallStore, topics: Topics):
        self.store = store
        self.config = store.config
        self.calendar = store.engine.calendar
        self.topics = topics
        self.calls = self._recent_calls()
        self._published: dict[str, dict] = {}

    def _recent_calls(self) -> list[dict]:
        """The board's calls of the current hall day from the event log, newest first."""
        day = self.store.state.day
        if day is None:
            return []
        rows = self.store.recent_events(day, CALL_EVENTS, shapes.BOARD_CALLS)
        return [shapes.board_entry(self.config, row) for row in rows]

    def feed(self, events: list[dict]) -> None:
        for event in events:
            if event["type"] == "day_started":
                self.calls.clear()
            elif shapes.is_call(event):
                self.calls.insert(0, shapes.board_entry(self.config, event))
        del self.calls[shapes.BOARD_CALLS:]

    def messages(self, now: float) -> dict[str, dict]:
        """Every retained topic of the hall and its message now (without ``seq``)."""
        cfg, state, t = self.config, self.store.state, self.topics
        out = {t.hall_state(): shapes.hall_state(cfg, state, self.calendar, now),
               t.board(): shapes.board_state(state.day, self.calls)}
        for code, message in shapes.service_states(cfg, state, now).items():
            out[t.service(code)] = message
        for wid in cfg.windows:
            out[t.window(wid)] = shapes.window_state(cfg, state, self.calendar, wid)
        return out

    def changes(self, now: float, force: bool = False) -> list[tuple[str, dict]]:
        """(topic, message with ``seq``) for what changed since the last call, or everything."""
        seq = self.store.state.seq
        out = []
        for topic, message in self.messages(now).items():
            if force or self._published.get(topic) != message:
                self._published[topic] = message
                out.append((topic, {**message, "seq": seq}))
        return out
