"""`yichuang provision` against a real Mosquitto: a terminal gets in with its own certificate and
password, and is refused without its certificate, with a certificate of another CA, with a wrong
password, and (by the ACL) on another device's topic."""
from __future__ import annotations

import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from hall.config import load_hall
from hall.protocol import Topics
from hall.service.pki import HallCA

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"


def attempt(port: int, user: str, password: str, *, ca: Path, cert: Path | None, key: Path | None,
            publish: tuple[str, str] | None = None) -> str:
    """Connect over TLS; 'ok', 'refused: <reason>' or 'tls: <error>'."""
    result: list[str] = []
    done = threading.Event()
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"t-{user}-{time.monotonic_ns()}",
                    protocol=mqtt.MQTTv311)
    c.username_pw_set(user, password)
    c.tls_set(ca_certs=str(ca), certfile=str(cert) if cert else None, keyfile=str(key) if key else None)

    def on_connect(client, userdata, flags, reason_code, properties):
        result.append("ok" if not reason_code.is_failure else f"refused: {reason_code}")
        done.set()

    c.on_connect = on_connect
    try:
        c.connect("127.0.0.1", port, keepalive=5)
    except (ssl.SSLError, OSError) as err:
        return f"tls: {err}"
    c.loop_start()
    try:
        if not done.wait(5):
            return "tls: no answer (connection closed)"
        if result[0] == "ok" and publish:
            c.publish(*publish, qos=1).wait_for_publish(5)
    finally:
        c.loop_stop()
        c.disconnect()
    return result[0]


def own(p, device: str) -> dict:
    folder = p["out"] / "devices" / device
    return {"ca": folder / "ca.crt", "cert": folder / f"{device}.crt", "key": folder / f"{device}.key"}


def test_a_terminal_with_its_certificate_and_password_gets_in(provisioned):
    p = provisioned
    assert attempt(p["tls"], "kiosk-1", p["creds"]["kiosk-1"], **own(p, "kiosk-1")) == "ok"


def test_wrong_password_is_refused(provisioned):
    p = provisioned
    assert attempt(p["tls"], "kiosk-1", "guess", **own(p, "kiosk-1")).startswith("refused")


def test_another_devices_password_is_refused(provisioned):
    p = provisioned
    assert attempt(p["tls"], "kiosk-1", p["creds"]["caller-1"], **own(p, "kiosk-1")).startswith("refused")


def test_no_client_certificate_is_refused(provisioned):
    p = provisioned
    outcome = attempt(p["tls"], "kiosk-1", p["creds"]["kiosk-1"], ca=own(p, "kiosk-1")["ca"], cert=None, key=None)
    assert outcome != "ok"


def test_a_certificate_of_another_ca_is_refused(provisioned, tmp_path):
    p = provisioned
    stranger = HallCA.open(tmp_path / "other-ca", "elsewhere").issue("kiosk-1", tmp_path / "kiosk-1")
    outcome = attempt(p["tls"], "kiosk-1", p["creds"]["kiosk-1"], ca=own(p, "kiosk-1")["ca"],
                      cert=stranger.cert, key=stranger.key)
    assert outcome.startswith("tls") or outcome.startswith("refused")


def test_another_devices_topic_is_dropped_by_the_acl(provisioned):
    p = provisioned
    t = Topics(p["config"].id)
    seen: list[str] = []
    hub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="hub-watch", protocol=mqtt.MQTTv311)
    hub.username_pw_set("hub", p["creds"]["hub"])  # the hub on the plain loopback listener
    hub.on_message = lambda c, u, m: seen.append(m.topic)
    hub.connect("127.0.0.1", p["plain"])
    hub.subscribe(t.request("#"), qos=1)
    hub.loop_start()
    try:
        time.sleep(0.3)
        body = '{"v":1,"verb":"call_next","transaction":"x1"}'
        assert attempt(p["tls"], "caller-1", p["creds"]["caller-1"], **own(p, "caller-1"),
                       publish=(t.request("kiosk-1"), body)) == "ok"  # caller-1 posing as the kiosk
        assert attempt(p["tls"], "caller-1", p["creds"]["caller-1"], **own(p, "caller-1"),
                       publish=(t.request("caller-1"), body)) == "ok"  # its own topic
        deadline = time.monotonic() + 5
        while t.request("caller-1") not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        hub.loop_stop()
        hub.disconnect()
    assert seen == [t.request("caller-1")]


def test_plain_mqtt_listens_only_on_loopback(provisioned):
    conf = (provisioned["out"] / "broker" / "mosquitto.conf").read_text()
    listeners = [line for line in conf.splitlines() if line.startswith("listener ")]
    assert listeners == [f"listener {provisioned['plain']} 127.0.0.1", f"listener {provisioned['tls']}"]
    assert "require_certificate true" in conf


def test_the_terminal_env_names_its_app_and_a_tls_url_the_bus_accepts(provisioned):
    from hall.service.bus import parse_broker_url
    env = (provisioned["out"] / "devices" / "kiosk-1" / "terminal-kiosk-1.env").read_text()
    values = dict(line.split("=", 1) for line in env.splitlines() if "=" in line and not line.startswith("#"))
    assert values["YC_APP"] == "kiosk"
    address = parse_broker_url(values["YC_BROKER"])
    assert (address.username, address.password) == ("kiosk-1", provisioned["creds"]["kiosk-1"])
    assert address.ca.endswith("ca.crt") and address.cert.endswith("kiosk-1.crt")
    assert str(address).startswith("mqtts://kiosk-1@") and provisioned["creds"]["kiosk-1"] not in str(address)


def test_provision_twice_keeps_keys_and_passwords(tmp_path):
    run = [sys.executable, "-m", "hall.cli", "provision", "--config", str(TOWNSHIP), "--out", str(tmp_path),
           "--host", "hall-server.local"]
    subprocess.run(run, check=True, capture_output=True)
    first = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != "passwd"}  # passwd: the same passwords, salted anew
    subprocess.run(run, check=True, capture_output=True)
    assert {p: p.read_bytes() for p in first} == first
    assert oct((tmp_path / "ca" / "ca.key").stat().st_mode & 0o777) == "0o600"
    # one hall key, on every terminal (a kiosk cannot create it in a read-only /etc/yichuang)
    keys = {p.parent.name: p.read_bytes() for p in (tmp_path / "devices").glob("*/hall.key")}
    assert set(keys) == set(load_hall(TOWNSHIP).devices) and set(keys.values()) == {(tmp_path / "hall.key").read_bytes()}
    assert oct((tmp_path / "devices" / "kiosk-1" / "hall.key").stat().st_mode & 0o777) == "0o600"
