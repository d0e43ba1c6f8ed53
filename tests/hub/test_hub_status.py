"""HubStatus: a hub is ready when its retained status/hub says online, heard from a watcher that
subscribed before it (re)started, so a stale retained "online" of a hub that just died never
counts; and mqtt_broker_at tells a broker we may use from anything else on a port."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from hall.protocol import Topics, status_payload
from hall.service.local_broker import HubStatus, mqtt_broker_at

from .mqtt_cli import pub


def test_only_an_online_said_after_the_watch_began_counts(mosquitto):
    hall = "hs1"
    topic = Topics(hall).status("hub")
    pub(mosquitto.url, topic, status_payload("online").decode(), retain=True)  # a hub that died -9
    with HubStatus(mosquitto.url, hall) as status:
        with pytest.raises(TimeoutError):
            status.wait_online(timeout=1.0)  # the stale retained online is not this hub
        pub(mosquitto.url, topic, status_payload("offline").decode(), retain=True)  # its last will
        pub(mosquitto.url, topic, status_payload("online").decode(), retain=True)  # the new hub
        status.wait_online(timeout=10)
        with pytest.raises(TimeoutError):
            status.wait_online(timeout=0.5)  # counted once
        pub(mosquitto.url, topic, "online", retain=True)  # a tiny device's bare word parses too
        status.wait_online(timeout=10)
    assert [state for state, _ in status.states] == ["online", "offline", "online", "online"]


def test_a_hub_that_exits_first_is_an_error_not_a_wait(mosquitto, tmp_path):
    log = tmp_path / "hub.log"
    log.write_text("hub: cannot open the database\n")
    with HubStatus(mosquitto.url, "hs2") as status:
        dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        dead.wait()
        with pytest.raises(RuntimeError, match="exited with 3") as err:
            status.wait_online(timeout=10, process=dead, log=log)
        assert "cannot open the database" in str(err.value)


def test_no_broker_is_a_connection_error():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ConnectionError):
        HubStatus(f"mqtt://127.0.0.1:{port}", "hs3").start(timeout=1.0)


def test_a_broker_we_may_use_is_told_from_anything_else(mosquitto, embedded_broker):
    assert mqtt_broker_at("127.0.0.1", mosquitto.port)
    assert mqtt_broker_at("127.0.0.1", embedded_broker.port)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        assert not mqtt_broker_at("127.0.0.1", silent.getsockname()[1], timeout=0.5)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = closed.getsockname()[1]
    assert not mqtt_broker_at("127.0.0.1", nobody)
