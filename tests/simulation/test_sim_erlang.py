"""Erlang C and the small statistics, against the worked example of the reference notes
(λ = 60/h, S = 8 min, a = 8 Erlangs)."""
from __future__ import annotations

import pytest

from hall.simulation import erlang


def test_worked_example_pooled_ten_windows():
    assert erlang.erlang_c(10, 8.0) == pytest.approx(0.409, abs=0.001)
    assert erlang.wait_mean(1.0, 8.0, 10) == pytest.approx(1.64, abs=0.01)
    assert erlang.wait_percentile(1.0, 8.0, 10, 0.9) == pytest.approx(5.6, abs=0.05)


def test_sensitivity_to_staffing_and_load():
    assert erlang.wait_mean(1.0, 8.0, 9) == pytest.approx(5.2, abs=0.05)
    assert erlang.wait_mean(1.0, 8.0, 11) == pytest.approx(0.65, abs=0.01)
    assert erlang.wait_mean(70 / 60, 8.0, 10) == pytest.approx(9.3, abs=0.05)


def test_split_pools_wait_longer_than_one_pool():
    assert erlang.wait_mean(0.5, 8.0, 5) == pytest.approx(4.4, abs=0.05)  # 2 pools × 5 windows
    assert erlang.wait_mean(0.1, 8.0, 1) == pytest.approx(32.0, abs=0.01)  # M/M/1: ρ / (μ − λ)


def test_saturated_load_has_no_steady_wait():
    assert erlang.erlang_c(8, 8.0) == 1.0
    assert erlang.wait_mean(1.0, 8.0, 8) is None
    assert erlang.wait_mean(1.0, 8.0, 7.9) is None


def test_fractional_windows_are_whole_windows_working_part_time():
    w9, w10 = erlang.wait_mean(1.0, 8.0, 9), erlang.wait_mean(1.0, 8.0, 10)
    assert w10 < erlang.wait_mean(1.0, 8.0, 9.5) < w9
    assert erlang.wait_mean(1.0, 8.0, 8.5) > w9  # above the load: finite, however long
    # under one window: one window working c of the time, an M/M/1 with handling S / c
    assert erlang.wait_mean(0.1, 4.0, 0.8) == pytest.approx(erlang.wait_mean(0.1, 5.0, 1))


def test_p90_is_zero_when_few_wait():
    assert erlang.wait_percentile(0.1, 8.0, 10, 0.9) == 0.0


def test_windows_for_a_target_p90():
    assert erlang.windows_for(1.0, 8.0, 5.7) == 10
    assert erlang.windows_for(1.0, 8.0, 5.6) == 11


def test_percentile_mean_ci_and_rmse():
    assert erlang.percentile([1, 2, 3, 4, 5], 0.9) == pytest.approx(4.6)
    assert erlang.percentile([], 0.9) is None
    mean, half = erlang.mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.303 * 1.0 / 3 ** 0.5)
    assert erlang.mean_ci([5.0]) is None
    assert erlang.rmse([3.0, -4.0]) == pytest.approx((12.5) ** 0.5)
