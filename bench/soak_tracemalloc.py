"""The soak's leak finder: run a module as ``__main__`` under tracemalloc (BENCHMARKS ONLY: it
slows the process and costs memory of its own, and nothing in the hall's code knows of it).

``python -m bench.soak_tracemalloc OUT MODULE [ARG...]``: the first SIGUSR2 starts tracing (from
then on, not at start: tracing the imports takes minutes); each later one writes to OUT what was
allocated since and is still alive, largest first, with the lines that allocated it. bench/soak.py (``--trace-memory hub,board``) sends it at
the end of day 1 and at the end of the last day.
"""
from __future__ import annotations

import os
import runpy
import signal
import sys
import tracemalloc

FRAMES, SHOWN = 12, 12


def main() -> None:
    out, module = sys.argv[1], sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]

    def on_signal(*_) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
            return
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)])
        stats = snapshot.statistics("traceback")
        with open(out, "a") as f:
            grown = sum(s.size for s in stats)
            f.write(f"== pid {os.getpid()} {module}: {grown / 1024:.0f} kB allocated since the first signal "
                    f"and still alive\n")
            for stat in stats[:SHOWN]:
                f.write(f"{stat.size / 1024:+.0f} kB in {stat.count:+d} blocks\n")
                for line in stat.traceback.format(most_recent_first=True)[:2 * FRAMES]:
                    f.write(f"    {line}\n")

    signal.signal(signal.SIGUSR2, on_signal)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
