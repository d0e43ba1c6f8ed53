"""How long a matter takes at the window: lognormal (skewed, as hall handling times are)
or exponential (for checking against Erlang C), with the mean and spread per service."""
from __future__ import annotations

import math
import random

from hall.simulation.profile import Profile


class HandlingTimes:
    """Draws handling times in seconds for each service of a profile."""

    def __init__(self, profile: Profile):
        self.exponential = profile.distribution == "exponential"
        self._params: dict[str, tuple[float, float, float]] = {}
        for code, (minutes, cv) in profile.handling.items():
            sigma2 = math.log(1.0 + cv * cv)
            mean = minutes * 60.0
            self._params[code] = (mean, math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2))

    def mean_seconds(self, service: str) -> float:
        return self._params[service][0]

    def draw(self, rng: random.Random, service: str) -> float:
        mean, mu, sigma = self._params[service]
        if self.exponential:
            return rng.expovariate(1.0 / mean)
        return rng.lognormvariate(mu, sigma)
