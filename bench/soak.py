"""Soak: N tickets (default 100,000) through the hub and a terminal of each kind, on a real Mosquitto.

`python -m bench.soak [N]` (not part of `python -m bench`: it takes long). Each ticket is
taken at the kiosk's presenter and runtime (a touch on a tile, screen-only ticket), called by
a caller client and finished; the board (offscreen, no voice) and the announcer (`yichuang
voice`, SDL's dummy sound card) run as their own processes and hear every call. Prints RSS,
open file descriptors and threads of each process at 1,000 tickets and at N, with the growth.
"""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hall.config import load_hall
from hall.service.client import HallClient
from hall.service.local_broker import HubStatus, Mosquitto, spawn_hub
from kiosk.flow import KioskFlow, KioskSettings
from kiosk.runtime import DeviceUrls, KioskRuntime

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
FIRST = 1_000


def proc(pid: int) -> tuple[int, int, int]:
    """(RSS kB, open fds, threads) of a process, from /proc."""
    rss = threads = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    total = int(argv[0]) if argv else 100_000
    config = load_hall(HALL)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp / "mosquitto").start()
        log = tmp / "hub.log"
        watch = HubStatus(broker.url, config.id).start()
        hub = spawn_hub(HALL, tmp / "hall.sqlite", broker.url, log, "--always-open")
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", SDL_AUDIODRIVER="dummy",
                   KIVY_HOME=str(tmp / "kivy"))
        cli = [sys.executable, "-m", "hall.cli"]
        board = subprocess.Popen(cli + ["board", "--config", str(HALL), "--broker", broker.url, "--no-voice",
                                        "--windowed", "--size", "960x540", "--log-level", "WARNING"],
                                 env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        voice = subprocess.Popen(cli + ["voice", "--config", str(HALL), "--broker", broker.url, "--log-level",
                                        "WARNING"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        flow = KioskFlow(config, KioskSettings(device="kiosk-1", has_printer=False))
        inbox: queue.Queue = queue.Queue()
        runtime = KioskRuntime(flow, broker.url, DeviceUrls(), b"soak-key", inbox.put).start()

        def pump(until, what: str, timeout: float = 30.0) -> None:
            deadline = time.monotonic() + timeout
            while not until():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kiosk: no {what} (screen {flow.screen})")
                try:
                    inbox.get(timeout=0.02)()
                except queue.Empty:
                    pass
                flow.tick()
                runtime.run_effects()

        def tap(action: str, arg: str | None = None) -> None:
            if not flow.touch(action, arg, flow.view().generation):
                raise RuntimeError(f"kiosk: {action} {arg} did nothing on screen {flow.screen}")
            runtime.run_effects()

        rows: dict[str, dict[int, tuple]] = {"hub": {}, "board": {}, "voice": {}, "kiosk+caller (this process)": {}}
        pids = {"hub": hub.pid, "board": board.pid, "voice": voice.pid, "kiosk+caller (this process)": os.getpid()}
        refused = 0
        try:
            watch.wait_online(20, hub, log)
            watch.close()
            caller = HallClient(broker.url, config.id, "caller-9").connect()
            assert caller.request("staff_login", staff="0104")["status"] == "ok"
            pump(lambda: flow.online and flow.catalogue.services, "connection")
            t0 = time.monotonic()
            for i in range(1, total + 1):
                tap("take", "help")
                pump(lambda: flow.screen in ("ticket", "refused"), "ticket")
                if flow.screen == "refused":
                    refused += 1
                    tap("home")
                    continue
                tap("noted" if flow.view().button("noted") else "done")
                assert caller.request("call_next")["status"] == "ok"
                assert caller.request("finish")["status"] == "ok"
                if i in (FIRST, total):
                    time.sleep(1.0)  # the board and voice have caught up
                    for name, pid in pids.items():
                        rows[name][i] = proc(pid)
                if i % 10_000 == 0:
                    print(f"  {i} tickets, {time.monotonic() - t0:.0f} s", flush=True)
            elapsed = time.monotonic() - t0
            caller.close()
        finally:
            runtime.stop()
            for p in (board, voice, hub):
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:  # the voice finishing its backlog of calls
                    p.kill()
                    p.wait()
            broker.stop()
    print(f"{total} tickets (take at the kiosk presenter, call_next, finish) in {elapsed:.0f} s "
          f"({total / elapsed:.0f}/s); refused {refused}")
    print()
    print(f"| process | RSS kB at {FIRST} | RSS kB at {total} | growth | fds | threads |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, at in rows.items():
        if FIRST not in at or total not in at:
            continue
        (r1, f1, t1), (r2, f2, t2) = at[FIRST], at[total]
        print(f"| {name} | {r1} | {r2} | {(r2 - r1) / r1 * 100:+.1f} % | {f1} → {f2} | {t1} → {t2} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
