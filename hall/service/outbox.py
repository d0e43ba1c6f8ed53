"""The transactional outbox: events leave for the bus only after they are committed.

The store writes every event with ``published = 0`` in the same transaction as the change
that caused it. The outbox publishes them in sequence order at QoS 1 and marks them
published once the broker has acknowledged every event up to a point. After a crash, what
was committed but not acknowledged goes out again on the next start: a consumer may see an
event twice (the same ``seq``), never miss one, and tells a duplicate from a gap by ``seq``.
"""
from __future__ import annotations

from typing import Callable

from hall.store import HallStore

BATCH = 500


class Outbox:
    def __init__(self, store: HallStore, publish: Callable[[dict], int]):
        self.store = store
        self._publish = publish
        backlog = store.unpublished(1)
        self.sent = backlog[0]["seq"] - 1 if backlog else store.state.seq  # last seq handed to the bus
        self.confirmed = self.sent  # last seq marked published in the store
        self.inflight: dict[int, int] = {}  # mid -> seq, waiting for the broker's PUBACK

    def flush(self, fresh: list[dict] | None = None) -> int:
        """Publish every committed event not yet handed to the bus. ``fresh``: the events of
        the command just committed, used as they are when nothing older is waiting."""
        if fresh and fresh[0]["seq"] == self.sent + 1:
            self._send(fresh)
            return len(fresh)
        count = 0
        while self.sent < self.store.state.seq:
            batch = self.store.events(after=self.sent, limit=BATCH)
            if not batch:
                break
            self._send(batch)
            count += len(batch)
        return count

    def _send(self, events: list[dict]) -> None:
        for event in events:
            self.inflight[self._publish(event)] = event["seq"]
            self.sent = event["seq"]

    def acknowledged(self, mid: int) -> None:
        self.inflight.pop(mid, None)

    def confirm(self) -> int:
        """Mark published everything up to the oldest event still in flight. One write for
        many acknowledgements: the hub calls this when idle or every few hundred ms."""
        upto = min(self.inflight.values()) - 1 if self.inflight else self.sent
        if upto > self.confirmed:
            self.store.mark_published(upto)
            self.confirmed = upto
        return self.confirmed
