"""The hub's summary for the county (up/summary), from its real retained state and store: windows,
waiting, waits, paused windows, alerts and the day's 好差评 counts."""
from __future__ import annotations

import json

from hall.config import load_hall
from hall.protocol import Topics
from hall.service.retained import RetainedState
from hall.service.uplink import Uplink
from tests.hall.conftest import TOWNSHIP, Hall


def test_the_summary_says_what_the_hall_shows_and_counts_the_days_ratings(tmp_path):
    hall = Hall(tmp_path / "hall.db", load_hall(TOWNSHIP))
    try:
        hall.ok("staff_login", window="1", staff="0104")
        for _ in range(3):
            hall.ok("issue", service="help")
        day = hall.store.state.day
        # 好差评 as the rating engine records them (ticket_rated, data.stars), written into the real file
        with hall.store.db.conn:
            for seq, stars in enumerate((5, 4, 2, 1, 5), start=10_000):
                hall.store.db.conn.execute(
                    "INSERT INTO events (seq, type, at, ts, day, ticket, service, window, staff, data, published, uploaded) "
                    "VALUES (?, 'ticket_rated', '', 0, ?, NULL, 'help', NULL, NULL, ?, 1, 0)",
                    (seq, day, json.dumps({"stars": stars, "level": str(stars)})))
            hall.store.db.conn.execute(
                "INSERT INTO events (seq, type, at, ts, day, ticket, service, window, staff, data, published, uploaded) "
                "VALUES (20000, 'ticket_rated', '', 0, '2000-01-01', NULL, 'help', NULL, NULL, '{\"stars\": 1}', 1, 0)")
        assert hall.store.rating_counts(day) == {5: 2, 4: 1, 2: 1, 1: 1}

        messages = RetainedState(hall.store, Topics(hall.config.id)).messages(hall.now)
        sent = []
        uplink = Uplink(hall.store, Topics(hall.config.id), lambda t, p, r: sent.append((t, json.loads(p), r)))
        assert uplink.publish_summary(messages, "2026-03-04T10:00:00+08:00")
        topic, body, retained = sent[-1]
        assert topic == Topics(hall.config.id).up_summary() and retained
        assert body["hall"] == hall.config.id and body["waiting"] == 3
        assert body["windows_total"] == len(hall.config.windows) and body["windows_open"] == 1
        assert body["ratings"] == {"count": 5, "good": 3, "bad": 2, "mean_stars": 3.4}
        assert body["services"] == {code: svc.name for code, svc in hall.config.services.items()}
    finally:
        hall.store.close()


def test_a_summary_held_back_by_the_rate_limit_follows_and_a_quiet_hall_still_reports(tmp_path):
    hall = Hall(tmp_path / "hall.db", load_hall(TOWNSHIP))
    clock = [100.0]
    try:
        sent = []
        uplink = Uplink(hall.store, Topics(hall.config.id), lambda t, p, r: sent.append(json.loads(p)),
                        clock=lambda: clock[0])
        state = RetainedState(hall.store, Topics(hall.config.id))
        assert uplink.publish_summary(state.messages(hall.now), "t1") and sent[-1]["waiting"] == 0
        hall.ok("issue", service="help")
        clock[0] += 1
        assert not uplink.publish_summary(state.messages(hall.now), "t2")  # within the limit: held back
        assert not uplink.summary_due()
        clock[0] += 5
        assert uplink.summary_due()  # the held-back state goes now
        assert uplink.publish_summary(state.messages(hall.now), "t3") and sent[-1]["waiting"] == 1
        assert not uplink.summary_due()
        clock[0] += 61
        assert uplink.summary_due()  # nothing changed for a minute: the heartbeat
    finally:
        hall.store.close()


def test_the_uplink_counts_an_event_uploaded_only_on_the_countys_ack_and_sends_again_when_asked(tmp_path):
    hall = Hall(tmp_path / "hall.db", load_hall(TOWNSHIP))
    clock = [0.0]
    try:
        for _ in range(5):
            hall.ok("issue", service="help")
        last = hall.store.state.seq
        topics = Topics(hall.config.id)
        sent = []
        uplink = Uplink(hall.store, topics, lambda t, p, r: sent.append(json.loads(p)["seq"]), clock=lambda: clock[0],
                        stall=3)
        assert uplink.pump() == last and sent == list(range(1, last + 1))
        assert hall.store.uploaded_upto() == 0  # sent is not uploaded
        for bad in (b"not json", b'{"upto": "3"}', b'{"upto": -1}', b'{"upto": true}', b"[]", b'{"from": 2}'):
            uplink.on_down(topics.down_ack(), bad)
        uplink.on_down(topics.down() + "other", b'{"upto": 3}')
        assert hall.store.uploaded_upto() == 0 and uplink.acked == 0  # nothing bad counted
        uplink.on_down(topics.down_ack(), b'{"v": 1, "upto": 2}')
        assert hall.store.uploaded_upto() == 2
        uplink.on_down(topics.down_ack(), b'{"v": 1, "upto": 999}')  # more than the hall has: up to what it has
        assert hall.store.uploaded_upto() == last
        uplink.on_down(topics.down_ack(), b'{"v": 1, "upto": 1}')  # an old ack changes nothing
        assert hall.store.uploaded_upto() == last

        hall.ok("issue", service="help")
        hall.ok("issue", service="help")
        sent.clear()
        assert uplink.pump() == 2
        uplink.on_down(topics.down_resend(), json.dumps({"v": 1, "from": last + 1}).encode())  # a hole at the county
        uplink.pump()
        assert sent == [last + 1, last + 2, last + 1, last + 2]
        sent.clear()
        clock[0] += 4  # no acknowledgement for longer than the stall: everything after it again
        uplink.pump()
        assert sent == [last + 1, last + 2]
        # a reboot: a new uplink starts from what the county acknowledged
        again = Uplink(hall.store, topics, lambda t, p, r: sent.append(json.loads(p)["seq"]), clock=lambda: clock[0])
        sent.clear()
        again.pump()
        assert sent == [last + 1, last + 2]
    finally:
        hall.store.close()
