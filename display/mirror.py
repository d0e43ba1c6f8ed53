"""What a terminal knows of the hall: the latest retained state, as the hub last said it. Pure.

``HallMirror.apply(topic, payload)`` files each message of ``state/#``, ``status/hub`` and the
call events under its kind and returns that kind (``hall``, ``board``, ``service``, ``window``,
``hub``, ``event``) or ``None`` for anything it does not use (a broken payload, another
hall's topic, a newer protocol version). After a reboot the retained messages refill it at once;
while the broker is away it keeps what it last knew (``connected`` says so).
"""
from __future__ import annotations

import json

from hall.protocol import HUB_CLIENT, ONLINE, V, Topics, parse_status


class HallMirror:
    def __init__(self, hall_id: str):
        self.topics = Topics(hall_id)
        self.hall: dict | None = None
        self.board: dict | None = None
        self.services: dict[str, dict] = {}
        self.windows: dict[str, dict] = {}
        self.hub_online: bool | None = None  # None: not heard yet
        self.connected = False  # to the broker
        self.seq = 0  # the newest seq seen in any state or event
        self._service_prefix = self.topics.service("")
        self._window_prefix = self.topics.window("")
        self._event_prefix = self.topics.event("")
        self._hub_status = self.topics.status(HUB_CLIENT)

    @property
    def live(self) -> bool:
        """Connected to the broker and the hub is not known to be away."""
        return self.connected and self.hub_online is not False

    def apply(self, topic: str, payload: bytes | dict | None) -> tuple[str, dict] | None:
        """File one message; (kind, body) for what was used, ``None`` for what was not."""
        if topic == self._hub_status:
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            state = parse_status(raw)
            if state is None:
                return None
            self.hub_online = state == ONLINE
            return "hub", {"state": state}
        body = _decode(payload)
        if body is None:
            return None
        seq = body.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            self.seq = max(self.seq, seq)
        if topic == self.topics.hall_state():
            self.hall = body
            return "hall", body
        if topic == self.topics.board():
            if not isinstance(body.get("calls"), list):
                return None
            self.board = body
            return "board", body
        if topic.startswith(self._service_prefix) and "/" not in topic[len(self._service_prefix):]:
            self.services[topic[len(self._service_prefix):]] = body
            return "service", body
        if topic.startswith(self._window_prefix) and "/" not in topic[len(self._window_prefix):]:
            self.windows[topic[len(self._window_prefix):]] = body
            return "window", body
        if topic.startswith(self._event_prefix):
            return "event", body
        return None

    def calls(self) -> list[dict]:
        """The board's calls, newest first (only well-formed ones)."""
        calls = (self.board or {}).get("calls") or []
        return [c for c in calls if isinstance(c, dict) and isinstance(c.get("ticket"), str)
                and isinstance(c.get("window"), str)]


def _decode(payload) -> dict | None:
    if isinstance(payload, dict):
        body = payload
    else:
        try:
            body = json.loads(payload.decode("utf-8")) if payload else None
        except (UnicodeDecodeError, ValueError, AttributeError):
            return None
    if not isinstance(body, dict) or body.get("v") != V:
        return None
    return body
