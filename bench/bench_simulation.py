"""The engine judged by the hall simulator, on the two example halls, against baselines
computed in the same run on the same simulated citizens.

- Waits: the simulated mean wait in the steady hours against the Erlang C wait of one pooled
  queue at the same load and open windows (the floor for any routing), and against Erlang C
  for the hall split into its pools of primary skills (the floor for this window layout).
- Estimates: RMSE of the wait the engine tells at issue (``queueing.predict_wait``) and of
  the common formula (mean handling × position ÷ open windows), each against the real wait
  of the same tickets; ratio to the common formula.
- What-ifs on the county hall, same seed and citizens: a 30 % busier day with and without
  the tidal windows answering the engine's alerts, and a cross-trained window layout.
"""
from __future__ import annotations

import copy
import dataclasses
import time
import tomllib
from pathlib import Path

from hall.config import load_hall, parse_hall
from hall.simulation.model import Simulation
from hall.simulation.profile import load_profile
from hall.simulation.report import fmt, summarise

ROOT = Path(__file__).resolve().parents[1]
HALLS = (("township", 20), ("county", 5))  # (example hall, simulated days)
SEED = 1


def hall(name: str):
    config = load_hall(ROOT / "config" / "halls" / f"{name}.toml")
    return config, load_profile(ROOT / "config" / "profiles" / f"{name}.toml", config)


def run(config, profile, days: int, **options):
    started = time.perf_counter()
    results = Simulation(config, profile, seed=SEED, **options).run(days)
    seconds = time.perf_counter() - started
    return summarise(config, profile, results, SEED), seconds / days, sum(r.commands for r in results) / seconds


def cross_trained(config_path: Path):
    """The county hall with its idle complaints window 26 also taking 卫健, 交通, advice and
    pickup as secondary skills, and 23 taking veteran_card as primary."""
    raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    raw = copy.deepcopy(raw)
    for w in raw["window"]:
        if w["id"] == "26":
            w["secondary"] = ["卫健", "交通", "advice", "pickup"]
        if w["id"] == "23":
            w["primary"] = [*w["primary"], "veteran_card"]
    return parse_hall(raw, f"{config_path} (window 26 cross-trained)")


def main() -> int:
    summaries = {}
    speed = {}
    for name, days in HALLS:
        config, profile = hall(name)
        summary, per_day, rate = run(config, profile, days)
        summaries[name] = (summary, days)
        speed[name] = (per_day, rate, summary.totals["tickets"])

    print("| hall | days | tickets/day | mean wait (all) | steady hours | simulated (steady) | Erlang C pooled"
          " | ratio | Erlang C own pools | ratio |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for name, (s, days) in summaries.items():
        f, t = s.floor, s.totals
        ci = f" ± {f.ci:.1f}" if f.ci is not None else ""
        print(f"| {name} | {days} | {t['tickets']:.0f} | {fmt(t['mean_wait'])} ± {fmt(t['mean_wait_ci'])} "
              f"| {','.join(f'{h:02d}' for h in f.hours) or '-'} | {fmt(f.simulated)}{ci} | {fmt(f.erlang, 2)} "
              f"| {fmt(f.ratio, 1)} | {fmt(f.split)} ({s.pools}) | {fmt(f.split_ratio, 2)} |")
    print("(minutes; ± is the 95 % interval over days; 'own pools': Erlang C per group of windows sharing a"
          " primary skill)")
    print()
    print("| hall | tickets | RMSE common formula | RMSE engine | ratio | within ±5 min: common / engine |")
    print("|---|---:|---:|---:|---:|---|")
    for name, (s, _) in summaries.items():
        a = s.accuracy
        print(f"| {name} | {a.n} | {fmt(a.rmse['common'])} | {fmt(a.rmse['engine'])} | {fmt(a.ratio('engine'), 2)} "
              f"| {fmt(a.within5['common'], pct=True)} / {fmt(a.within5['engine'], pct=True)} |")
    print("(minutes, estimate at issue minus real wait to the first call)")
    print()

    config, profile = hall("county")
    days = dict(HALLS)["county"]
    busy = dataclasses.replace(profile, arrivals={h: n * 1.3 for h, n in profile.arrivals.items()})
    base = summaries["county"][0]
    variants = [
        ("as configured (baseline)", base),
        ("busy day ×1.3, no tidal window opened", run(config, busy, days, tidal=False)[0]),
        ("busy day ×1.3, tidal windows on the engine's alerts", run(config, busy, days)[0]),
        ("window 26 cross-trained, 23 takes veteran_card", run(cross_trained(Path(config.source)), profile, days)[0]),
    ]
    print(f"| county what-if ({days} days, same citizens) | mean wait | p90 wait | within 15 min | tidal opened/day"
          " | mean ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    reference = {0: base, 1: variants[1][1], 2: variants[1][1], 3: base}
    for i, (label, s) in enumerate(variants):
        t = s.totals
        ratio = t["mean_wait"] / reference[i].totals["mean_wait"]
        print(f"| {label} | {fmt(t['mean_wait'])} | {fmt(t['p90_wait'])} | {fmt(t['within15'], pct=True)} "
              f"| {fmt(t['tidal_opened'])} | {ratio:.2f} |")
    print("(ratio: to the busy day without tidal windows for the busy rows, to the baseline otherwise)")
    print()
    for name, (per_day, rate, tickets) in speed.items():
        print(f"speed, {name}: {per_day:.2f} s per simulated day ({tickets:.0f} tickets), "
              f"{rate:.0f} engine commands/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
