"""The web through a Mosquitto that enforces the hall's generated accounts and ACL, as a real
hall runs it: it signs in as the hall's manager device, and its actions reach the hub."""
from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request

from hall.service.local_broker import Mosquitto, free_port, wait_for_port
from hall.service.mosquitto_config import read_credentials
from tests.hub.conftest import TOWNSHIP, Hall, HubProcess
from tests.web.conftest import ACCOUNTS, PASSWORDS, ROOT


def test_a_manager_action_through_the_secured_broker(tmp_path):
    hall = Hall(tmp_path, TOWNSHIP)
    with open(hall.path, "a", encoding="utf-8") as f:
        f.write(ACCOUNTS)
    out = tmp_path / "accounts"
    done = subprocess.run([sys.executable, "-m", "hall.cli", "mosquitto-config", "--config", str(hall.path),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    creds = read_credentials(out / "credentials.txt")
    broker = Mosquitto(tmp_path / "broker", password_file=out / "passwd", acl_file=out / "acl").start()
    hub = web = None
    try:
        hub = HubProcess(hall, broker.url, "--broker", f"mqtt://hub:{creds['hub']}@127.0.0.1:{broker.port}").start()
        secret = tmp_path / "manager.password"
        secret.write_text(creds["manager"])
        port = free_port()
        web = subprocess.Popen([sys.executable, "-m", "hall.cli", "web", "--config", str(hall.path), "--db",
                                str(hall.db), "--broker", f"mqtt://manager@127.0.0.1:{broker.port}",
                                "--password-file", str(secret), "--listen", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=open(tmp_path / "web.log", "w"))
        assert wait_for_port(port, 20)
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = opener.open(base + "/login", timeout=10).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, "name": "chen", "password": PASSWORDS["chen"]}).encode()
        page = opener.open(base + "/login", data=data, timeout=10).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"csrf": csrf, "action": "open_window", "window": "2", "staff": "0102"})
        req = urllib.request.Request(base + "/manage/act", data=data.encode(), headers={"Accept": "application/json"})
        reply = json.loads(opener.open(req, timeout=20).read())
        assert reply == {"ok": True, "message": "已开启2号窗口"}
        assert hall.query("SELECT status, staff FROM windows WHERE id = '2'") == [("open", "0102")]
    finally:
        if web is not None:
            web.terminate()
            web.wait(15)
        if hub is not None:
            hub.stop()
        broker.stop()
