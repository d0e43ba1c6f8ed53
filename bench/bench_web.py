"""The hall's web against baselines measured in the same run.

Latency (one call at a time, loopback, real Mosquitto, hub and `yichuang web`, headless Chromium):
- baseline: the bare broker round trip (QoS 1 out, echo back; ``bench_hub.bare_round_trips``);
- call_next sent by a caller → ticket_called heard by a board subscriber (the hub's own path);
- call_next sent → the manager's dashboard in Chromium shows the ticket at its window (the
  event reaches the web, the web reads the database, renders the parts, sends them over
  server-sent events, the page swaps them in; stamped by a MutationObserver in the page).

Phones: PHONES citizens' ticket pages open at once (raw server-sent event streams, one per
ticket); call_next → the called ticket's stream says "called", while every other open page
is re-rendered by the same event.

Reports: a county month (30 windows, 20 simulated working days, ~20,000 tickets) in a real
hall database: the bare read of its event rows (baseline), the figures, the whole XLSX workbook.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_hub import bare_round_trips, percentile
from hall.config import load_hall
from hall.service.client import HallClient
from hall.service.local_broker import Mosquitto, free_port, spawn_hub_online, wait_for_port
from hall.web import report, sample
from hall.web.accounts import hash_password
from hall.web.snapshot import HallReader

ROOT = Path(__file__).resolve().parents[1]
TOWNSHIP = ROOT / "config" / "halls" / "township.toml"
COUNTY = ROOT / "config" / "halls" / "county.toml"
SAMPLES = 150
PHONES = 200
PHONE_CALLS = 40
MONTH_DAYS = 20
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OBSERVER = """() => {
  window.__seen = {};
  new MutationObserver(() => {
    const cell = document.querySelector("#windows tr[data-window='9'] .ticket-no");
    const text = cell ? cell.textContent.trim().split(" ")[0] : "";
    if (text && !(text in window.__seen)) window.__seen[text] = Date.now();
  }).observe(document.getElementById("windows"), {childList: true, subtree: true, characterData: true});
}"""


def hall_file(tmp: Path) -> Path:
    text = TOWNSHIP.read_text(encoding="utf-8")
    text += f'\n[[account]]\nname = "bench"\nrole = "manager"\npassword_hash = "{hash_password("bench-pass")}"\n'
    path = tmp / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def dashboard_latency(url: str, hall_id: str, base: str, n: int) -> tuple[list[float], list[float]]:
    """(call → board event ms, call → dashboard DOM updated ms), n calls at window 9."""
    from playwright.sync_api import sync_playwright

    kiosk = HallClient(url, hall_id, "kiosk-1").connect()
    caller = HallClient(url, hall_id, "caller-9").connect()
    board = HallClient(url, hall_id, "board-1", watch_events=True).connect()
    assert caller.request("staff_login", staff="0104")["status"] == "ok"
    for _ in range(n + 5):
        assert kiosk.request("issue", service="help")["status"] == "ok"
    to_board, to_page = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(base + "/login")
        page.fill("input[name=name]", "bench")
        page.fill("input[name=password]", "bench-pass")
        page.click("button[type=submit]")
        page.wait_for_selector("main.dash")
        page.evaluate(OBSERVER)
        time.sleep(0.5)
        for i in range(n + 5):
            seen = len(board.events)
            t0 = time.time() * 1000
            reply = caller.request("call_next")
            number = reply["data"]["ticket"]
            board.wait_for(lambda: any(e["type"] == "ticket_called" and e["ticket"] == number
                                       for e in board.events[seen:]), 10, "the call on the board")
            t_board = time.time() * 1000
            page.wait_for_function(f"() => '{number}' in window.__seen", timeout=10_000)
            t_page = page.evaluate(f"() => window.__seen['{number}']")
            if i >= 5:  # warm-up
                to_board.append(t_board - t0)
                to_page.append(t_page - t0)
            assert caller.request("finish")["status"] == "ok"
            time.sleep(0.05)
        browser.close()
    for c in (kiosk, caller, board):
        c.close()
    return to_board, to_page


def phones_latency(url: str, hall_id: str, base: str, phones: int, calls: int) -> list[float]:
    """ms from call_next to the called ticket's own stream saying "called", with ``phones`` streams open."""
    import asyncio
    import json
    import threading

    kiosk = HallClient(url, hall_id, "kiosk-1").connect()
    caller = HallClient(url, hall_id, "caller-3").connect()
    assert caller.request("staff_login", staff="0103")["status"] == "ok"
    services = ("social_insurance", "household")  # quotas of 150 and 100 a day
    tickets = [kiosk.request("issue", service=services[i % 2])["data"] for i in range(phones)]
    called_at: dict[str, float] = {}
    ready = threading.Event()
    host, port = base.split("//")[1].split(":")

    async def watch(token: str, number: str, opened: list) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"GET /t/{token}/live HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        opened.append(1)
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: {") and b'"phase": "called"' in line and number not in called_at:
                called_at[number] = time.time() * 1000
                json.loads(line[6:])
                writer.close()
                return

    async def all_phones() -> None:
        opened: list = []
        tasks = [asyncio.create_task(watch(t["token"], t["ticket"], opened)) for t in tickets]
        while len(opened) < len(tickets):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        ready.set()
        await asyncio.wait(tasks, timeout=600)

    thread = threading.Thread(target=lambda: asyncio.run(all_phones()), daemon=True)
    thread.start()
    assert ready.wait(60)
    out = []
    for _ in range(calls):
        t0 = time.time() * 1000
        number = caller.request("call_next")["data"]["ticket"]
        deadline = time.monotonic() + 20
        while number not in called_at:  # the stream stamps its own arrival; polling only waits
            assert time.monotonic() < deadline, f"{number} was not shown as called on its phone"
            time.sleep(0.002)
        out.append(called_at[number] - t0)
        assert caller.request("finish")["status"] == "ok"
    kiosk.close()
    caller.close()
    return out


def month_report(tmp: Path) -> dict:
    db = tmp / "county-month.sqlite"
    t0 = time.perf_counter()
    results = sample.fill(COUNTY, db, days=MONTH_DAYS, seed=3)
    simulated = time.perf_counter() - t0
    config = load_hall(COUNTY)
    first, last = results[0].date.isoformat(), results[-1].date.isoformat()
    reader = HallReader(db, config)
    t0 = time.perf_counter()
    rows = reader.query("SELECT * FROM events WHERE day >= ? AND day <= ?", (first, last))
    bare = time.perf_counter() - t0
    period = (first, last, first[:7])
    t0 = time.perf_counter()
    f, events = report.figures(config, reader, period)
    figures = time.perf_counter() - t0
    t0 = time.perf_counter()
    data, _ = report.build(config, reader, period)
    whole = time.perf_counter() - t0
    reader.close()
    return {"tickets": f.hall.tickets, "events": len(rows), "days": len(results), "simulated": simulated,
            "bare": bare, "figures": figures, "whole": whole, "bytes": len(data)}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        tmp = Path(tmp)
        broker = Mosquitto(tmp / "mosquitto").start()
        hall = hall_file(tmp)
        hall_id = load_hall(hall).id
        log = tmp / "hub.log"
        hub = spawn_hub_online(hall, tmp / "hall.sqlite", broker.url, log, "--always-open")
        port = free_port()
        web = None
        try:
            import subprocess
            import sys
            web = subprocess.Popen([sys.executable, "-m", "hall.cli", "web", "--config", str(hall), "--db",
                                    str(tmp / "hall.sqlite"), "--broker", broker.url, "--listen", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=open(tmp / "web.log", "w"))
            assert wait_for_port(port, 20), (tmp / "web.log").read_text()
            rtt = bare_round_trips(broker.port, SAMPLES)
            to_board, to_page = dashboard_latency(broker.url, hall_id, f"http://127.0.0.1:{port}", SAMPLES)
            to_phone = phones_latency(broker.url, hall_id, f"http://127.0.0.1:{port}", PHONES, PHONE_CALLS)
        finally:
            if web is not None:
                web.terminate()
                web.wait(15)
            hub.terminate()
            hub.wait(15)
            broker.stop()
        month = month_report(tmp)

    print(f"township hall on Mosquitto; `yichuang web`; Chromium headless; loopback; {SAMPLES} samples each")
    print()
    r50, r95 = percentile(rtt, 50), percentile(rtt, 95)
    print("| latency                                                     | p50 ms | p95 ms | ratio p50 | ratio p95 |")
    print("|---|---:|---:|---:|---:|")
    print(f"| bare broker round trip (QoS 1 out, echo back)               | {r50:6.2f} | {r95:6.2f} |      1.00 |      1.00 |")
    for name, xs in (("call_next sent -> ticket_called at a board subscriber", to_board),
                     ("call_next sent -> dashboard in Chromium shows the ticket", to_page)):
        x50, x95 = percentile(xs, 50), percentile(xs, 95)
        print(f"| {name:<59} | {x50:6.2f} | {x95:6.2f} | {x50 / r50:9.1f} | {x95 / r95:9.1f} |")
    p50, p95 = percentile(to_phone, 50), percentile(to_phone, 95)
    name = f"call_next sent -> its ticket page 'called' ({PHONES} pages open)"
    print(f"| {name:<59} | {p50:6.2f} | {p95:6.2f} | {p50 / r50:9.1f} | {p95 / r95:9.1f} |")
    print(f"(dashboard mean {statistics.mean(to_page):.1f} ms, max {max(to_page):.1f} ms; the web coalesces an "
          f"event and the retained state after it for 30 ms before it renders)")
    print()
    m = month
    print(f"county month: {m['days']} working days, {m['tickets']} tickets, {m['events']} events "
          f"(simulated into SQLite in {m['simulated']:.1f} s)")
    print("| report step                                   | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| bare read of the month's event rows (baseline) | {m['bare']:7.2f} |  1.00 |")
    print(f"| figures: events read, decoded and tallied      | {m['figures']:7.2f} | {m['figures'] / m['bare']:5.1f} |")
    print(f"| the whole XLSX workbook with its charts        | {m['whole']:7.2f} | {m['whole'] / m['bare']:5.1f} |")
    print(f"(workbook {m['bytes'] / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
