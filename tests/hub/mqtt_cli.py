"""The real third-party clients, as a hardware maker would use them from the shell:
mosquitto_rr (request and reply), mosquitto_sub (retained state, event logs) and mosquitto_pub.
Every call is bounded by a timeout; MQTT 3.1.1 throughout (the embedded broker speaks no newer).
"""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit


def _addr(url: str) -> list[str]:
    parts = urlsplit(url)
    return ["-h", parts.hostname, "-p", str(parts.port), "-V", "mqttv311"]


def rr(url: str, request_topic: str, reply_topic: str, message: dict | str, timeout: int = 10) -> dict:
    """mosquitto_rr: publish one request, print the first message on the reply topic."""
    body = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    out = subprocess.run(["mosquitto_rr", *_addr(url), "-q", "1", "-t", request_topic, "-e", reply_topic,
                          "-m", body, "-W", str(timeout)],
                         capture_output=True, text=True, timeout=timeout + 5)
    if out.returncode != 0:
        raise AssertionError(f"mosquitto_rr failed ({out.returncode}): {out.stderr or out.stdout}")
    return json.loads(out.stdout)


def pub(url: str, topic: str, message: bytes | str, retain: bool = False) -> None:
    cmd = ["mosquitto_pub", *_addr(url), "-q", "1", "-t", topic]
    cmd += ["-r"] if retain else []
    if isinstance(message, bytes):
        cmd += ["-s"]  # the payload from stdin, byte for byte
        subprocess.run(cmd, input=message, check=True, timeout=15)
    else:
        subprocess.run(cmd + ["-m", message], check=True, timeout=15)


def retained(url: str, topic: str, timeout: int = 5) -> str | None:
    """The retained message on ``topic`` now (mosquitto_sub -C 1 --retained-only), or None."""
    out = subprocess.run(["mosquitto_sub", *_addr(url), "-t", topic, "-C", "1", "--retained-only",
                          "-W", str(timeout)], capture_output=True, text=True, timeout=timeout + 5)
    return out.stdout.strip() or None


def retained_json(url: str, topic: str, timeout: int = 5) -> dict | None:
    text = retained(url, topic, timeout)
    return json.loads(text) if text else None


def wait_retained(url: str, topic: str, predicate, timeout: float = 30.0):
    """Poll the retained message on ``topic`` until ``predicate(text)`` holds; return the text."""
    deadline = time.monotonic() + timeout
    while True:
        text = retained(url, topic, timeout=2)
        if text is not None and predicate(text):
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"{topic}: retained message still {text!r} after {timeout} s")
        time.sleep(0.1)


class Recorder:
    """mosquitto_sub in the background writing ``topic payload`` lines to a file."""

    def __init__(self, url: str, topic: str, path: Path):
        self.path = path
        self._file = open(path, "w")
        self.process = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", *_addr(url), "-q", "1", "-d", "-v", "-t", topic],
                                        stdout=self._file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while "SUBACK" not in path.read_text():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(f"mosquitto_sub did not subscribe: {path.read_text()}")
            time.sleep(0.02)

    def messages(self) -> list[tuple[str, dict]]:
        out = []
        for line in self.path.read_text().splitlines():
            topic, _, payload = line.partition(" ")
            if payload.startswith("{"):
                out.append((topic, json.loads(payload)))
        return out

    def wait_count(self, count: int, timeout: float = 20.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while len(found := self.messages()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} messages after {timeout} s")
            time.sleep(0.05)
        return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self._file.close()
