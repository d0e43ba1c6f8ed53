"""The kiosk on a real Mosquitto and hub, with its window (offscreen) and the printer simulator.

- baseline: the bare broker round trip (bench_hub's echo, the same run);
- touch → the last byte of the ticket at the printer (the cut), p50/p95 over 200 tickets:
  the printer's status read, the issue request and its durable commit at the hub, the reply,
  the ESC/POS job over a pty;
- cold start: process start → the home screen drawn (``kiosk: home screen shown``);
- RSS of the kiosk process after 10, 100 and 1,000 tickets (a leak shows as growth per ticket
  after the first hundred, which warm the software renderer up), with what the process holds
  (bench/kiosk_census.py): once as the kiosk was before ``kiosk/tidy.py`` (a replaced screen
  left to CPython's occasional full collection) and once as it is, in the same run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_hub import bare_round_trips, percentile
from hall.config import load_hall
from hall.service.local_broker import Mosquitto, spawn_hub_online

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
LATENCY_TICKETS = 200
# YICHUANG_KIOSK_RSS_AT=10,100,300 for a shorter run (the growth is taken from 100 to the last)
RSS_AT = tuple(int(n) for n in os.environ.get("YICHUANG_KIOSK_RSS_AT", "10,100,500,1000").split(","))
RSS_TICKETS = RSS_AT[-1]
COLD_STARTS = 3


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1", KIVY_HOME=str(tmp / "kivy"),
               PYTHONPATH=str(ROOT))
    return env


def drive(url: str, tmp: Path, tickets: int, rss_at: str, tidy: bool = True) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "kiosk_driver.py"), url, str(HALL), str(tickets),
                          rss_at, "1" if tidy else "0"], capture_output=True, text=True, timeout=3600, cwd=ROOT,
                         env=_env(tmp))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_start(url: str, tmp: Path) -> float:
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "hall.cli", "kiosk", "--config", str(HALL), "--broker", url,
                          "--printer", "dummy://", "--idcard", "", "--sscard", "", "--scanner", "", "--demo-key",
                          "--size", "1080x1920"], cwd=ROOT, env=_env(tmp), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stderr:
            if "kiosk: home screen shown" in line:
                return time.perf_counter() - t0
        raise RuntimeError("the kiosk exited before showing its home screen")
    finally:
        p.terminate()
        p.wait(30)


def memory_table(runs: dict) -> str:
    """RSS after each count and the growth per ticket after the first hundred, before and after
    ``kiosk/tidy.py``; the census after the last ticket, taken as the home screen replaces the
    ticket screen (so held widgets are the two screens until the next frame frees one)."""
    heads = " | ".join(f"after {n}" for n in RSS_AT)
    lines = [f"| kiosk | RSS {heads} | growth per ticket 100 -> {RSS_TICKETS} | RSS ratio at {RSS_TICKETS} |"
             f" widgets held / on screen | objects after a collection |",
             "|---|" + "---:|" * (len(RSS_AT) + 4)]
    base = None
    for tidy, label in ((False, "before: a replaced screen waits for a full collection"),
                        (True, "after: freed once the next is drawn (kiosk/tidy.py)")):
        rss = {int(k): v for k, v in runs[tidy]["rss"].items()}
        last = runs[tidy]["counts"][str(RSS_TICKETS)]
        per = (rss[RSS_TICKETS] - rss[100]) / (RSS_TICKETS - 100)
        base = rss[RSS_TICKETS] if base is None else base
        lines.append(f"| {label} | " + " | ".join(f"{rss[n] / 1024:.1f} MB" for n in RSS_AT) +
                     f" | {per:+.1f} kB | {rss[RSS_TICKETS] / base:.2f} | {last['held_widgets']} / "
                     f"{last['on_screen']} | {last['objects']} |")
    lines.append("(the first hundred tickets warm Mesa's software renderer and the allocator up: a leak shows as "
                 "growth per ticket after them)")
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-kiosk-") as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp / "mosquitto").start()
        log = tmp / "hub.log"
        hub = spawn_hub_online(HALL, tmp / "hall.sqlite", broker.url, log, "--always-open")
        try:
            rtt = bare_round_trips(broker.port, 400)
            first = drive(broker.url, tmp, LATENCY_TICKETS, "10")
            lat = first["latencies"]
            runs = {tidy: drive(broker.url, tmp, RSS_TICKETS, ",".join(map(str, RSS_AT)), tidy)
                    for tidy in (False, True)}
            failed = first["failed"] + sum(r["failed"] for r in runs.values())
            starts = [cold_start(broker.url, tmp) for _ in range(COLD_STARTS)]
        finally:
            hub.terminate()
            hub.wait(15)
            broker.stop()
    b50, b95 = percentile(rtt, 50), percentile(rtt, 95)
    t50, t95 = percentile(lat, 50), percentile(lat, 95)
    print(f"township hall; loopback Mosquitto; printer simulator on a pty; offscreen window 1080x1920; "
          f"{os.cpu_count()} cores shared")
    print()
    print(f"| latency                                                  | samples | p50 ms | p95 ms | ratio p50 | ratio p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| bare broker round trip (QoS 1 out, echo back)            | {len(rtt):7d} | {b50:6.2f} | {b95:6.2f} |"
          f"      1.00 |      1.00 |")
    print(f"| touch -> last byte of the ticket at the printer          | {len(lat):7d} | {t50:6.2f} | {t95:6.2f} |"
          f" {t50 / b50:9.1f} | {t95 / b95:9.1f} |")
    print(f"(printer status not answered in time, ticket taken again: {failed} of "
          f"{LATENCY_TICKETS + 2 * RSS_TICKETS})")
    print()
    print(f"| cold start to the home screen | " + " | ".join(f"{s:.2f} s" for s in starts) + " |")
    print()
    print(memory_table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
