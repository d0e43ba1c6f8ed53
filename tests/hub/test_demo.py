"""`yichuang demo` (the README's `make demo`): the commands it prints work, at any hour, and Ctrl-C
stops it cleanly."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

from .conftest import ROOT


def test_the_demo_runs_what_it_prints_and_stops_on_ctrl_c():
    demo = subprocess.Popen([sys.executable, "-m", "hall.cli", "demo", "--config", "config/halls/township.toml",
                             "--port", "0", "--for", "120"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        banner = []
        deadline = time.monotonic() + 30
        while not banner or "Ctrl-C" not in banner[-1]:
            assert time.monotonic() < deadline and demo.poll() is None, "".join(banner)
            banner.append(demo.stdout.readline())
        text = "".join(banner)
        assert re.search(r"broker  mqtt://127\.0\.0\.1:\d+", text)
        assert "全天开放" in text and "open 00:00-24:00 every day" in text
        commands = [line.strip() for line in banner if line.strip().startswith(("mosquitto_rr", "mosquitto_sub"))]
        outputs = []
        for command in commands:
            if command.startswith("mosquitto_sub") and " -C " not in command:
                continue  # the "watch everything" line runs until stopped
            done = subprocess.run(["bash", "-c", command + " -W 10"], capture_output=True, text=True, timeout=20)
            assert done.returncode == 0, (command, done.stderr)
            outputs.append(done.stdout.strip())
        replies = [json.loads(out) for out in outputs if out.startswith("{")]
        issued, login, called, recalled, finished, again, refused = replies
        assert issued["status"] == "ok" and issued["data"]["ticket"] == "A001"
        assert login["data"]["staff"] == "0101"
        assert called["data"]["ticket"] == "A001" and recalled["data"]["status"] == "called"
        assert finished["data"]["status"] == "finished"
        assert again == issued
        assert refused["status"] == "error" and refused["error"]["code"] == "not_allowed"
        board = next(out for out in outputs if "/state/board " in out)
        assert json.loads(board.split(" ", 1)[1])["calls"][0]["ticket"] == "A001"
        window = next(out for out in outputs if "/state/window/1 " in out)
        assert json.loads(window.split(" ", 1)[1])["staff"]["name"] == "陈晓梅"
    finally:
        demo.send_signal(signal.SIGINT)
        rest = demo.communicate(timeout=30)[0]
    assert demo.returncode == 0
    assert "demo stopped" in rest
