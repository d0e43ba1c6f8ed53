"""`yichuang demo` (the README's `make demo`): the commands it prints work, at any hour, and Ctrl-C
stops it cleanly; it comes up where a Mosquitto already holds its port (it uses it), where the
port is free (its own broker there) and where something else holds it (its own on a free port),
and prints an address that works."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import socket
import threading

from hall.protocol import Topics
from hall.service.local_broker import free_port

from .conftest import ROOT
from .mqtt_cli import retained_json


def start_demo(*args: str) -> tuple[subprocess.Popen, list[str]]:
    """`yichuang demo` for the township hall, and its banner (up to "Ctrl-C"), line by line."""
    demo = subprocess.Popen([sys.executable, "-m", "hall.cli", "demo", "--config", "config/halls/township.toml",
                             *args, "--for", "120"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    banner: list[str] = []
    deadline = time.monotonic() + 30
    while not banner or "Ctrl-C" not in banner[-1]:
        if time.monotonic() > deadline or demo.poll() is not None:
            demo.kill()
            raise AssertionError("the demo did not come up:\n" + "".join(banner) + demo.communicate()[0])
        banner.append(demo.stdout.readline())
    return demo, banner


def stop_demo(demo: subprocess.Popen) -> str:
    demo.send_signal(signal.SIGINT)
    rest = demo.communicate(timeout=30)[0]
    assert demo.returncode == 0 and "demo stopped" in rest
    return rest


def broker_port(banner: list[str]) -> int:
    (port,) = re.findall(r"broker  mqtt://127\.0\.0\.1:(\d+)", "".join(banner))
    return int(port)


def take_a_ticket(banner: list[str]) -> dict:
    """Run the banner's own "take a ticket" command, as a newcomer pastes it."""
    command = banner[next(i for i, line in enumerate(banner) if line.strip().startswith("# take a ticket")) + 1].strip()
    assert command.startswith("mosquitto_rr ")
    done = subprocess.run(["bash", "-c", command + " -W 10"], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, (command, done.stderr)
    return json.loads(done.stdout)


def test_the_demo_uses_the_mosquitto_already_running_on_its_port(mosquitto, tmp_path):
    demo, banner = start_demo("--port", str(mosquitto.port))
    try:
        text = "".join(banner)
        assert broker_port(banner) == mosquitto.port and "already running here" in text
        reply = take_a_ticket(banner)
        assert reply["status"] == "ok" and reply["data"]["ticket"] == "A001" and len(reply["data"]["token"]) == 22
        hall = Topics("banzhuyuan")
        assert retained_json(mosquitto.url, hall.status("hub"))["state"] == "online"
        # a second demo leaves that broker to the first (one hub per hall) and brings its own
        second, banner2 = start_demo("--port", str(mosquitto.port))
        try:
            assert broker_port(banner2) != mosquitto.port
            assert "a hub of hall banzhuyuan is already online on the broker" in "".join(banner2)
            assert take_a_ticket(banner2)["data"]["ticket"] == "A001"  # its own hall database
        finally:
            stop_demo(second)
        assert take_a_ticket(banner)["data"]["ticket"] == "A001"  # the same transaction: the first answer
    finally:
        stop_demo(demo)
    assert mosquitto.process.poll() is None  # the system's broker is not the demo's to stop
    assert retained_json(mosquitto.url, hall.status("hub"))["state"] == "offline"


def test_the_demo_starts_its_own_broker_on_a_free_port():
    port = free_port()
    demo, banner = start_demo("--port", str(port))
    try:
        assert broker_port(banner) == port and "own embedded broker" in "".join(banner)
        assert take_a_ticket(banner)["data"]["ticket"] == "A001"
    finally:
        stop_demo(demo)
    with socket.socket() as again:  # its own broker is gone with it: nothing listens on the port
        # SO_REUSEADDR, as a broker started again would: a connection the broker closed first
        # (a terminal's clean MQTT disconnect) leaves a TIME_WAIT on the port, not a listener
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_the_demo_moves_to_a_free_port_when_its_port_is_held_by_something_else():
    squatter = socket.create_server(("127.0.0.1", 0))  # accepts, never speaks MQTT
    held = squatter.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(squatter.accept()), daemon=True).start()
    try:
        demo, banner = start_demo("--port", str(held))
        try:
            port = broker_port(banner)
            assert port != held and f"port {held} is held by something" in "".join(banner)
            assert take_a_ticket(banner)["status"] == "ok"
        finally:
            stop_demo(demo)
        assert accepted  # it did knock, and did not take the squatter for a broker
    finally:
        squatter.close()


def test_the_demo_runs_what_it_prints_and_stops_on_ctrl_c():
    demo, banner = start_demo("--port", "0")
    try:
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
        stop_demo(demo)
