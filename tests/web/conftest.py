"""Fixtures for the hall's web: a real Mosquitto, the hub and `yichuang web` as real processes,
and one headless Chromium per test module (Debian's /usr/bin/chromium through Playwright).

A module shares one hall, hub and web (``site``), so tests in a module use different windows
and services of it rather than starting everything again.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from hall.clock import HallCalendar
from hall.service.local_broker import free_port, wait_for_port
from hall.web.accounts import CHEAP, hash_password
from tests.hub.conftest import COUNTY, TEST_CLOCK, TOWNSHIP, Hall, HubProcess, mosquitto  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "docs" / "screens" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PASSWORDS = {"chen": "manager-pass-1", "look": "viewer-pass-1"}
_HASHES = {name: hash_password(pw, CHEAP) for name, pw in PASSWORDS.items()}

ACCOUNTS = f"""

[[account]]
name = "chen"
role = "manager"
display = "陈主任"
password_hash = "{_HASHES['chen']}"

[[account]]
name = "look"
role = "viewer"
display = "值班查看"
password_hash = "{_HASHES['look']}"

[web]
lockout_after = 3
lockout_minutes = 1
"""


class WebProcess:
    """`yichuang web` as a child process on a free loopback port, stopped by its PID."""

    def __init__(self, hall: Hall, url: str, clock: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = hall.db.with_name("web.log")
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hall.cli", "web", "--config", str(hall.path), "--db", str(hall.db),
                 "--broker", url, "--listen", f"127.0.0.1:{self.port}", "--clock", clock],
                stdout=out, stderr=out)
        if not wait_for_port(self.port, 20):
            self.stop()
            raise RuntimeError(f"web did not listen:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Site:
    """A hall with web accounts, its hub and its web, all real."""

    def __init__(self, directory: Path, url: str, template: Path):
        self.hall = Hall(directory, template)
        with open(self.hall.path, "a", encoding="utf-8") as f:
            f.write(ACCOUNTS)
        self.url = url
        self.hub = HubProcess(self.hall, url).start()
        cal = HallCalendar(self.hall.config)
        clock = cal.local(cal.epoch(TEST_CLOCK) + time.time() - self.hub._t0).replace(tzinfo=None).isoformat()
        self.web = WebProcess(self.hall, url, clock)

    def stop(self) -> None:
        self.web.stop()
        self.hub.stop()


def make_site(tmp_path_factory, mosquitto, template):  # noqa: F811
    site = Site(tmp_path_factory.mktemp("site"), mosquitto.url, template)
    return site


@pytest.fixture(scope="module")
def township_site(tmp_path_factory, mosquitto):  # noqa: F811
    site = make_site(tmp_path_factory, mosquitto, TOWNSHIP)
    yield site
    site.stop()


@pytest.fixture(scope="module")
def county_site(tmp_path_factory, mosquitto):  # noqa: F811
    site = make_site(tmp_path_factory, mosquitto, COUNTY)
    yield site
    site.stop()


@pytest.fixture(scope="module")
def browser():  # noqa: D401
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def clients(mosquitto):  # noqa: F811
    """``clients(site, device)`` → a connected HallClient; all closed at the end of the module."""
    from hall.service.client import HallClient

    made = []

    def make(site: Site, device: str, **options) -> HallClient:
        c = HallClient(site.url, site.hall.id, device, **options).connect()
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def sign_in(page, site: Site, name: str, password: str | None = None) -> None:
    page.goto(site.web.base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password or PASSWORDS[name])
    page.click("button[type=submit]")


def shoot(page, name: str) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / name
    page.screenshot(path=str(path), full_page=False)
    return path
