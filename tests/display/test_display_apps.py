"""The real commands on a real Mosquitto and hub: `yichuang voice` says a call once (its PCM
through SDL's disk driver; a duplicate and a stale event on the bus make no sound), and
`yichuang board` / `yichuang window-screen` come up offscreen, show the call and save a picture."""
from __future__ import annotations

import subprocess
import time

from PIL import Image

from hall.clock import HallCalendar
from hall.protocol import encode
from tests.display.conftest import PYTHON, ROOT, child_env
from tests.display.test_voice_disk import expected


def yichuang(*args: str, **env) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "hall.cli", *args], cwd=ROOT, env=child_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_voice_says_a_call_once_through_the_bus(mosquitto, hub_hall, start_hub, connect, voice_pack, tmp_path):
    hall = hub_hall
    hall.path.write_text(hall.path.read_text().replace("repeats = 2", "repeats = 1"))
    hub = start_hub(hall, mosquitto.url)
    clock = HallCalendar(hall.config).local(hub._clock0 + time.time() - hub._t0).replace(tzinfo=None).isoformat()
    out, trace = tmp_path / "speaker.raw", tmp_path / "voice.trace"
    voice = yichuang("voice", "--config", str(hall.path), "--broker", mosquitto.url, "--clock", clock,
                     "--trace", str(trace), YICHUANG_VOICE_DIR=voice_pack, SDL_AUDIODRIVER="disk",
                     SDL_DISKAUDIOFILE=out, KIVY_HOME=tmp_path / "k")
    events = connect(mosquitto.url, hall, "board-1", watch_events=True, client_id="board-1-ev")
    caller, kiosk = connect(mosquitto.url, hall, "caller-9"), connect(mosquitto.url, hall, "kiosk-1")
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    kiosk.request("issue", service="help")
    deadline = time.monotonic() + 30
    while not (trace.exists() and "listening" in trace.read_text()):  # subscribed: it hears the call
        assert voice.poll() is None and time.monotonic() < deadline, "the voice did not come to listen"
        time.sleep(0.05)
    assert caller.request("call_next")["data"]["ticket"] == "H001"
    called = events.wait_for(lambda: next((e for e in events.events if e["type"] == "ticket_called"), None), 10)
    topic = events.topics.event("ticket_called")
    events.bus.publish(topic, encode(called))  # the same seq again: a duplicate
    events.bus.publish(topic, encode({**called, "seq": called["seq"] + 100, "ticket": "H099",
                                      "ts": called["ts"] - 600}))  # ten minutes old: stale
    deadline = time.monotonic() + 30
    while "playing" not in trace.read_text():  # then the duplicate and the stale call come, and are heard
        assert voice.poll() is None and time.monotonic() < deadline, ("H001 was not said", trace.read_text())
        time.sleep(0.05)
    time.sleep(1.0)
    voice.terminate()  # it finishes the call it is saying
    _, err = voice.communicate(timeout=60)
    assert voice.returncode == 0, err[-2000:]
    queued = [line.split()[2] for line in trace.read_text().splitlines() if line.startswith("queued")]
    assert queued == ["H001"], trace.read_text()  # neither the duplicate nor the stale call was queued
    pcm, once = out.read_bytes(), expected(voice_pack, "H001", "9", repeats=1)
    i = pcm.find(once)
    assert i >= 0, "the call is not in the PCM as chime + clips"
    rest = pcm[:i] + pcm[i + len(once):]
    assert rest.count(0) == len(rest), "the duplicate or the stale call made a sound"



def test_a_stopping_voice_finishes_the_call_it_says_and_drops_its_backlog(mosquitto, hub_hall, start_hub, connect,
                                                                          voice_pack, tmp_path):
    """SIGTERM (systemctl stop, a restart) with three calls queued: the one being said is said to
    its end, the two behind it are not (the process used to say its whole backlog first)."""
    hall = hub_hall
    hub = start_hub(hall, mosquitto.url)
    clock = HallCalendar(hall.config).local(hub._clock0 + time.time() - hub._t0).replace(tzinfo=None).isoformat()
    out, trace = tmp_path / "speaker.raw", tmp_path / "voice.trace"
    voice = yichuang("voice", "--config", str(hall.path), "--broker", mosquitto.url, "--clock", clock,
                     "--trace", str(trace),
                     YICHUANG_VOICE_DIR=voice_pack, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=out,
                     KIVY_HOME=tmp_path / "k")  # the disk driver in real time: a call takes seconds to say

    def traced(kind):
        return [line.split() for line in (trace.read_text().splitlines() if trace.exists() else [])
                if line.startswith(kind)]

    def wait(what, until, timeout=30.0):
        deadline = time.monotonic() + timeout
        while not until():
            assert voice.poll() is None, voice.communicate()[1][-2000:]
            assert time.monotonic() < deadline, (what, trace.read_text() if trace.exists() else "no trace")
            time.sleep(0.05)

    try:
        wait("the voice listens", lambda: traced("listening"))
        kiosk = connect(mosquitto.url, hall, "kiosk-1")
        callers = {c: connect(mosquitto.url, hall, c) for c in ("caller-1", "caller-2", "caller-3")}
        for device, staff in zip(callers, ("0101", "0102", "0103")):
            assert callers[device].request("staff_login", staff=staff)["status"] == "ok"
        for _ in callers:
            assert kiosk.request("issue", service="social_insurance")["status"] == "ok"
        called = [callers[c].request("call_next")["data"]["ticket"] for c in callers]
        wait("three calls queued and the first being said", lambda: len(traced("queued")) == 3 and traced("playing"))
    finally:
        voice.terminate()
        _, err = voice.communicate(timeout=60)
    assert voice.returncode == 0, err[-2000:]
    assert [line[2] for line in traced("playing")] == called[:1], trace.read_text()
    pcm = out.read_bytes()
    assert pcm.find(expected(voice_pack, called[0], "1")) >= 0, "the call being said was cut off"
    for ticket, window in zip(called[1:], ("2", "3")):
        assert pcm.find(expected(voice_pack, ticket, window)) < 0, f"{ticket} was said on the way out"


def test_board_and_window_screen_show_the_call(mosquitto, hub_hall, start_hub, connect, tmp_path):
    hall = hub_hall
    start_hub(hall, mosquitto.url)
    caller, kiosk = connect(mosquitto.url, hall, "caller-3"), connect(mosquitto.url, hall, "kiosk-1")
    assert caller.request("staff_login", staff="0103")["status"] == "ok"
    kiosk.request("issue", service="household")
    assert caller.request("call_next")["data"]["ticket"] == "C001"
    trace_b, trace_w = tmp_path / "board.trace", tmp_path / "screen.trace"
    board = yichuang("board", "--config", str(hall.path), "--broker", mosquitto.url, "--no-voice", "--windowed",
                     "--for", "6", "--screenshot", str(tmp_path / "board.png"), "--trace", str(trace_b),
                     KIVY_HOME=tmp_path / "k1")
    screen = yichuang("window-screen", "--config", str(hall.path), "--device", "wscreen-3", "--broker",
                      mosquitto.url, "--windowed", "--for", "6", "--screenshot", str(tmp_path / "screen.png"),
                      "--trace", str(trace_w), KIVY_HOME=tmp_path / "k2")
    for p in (board, screen):
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
    assert any(line.split()[:3][2] == "C001" for line in trace_b.read_text().splitlines() if line.startswith("redraw"))
    assert any(line.split()[2] == "C001" for line in trace_w.read_text().splitlines())
    for name, size in (("board.png", (1920, 1080)), ("screen.png", (800, 480))):
        image = Image.open(tmp_path / name).convert("RGB")
        assert image.size == size and len(image.resize((32, 32)).getcolors(32 * 32)) > 10
    bad = yichuang("window-screen", "--config", str(hall.path), "--device", "board-1")
    assert bad.wait(60) == 2 and "not a window_screen" in bad.stderr.read()
