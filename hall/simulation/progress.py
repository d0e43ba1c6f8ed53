"""A plain-text progress bar on stderr for runs of more than a moment (no dependency).

Nothing is drawn until ``after`` seconds have passed, so a quick run stays silent; the bar
redraws in place with a carriage return and ends with a newline when done.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, label: str = "", stream=None, after: float = 0.5, width: int = 30,
                 clock=time.monotonic):
        self.total, self.label, self.width = max(1, total), label, width
        self.stream = sys.stderr if stream is None else stream
        self.after, self.clock = after, clock
        self.start = clock()
        self.count = 0
        self.shown = False

    def step(self, n: int = 1) -> None:
        self.count = min(self.total, self.count + n)
        self._draw()

    def _draw(self) -> None:
        elapsed = self.clock() - self.start
        if elapsed >= self.after:
            filled = round(self.width * self.count / self.total)
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.count}/{self.total} {elapsed:.1f}s")
            self.stream.flush()
            self.shown = True

    def done(self) -> None:
        """The work is over (possibly sooner than ``total`` foresaw: a planner that converged)."""
        if self.shown:
            self.count = self.total
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
