"""Soak: N tickets (default 100,000) over compressed hall days, through the hub and a terminal
of each kind, each in its own process, on a real Mosquitto.

`python -m bench.soak [N] [--per-day 1000] [--long-day 5000]` (not part of `python -m bench`:
it takes long). The hub runs with ``--always-open --next-day-on-signal`` (tests and demos
only): after each day's tickets the bench sends it SIGUSR1, its clock moves on one day and it
rolls the hall day as an appliance does overnight (yesterday's windows closed, numbers from
001 again); the clerk signs in again. Each ticket is taken by a touch at the kiosk's presenter
and runtime, called and finished at the soft caller's presenter (window 9) and rated with a
good face at window 9's rating pad (bench/soak_terminals.py); the board and the window screen
(offscreen) and the announcer (`yichuang voice`, SDL's dummy sound card) hear every call.

Prints RSS, open file descriptors and threads of each process at the end of day 1 and at the
end of the last day (the same phase of the day), with the growth, the hub's RSS at the end of
every tenth of the days, and then, from one longer day at the end, how the hub's RSS grows with
the tickets of one day (kB per ticket: the hall day's working set, cleared at the day roll).
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from hall.config import load_hall
from hall.protocol import Topics
from hall.service.bus import Bus, parse_broker_url
from hall.service.local_broker import HubStatus, Mosquitto

ROOT = Path(__file__).resolve().parents[1]
HALL = ROOT / "config" / "halls" / "township.toml"
START = "2025-03-04T09:00"  # a Tuesday morning, hall local time
PAD = '\n[[device]]\nid = "pad-9"\nrole = "rating_pad"\nwindow = "9"\n'  # the help desk rated too


FONTS = (".ttf", ".ttc", ".otf")


def proc(pid: int) -> tuple[int, int, int, int, int]:
    """(RSS kB, open fds, threads, of the fds: open font files, anonymous RSS kB) of a process,
    from /proc.

    Kivy's text renderer keeps a font file open for each font and size it draws, up to 64
    (its own cache), so a display's fds grow with the sizes it has drawn, then stop. The
    anonymous part of RSS is the process's own memory (heap, stacks); the rest is mapped files
    (libraries, fonts) that the kernel drops and reads again as it needs the page cache, so RSS
    alone can fall on a busy machine."""
    rss = threads = anon = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("RssAnon:"):
            anon = int(line.split()[1])
        elif line.startswith("Threads:"):
            threads = int(line.split()[1])
    fds = fonts = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        fds += 1
        try:
            fonts += os.readlink(f"/proc/{pid}/fd/{fd}").endswith(FONTS)
        except OSError:  # closed meanwhile
            pass
    return rss, fds, threads, fonts, anon


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Terminal:
    """A terminal of bench/soak_terminals.py in its own process: a command a line, an answer a line."""

    def __init__(self, role: str, url: str, hall: Path, env: dict, log: Path, python: list[str]):
        with open(log, "a") as err:
            self.process = subprocess.Popen(python + ["bench.soak_terminals", role, url, str(hall)],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                                            bufsize=1, env=env, cwd=ROOT)
        self.role, self.log = role, log
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def send(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def answer(self, timeout: float = 120.0) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{self.role}: no answer in {timeout:.0f} s") from None
        if line is None or line.startswith("error"):
            raise RuntimeError(f"{self.role}: {line or 'exited'}\n{self.log.read_text()[-3000:]}")
        return line

    def ask(self, command: str) -> str:
        self.send(command)
        return self.answer()

    def quit(self) -> None:
        try:
            self.send("quit")
        except (BrokenPipeError, ValueError):
            pass


def stop_all(processes: list[subprocess.Popen], grace: float = 3.0) -> None:
    """SIGTERM to all at once, then SIGKILL to what still runs after ``grace`` seconds (the
    voice would finish its backlog of calls first: the soak does not need to hear it)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class DayWatch:
    """The hub's ``day_started`` events, as any subscriber on the bus sees them."""

    def __init__(self, url: str, hall_id: str):
        topics = Topics(hall_id)
        self.days: list[str] = []
        self.cond = threading.Condition()
        self.bus = Bus(parse_broker_url(url), f"soak-days-{os.getpid()}", topics.status("soak-days"), self._deliver,
                       subscriptions=(topics.event("day_started"),))

    def _deliver(self, kind: str, value) -> None:
        if kind == "message":
            with self.cond:
                self.days.append(json.loads(value[0].payload)["day"])
                self.cond.notify_all()

    def next_day(self, hub: subprocess.Popen, timeout: float = 30.0) -> None:
        """The night: SIGUSR1 moves the hub's clock on one day; wait until it has rolled."""
        with self.cond:
            before = len(self.days)
        hub.send_signal(signal.SIGUSR1)
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.days) > before, timeout):
                raise RuntimeError(f"the hub did not roll its day ({self.days})")


@dataclass
class Result:
    days: list[int]  # tickets of each day
    elapsed: float = 0.0  # seconds for the even days (not the long one)
    samples: dict[str, dict[int, tuple[int, int, int, int, int]]] = field(default_factory=dict)  # process -> ticket -> proc()
    long_day: dict[int, int] = field(default_factory=dict)  # tickets into the long day -> hub anon RSS kB
    served: list[list[str]] = field(default_factory=list)  # numbers served, by day
    rated: list[list[str]] = field(default_factory=list)  # numbers rated at the pad, by day
    rolled: list[str] = field(default_factory=list)  # hall days started, as the bus saw them
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each process over the even days
    setup: float = 0.0  # seconds from the start to the first ticket (every process up and connected)
    refused: int = 0


def run(days: list[int], work: Path, long_day: int = 0, progress=lambda text: None,
        with_displays: bool = True, report_every: int = 0, trace_memory: tuple[str, ...] = ()) -> Result:
    """``days``: tickets of each compressed hall day; then, if ``long_day``, one day of that many
    tickets, the hub's anonymous RSS read after its first ``days[0]`` tickets and at its end. Leaves the
    hub's database, its log and the voice's trace in ``work``. The processes named in
    ``trace_memory`` run under bench/soak_tracemalloc.py: where their Python heap grew from the
    end of day 1 to the end of the last day is in ``work/<name>.tracemalloc.txt``."""

    def python(name: str) -> list[str]:
        if name in trace_memory:
            return [sys.executable, "-m", "bench.soak_tracemalloc", str(work / f"{name}.tracemalloc.txt")]
        return [sys.executable, "-m"]

    hall = work / "hall.toml"
    hall.write_text(HALL.read_text() + PAD)
    config = load_hall(hall)
    result = Result(list(days))
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", SDL_AUDIODRIVER="dummy",
               KIVY_HOME=str(work / "kivy"), PYTHONPATH=str(ROOT))
    broker = Mosquitto(work / "mosquitto").start()
    processes: dict[str, subprocess.Popen] = {}
    terminals: dict[str, Terminal] = {}
    watch = None
    try:
        status = HubStatus(broker.url, config.id).start()
        with open(work / "hub.log", "a") as out:
            hub = processes["hub"] = subprocess.Popen(
                python("hub") + ["hall.cli", "hub", "--config", str(hall), "--db", str(work / "hall.sqlite"), "--broker",
                                 broker.url, "--always-open", "--clock", START, "--next-day-on-signal", "--log-level",
                                 "WARNING"], stdout=out, stderr=out, env=env, cwd=ROOT)
        status.wait_online(30, hub, work / "hub.log")
        status.close()
        watch = DayWatch(broker.url, config.id)
        watch.bus.start()
        # the hub's clock as the displays' (the announcer does not say a call older than [voice] max_age)
        common = ["--config", str(hall), "--broker", broker.url, "--clock", START, "--log-level", "WARNING"]
        displays = {
            "board": ["board", *common, "--no-voice", "--windowed", "--size", "960x540"],
            "voice": ["voice", *common, "--trace", str(work / "voice.trace")],
            "window screen": ["window-screen", *common, "--device", "wscreen-9", "--windowed", "--photos",
                              str(HALL.parent)],
        } if with_displays else {}
        with open(work / "displays.log", "a") as err:
            for name, args in displays.items():
                processes[name] = subprocess.Popen(python(name) + ["hall.cli", *args], env=env, cwd=ROOT, stderr=err)
        for role in ("kiosk", "caller", "pad"):
            terminals[role] = Terminal(role, broker.url, hall, env, work / f"{role}.log", python(role))
        for t in terminals.values():
            if t.answer() != "ready":
                raise RuntimeError(f"{t.role} did not start")
        assert watch.bus.wait_connected(10)
        kiosk, caller, pad = terminals["kiosk"], terminals["caller"], terminals["pad"]
        pids = {name: p.pid for name, p in processes.items()}
        pids.update({name: t.process.pid for name, t in terminals.items()})
        pids["mosquitto"] = broker.process.pid
        time.sleep(2.0)  # the voice and the screens subscribe after their status: no call before that
        schedule = list(days) + ([long_day] if long_day else [])
        ticket = 0
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t0 = time.monotonic()
        result.setup = t0 - started
        for d, count in enumerate(schedule):
            long = long_day and d == len(schedule) - 1
            if d:
                if not long:
                    progress(f"  day {d} done: {ticket} tickets, {time.monotonic() - t0:.0f} s "
                             f"({ticket / (time.monotonic() - t0):.1f}/s)")
                watch.next_day(hub)
            caller.ask("sign_in")
            served, rated = [], []
            rating = None
            for j in range(1, count + 1):
                kiosk.send("take")
                if rating is not None:
                    rated.append(_expect(pad.answer(), "rated", rating))
                number = kiosk.answer()
                if number == "refused":
                    result.refused += 1
                    rating = None
                    continue
                number = number.split()[1]
                served.append(_expect(caller.ask("serve"), "served", number))
                pad.send("rate")
                rating = number
                if long and j in (days[0], count):
                    time.sleep(1.0)
                    result.long_day[j] = proc(hub.pid)[4]  # anonymous: the hall day's objects
            if rating is not None:
                rated.append(_expect(pad.answer(), "rated", rating))
            if long:
                break
            ticket += count
            result.served.append(served)
            result.rated.append(rated)
            result.elapsed = time.monotonic() - t0
            time.sleep(1.0)  # the board, the screen and the voice have caught up
            for name, pid in pids.items():
                result.samples.setdefault(name, {})[ticket] = proc(pid)
                result.cpu[name] = cpu_seconds(pid) - cpu0[name]
            if d in (0, len(days) - 1):
                for name in trace_memory:  # start tracing; then write what was allocated since and lives
                    os.kill(pids[name], signal.SIGUSR2)
                if trace_memory:
                    time.sleep(5.0)  # a snapshot of a large heap takes a moment
            if report_every and d and (d + 1) % report_every == 0 and d + 1 < len(days):
                progress(table(result) + "\n")
        result.rolled = list(watch.days)
    finally:
        if watch is not None:
            watch.bus.stop()
        for t in terminals.values():
            t.quit()
        stop_all([t.process for t in terminals.values()] + list(processes.values()))
        broker.stop()
    return result


def _expect(line: str, word: str, number: str) -> str:
    said, got = line.split()
    if said != word or got != number:
        raise RuntimeError(f"expected {word} {number}, got {line}")
    return got


def table(result: Result) -> str:
    ends = sorted(next(iter(result.samples.values())))
    first, last = ends[0], ends[-1]
    lines = [f"| process | RSS kB at {first} | RSS kB at {last} | growth | anon kB at {first} | anon kB at {last} "
             "| anon growth | fds | threads | CPU s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, at in result.samples.items():
        (r1, f1, t1, n1, a1), (r2, f2, t2, n2, a2) = at[first], at[last]
        fonts = f" (fonts {n1} → {n2})" if n1 or n2 else ""
        lines.append(f"| {name} | {r1} | {r2} | {(r2 - r1) / r1 * 100:+.1f} % | {a1} | {a2} | {(a2 - a1) / a1 * 100:+.1f} % "
                     f"| {f1} → {f2}{fonts} | {t1} → {t2} | {result.cpu[name]:.0f} |")
    return "\n".join(lines)


def trend(result: Result) -> str:
    """RSS (and its anonymous part) of each process at the end of day 1, day 2 and every tenth
    of the days."""
    ends = sorted(next(iter(result.samples.values())))
    step = max(1, len(ends) // 10)
    shown = sorted(set(ends[:2] + ends[step - 1::step] + ends[-1:]))
    lines = ["| RSS / anon kB at the end of the day, ticket | " + " | ".join(str(t) for t in shown) + " |",
             "|---|" + "---:|" * len(shown)]
    for name, at in result.samples.items():
        lines.append(f"| {name} | " + " | ".join(f"{at[t][0]} / {at[t][4]}" for t in shown) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    p.add_argument("tickets", type=int, nargs="?", default=100_000)
    p.add_argument("--per-day", type=int, default=1_000, help="tickets of each hall day (default %(default)s)")
    p.add_argument("--no-displays", action="store_true",
                   help="without the board, the window screen and the voice (the hub's RSS per ticket sooner)")
    p.add_argument("--trace-memory", default="", metavar="NAMES",
                   help="comma list (hub,board,voice,window screen,kiosk,caller,pad): where their Python heap grew")
    p.add_argument("--long-day", type=int, default=5_000,
                   help="then one day of this many tickets for the hub's RSS per ticket (0: none; default %(default)s)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: every process of the soak stopped too
    per_day = min(args.per_day, args.tickets)
    days = [per_day] * (args.tickets // per_day) + ([args.tickets % per_day] if args.tickets % per_day else [])
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        result = run(days, Path(tmp), args.long_day, progress=lambda text: print(text, flush=True),
                     with_displays=not args.no_displays, report_every=max(1, min(5, len(days) // 10)),
                     trace_memory=tuple(n for n in args.trace_memory.split(",") if n))
        for found in sorted(Path(tmp).glob("*.tracemalloc.txt")):
            print(found.read_text()[:6000])
    total = sum(days)
    print(f"{total} tickets over {len(days)} hall days of {per_day} (take by touch at the kiosk, call and finish "
          f"at the soft caller, a good face at the pad) in {result.elapsed:.0f} s ({total / result.elapsed:.1f}/s); "
          f"refused {result.refused}; days started {len(result.rolled)}")
    print()
    print(table(result))
    print()
    print(trend(result))
    if len(result.long_day) == 2:
        (a, ra), (b, rb) = sorted(result.long_day.items())
        print(f"one day of {b} tickets: the hub's anonymous RSS {ra} kB at {a}, {rb} kB at {b}: "
              f"{(rb - ra) / (b - a):.2f} kB per ticket of the day")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
