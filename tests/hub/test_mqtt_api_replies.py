"""docs/mqtt-api.md against a real hub on a real Mosquitto: every verb answers the documented
`data` shape, held and missed tickets are not counted as waiting, a refused `reply_to` is
answered where the page says, and the page's shell examples, run with mosquitto_rr,
mosquitto_sub and mosquitto_pub, print exactly the documented replies."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

from hall.protocol_verbs import VERBS

from .mqtt_cli import Recorder
from .test_mqtt_api_doc import DOC, example, table, ticks

MANAGER = '\n[[device]]\nid = "manager-1"\nrole = "manager"\n'
VOLATILE = ("issued_at", "called_at", "started_at", "token", "since", "seq")  # when it happened, a random token, how many events


def shapes() -> dict[str, str]:
    return {verb: ticks(r[1])[0] for r in table("verbs") for verb in ticks(r[0])}


def same_shape(data: dict, documented: dict) -> bool:
    return set(data) == set(documented) and all(
        data[k] is None or documented[k] is None or type(data[k]) is type(documented[k]) for k in data)


def test_every_verb_answers_the_documented_shape(mosquitto, hall, start_hub, connect, tmp_path):
    hall.path.write_text(hall.path.read_text() + MANAGER)
    bookings = tmp_path / "bookings.csv"  # one appointment for the test clock's morning, to check in
    bookings.write_text("code,service,date,slot,person\nAPPT000001,household,2025-03-04,10:00-10:30,张*三\n")
    subprocess.run([sys.executable, "-m", "hall.cli", "appointments", "import", str(bookings), "--config",
                    str(hall.path), "--db", str(hall.db)], check=True, capture_output=True, timeout=60)
    start_hub(hall, mosquitto.url)
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    caller = connect(mosquitto.url, hall, "caller-1", watch_state=True)
    manager = connect(mosquitto.url, hall, "manager-1")
    seen: dict[str, dict] = {}
    household = caller.topics.service("household")

    def ok(client, verb, **fields) -> dict:
        reply = client.request(verb, **fields)
        assert reply["status"] == "ok", reply
        seen.setdefault(verb, reply["data"])
        return reply["data"]

    def waiting(n: int) -> None:
        caller.wait_for(lambda: (caller.state.get(household) or {}).get("waiting") == n, 10,
                        f"state/service/household waiting == {n}")

    told_now = caller.wait_for(lambda: caller.state.get(household), 10, "state/service/household")
    assert ok(kiosk, "issue", service="household")["estimated_wait_min"] == told_now["estimated_wait_min"]
    ok(kiosk, "issue", service="household")
    assert ok(kiosk, "lookup", number="C002")["people_ahead"] == 1
    assert ok(kiosk, "checkin", appointment="APPT000001")["priority"] == "appointment"
    ok(caller, "staff_login", staff="0101")
    assert ok(caller, "call_next")["ticket"] == "C003"  # the checked-in appointment goes first
    ok(caller, "finish")
    assert ok(caller, "call_next")["ticket"] == "C001"
    ok(caller, "recall")
    ok(caller, "start")
    ok(caller, "finish", outcome="completed")
    assert ok(caller, "call_next")["ticket"] == "C002"
    assert ok(caller, "no_show")["status"] == "missed"
    waiting(0)  # a missed ticket is not in the line
    ok(kiosk, "return_missed", number="C002")
    waiting(1)
    ok(caller, "call_number", number="C002")
    assert ok(caller, "hold", reason="取材料")["status"] == "held"
    waiting(0)  # nor is a held one
    # the service state's wait is the one a ticket taken at that moment is told (window 1 is
    # free: nothing runs down with the clock between reading the state and issuing)
    insurance = caller.wait_for(lambda: caller.state.get(caller.topics.service("social_insurance")), 10, "A")
    assert ok(kiosk, "issue", service="social_insurance")["estimated_wait_min"] == insurance["estimated_wait_min"]
    assert ok(caller, "call_next")["ticket"] == "A001"
    assert ok(caller, "transfer", to_service="household")["service"] == "household"
    waiting(1)
    ok(caller, "pause", reason="接电话")
    ok(caller, "resume")
    assert ok(kiosk, "cancel", number="C002")["status"] == "cancelled"
    ok(manager, "close_service", service="help")
    ok(manager, "open_service", service="help")
    ok(manager, "tick")
    ok(caller, "call_next")
    ok(caller, "finish")
    ok(caller, "staff_logout")
    ok(caller, "staff_login", staff="0101")
    ok(caller, "close")
    assert set(seen) == set(VERBS)
    for verb, data in seen.items():
        assert same_shape(data, example(f"data/{shapes()[verb]}")), (verb, data)


def test_a_refused_reply_to_is_answered_on_the_devices_own_reply_topic(mosquitto, hall, start_hub, connect,
                                                                        tmp_path):
    start_hub(hall, mosquitto.url)
    kiosk = connect(mosquitto.url, hall, "kiosk-1")
    own = kiosk.topics.reply("kiosk-1")
    recorder = Recorder(mosquitto.url, kiosk.topics.root + "/#", tmp_path / "all.log")
    try:
        txn = kiosk.send("issue", service="household", reply_to=kiosk.topics.hall_state())
        reply = kiosk.reply(txn, 10)
        assert reply["error"]["code"] == "bad_reply_to" and reply["transaction"] == txn
        time.sleep(0.3)  # let the recorder write what it got
        answered = [topic for topic, body in recorder.messages() if body.get("transaction") == txn
                    and "status" in body]
    finally:
        recorder.stop()
    assert answered == [own]


def shell_commands() -> list[str]:
    """The commands of the page's shell block, continuation lines joined, comments dropped."""
    block = re.search(r"## Try it from the shell.*?```sh\n(.*?)```", DOC, re.S).group(1)
    joined = block.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")]


def normalised(message: dict) -> dict:
    out = {}
    for key, value in message.items():
        if key in VOLATILE:
            out[key] = "…"
        elif isinstance(value, dict):
            out[key] = normalised(value)
        else:
            out[key] = value
    return out


def test_the_shell_examples_print_the_documented_replies(mosquitto, hall, start_hub, tmp_path):
    start_hub(hall, mosquitto.url)
    url = urlsplit(mosquitto.url)
    commands = shell_commands()
    assert commands[0].startswith("H=") and len(commands) == 8
    shell = f'H="-h {url.hostname} -p {url.port}"\n'

    def sh(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", shell + command.replace("yc/banzhuyuan/", f"yc/{hall.id}/")],
                              capture_output=True, text=True, timeout=20)

    watch = subprocess.Popen(["bash", "-c", shell + "exec stdbuf -oL " + commands[1].replace(
        "yc/banzhuyuan/", f"yc/{hall.id}/")], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)  # mosquitto_sub subscribes
        printed = {}
        for command in commands[2:]:
            out = sh(command)
            assert out.returncode == 0, (command, out.stderr)
            if out.stdout.strip():
                body = json.loads(out.stdout)
                printed[body.get("transaction") or "window-1"] = body
            if '"recall"' in command:
                time.sleep(0.5)  # fire and forget: give the hub its moment before reading the state
    finally:
        time.sleep(0.5)
        watch.terminate()
        heard = watch.communicate(timeout=10)[0]
    assert sorted(printed) == ["c-1", "c-2", "k-1", "window-1"]
    for name, body in printed.items():
        assert normalised(body) == normalised(example(f"shell/{name}")), name
    assert re.search(rf"^yc/{hall.id}/event/ticket_called ", heard, re.M)  # "the board hears it"
    assert re.search(rf"^yc/{hall.id}/event/ticket_recalled ", heard, re.M)  # the button was obeyed
    assert re.search(rf"^yc/{hall.id}/status/board-1 .*online", heard, re.M)
