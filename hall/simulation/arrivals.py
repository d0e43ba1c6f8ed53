"""The citizens of one simulated day: when they come, for what, and how they behave.

Arrivals are a Poisson process whose rate is constant within each hour of the profile
(a morning peak is a profile with more arrivals at 9-10). Every trait of a citizen is drawn
when they arrive, from their own random stream, in a fixed order: the same seed gives the
same citizens whatever the hall does with them (common random numbers), so a hall with a
tidal window and one without see exactly the same people.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from dataclasses import dataclass

from hall.config import HallConfig
from hall.simulation.handling import HandlingTimes
from hall.simulation.profile import Profile


@dataclass
class Citizen:
    n: int
    arrive: float  # epoch seconds
    service: str
    handling: float  # seconds at the window
    absent: bool  # not there when called (过号)
    back_after: float | None  # comes back this many seconds after being missed (回呼)
    transfer_to: str | None  # sent on to another service's line after handling (转办)
    second_handling: float
    green: str | None  # "staff" (granted at the desk) | "birth" (old enough, read from the ID card)
    walk: float  # seconds from being called to reaching the window
    person: dict
    channel: str
    retry_delay: float | None  # refused outside hours: comes back this long after the next opening
    ticket: str | None = None  # ticket id once issued
    transferred: bool = False


def arrival_times(profile: Profile, midnight: float, rng: random.Random) -> list[float]:
    """Epoch seconds of the day's arrivals: Poisson with a constant rate inside each hour."""
    times = []
    for hour in sorted(profile.arrivals):
        expected = profile.arrivals[hour]
        if expected <= 0:
            continue
        rate = expected / 3600.0
        t, end = midnight + hour * 3600.0, midnight + (hour + 1) * 3600.0
        while True:
            t += rng.expovariate(rate)
            if t >= end:
                break
            times.append(t)
    return times


class CitizenFactory:
    """Draws the citizens of each day from the profile, the hall and a seed."""

    def __init__(self, config: HallConfig, profile: Profile, times: HandlingTimes, seed):
        self.config, self.profile, self.times, self.seed = config, profile, times, seed
        self.codes = list(profile.mix)
        self.cum = list(itertools.accumulate(profile.mix[c] for c in self.codes))

    def day(self, index: int, date: dt.date, midnight: float) -> list[Citizen]:
        arrivals = random.Random(f"{self.seed}/{index}/arrivals")
        traits = random.Random(f"{self.seed}/{index}/traits")
        return [self._one(traits, n, t, date) for n, t in enumerate(arrival_times(self.profile, midnight, arrivals))]

    def _one(self, rng: random.Random, n: int, t: float, date: dt.date) -> Citizen:
        p, cfg = self.profile, self.config
        service = rng.choices(self.codes, cum_weights=self.cum)[0]
        handling = self.times.draw(rng, service)
        absent = rng.random() < p.no_show
        back = rng.random() < p.no_show_return
        back_after = rng.uniform(5 * 60, 30 * 60)
        transfer = rng.random() < p.transfer
        other = rng.choices(self.codes, cum_weights=self.cum)[0]
        second = self.times.draw(rng, other)
        green = rng.random() < p.green
        by_birth = rng.random() < p.green_by_birth
        walk = p.walk_seconds * rng.uniform(0.5, 1.5)
        retry = rng.random() < p.retry_refused
        retry_delay = rng.uniform(0, 15 * 60)
        age = cfg.rules.green_channel_age
        years = rng.randint(age, age + 20) if green and by_birth else rng.randint(18, max(18, age - 1))

        kind = None if not green else ("birth" if by_birth and age else "staff")
        svc = cfg.services[service]
        person: dict = {}
        channel = "kiosk"
        if svc.id_card_required or kind == "birth":
            digest = hashlib.blake2b(f"{self.seed}/{date}/{n}".encode(), digest_size=10).hexdigest()
            born = date.replace(year=date.year - years, day=min(date.day, 28))
            person = {"hash": digest, "masked": f"3701**********{int(digest[:4], 16) % 10000:04d}",
                      "birth": born.isoformat()}
            channel = "id_card"
        if kind == "staff":
            channel = "staff"
        return Citizen(
            n=n, arrive=t, service=service, handling=handling, absent=absent,
            back_after=back_after if absent and back else None,
            transfer_to=other if transfer and other != service else None, second_handling=second,
            green=kind, walk=walk, person=person, channel=channel, retry_delay=retry_delay if retry else None,
        )
