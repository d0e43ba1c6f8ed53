"""The web on its own: no broker to reach, no database yet, bad requests. It keeps serving,
says so plainly, and never shows a trace."""
from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from hall.config import load_hall
from hall.service.local_broker import free_port, wait_for_port
from hall.store import HallStore
from tests.hub.conftest import TOWNSHIP


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture(scope="module")
def lonely(tmp_path_factory):
    """A web whose broker is not there, over a database with one ticket issued."""
    d = tmp_path_factory.mktemp("alone")
    config = load_hall(TOWNSHIP)
    store = HallStore(d / "hall.sqlite", config, clock=lambda: 1741053600.0)  # 2025-03-04 10:00 Shanghai
    reply, _ = store.apply({"verb": "issue", "service": "household", "transaction": "t1"})
    store.close()
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "hall.cli", "web", "--config", str(TOWNSHIP), "--db",
                            str(d / "hall.sqlite"), "--broker", f"mqtt://127.0.0.1:{free_port()}",
                            "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                           stderr=open(d / "web.log", "w"))
    assert wait_for_port(port, 20)
    yield f"http://127.0.0.1:{port}", reply["data"], d
    web.terminate()
    web.wait(15)


def test_the_ticket_page_shows_the_last_news_and_says_the_hall_is_unreachable(lonely):
    base, ticket, _ = lonely
    status, body = _get(f"{base}/t/{ticket['token']}")
    assert status == 200 and ticket["ticket"] in body
    assert "暂时连不上大厅" in body


def test_bad_paths_and_methods_get_plain_chinese_pages(lonely):
    base, _, d = lonely
    for path in ("/nowhere", "/t/", "/t/" + "x" * 100, "/static/../hall.toml"):
        status, body = _get(base + path)
        assert status == 404 and "Traceback" not in body, path
    req = urllib.request.Request(base + "/manage/act", data=b"\xff\xfe" * 10, method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as err:
        assert err.code == 401
    status, body = _get(base + "/login")
    assert status == 200 and "大厅管理台" in body
    assert "Traceback" not in (d / "web.log").read_text()


def test_security_headers(lonely):
    base, ticket, _ = lonely
    with urllib.request.urlopen(f"{base}/t/{ticket['token']}", timeout=10) as r:
        headers = r.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


def test_a_web_without_its_database_answers_plainly(tmp_path):
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "hall.cli", "web", "--config", str(TOWNSHIP), "--db",
                            str(tmp_path / "none.sqlite"), "--broker", f"mqtt://127.0.0.1:{free_port()}",
                            "--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(port, 20)
        status, body = _get(f"http://127.0.0.1:{port}/t/{'A' * 22}")
        assert status == 404 and "没有找到这张号" in body
        assert not (tmp_path / "none.sqlite").exists()
    finally:
        web.terminate()
        web.wait(15)


def test_bad_options_are_refused_with_a_reason(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hall.cli", "web", "--config", str(TOWNSHIP), "--db", "x.sqlite",
                           "--listen", "nonsense"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "HOST:PORT" in done.stderr
    done = subprocess.run([sys.executable, "-m", "hall.cli", "web", "--config", str(tmp_path / "no.toml"), "--db",
                           "x.sqlite"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "file not found" in done.stderr
