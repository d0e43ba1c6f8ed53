"""The kiosk on a real Mosquitto and hub, with its window (offscreen) and the printer simulator.

- baseline: the bare broker round trip (bench_hub's echo, the same run);
- touch → the last byte of the ticket at the printer (the cut), p50/p95 over 200 tickets:
  the printer's status read, the issue request and its durable commit at the hub, the reply,
  the ESC/POS job over a pty;
- cold start: process start → the home screen drawn (``kiosk: home screen shown``);
- RSS of the kiosk process after 10, 100 and 1,000 tickets (a leak shows as growth per ticket
  after the first hundred, which warm the software renderer up).
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
RSS_TICKETS = 1000
COLD_STARTS = 3


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_USE_DEFAULTCONFIG="1", KIVY_HOME=str(tmp / "kivy"),
               PYTHONPATH=str(ROOT))
    return env


def drive(url: str, tmp: Path, tickets: int, rss_at: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "kiosk_driver.py"), url, str(HALL), str(tickets),
                          rss_at], capture_output=True, text=True, timeout=1800, cwd=ROOT, env=_env(tmp))
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
            second = drive(broker.url, tmp, RSS_TICKETS, f"10,100,{RSS_TICKETS}")
            mem = second["rss"]
            failed = first["failed"] + second["failed"]
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
    print(f"(printer status not answered in time, ticket taken again: {failed} of {LATENCY_TICKETS + RSS_TICKETS})")
    print()
    print(f"| cold start to the home screen | " + " | ".join(f"{s:.2f} s" for s in starts) + " |")
    print()
    r10, r100, r1000 = mem["10"], mem["100"], mem[str(RSS_TICKETS)]
    print(f"| kiosk RSS after 10 tickets | after 100 | after {RSS_TICKETS} | growth 10 -> {RSS_TICKETS} | "
          f"growth per ticket 100 -> {RSS_TICKETS} |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {r10 / 1024:.1f} MB | {r100 / 1024:.1f} MB | {r1000 / 1024:.1f} MB | {(r1000 - r10) / 1024:+.1f} MB | "
          f"{(r1000 - r100) / (RSS_TICKETS - 100):+.1f} kB |")
    print("(the first hundred tickets warm Mesa's software renderer and the allocator up: a leak shows as growth "
          "per ticket after them)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
