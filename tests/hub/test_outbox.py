"""The transactional outbox (hall/service/outbox.py) in the gap between publish and
acknowledgement: a broker that has taken an event but whose PUBACK never reaches the hub.
The hub must not mark the event published; killed there, it publishes it again on restart,
and a consumer recognises the second copy by its ``seq``.

The gap is opened for real: the hub talks to Mosquitto through a small TCP proxy that passes
every byte, except that, when told to, it holds back the broker's PUBACK packets."""
from __future__ import annotations

import socket
import threading
import time

from hall.service.local_broker import LOOPBACK


class PubackHoldingProxy:
    """A TCP proxy in front of a real broker. Client → broker passes as it is; broker →
    client is cut into MQTT packets, and while ``holding`` is set, PUBACKs (type 4) are kept
    back (counted in ``held``) and never delivered."""

    def __init__(self, broker_port: int):
        self.broker_port = broker_port
        self.holding = threading.Event()
        self.held = 0
        self._server = socket.create_server((LOOPBACK, 0))
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = [self._server]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"mqtt://{LOOPBACK}:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection((LOOPBACK, self.broker_port))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            threading.Thread(target=self._bytes, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._packets, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _bytes(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            s.close()

    def _packets(self, src: socket.socket, dst: socket.socket) -> None:
        buf = b""
        try:
            while data := src.recv(65536):
                buf += data
                while (packet := _one_packet(buf)) is not None:
                    buf = buf[len(packet):]
                    if self.holding.is_set() and packet[0] >> 4 == 4:  # PUBACK
                        self.held += 1
                        continue
                    dst.sendall(packet)
        except OSError:
            pass
        for s in (src, dst):
            s.close()

    def close(self) -> None:
        for s in self._sockets:
            s.close()


def _one_packet(buf: bytes) -> bytes | None:
    """The first whole MQTT packet of ``buf`` (fixed header, remaining length, body), or None."""
    length, shift = 0, 0
    for i in range(1, min(len(buf), 5)):
        length |= (buf[i] & 0x7F) << shift
        shift += 7
        if not buf[i] & 0x80:
            end = i + 1 + length
            return buf[:end] if len(buf) >= end else None
    return None


def test_unacknowledged_events_stay_unpublished_and_go_out_again_after_a_kill(mosquitto, hall, start_hub,
                                                                             connect):
    proxy = PubackHoldingProxy(int(mosquitto.url.rsplit(":", 1)[1]))
    try:
        hub = start_hub(hall, proxy.url)
        board = connect(mosquitto.url, hall, "board-1", watch_events=True)  # the consumer, on the broker itself
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        assert kiosk.request("issue", service="help")["data"]["ticket"] == "H001"
        acked = kiosk.request("issue", service="help")
        board.wait_for(lambda: len(board.events) >= 2, 10, "the first events")
        published = lambda: dict(hall.query("SELECT seq, published FROM events ORDER BY seq"))  # noqa: E731
        deadline = time.monotonic() + 10
        while not all(published().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(published().values()), "acknowledged events are marked published"
        before = max(published())

        proxy.holding.set()  # from now on the broker takes the hub's messages but its PUBACKs are lost
        gap = kiosk.request("issue", service="help")["data"]["ticket"]
        assert gap == "H003" and acked["status"] == "ok"
        board.wait_for(lambda: any(e["seq"] > before for e in board.events), 10, "the event in the gap")
        in_gap = [e["seq"] for e in board.events if e["seq"] > before]
        time.sleep(2.0)  # several outbox confirmations (every 0.5 s when idle) pass
        assert proxy.held >= len(in_gap)
        state = published()
        assert [state[seq] for seq in in_gap] == [0] * len(in_gap), "marked published without a PUBACK"
        assert all(state[seq] for seq in state if seq <= before)

        hub.kill9()  # in the gap: the broker has the events, the hub never heard so
        hub.url = mosquitto.url  # back, straight to the broker
        hub.start()
        board.wait_for(lambda: sum(e["seq"] in in_gap for e in board.events) >= 2 * len(in_gap), 15,
                       "the events of the gap again")
        deadline = time.monotonic() + 10
        while not all(published().values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(published().values())
    finally:
        proxy.close()

    # the consumer: a seq seen before is a duplicate, dropped; what is left has no gap
    seen, duplicates = set(), []
    for e in board.events:
        (duplicates.append(e) if e["seq"] in seen else seen.add(e["seq"]))
    assert sorted({e["seq"] for e in duplicates}) == in_gap
    assert all(d == next(e for e in board.events if e["seq"] == d["seq"]) for d in duplicates)  # the same event
    assert sorted(seen) == list(range(min(seen), max(seen) + 1))
