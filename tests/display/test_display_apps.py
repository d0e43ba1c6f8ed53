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
    out = tmp_path / "speaker.raw"
    voice = yichuang("voice", "--config", str(hall.path), "--broker", mosquitto.url, "--clock", clock, "--for", "9",
                     YICHUANG_VOICE_DIR=voice_pack, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=out,
                     KIVY_HOME=tmp_path / "k")
    events = connect(mosquitto.url, hall, "board-1", watch_events=True, client_id="board-1-ev")
    caller, kiosk = connect(mosquitto.url, hall, "caller-9"), connect(mosquitto.url, hall, "kiosk-1")
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    kiosk.request("issue", service="help")
    time.sleep(2.5)  # the announcer is connected
    assert caller.request("call_next")["data"]["ticket"] == "H001"
    called = events.wait_for(lambda: next((e for e in events.events if e["type"] == "ticket_called"), None), 10)
    topic = events.topics.event("ticket_called")
    events.bus.publish(topic, encode(called))  # the same seq again: a duplicate
    events.bus.publish(topic, encode({**called, "seq": called["seq"] + 100, "ticket": "H099",
                                      "ts": called["ts"] - 600}))  # ten minutes old: stale
    _, err = voice.communicate(timeout=60)
    assert voice.returncode == 0, err[-2000:]
    pcm, once = out.read_bytes(), expected(voice_pack, "H001", "9", repeats=1)
    i = pcm.find(once)
    assert i >= 0, "the call is not in the PCM as chime + clips"
    rest = pcm[:i] + pcm[i + len(once):]
    assert rest.count(0) == len(rest), "the duplicate or the stale call made a sound"


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
