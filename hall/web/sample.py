"""A hall database filled with simulated days, for the reports' tests, the benchmarks and the
screenshots: the hall simulator (``hall.simulation``) drives the real engine, and every event
it commits is written to the event log of a real hall database, as the hub's store writes it.

    python -m hall.web.sample --config config/halls/county.toml --days 20 --db month.sqlite
"""
from __future__ import annotations

import argparse
from pathlib import Path

from hall.config import load_hall
from hall.simulation.model import Simulation
from hall.simulation.profile import load_profile
from hall.store import _INSERT_EVENT, HallStore, _event_row  # the store's own event rows, exactly

__all__ = ["fill", "load_hall"]

PROFILES = Path(__file__).resolve().parents[2] / "config" / "profiles"


def fill(config_path: str | Path, db: str | Path, days: int = 1, seed: int = 1, profile: str | Path | None = None):
    """Simulate ``days`` working days of the hall into ``db``; returns the simulation's day results."""
    config = load_hall(config_path)
    profile = load_profile(profile or PROFILES / Path(config_path).name, config)
    store = HallStore(db, config)
    batch: list[dict] = []

    def keep(events: list[dict]) -> None:
        batch.extend(events)
        if len(batch) >= 5000:
            flush()

    def flush() -> None:
        with store.db.atomic():
            store.db.conn.executemany(_INSERT_EVENT, [_event_row(e) for e in batch])
        batch.clear()

    try:
        results = Simulation(config, profile, seed=seed, listener=keep).run(days)
        flush()
    finally:
        store.close()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hall.web.sample", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    results = fill(args.config, args.db, args.days, args.seed)
    print(f"{args.db}: {len(results)} days, {sum(len(r.tickets) for r in results)} tickets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
