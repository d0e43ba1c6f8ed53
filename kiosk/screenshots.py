"""Screenshots of every kiosk screen: ``python -m kiosk.screenshots [OUT_DIR] [--only SCREEN…]``.

Each screen is reached by driving the presenter the way a citizen, a card, the hub and the
printer would (``SCENES``), then drawn by the real Kivy widgets in a real (offscreen) window
at 1080×1920 portrait and 1920×1080 landscape, normal and elderly mode, Chinese and English.
Files are named ``<screen>-<orientation>-<mode>-<lang>.png`` (docs/screens/kiosk/).
The tests run a part of it and check the pictures; the whole set is ``make kiosk-screens``.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}
MODES = ("normal", "elderly")
LANGS = ("zh", "en")


class _Clock:
    def __init__(self, t: float):
        self.t = t

    def __call__(self) -> float:
        return self.t


def _reply(txn, **extra):
    data = {"ticket": "C012", "id": "2026-03-03:C012", "service": "household", "service_name": "户籍与证明开具",
            "service_name_en": "Household registration and certificates", "status": "waiting", "priority": None,
            "people_ahead": 3, "estimated_wait_min": 14.0, "issued_at": "2026-03-03T10:02:05.000+08:00",
            "window": None, "pinned_window": None, "token": "q7Hc2mV9xT4pL0sR8aZb3w"}
    data.update(extra)
    return {"v": 1, "status": "ok", "transaction": txn, "data": data}


def _issue(flow, code="household", printer=True):
    from kiosk.effects import Send

    flow.touch("take", code, flow.view().generation)
    flow.printer_checked(printer, "打印机缺纸，请联系工作人员", "The printer is out of paper; please ask staff.")
    sends = [e for e in flow.take_effects() if isinstance(e, Send)]
    return sends[-1].transaction if sends else None


def _elder():
    from kiosk.person import Person

    return Person("李*英", "3701**********0045", "e" * 64, dt.date(1952, 5, 20))


def _printed(flow, **extra):
    from kiosk.effects import Print

    flow.reply(_reply(_issue(flow), **extra))
    job = next(e for e in flow.take_effects() if isinstance(e, Print))
    return job


def scene_home(flow):
    pass


def scene_home_card(flow):
    flow.card(_elder())


def scene_offline(flow):
    flow.on_connection(False)


def scene_guide(flow):
    flow.touch("guide", "civil_affairs", flow.view().generation)


def scene_working(flow):
    _issue(flow)


def scene_printer_problem(flow):
    _issue(flow, printer=False)


def scene_ticket(flow):
    job = _printed(flow)
    flow.printed(job.job, True)


def scene_ticket_green(flow):
    flow.card(_elder())
    job = _printed(flow, priority="green", people_ahead=0, estimated_wait_min=3.0)
    flow.printed(job.job, True)


def scene_print_failed(flow):
    job = _printed(flow)
    flow.printed(job.job, False, "打印机缺纸，请联系工作人员", "The printer is out of paper; please ask staff.")


def scene_refused(flow):
    txn = _issue(flow)
    flow.reply({"v": 1, "status": "error", "transaction": txn, "error": {
        "code": "quota_reached", "message": "今日户籍与证明开具号源已满（100个），请明天再来或网上办理",
        "message_en": "Today's 100 tickets for Household registration are all taken; please come tomorrow "
                      "or apply online."}})


def scene_holding(flow):
    from kiosk.effects import Send
    from kiosk.person import Person

    flow.card(Person("张*丰", "1101**********1234", "y" * 64, dt.date(1990, 3, 7)))
    txn = _issue(flow)
    flow.reply({"v": 1, "status": "error", "transaction": txn, "error": {
        "code": "already_holding", "message": "您已领取户籍与证明开具的C012号，请留意叫号", "message_en": ""}})
    lookup = [e for e in flow.take_effects() if isinstance(e, Send)][-1]
    flow.reply(_reply(lookup.transaction, people_ahead=2, estimated_wait_min=9.0))


def scene_status(flow):
    from kiosk.effects import Send

    flow.scan("ticket", "http://127.0.0.1:8080/t/q7Hc2mV9xT4pL0sR8aZb3w", {"token": "q7Hc2mV9xT4pL0sR8aZb3w"})
    lookup = [e for e in flow.take_effects() if isinstance(e, Send)][-1]
    flow.reply(_reply(lookup.transaction, status="called", window="2"))


def scene_scan(flow):
    flow.touch("scan", None, flow.view().generation)


def scene_unknown_code(flow):
    flow.scan("unknown", "https://example.com/")


def scene_manager(flow):
    for _ in range(5):
        flow.touch("corner")
    for d in "24":
        flow.touch("pin", d)


SCENES = {
    "home": scene_home, "home_card": scene_home_card, "offline": scene_offline, "guide": scene_guide,
    "working": scene_working, "printer_problem": scene_printer_problem, "ticket": scene_ticket,
    "ticket_green": scene_ticket_green, "print_failed": scene_print_failed, "refused": scene_refused,
    "holding": scene_holding, "status": scene_status, "scan": scene_scan, "unknown_code": scene_unknown_code,
    "manager": scene_manager,
}


def make_flow(scene: str, mode: str, lang: str):
    from hall.config import load_hall
    from kiosk.flow import KioskFlow, KioskSettings

    config = load_hall(ROOT / "config" / "halls" / "township.toml")
    clock = _Clock(dt.datetime(2026, 3, 3, 10, 2, tzinfo=config.timezone).timestamp())
    flow = KioskFlow(config, KioskSettings(manager_pin="2468"), clock=clock)
    flow.on_connection(True)
    flow.on_hub(True)
    flow.on_state("hall", {"v": 1, "name": config.name, "name_en": config.name_en, "open_today": True,
                           "open_now": True, "hours": config.hours.as_text()})
    figures = {"social_insurance": (7, 21.0), "civil_affairs": (2, 12.0), "household": (3, 14.0),
               "veterans": (0, 5.0), "help": (1, 4.0)}
    for code, (waiting, minutes) in figures.items():
        flow.on_state("service", {"v": 1, "service": code, "waiting": waiting, "estimated_wait_min": minutes,
                                  "open": True})
    if mode == "elderly":
        flow.touch("elderly")
    if lang == "en":
        flow.touch("lang")
    SCENES[scene](flow)
    flow.take_effects()
    return flow


def shoot(out_dir: Path, orientation: str, scenes: list[str] | None = None, combos=None) -> list[Path]:
    """In this process (whose Kivy window is not open yet): one window of the orientation's
    size, every scene in every (mode, lang); returns the files written."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.config import Config

    w, h = SIZES[orientation]
    Config.set("graphics", "width", str(w))
    Config.set("graphics", "height", str(h))
    Config.set("graphics", "resizable", "0")
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk.app import KioskApp

    out_dir.mkdir(parents=True, exist_ok=True)
    combos = combos or [(m, lang) for m in MODES for lang in LANGS]
    jobs = [(scene, *c) for c in combos for scene in (scenes or list(SCENES))]
    written: list[Path] = []
    app = KioskApp(make_flow("home", "normal", "zh"), catch_errors=False)
    state = {"i": 0, "frames": 0}

    def step(_dt):
        i = state["i"]
        if i >= len(jobs):
            app.stop()
            return
        scene, mode, lang = jobs[i]
        if state["frames"] == 0:
            app.flow = make_flow(scene, mode, lang)
            app.refresh(force=True)
        state["frames"] += 1
        if state["frames"] < 3:
            return  # let the window draw the new screen
        name = out_dir / f"{scene}-{orientation}-{mode}-{lang}.png"
        shot = Path(Window.screenshot(name=str(out_dir / f"{name.stem}-.png")))  # writes …-0001.png
        shot.replace(name)
        written.append(name)
        state["i"], state["frames"] = i + 1, 0

    Clock.schedule_interval(step, 0)
    app.run()
    return written


def shoot_all(out_dir: Path, scenes: list[str] | None = None, orientations=tuple(SIZES), combos=None) -> list[Path]:
    """Every orientation, each in its own process (a Kivy window has one size per process)."""
    import json
    import subprocess

    written = []
    for orientation in orientations:
        arg = json.dumps({"out": str(out_dir), "orientation": orientation, "scenes": scenes, "combos": combos})
        out = subprocess.run([sys.executable, "-m", "kiosk.screenshots", "--json", arg], capture_output=True,
                             text=True, timeout=600, cwd=ROOT, env={**os.environ, "KIVY_NO_ARGS": "1"})
        if out.returncode != 0:
            raise RuntimeError(f"screenshots ({orientation}) failed:\n{out.stderr[-3000:]}")
        written += [Path(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--json"]:
        import json

        job = json.loads(args[1])
        files = shoot(Path(job["out"]), job["orientation"], job["scenes"],
                      [tuple(c) for c in job["combos"]] if job["combos"] else None)
        print(json.dumps([str(f) for f in files]))
        sys.exit(0)
    only = None
    if "--only" in args:
        k = args.index("--only")
        only, args = args[k + 1:], args[:k]
    out = Path(args[0]) if args else ROOT / "docs" / "screens" / "kiosk"
    files = shoot_all(out, only)
    print(f"{len(files)} screenshots in {out}")
