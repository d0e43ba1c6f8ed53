"""`yichuang simulate`: whole hall days through the real engine, with a report and a chart.

    yichuang simulate --config config/halls/county.toml [--profile config/profiles/county.toml]
                      [--days 5] [--seed 1] [--target-p90 15] [--no-tidal] [--out STEM] [--lang en]

Prints per hour arrivals, mean and p90 wait, queue length, utilisation, no-shows and the
Erlang C wait; the day's totals; and the accuracy of the engine's wait estimates against the
real waits beside the common formula's. Writes STEM.txt and STEM.png (default
``simulate-<hall id>`` in the current folder). With ``--target-p90 M`` it proposes the
windows to open each hour so that 90 % are called within M minutes, and reports that day.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from hall.config import ConfigError, load_hall
from hall.simulation import chart
from hall.simulation.model import Simulation, SimulationError
from hall.simulation.planning import most_runs, plan_windows, render_plan
from hall.simulation.profile import ProfileError, load_profile
from hall.simulation.progress import Progress
from hall.simulation.report import render, summarise

PROFILES = Path(__file__).resolve().parents[2] / "config" / "profiles"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang simulate", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True, help="hall file (config/halls/*.toml)")
    p.add_argument("--profile", help="profile file (default: config/profiles/<hall file name>.toml)")
    p.add_argument("--days", type=int, default=5, help="working days to simulate (default 5)")
    p.add_argument("--seed", default="1", help="random seed: the same seed gives the same output (default 1)")
    p.add_argument("--target-p90", type=float, metavar="MINUTES",
                   help="propose open windows per hour that keep the 90th-percentile wait under MINUTES")
    p.add_argument("--no-tidal", action="store_true", help="never open the tidal windows (for comparison)")
    p.add_argument("--out", help="write STEM.txt and STEM.png (default simulate-<hall id>)")
    p.add_argument("--no-chart", action="store_true", help="do not write the PNG chart")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.days < 1 or args.days > 1000:
        print("yichuang simulate: --days must be between 1 and 1000", file=sys.stderr)
        return 2
    if args.target_p90 is not None and args.target_p90 <= 0:
        print("yichuang simulate: --target-p90 must be a positive number of minutes", file=sys.stderr)
        return 2
    try:
        config = load_hall(args.config)
        profile_path = args.profile or PROFILES / f"{Path(args.config).stem}.toml"
        profile = load_profile(profile_path, config)
    except (ConfigError, ProfileError) as exc:
        print(f"yichuang simulate: cannot start:\n{exc}", file=sys.stderr)
        return 2
    stream = io.StringIO() if args.quiet else sys.stderr
    started = time.monotonic()
    try:
        if args.target_p90 is None:
            progress = Progress(args.days, "simulate", stream=stream)
            results = Simulation(config, profile, seed=args.seed, tidal=not args.no_tidal).run(args.days, progress)
            progress.done()
            summary = summarise(config, profile, results, args.seed)
            text = render(summary, args.lang)
        else:
            progress = Progress(most_runs(config), "plan (runs, at most)", stream=stream)
            planned = plan_windows(config, profile, args.target_p90, args.days, args.seed, progress)
            progress.done()
            summary = planned.summary
            text = render_plan(planned, args.lang) + "\n" + render(summary, args.lang)
    except SimulationError as exc:
        print(f"yichuang simulate: the simulation stopped: {exc}", file=sys.stderr)
        return 1
    stem = Path(args.out or f"simulate-{config.id}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    txt = stem.with_name(stem.name + ".txt")
    txt.write_text(text, encoding="utf-8")
    written = [str(txt)]
    if not args.no_chart:
        written.append(str(chart.draw(summary, stem.with_name(stem.name + ".png"), args.lang, args.target_p90)))
    print(text, end="")
    print(f"\n→ {', '.join(written)}  ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
