"""Profile files: the shipped ones load; a bad one is refused naming every problem at once."""
from __future__ import annotations

from pathlib import Path

import pytest

from hall.simulation.profile import ProfileError, load_profile, parse_profile

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_profiles_load_against_their_halls(township, county):
    config, profile = township
    assert profile.arrivals[9] == 30 and sum(profile.mix.values()) == pytest.approx(1.0)
    assert profile.windows == ("1", "2", "3", "9") and len(profile.breaks) == 2
    config, profile = county
    assert "28" not in profile.windows and "30" not in profile.windows  # tidal; seasonal out of season
    assert len(profile.windows) == 27
    assert 900 < profile.expected_arrivals() < 1300


def test_domain_shares_are_split_over_the_domain_s_services(township):
    config, _ = township
    p = parse_profile({"arrivals": {"09": 10}, "mix": {"社保": 1, "户籍": 1}}, config)
    assert p.mix == {"social_insurance": 0.5, "household": 0.5}


def test_handling_overrides(township):
    config, _ = township
    p = parse_profile({"arrivals": {"09": 10}, "mix": {"household": 1},
                       "handling": {"minutes": {"household": 10}, "cv": {"household": 1.5}}}, config)
    assert p.handling["household"] == (10.0, 1.5)
    assert p.handling["help"] == (4.0, 0.8)  # from the hall file
    p = parse_profile({"arrivals": {"09": 10}, "mix": {"household": 1}, "handling": {"cv": 0.3}}, config)
    assert {cv for _, cv in p.handling.values()} == {0.3}
    p = parse_profile({"arrivals": {"09": 10}, "mix": {"household": 1}, "handling": {"distribution": "exponential"}},
                      config)
    assert {cv for _, cv in p.handling.values()} == {1.0}


def test_every_problem_is_named_with_its_key(township, tmp_path):
    config, _ = township
    bad = tmp_path / "bad.toml"
    bad.write_text('''
[profile]
hall = "other"
start = "March"
[arrivals]
"25" = 3
"09" = -1
[mix]
fishing = 3
[citizens]
no_show = 1.5
colour = "red"
[staff]
windows = ["1", "99"]
[[staff.break]]
at = "25:00"
[staffing]
"09" = 9
''', encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(bad, config)
    keys = {key for _, key, _ in info.value.problems}
    assert keys >= {"profile.hall", "profile.start", "arrivals.25", "arrivals.09", "mix.fishing",
                    "citizens.no_show", "citizens.colour", "staff.windows[1]", "staff.break[0].at", "staffing"}
    assert all(f == str(bad) for f, _, _ in info.value.problems)
    assert "no such service or domain" in str(info.value)


def test_missing_file_and_broken_toml_are_reported(township, tmp_path):
    config, _ = township
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "none.toml", config)
    broken = tmp_path / "broken.toml"
    broken.write_text("[arrivals\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(broken, config)


def test_arrivals_and_mix_are_required(township):
    config, _ = township
    with pytest.raises(ProfileError) as info:
        parse_profile({}, config)
    assert {key for _, key, _ in info.value.problems} == {"arrivals", "mix"}


def test_a_tidal_window_cannot_be_staffed_all_day(county):
    config, _ = county
    with pytest.raises(ProfileError, match="tidal"):
        parse_profile({"arrivals": {"09": 10}, "mix": {"advice": 1}, "staff": {"windows": ["28"]}}, config)
