"""A ticket's whole life driven only by mosquitto_rr / mosquitto_sub, as a hardware device would:
issue, call, recall, transfer, hold, no-show, return, finish; checked through the replies,
the events a board would hear, and the retained state a screen would show."""
from __future__ import annotations

import json

from hall.protocol import Topics

from .mqtt_cli import Recorder, retained_json, rr


def test_a_ticket_lifecycle_from_the_shell(broker_url, hall, start_hub, tmp_path):
    start_hub(hall, broker_url)
    t = Topics(hall.id)
    events = Recorder(broker_url, t.event("#"), tmp_path / "events.txt")
    n = iter(range(1, 100))

    def ask(device: str, verb: str, **fields) -> dict:
        body = {"v": 1, "verb": verb, "transaction": f"sh-{next(n)}", **fields}
        reply = rr(broker_url, t.request(device), t.reply(device), body)
        assert reply["transaction"] == body["transaction"]
        assert reply["status"] == "ok", reply
        return reply["data"]

    assert ask("kiosk-1", "issue", service="household")["ticket"] == "C001"
    second = ask("kiosk-1", "issue", service="household")
    assert (second["ticket"], second["people_ahead"]) == ("C002", 1)
    assert ask("caller-1", "staff_login", staff="0101")["status"] == "open"
    assert ask("caller-2", "staff_login", staff="0102")["status"] == "open"

    assert ask("caller-1", "call_next")["ticket"] == "C001"
    assert ask("caller-1", "recall")["status"] == "called"
    moved = ask("caller-1", "transfer", to_window="2")
    assert (moved["ticket"], moved["status"], moved["pinned_window"]) == ("C001", "waiting", "2")
    assert ask("caller-2", "call_next")["ticket"] == "C001"
    assert ask("caller-2", "hold", reason="去复印材料")["status"] == "held"

    assert ask("caller-1", "call_next")["ticket"] == "C002"
    assert ask("caller-1", "no_show")["status"] == "missed"
    assert ask("kiosk-1", "return_missed", number="C002", place="front")["status"] == "waiting"

    assert ask("caller-2", "call_number", number="C001")["status"] == "called"
    assert ask("caller-2", "start")["status"] == "serving"
    assert ask("caller-2", "finish")["status"] == "finished"
    assert ask("caller-1", "call_next")["ticket"] == "C002"
    assert ask("caller-1", "finish", outcome="notified_to_supplement")["status"] == "finished"

    wanted = ["ticket_issued", "ticket_issued", "staff_login", "staff_login", "ticket_called", "ticket_recalled",
              "ticket_transferred", "ticket_called", "ticket_held", "ticket_called", "ticket_no_show",
              "ticket_returned", "ticket_called", "ticket_started", "ticket_finished", "rating_asked",
              "ticket_called", "ticket_finished", "rating_asked"]  # windows 1 and 2 have rating pads (好差评)
    heard = events.wait_count(len(wanted))
    events.stop()
    assert [body["type"] for _, body in heard] == wanted
    assert all(topic == t.event(body["type"]) for topic, body in heard)
    seqs = [body["seq"] for _, body in heard]
    assert seqs == list(range(seqs[0], seqs[0] + len(wanted)))
    assert [body["ticket"] for _, body in heard if body["type"] == "ticket_called"] == ["C001", "C001", "C002", "C001", "C002"]

    window1 = retained_json(broker_url, t.window("1"))
    assert window1["status"] == "open" and window1["ticket"] is None
    assert window1["staff"] == {"number": "0101", "name": "陈晓梅", "photo": "staff/0101.jpg"}
    board = retained_json(broker_url, t.board())
    assert [(c["ticket"], c["window"], c["recall"]) for c in board["calls"]] == [
        ("C002", "1", False), ("C001", "2", False), ("C002", "1", False), ("C001", "2", False),
        ("C001", "1", True), ("C001", "1", False)]
    household = retained_json(broker_url, t.service("household"))
    assert (household["waiting"], household["open"], household["windows_serving"]) == (0, True, 2)
    hall_state = retained_json(broker_url, t.hall_state())
    assert hall_state["open_now"] is True and hall_state["day"] == "2025-03-04"
    assert json.loads(json.dumps(hall_state["hours"])) == [["09:00", "12:00"], ["13:30", "17:30"]]
