"""What the hub is handling, kept on disk, so a request that stopped it is known when it comes again.

The hub acknowledges a QoS 1 request only after answering it, and its broker session is
persistent: a request the hub died holding is delivered again at the next start. That is
what makes a kill -9 lose nothing; it also means a request that *makes* the hub die (a
poison message) would kill it again at every start. So, beside the database ``hall.sqlite``:

- ``hall.sqlite.inflight``: one record of fixed size, rewritten in place before each
  request (a SHA-256 of its topic and payload, and the device), again once the request is
  read (its reply topic and transaction id), and blanked once it is answered. It is not
  synced: it has to outlive the process, not the machine. No payload is kept, only its hash.
- ``hall.sqlite.fault``: where ``faulthandler`` writes when the process dies of a fault
  (SIGSEGV, SIGFPE, SIGABRT, SIGBUS, SIGILL), with the Python stack of every thread.
- ``hall.sqlite.poison``: the requests found in flight at a death (JSON, the last 32),
  rewritten only at a start and when a suspect is forgiven.

At a start, a request found in flight is a *suspect*. It is *poison* when the process died
of a fault while handling it, or when it was in flight at two deaths in a row of any kind
(the kernel's OOM killer leaves no fault record). A poison request is never handled again:
the hub answers it ``poison_request`` on the reply topic it had read, acknowledges it and
logs it; the requests queued behind it are served. One kill -9 that happens to fall during a
request (an operator, a power cut) leaves a suspect, never poison, and a suspect handled to
the end is forgiven.
"""
from __future__ import annotations

import faulthandler
import hashlib
import json
import logging
import os
import time
from pathlib import Path

from hall.privacy import has_id_number

log = logging.getLogger("yichuang.hub")
RECORD = 4096  # bytes of the in-flight record, always written whole
KEEP = 32  # requests remembered in the poison file
DEVICE_MAX = 200  # a longer device id is not recorded (it cannot be a registered device)


def request_key(topic: str, payload: bytes) -> str:
    """The identity of one request as the broker delivers it again: its topic and payload."""
    return hashlib.sha256(topic.encode("utf-8", "surrogatepass") + b"\0" + payload).hexdigest()[:32]


class InFlight:
    """The hub's record of the request in hand; ``InFlight(None)`` records nothing."""

    def __init__(self, db_path: str | Path | None):
        self.enabled = db_path is not None and str(db_path) != ":memory:"
        self.entries: dict[str, dict] = {}  # key -> what is known of a request found in flight
        self._fd: int | None = None
        self._fault = None
        self._record: dict = {}
        if self.enabled:
            base = Path(db_path)
            self.path = base.with_name(base.name + ".inflight")
            self.fault_path = base.with_name(base.name + ".fault")
            self.poison_path = base.with_name(base.name + ".poison")

    # ------------------------------------------------------------------ a start

    def open(self) -> None:
        """Read what the last run left (what it was handling, whether it died of a fault),
        decide what is poison, and start recording this run."""
        if not self.enabled:
            return
        self.entries = self._load_entries()
        previous = self._read_record()
        fault = self.fault_path.read_text(errors="replace").strip() if self.fault_path.exists() else ""
        if fault:
            log.error("the last run of the hub died of a fault:\n%s", fault)
        if previous:
            entry = self.entries.pop(previous["key"], {"deaths": 0})
            entry.update({k: previous.get(k) for k in ("key", "device", "reply_to", "transaction")})
            entry["deaths"] += 1
            entry["fault"] = entry.get("fault", False) or bool(fault)
            entry["poison"] = entry["fault"] or entry["deaths"] >= 2
            entry["at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            self.entries[previous["key"]] = entry
            log.warning("the last run stopped while handling a request from %s (transaction %s): %s",
                        entry["device"], entry["transaction"],
                        "it is poison and will be refused" if entry["poison"]
                        else "a suspect; it is handled again once (a second stop makes it poison)")
            self._save_entries()
        self._fault = open(self.fault_path, "w")
        faulthandler.enable(self._fault, all_threads=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self.end()

    def close(self) -> None:
        """A clean stop: nothing in hand, no fault."""
        if self._fd is not None:
            self.end()
            os.close(self._fd)
            self._fd = None
        if self._fault is not None:
            faulthandler.disable()
            self._fault.close()
            self._fault = None

    # ------------------------------------------------------------------ each request

    def poison(self, key: str) -> dict | None:
        """The entry of a poison request, or ``None``."""
        entry = self.entries.get(key)
        return entry if entry is not None and entry.get("poison") else None

    def begin(self, key: str, device: str) -> None:
        shown = len(device) <= DEVICE_MAX and not has_id_number(device)  # never an ID number on disk
        self._record = {"key": key, "device": device if shown else None,
                        "reply_to": None, "transaction": None}
        self._write(self._record)

    def read(self, reply_to: str, transaction: str | None) -> None:
        """The request in hand has been read: where and with what id to answer it."""
        if self._record:
            self._record = {**self._record, "reply_to": reply_to, "transaction": transaction}
            self._write(self._record)

    def end(self) -> None:
        key = self._record.get("key")
        self._record = {}
        self._write({})
        if key in self.entries and not self.entries[key].get("poison"):
            del self.entries[key]  # a suspect handled to the end: it was not its fault
            log.info("a request suspected of stopping the hub was handled; forgiven")
            self._save_entries()

    # ------------------------------------------------------------------ files

    def _write(self, record: dict) -> None:
        if self._fd is None:
            return
        data = json.dumps(record).encode("ascii") if record else b""
        if len(data) > RECORD:  # cannot happen with the limits above; record the key alone
            data = json.dumps({"key": record["key"], "device": None, "reply_to": None,
                               "transaction": None}).encode("ascii")
        os.pwrite(self._fd, data.ljust(RECORD), 0)

    def _read_record(self) -> dict | None:
        try:
            text = self.path.read_bytes()[:RECORD].decode("ascii").strip()
            record = json.loads(text) if text else None
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and isinstance(record.get("key"), str) else None

    def _load_entries(self) -> dict[str, dict]:
        try:
            entries = json.loads(self.poison_path.read_text())
            return {e["key"]: e for e in entries if isinstance(e, dict) and isinstance(e.get("key"), str)}
        except (OSError, ValueError, TypeError):
            return {}

    def _save_entries(self) -> None:
        kept = list(self.entries.values())[-KEEP:]
        self.entries = {e["key"]: e for e in kept}
        tmp = self.poison_path.with_name(self.poison_path.name + ".tmp")
        tmp.write_text(json.dumps(kept, ensure_ascii=False, indent=1))
        os.replace(tmp, self.poison_path)
