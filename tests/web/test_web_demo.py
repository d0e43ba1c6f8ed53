"""`yichuang demo` starts the hall's web and prints its address and a demo sign-in that works."""
from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from tests.web.conftest import ROOT


def test_the_demo_prints_a_working_web_address_and_sign_in():
    demo = subprocess.Popen([sys.executable, "-m", "hall.cli", "demo", "--config", "config/halls/township.toml",
                             "--port", "0", "--web-port", "0", "--for", "120"], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        banner = []
        deadline = time.monotonic() + 40
        while not banner or "Ctrl-C" not in banner[-1]:
            assert time.monotonic() < deadline and demo.poll() is None, "".join(banner)
            banner.append(demo.stdout.readline())
        text = "".join(banner)
        found = re.search(r"web     (http://127\.0\.0\.1:\d+)/manage .*user (\w+), password (\S+)\)", text)
        assert found, text
        base, user, password = found.groups()
        jar = http.cookiejar.CookieJar()
        web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = web.open(base + "/login", timeout=10).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "name": user, "password": password}).encode()
        page = web.open(base + "/login", data=body, timeout=10)
        assert page.url.endswith("/manage") and "大厅管理台" in page.read().decode()
        issue = next(line.strip() for line in banner if '"verb": "issue"' in line)
        done = subprocess.run(["bash", "-c", issue + " -W 10"], capture_output=True, text=True, timeout=20)
        token = json.loads(done.stdout)["data"]["token"]
        ticket = urllib.request.urlopen(f"{base}/t/{token}", timeout=10).read().decode()
        assert "A001" in ticket and "前面还有" in ticket
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=30)
    assert demo.returncode == 0
