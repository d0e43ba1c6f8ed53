"""Fuzz the hub on a real Mosquitto: what an attacker or a broken device could send.

``python -m bench.fuzz_hub [N]`` (``make fuzz``: 100,000) starts Mosquitto and the hub as a
child process on a copy of the township hall, sends N bad requests over MQTT from several
devices, and prints sent / answered / crashes / the hub's RSS before and after, the replies
by error code, and the rate. tests/hub/test_fuzz.py runs the same with 20,000 in the suite.

The corpus (``corpus``): random bytes; invalid UTF-8; lone surrogates in the verb, the
transaction, a key, a window, a staff number, at the end of ``reply_to``; deep nesting of
lists, objects and of a field; huge strings and payloads over the limit; every field with a
wrong JSON type; unknown verbs; valid verbs with garbage fields; ID numbers in every written
form; bad ``reply_to``; NaN and huge numbers; byte flips and cuts of a request; QoS 0 and 1.
Every payload is one the hall must refuse (its garbage never names a real service, staff
member or ticket), so nothing it sends may change the hall: the database and the retained
state are compared before and after. A device id that is an ID number sends too: it must
get no reply at all. Every other request must get exactly one.
"""
from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hall.config import load_hall
from hall.protocol import MAX_PAYLOAD
from hall.protocol_verbs import VERBS
from hall.service.client import HallClient

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
DEVICES = ("kiosk-1", "caller-1", "board-1", "pad-1", "ghost-7")  # ghost-7 is not in the hall file
ID_DEVICE = "110101199003074514"  # a device id that is itself an ID number
IDS = ("110101199003074514", "11010519491231002X", "420106198604023278")
WINDOW = 500  # requests sent but not yet answered, at most
FULL = {str(i): chr(0xFF10 + i) for i in range(10)}


# ---------------------------------------------------------------------- the corpus

def _junk_text(rng: random.Random) -> str:
    """Text that is never a real service code, staff number or ticket number."""
    alphabet = "✗abcXYZ019 -_/#+\"\\\n\t\u0000\u200b中文ō€😀"
    return "✗" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))


def _id_form(rng: random.Random) -> str:
    n = rng.choice(IDS)
    forms = (n, f"{n[:6]} {n[6:14]} {n[14:]}", f"{n[:6]}-{n[6:10]}-{n[10:14]}-{n[14:]}",
             "".join(FULL.get(c, c) for c in n), n.lower(), f"身份证号{n}丢失")
    return rng.choice(forms)


def _garbage(rng: random.Random, depth: int = 0):
    kind = rng.randrange(11)
    if kind == 0:
        return _junk_text(rng)
    if kind == 1:
        return rng.randint(-2 ** 70, 2 ** 70)
    if kind == 2:
        return rng.random() * 10 ** rng.randint(-5, 300)
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4 and depth < 3:
        return [_garbage(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == 5 and depth < 3:
        return {_junk_text(rng): _garbage(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if kind == 6:
        return "✗" * rng.randint(201, 3000)
    if kind == 7:
        return _id_form(rng)
    if kind == 8:
        return "\u0000\u0001\u001f✗"
    if kind == 9:
        return ""
    return _junk_text(rng)


def _envelope(rng: random.Random, verb, **fields) -> dict:
    body = {"v": 1, "verb": verb, "transaction": f"fz{rng.randrange(10 ** 9)}", **fields}
    if rng.random() < 0.15:
        body["reply_to"] = rng.choice(["yc/x/state/hall", "yc/+/reply/#", "", _junk_text(rng), 42,
                                       "yc/{hall}/reply/{device}/" + _junk_text(rng).replace("#", ""),
                                       "yc/{hall}/reply/{device}/" + "x" * 300, f"yc/{{hall}}/reply/{IDS[0]}"])
    return body


def _json(body, rng: random.Random) -> bytes:
    return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def _surrogate(rng: random.Random) -> bytes:
    where = rng.choice(["verb", "transaction", "key", "window", "staff", "number", "reason", "reply_to", "service"])
    s = "\\ud" + rng.choice("89abcdef") + rng.choice("0123456789abcdef") * 2
    templates = {
        "verb": '{"v":1,"verb":"iss%sue","transaction":"fz58"}',
        "transaction": '{"v":1,"verb":"issue","transaction":"fz%s","service":"✗"}',
        "key": '{"v":1,"verb":"cancel","transaction":"fz1","number":"✗","%s":1}',
        "window": '{"v":1,"verb":"call_next","transaction":"fz2","window":"1%s"}',
        "staff": '{"v":1,"verb":"staff_login","transaction":"fz3","staff":"0101%s"}',
        "number": '{"v":1,"verb":"cancel","transaction":"fz4","number":"A001%s"}',
        "reason": '{"v":1,"verb":"cancel","transaction":"fz5","number":"✗","reason":"%s"}',
        "reply_to": '{"v":1,"verb":"cancel","transaction":"fz6","number":"✗","reply_to":"yc/{hall}/reply/{device}%s"}',
        "service": '{"v":1,"verb":"issue","transaction":"fz7","service":"help%s"}',
    }
    return (templates[where] % s).encode()


def _deep(rng: random.Random) -> bytes:
    n = rng.choice([7, 8, 50, 400, 900, 1200, 3000, 5000])
    kind = rng.randrange(4)
    if kind == 0:
        return b"[" * n + b"]" * n
    if kind == 1:
        return b'{"a":' * n + b"1" + b"}" * n
    if kind == 2:
        return b'{"v":1,"verb":"issue","transaction":"fz9","service":' + b"[" * n + b'"help"' + b"]" * n + b"}"
    return b'{"v":1,"verb":"issue","transaction":"fz9","service":"help","x":' + b"[" * n  # and never closed


def _valid_verb_garbage(rng: random.Random) -> dict:
    verb = rng.choice(list(VERBS))
    spec = VERBS[verb]
    fields = {}
    for f in spec.fields:
        if rng.random() < 0.6:
            fields[f.name] = _garbage(rng)
    if rng.random() < 0.2:
        fields[_junk_text(rng)] = _garbage(rng)
    if verb == "issue" and not isinstance(fields.get("service"), str):
        fields.setdefault("service", _junk_text(rng))
    if isinstance(fields.get("service"), str) and not fields["service"].startswith("✗"):
        fields["service"] = "✗" + fields["service"]
    if verb == "staff_login" and isinstance(fields.get("staff"), str):
        fields["staff"] = "✗" + fields["staff"]
    return _envelope(rng, verb, **fields)


def _mutated(rng: random.Random) -> bytes:
    base = bytearray(_json(_envelope(rng, "cancel", number="Z999", reason="✗fuzz"), rng))
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(3)
        i = rng.randrange(len(base))
        if op == 0:
            base[i] = rng.randrange(256)
        elif op == 1:
            del base[i:]
            if not base:
                break
        else:
            base.insert(i, rng.randrange(256))
    return bytes(base)


STATUS = "status"  # a device in the corpus that sends on its status topic instead of a request


def corpus(rng: random.Random):
    """Endless (device, payload bytes, qos) of requests the hall must refuse; a device of
    ``STATUS`` sends garbage on status/<id> (no reply is due)."""
    while True:
        kind = rng.randrange(15)
        if kind == 14:
            payload = rng.choice([_deep(rng), rng.randbytes(rng.randint(0, 100)), b'{"state":"online"' + b"[" * 5000,
                                  b'{"v":1,"state":"\\udfff"}', b"[" * 60000])
            yield STATUS, payload, rng.choice((0, 1))
            continue
        if kind == 0:
            payload = rng.randbytes(rng.randint(0, 300))
        elif kind == 1:
            good = _json(_envelope(rng, "cancel", number="✗", reason="fuzz"), rng)
            i = rng.randrange(len(good))
            payload = good[:i] + rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]) + good[i:]
        elif kind == 2:
            payload = _surrogate(rng)
        elif kind == 3:
            payload = _deep(rng)
        elif kind == 4:
            payload = _json(_envelope(rng, "cancel", number="✗", reason="✗" * rng.choice([201, 5000, MAX_PAYLOAD])), rng)
        elif kind == 5:
            other = VERBS[rng.choice(list(VERBS))]  # the fields of another verb
            payload = _json(_envelope(rng, rng.choice(list(VERBS)), **{f.name: _garbage(rng) for f in other.fields}),
                            rng)
            if b'"service": "help"' in payload or b'"service":"help"' in payload:
                continue
        elif kind == 6:
            verb = rng.choice([_junk_text(rng), 7, None, ["issue"], {"verb": "issue"}, "ISSUE"])
            payload = _json(_envelope(rng, verb), rng)
        elif kind in (7, 8, 9):
            payload = _json(_valid_verb_garbage(rng), rng)
        elif kind == 10:
            payload = _json(_envelope(rng, "cancel", number="A001", reason=_id_form(rng)), rng)
        elif kind == 11:
            payload = rng.choice([b'{"v":NaN,"verb":"tick","transaction":"fz"}', b'{"v":1e999,"verb":"tick","transaction":"fz"}',
                                  b'{"v":1,"verb":"cancel","transaction":"fz","number":' + b"9" * 5000 + b"}",
                                  b'{"v":1,"verb":"cancel","transaction":"fz","number":-Infinity}', b"", b"null",
                                  b'"issue"', b"[]", b"{}", b"{" * 10])
        elif kind == 12:
            payload = _mutated(rng)
        else:
            body = {k: v for k, v in _valid_verb_garbage(rng).items() if rng.random() < 0.7}
            payload = _json(body, rng)
        device = rng.choice(DEVICES) if rng.random() > 0.01 else ID_DEVICE
        yield device, payload, rng.choice((0, 1))


# ---------------------------------------------------------------------- one run

def db_facts(db: Path) -> tuple:
    """What no refused request may change in the hall's database."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return tuple(conn.execute(sql).fetchall() for sql in (
            "SELECT COALESCE(MAX(seq), 0) FROM events", "SELECT * FROM tickets ORDER BY id",
            "SELECT * FROM windows ORDER BY id", "SELECT value FROM hall_state"))
    finally:
        conn.close()


def rss_kb(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1))


def retained_snapshot(url: str, hall_id: str, config, device: str = "board-1", timeout: float = 10.0) -> dict:
    """Every retained state topic of the hall and its message, from a fresh subscription."""
    expected = 2 + len(config.services) + len(config.windows)
    with HallClient(url, hall_id, device, watch_state=True, client_id=f"snap-{time.monotonic_ns()}") as c:
        c.wait_for(lambda: len(c.state) >= expected, timeout, "the retained state")
        time.sleep(0.3)  # a republish triggered by this client's own "online" settles
        return c.wait_for(lambda: dict(c.state), timeout)


def fuzz(url: str, hall_id: str, n: int, seed: int = 8, pid: int | None = None, progress=None,
         alive=lambda: True) -> dict:
    """Send ``n`` corpus requests to the hub of ``hall_id``; wait for every answer. Returns figures.
    Stops early, with ``died_after`` set, when ``alive()`` says the hub has gone."""
    rng = random.Random(seed)
    clients = {d: HallClient(url, hall_id, d, client_id=f"fuzz-{d}-{seed}").connect() for d in (*DEVICES, ID_DEVICE)}
    sent: Counter = Counter()
    started = time.monotonic()
    rss_before = rss_kb(pid) if pid else None

    def answered() -> int:
        return sum(len(c.received) for d, c in clients.items() if d != ID_DEVICE)

    def expected() -> int:
        return sum(v for d, v in sent.items() if d not in (ID_DEVICE, STATUS))

    died_after = None
    try:
        source = corpus(rng)
        for i in range(n):
            if not alive():
                died_after = i
                break
            device, payload, qos = next(source)
            payload = payload.replace(b"{hall}", hall_id.encode()).replace(b"{device}", device.encode())
            if device == STATUS:
                status = clients["kiosk-1"]
                status.bus.publish(status.topics.status(f"fz-{rng.randrange(9)}"), payload, qos=qos)
                sent[STATUS] += 1
                continue
            clients[device].publish_raw(payload, qos=qos)
            sent[device] += 1
            if expected() - answered() >= WINDOW:
                deadline = time.monotonic() + 60
                while expected() - answered() >= WINDOW // 2 and time.monotonic() < deadline and alive():
                    time.sleep(0.005)
            if progress and i and i % 10000 == 0:
                progress(f"{i} sent, {answered()} answered, {time.monotonic() - started:.0f} s")
        deadline = time.monotonic() + 60
        while answered() < expected() and time.monotonic() < deadline and alive():
            time.sleep(0.01)
        if died_after is None and not alive():
            died_after = sum(sent.values())
        time.sleep(0.5)  # late or doubled replies would show now
        codes = Counter(r.get("error", {}).get("code", r.get("status")) for d, c in clients.items()
                        for r in c.received)
        return {"sent": sum(sent.values()), "sent_expecting_reply": expected(), "answered": answered(),
                "status_messages": sent[STATUS],
                "answered_id_device": len(clients[ID_DEVICE].received), "codes": codes,
                "seconds": time.monotonic() - started, "rss_before_kb": rss_before,
                "rss_after_kb": rss_kb(pid) if pid and alive() else None, "died_after": died_after}
    finally:
        for c in clients.values():
            c.close()


def main(argv: list[str] | None = None) -> int:
    from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub

    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp / "mosquitto").start()
        hall_id = "fuzz"
        hall_file = tmp / "hall.toml"
        hall_file.write_text(re.sub(r'(?m)^id = "[^"]+"$', f'id = "{hall_id}"', TOWNSHIP.read_text(), count=1))
        config = load_hall(hall_file)
        log = tmp / "hub.log"
        status = HubStatus(broker.url, hall_id).start()
        hub = spawn_hub(hall_file, tmp / "hall.sqlite", broker.url, log, "--clock", "2025-03-04T10:00:00")
        try:
            status.wait_online(20, hub, log)
            status.close()
            before = retained_snapshot(broker.url, hall_id, config)
            facts = db_facts(tmp / "hall.sqlite")
            figures = fuzz(broker.url, hall_id, n, pid=hub.pid, progress=lambda s: print(s, flush=True),
                           alive=lambda: hub.poll() is None)
            alive = hub.poll() is None
            after = retained_snapshot(broker.url, hall_id, config) if alive else None
            same_db = db_facts(tmp / "hall.sqlite") == facts
        finally:
            hub.terminate()
            hub.wait(15)
            broker.stop()
        text = log.read_text()
        print(f"\nhub fuzz: {n} payloads over MQTT (Mosquitto, township hall), seed 8")
        print(f"{'sent':<34}{figures['sent']:>12}")
        print(f"{'  expecting a reply':<34}{figures['sent_expecting_reply']:>12}")
        print(f"{'  on status topics (no reply due)':<34}{figures['status_messages']:>12}")
        print(f"{'answered':<34}{figures['answered']:>12}")
        print(f"{'replies to the ID-number device':<34}{figures['answered_id_device']:>12}")
        print(f"{'crashes (hub exited)':<34}{0 if alive else 1:>12}"
              + ("" if alive else f"  (after {figures['died_after']} sent; exit code {hub.returncode})"))
        print(f"{'last-guard hits':<34}{text.count('LAST GUARD'):>12}")
        print(f"{'tracebacks in the hub log':<34}{text.count('Traceback'):>12}")
        print(f"{'retained state unchanged':<34}{str(before == after):>12}")
        print(f"{'database unchanged':<34}{str(same_db):>12}")
        print(f"{'hub RSS before (kB)':<34}{figures['rss_before_kb']:>12}")
        print(f"{'hub RSS after (kB)':<34}{str(figures['rss_after_kb']):>12}")
        print(f"{'seconds':<34}{figures['seconds']:>12.1f}")
        print(f"{'requests per second':<34}{figures['sent'] / figures['seconds']:>12.0f}")
        print("\nreplies by code:")
        for code, count in figures["codes"].most_common():
            print(f"  {code:<32}{count:>10}")
        ok = (alive and figures["answered"] == figures["sent_expecting_reply"] and not figures["answered_id_device"]
              and "LAST GUARD" not in text and "Traceback" not in text and before == after and same_db)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
