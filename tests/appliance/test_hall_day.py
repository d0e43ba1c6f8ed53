"""A compressed hall day, end to end, on a real Mosquitto, with every process of the appliance:
the hub, the keypad bridge (YC-485 keypads of windows 1 and 2, and the LED bars, on their bus
simulators), the board and window 3's screen (offscreen), the voice (SDL's dummy sound card) and
the web, all as `yichuang` processes; the kiosk (tickets by touch and by ID card, the reader
simulator on a pty), window 3's soft caller and the rating pads of windows 1-3 through their
presenters on their real links; the help desk's caller as a device client. Early on the keypad
bridge is killed while its keypads still hold presses it has journaled (started again, as systemd
would); mid-day the hub is killed with SIGKILL, later the broker restarts; every other process
recovers by itself. Late in the day a rush on social insurance raises the tidal alert, the manager
opens tidal window 5 from the dashboard, and its caller serves.

Then the invariants: every ticket in exactly one final state, nothing called or served twice,
every call announced once, every keypad press acted on once, every rating counted once (one row
per matter finished at a window with a pad: what the pad sent, or 未评价), none for a matter not
served there, and the board and the LED bars showing at the end what the retained state says."""
from __future__ import annotations

import collections
import itertools
import json
import signal

from devices.idcard.cards import demo_virtual_cards
from devices.idcard.simulator import Simulator as IdCardSimulator
from devices.keypad.codec import KeyAction
from devices.keypad.simulator import KeypadSimulator
from devices.ledbar.simulator import LedBarSimulator
from hall.config import load_hall
from hall.service.client import HallClient
from hall.service.local_broker import Mosquitto, spawn_hub_online
from kiosk.runtime import DeviceUrls
from tests.appliance.hall_day_parts import (TIDAL, TIDAL_OVER, TIDAL_STAFF, Child, Dashboard, Kiosk, Pad,
                                            SoftCaller, Watch, day_hall, rows, wait_until)
from tests.web.conftest import ACCOUNTS, PASSWORDS

ROUNDS = 9  # each round: four or five tickets by touch, a call and a finish at every open window
KEYPADS = {"1": 1, "2": 2}  # window -> the keypad's address on the YC-485 bus
STAFF = {"1": "0101", "2": "0102", "3": "0103", "9": "0104"}
PADS = ("1", "2", "3")
# what the citizens at windows 1-3 do when their pad asks, in turn (None: they walk away)
ANSWERS = itertools.cycle([("satisfied", ()), ("very_dissatisfied", ("long_wait", "attitude")), None,
                           ("very_satisfied", ()), ("basically_satisfied", ()), None, ("satisfied", ())])


def test_a_hall_day_with_every_process_a_hub_kill_and_a_broker_restart(tmp_path):
    keypads = KeypadSimulator(list(KEYPADS.values()), link=str(tmp_path / "keypads"))
    keypads.start()
    bars = LedBarSimulator([1, 2, 3, 9], link=str(tmp_path / "bars"))
    bars.start()
    hall = day_hall(tmp_path, keypads.path, bars.path, ACCOUNTS)
    config = load_hall(hall)
    broker = Mosquitto(tmp_path / "mosquitto").start()
    db, log = tmp_path / "hall.sqlite", tmp_path / "hub.log"
    hub_args = ("--always-open", "--tick", "0.5")  # ticks: the pads' asks run out, the tidal check
    hub = spawn_hub_online(hall, db, broker.url, log, *hub_args)
    on_air, shown = tmp_path / "voice.trace", tmp_path / "board.trace"
    voice = Child(tmp_path / "voice.log", "voice", "--config", str(hall), "--device", "voice-1", "--broker",
                  broker.url, "--trace", str(on_air), "--log-level", "WARNING")
    board = Child(tmp_path / "board.log", "board", "--config", str(hall), "--device", "board-1", "--broker",
                  broker.url, "--no-voice", "--windowed", "--size", "960x540", "--trace", str(shown),
                  "--log-level", "WARNING")
    on_screen3 = tmp_path / "wscreen-3.trace"
    screen3 = Child(tmp_path / "wscreen-3.log", "window-screen", "--config", str(hall), "--device", "wscreen-3",
                    "--broker", broker.url, "--windowed", "--size", "400x240", "--trace", str(on_screen3),
                    "--log-level", "WARNING")
    bridge = Child(tmp_path / "bridge.log", "keypad-bridge", "--config", str(hall), "--device", "bridge-1",
                   "--broker", broker.url, "--journal", str(tmp_path / "journal.sqlite"), "--log-level", "WARNING")
    terminals = {"voice-1": "the voice", "board-1": "the board", "wscreen-3": "window 3's screen",
                 "bridge-1": "the keypad bridge"}
    watches = [Watch(broker.port, f"yc/{config.id}/status/{d}") for d in terminals]
    processes = [voice.start(), board.start(), screen3.start(), bridge.start()]
    reader = IdCardSimulator()
    reader.start()
    kiosk = soft = web = None
    pads: dict[str, Pad] = {}
    desks: dict[str, HallClient] = {}
    presses = collections.Counter()  # (window, key) pressed on the keypads

    def press(action: KeyAction, digits: str = "") -> None:
        for window, address in KEYPADS.items():
            keypads.press(address, action, STAFF[window] if digits else "")
            presses[window, action.name] += 1

    def keypads_settled(what: str) -> None:
        total = sum(presses.values())
        wait_until(lambda: rows(db, "SELECT COUNT(*) FROM transactions WHERE source = 'bridge-1'")[0][0] >= total,
                   f"the keypad bridge's presses answered by the hub ({what})", 90)

    def desk(device: str, verb: str) -> dict:
        reply = desks[device].request(verb, timeout=60)
        assert reply["status"] == "ok" or (verb == "call_next" and reply["error"]["code"] == "queue_empty"), reply
        return reply

    try:
        # the announcer is up before the first call (call events are not retained: a voice that
        # starts late misses the calls before it, as a late listener in the hall would); a
        # terminal says online only once its subscriptions are in place (hall.service.bus)
        for watch, who in zip(watches, terminals.values()):
            watch.wait_online(60, who)
        kiosk = Kiosk(config, broker.url, DeviceUrls(idcard=reader.path))
        soft = SoftCaller(config, "caller-3", broker.url)
        pads = {w: Pad(broker.url, config.id, w) for w in PADS}
        desks["caller-9"] = HallClient(broker.url, config.id, "caller-9").connect()
        web = Dashboard(hall, db, broker.url, tmp_path / "web.log", "chen", PASSWORDS["chen"])

        # the morning: clerks sign in at the keypads, the soft caller and the help desk
        press(KeyAction.LOGIN, digits="staff")
        soft.sign_in(STAFF["3"])
        assert desks["caller-9"].request("staff_login", staff=STAFF["9"], timeout=30)["status"] == "ok"
        keypads_settled("sign in")
        wait_until(lambda: all(keypads.display(a).get(0) == f"工号{STAFF[w]}已登录" for w, a in KEYPADS.items()),
                   "the keypads show their clerk signed in")

        # a ticket by card: civil affairs asks for the ID card, the card brings the ticket
        kiosk.pump(lambda: kiosk.flow.online, "connection")
        kiosk.tap("take", "civil_affairs")
        kiosk.pump(lambda: kiosk.flow.screen == "refused", "the ID card request")
        reader.place(demo_virtual_cards()["resident_long_term"])
        kiosk.pump(lambda: kiosk.flow.screen == "ticket", "card ticket")
        card_ticket = kiosk.flow.view().number
        kiosk.issued.append(card_ticket)
        kiosk.tap("noted")  # no printer here: the number on screen
        reader.lift()

        opened = None
        for rnd in range(ROUNDS):
            if rnd == ROUNDS // 3:  # the hub dies mid-day: SIGKILL, no goodbye
                for _ in KEYPADS:
                    kiosk.take("household")
                hub.send_signal(signal.SIGKILL)
                hub.wait(10)
                press(KeyAction.CALL_NEXT)  # pressed while the hub is dead: journaled, sent again
                hub = spawn_hub_online(hall, db, broker.url, log, *hub_args, timeout=40)
                keypads_settled("across the hub's restart")
                press(KeyAction.FINISH)
                keypads_settled("after the hub's restart")
                for window in KEYPADS:  # the citizens of the two matters finished across it walk away
                    pads[window].walk_away()
            if rnd == 2 * ROUNDS // 3:  # the broker restarts (its persistence kept)
                broker.stop()
                broker.start()
            if rnd == 2 * ROUNDS // 3 + 1:  # a rush on social insurance: the tidal window is asked for
                for _ in range(TIDAL_OVER):
                    kiosk.take("social_insurance")
                tidal_form = wait_until(lambda: web.tidal_alert(TIDAL), "the dashboard shows the tidal alert", 60)
                assert f"请开启{TIDAL}号潮汐窗口" in tidal_form
                opened = web.open_from_alert(tidal_form)
                assert opened == {"ok": True, "message": f"已开启{TIDAL}号潮汐窗口", "staff": TIDAL_STAFF}, \
                    opened
                desks[f"caller-{TIDAL}"] = HallClient(broker.url, config.id, f"caller-{TIDAL}").connect()
            for service in ("social_insurance", "household", "social_insurance", "help") + \
                    (("social_insurance",) if opened else ()):
                kiosk.take(service)
            # every open window calls its next citizen, then finishes
            if rnd == 1:  # the keypads will not hear the bridge's "got it" for these presses ...
                for address in KEYPADS.values():
                    keypads.keypads[address].ignore_acks = 10 ** 6
            press(KeyAction.CALL_NEXT)
            assert soft.call_next() is not None, "window 3: nobody to call mid-day"
            for device in desks:
                assert desk(device, "call_next")["status"] == "ok"
            keypads_settled(f"round {rnd} calls")
            if rnd == 1:  # ... before the bridge dies: its successor is offered the same keys again
                bridge.kill9()
                bridge.start()
                for address in KEYPADS.values():
                    keypads.keypads[address].ignore_acks = 0
            press(KeyAction.FINISH)
            soft.finish()
            for device in desks:
                desk(device, "finish")
            keypads_settled(f"round {rnd} finishes")
            # the pads of windows 1-3 ask about the matters just finished
            for window in PADS:
                answer = next(ANSWERS)
                pads[window].rate(*answer) if answer else pads[window].walk_away()

        # the end of the day: the help desk, the tidal window and window 3 serve whoever still waits
        for device in desks:
            while desk(device, "call_next")["status"] == "ok":
                desk(device, "finish")
        while soft.call_next() is not None:
            soft.finish()

        called = rows(db, "SELECT seq, ticket FROM events WHERE type = 'ticket_called' ORDER BY seq")
        wait_until(lambda: on_air.exists() and sum(line.startswith("queued") for line in
                                                   on_air.read_text().splitlines()) >= len(called),
                   "the voice heard every call", 30)
        wait_until(lambda: shown.exists() and (shown.read_text().splitlines() or ["-"])[-1].split()[1:3] ==
                   [str(called[-1][0]), called[-1][1]], "the board shows the last call", 30)
        served_at_pads = rows(db, "SELECT ticket, window FROM events WHERE type = 'ticket_finished' "
                                  "AND window IN ('1', '2', '3')")
        wait_until(lambda: rows(db, "SELECT COUNT(*) FROM ratings")[0][0] >= len(served_at_pads),
                   "every matter at a window with a pad rated or 未评价 (the last asks run out)", 30)
        wait_until(lambda: on_screen3.exists() and on_screen3.read_text().splitlines()[-1].split()[2] == "-",
                   "window 3's screen shows nobody called", 30)
        wait_until(lambda: all(bars.state(config.windows[w].ledbar).text == config.windows[w].name
                               for w in ("1", "2", "3", "9")), "the LED bars show the windows open and idle", 30)
        with HallClient(broker.url, config.id, "watch", watch_state=True) as watcher:
            retained = watcher.wait_for(lambda: watcher.state_of(watcher.topics.board()), 20, "state/board")
    finally:
        for part in (kiosk and kiosk.runtime, web):
            if part is not None:
                part.stop()
        for part in (soft, *pads.values(), *desks.values()):
            if part is not None:
                part.close()
        for child in processes:
            child.stop()
        reader.stop()
        keypads.stop()
        bars.stop()
        if hub.poll() is None:
            hub.terminate()
            hub.wait(20)
        broker.stop()

    tickets = dict(rows(db, "SELECT number, status FROM tickets"))
    calls = collections.Counter(t for (t,) in rows(db, "SELECT ticket FROM events WHERE type = 'ticket_called'"))
    finishes = collections.Counter(t for (t,) in rows(db, "SELECT ticket FROM events WHERE type = 'ticket_finished'"))
    issued = kiosk.issued
    # every ticket taken is in the database once, and in one final state: finished
    assert sorted(tickets) == sorted(issued) and len(set(issued)) == len(issued)
    assert card_ticket in tickets
    assert all(status == "finished" for status in tickets.values()), tickets
    # nothing called or served twice
    assert set(calls) == set(finishes) == set(issued)
    assert all(calls[t] == 1 and finishes[t] == 1 for t in issued), (calls, finishes)

    # every call announced exactly once by the voice, across the hub kill and the broker restart
    queued = collections.Counter(line.split()[2] for line in on_air.read_text().splitlines()
                                 if line.startswith("queued"))
    assert queued == calls, (queued, calls)

    # the board shows what the retained state says: the last call of the day
    last = [line.split()[1:3] for line in shown.read_text().splitlines() if line.startswith("redraw")][-1]
    newest = retained["calls"][0]
    assert last == [str(called[-1][0]), called[-1][1]] == [str(newest["seq"]), newest["ticket"]]

    # window 3's screen showed only tickets called there, and now nobody (its retained state)
    at3 = {t for (t,) in rows(db, "SELECT ticket FROM events WHERE type = 'ticket_called' AND window = '3'")}
    on3 = [line.split()[2] for line in on_screen3.read_text().splitlines() if line.startswith("redraw")]
    assert on3[-1] == "-" and set(on3) - {"-"} <= at3 and set(on3) & at3, (on3, at3)

    # every keypad press acted on once: one transaction each, every one accepted; the calls at
    # the keypads' windows are their presses of 呼叫
    bridge_rows = rows(db, "SELECT verb, status FROM transactions WHERE source = 'bridge-1'")
    assert len(bridge_rows) == sum(presses.values()) and {s for _, s in bridge_rows} == {"ok"}, \
        (collections.Counter(bridge_rows), presses)
    by_window = collections.Counter(w for (w,) in rows(db, "SELECT window FROM events "
                                                           "WHERE type = 'ticket_called'"))
    assert {w: by_window[w] for w in KEYPADS} == {w: presses[w, "CALL_NEXT"] for w in KEYPADS}

    # every rating counted once: one row per matter finished at a window with a pad, none elsewhere
    ratings = rows(db, "SELECT ticket, window, level, reasons, \"case\", channel FROM ratings")
    assert collections.Counter((t, w) for t, w, *_ in ratings) == collections.Counter(served_at_pads)
    rated = collections.Counter((t, level) for t, _, level, *_ in ratings if level != "unrated")
    accepted = collections.Counter(x for pad in pads.values() for x in pad.accepted)
    assert rated == accepted, (rated, accepted)
    assert {r[5] for r in ratings} == {"pad"}
    # each rating a pad sent is one request the hub acted on: accepted, or (on a slow day) refused
    # because its ask had run out; never a second rating of the same matter
    answers = collections.Counter(json.loads(reply)["status"] if status == "ok" else
                                  json.loads(reply)["error"]["code"]
                                  for status, reply in rows(db, "SELECT status, reply FROM transactions "
                                                                "WHERE source LIKE 'pad-%'"))
    sent = sum(len(pad.sent) for pad in pads.values())
    assert sum(answers.values()) == sent and answers["ok"] == sum(accepted.values()) and \
        set(answers) <= {"ok", "rating_expired"}, ("pads sent", sent, "the hub answered", answers)
    bad = [r for r in ratings if r[2] == "very_dissatisfied"]
    assert bad and all(r[3] == '["long_wait", "attitude"]' and r[4] for r in bad), bad  # a case each
    assert len(rows(db, "SELECT id FROM cases")) == len(bad)
    assert any(r[2] == "unrated" for r in ratings), "no ask ran out unanswered"

    # the tidal window: asked for by the hub, opened from the dashboard with its clerk, then serving
    tidal = rows(db, "SELECT type, staff, data FROM events WHERE window = ? AND type IN "
                     "('tidal_alert', 'staff_login', 'tidal_alert_cleared') ORDER BY seq", (TIDAL,))
    assert [(t, s) for t, s, _ in tidal] == [("tidal_alert", None), ("staff_login", TIDAL_STAFF),
                                           ("tidal_alert_cleared", None)], tidal
    assert '"opened"' in tidal[2][2]
    assert rows(db, "SELECT verb, status FROM transactions WHERE source = 'manager'") == [("staff_login", "ok")]
    assert by_window[TIDAL] >= 1
