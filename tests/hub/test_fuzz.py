"""The hub survives anything a device can send: 20,000 bad requests over MQTT against the real
hub on a real Mosquitto (the corpus of bench/fuzz_hub.py; `make fuzz` sends 100,000)."""
from __future__ import annotations

from bench.fuzz_hub import fuzz, retained_snapshot

N = 20_000


def test_the_hub_survives_20000_bad_requests_answers_each_and_changes_nothing(mosquitto, hall, start_hub):
    hub = start_hub(hall, mosquitto.url)
    pid = hub.process.pid
    facts = hall.facts()
    before = retained_snapshot(mosquitto.url, hall.id, hall.config)

    figures = fuzz(mosquitto.url, hall.id, N, seed=20, pid=pid, alive=hub.alive)
    print({k: v for k, v in figures.items() if k != "codes"}, dict(figures["codes"]))

    assert figures["died_after"] is None
    assert hub.alive() and hub.process.pid == pid  # never restarted, never stopped
    assert figures["sent"] == N
    assert figures["answered"] == figures["sent_expecting_reply"]  # exactly one reply each
    assert figures["answered_id_device"] == 0  # nothing published under a topic with an ID number
    assert "internal_error" not in figures["codes"]
    assert hall.facts() == facts  # the database
    assert retained_snapshot(mosquitto.url, hall.id, hall.config) == before  # the retained state
    log = hub.log.read_text()
    assert "LAST GUARD" not in log and "Traceback" not in log  # the last guard was never reached
    assert "110101199003074514" not in log and "11010519491231002X" not in log
