"""The simulator against queueing theory: an M/M/c hall (Poisson arrivals at a constant
rate, exponential handling, every window able to serve every ticket) must wait, on average,
what Erlang C says, within the 95 % confidence interval of its simulated days (each day an
independent replication).

A day starts empty, and an M/M/c queue needs a while to forget that (its relaxation time is
about 1 / (cμ(1 − √ρ)²): 75 minutes for c = 3 at ρ = 0.7, three hours at ρ = 0.8), so the
comparison leaves out the first three hours and keeps ρ at 0.7-0.75. (Checked once with 200
days per case: 3.26 ± 0.24 min against Erlang C's 3.28, and 1.42 ± 0.09 against 1.41.)"""
from __future__ import annotations

import pytest

from hall.simulation import erlang
from hall.simulation.model import Simulation
from hall.simulation.report import summarise


WARM = 4  # first hour compared: arrivals start at 01:00


@pytest.mark.parametrize("windows, minutes, per_hour", [(3, 6.0, 21.0), (6, 5.0, 54.0)])
def test_mean_wait_agrees_with_erlang_c(make_hall, make_profile, windows, minutes, per_hour):
    config = make_hall(windows, minutes)
    profile = make_profile(config, per_hour)
    results = Simulation(config, profile, seed=7).run(12)
    summary = summarise(config, profile, results, 7)

    theory = erlang.wait_mean(per_hour / 60.0, minutes, windows)  # 3.28 and 1.41 minutes
    per_day = [erlang.mean([t.wait / 60.0 for t in r.tickets if t.hour >= WARM]) for r in results]
    mean, half = erlang.mean_ci(per_day)
    assert abs(mean - theory) <= half, (mean, half, theory)
    assert half < 0.35 * theory  # the interval is narrow enough to mean something

    steady = summary.floor.hours
    assert steady == tuple(range(2, 22))  # the report calls every hour but the first steady

    # and its floor (Erlang C at the measured load, hours 02-21) says the same within its interval
    assert abs(summary.floor.simulated - summary.floor.erlang) <= summary.floor.ci + 0.1 * summary.floor.erlang
    every = [t for r in results for t in r.tickets]
    assert all(t.wait is not None for t in every)  # every ticket was called
    late = [t for t in every if t.hour >= WARM]
    waited = sum(1 for t in late if t.wait > 0) / len(late)
    assert waited == pytest.approx(erlang.erlang_c(windows, per_hour / 60.0 * minutes), abs=0.05)


def test_utilisation_is_the_offered_load_per_window(make_hall, make_profile):
    config = make_hall(3, 6.0)
    profile = make_profile(config, 21.0)
    summary = summarise(config, profile, Simulation(config, profile, seed=3).run(6), 3)
    steady = [r for r in summary.hours if r.steady]
    busy = erlang.mean([r.utilisation for r in steady])
    assert busy == pytest.approx(erlang.mean([r.rho for r in steady]), abs=0.02)  # busy time = work arrived
    assert busy == pytest.approx(0.7, abs=0.05)
    assert all(r.windows == pytest.approx(3.0) for r in summary.hours if r.steady)
