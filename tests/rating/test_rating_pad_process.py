"""`yichuang rating-pad` as a real process (Kivy offscreen) against Mosquitto and the hub: it comes
online, draws the asking screen when a window finishes, and says offline when stopped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.hub.conftest import Hall as HubHall
from tests.hub.conftest import connect, mosquitto, start_hub  # noqa: F401  (fixtures)
from tests.rating.test_rating_e2e import ROOT, Spy, wait_for


def test_the_pad_process_follows_the_hub(mosquitto, tmp_path, start_hub, connect):
    hall = HubHall(tmp_path)
    start_hub(hall, mosquitto.url)
    spy = Spy(mosquitto.url, hall.id)
    spy.bus.start()
    assert spy.bus.wait_connected(10)
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
           "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1", "YICHUANG_HALL_KEY_FILE": str(tmp_path / "none")}
    env.pop("DISPLAY", None)
    log = open(tmp_path / "pad.log", "w")
    pad = subprocess.Popen([sys.executable, "-m", "hall.cli", "rating-pad", "--config", str(hall.path), "--device",
                            "pad-3", "--broker", mosquitto.url, "--size", "1280x800"], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    status = spy.topics.status("pad-3")
    try:
        wait_for(lambda: any(t == status and json.loads(p)["state"] == "online" for t, p in spy.messages), 60)
        kiosk, caller = connect(mosquitto.url, hall, "kiosk-1"), connect(mosquitto.url, hall, "caller-3")
        assert caller.request("staff_login", staff="0103")["status"] == "ok"
        kiosk.request("issue", service="household")
        caller.request("call_next")
        assert caller.request("finish")["status"] == "ok"
        wait_for(lambda: spy.events("rating_asked"))
        time.sleep(1.0)  # let it draw the asking screen (a crash there would end the process)
        assert pad.poll() is None, (tmp_path / "pad.log").read_text()[-3000:]
    finally:
        pad.send_signal(signal.SIGTERM)
        pad.wait(30)
        spy.bus.stop()
        log.close()
    text = (tmp_path / "pad.log").read_text()
    assert "no phone field on this pad" in text  # no hall key on this tablet: said in its log
    assert "Traceback" not in text, text[-3000:]
