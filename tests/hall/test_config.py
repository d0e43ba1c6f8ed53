"""Hall files: the examples load; every mistake names the file, the key and what is wrong."""
from __future__ import annotations

import subprocess
import sys

import pytest

from hall.config import ConfigError, load_hall
from tests.hall.conftest import COUNTY, ROOT, TOWNSHIP


def test_township_example(township):
    assert township.name == "斑竹园镇便民服务中心"
    assert [w.kind for w in township.windows.values()].count("comprehensive") == 3
    assert township.windows["1"].primary == ("social_insurance", "civil_affairs", "household", "veterans")
    assert township.hours.as_text() == [["09:00", "12:00"], ["13:30", "17:30"]]


def test_county_example():
    county = load_hall(COUNTY)
    kinds = [w.kind for w in county.windows.values()]
    assert len(county.windows) == 30 and 35 <= len(county.services) <= 45
    for kind in ("high_frequency", "help", "complaints", "output", "seasonal"):
        assert kind in kinds
    assert kinds.count("tidal") == 2
    assert county.windows["28"].tidal.waiting_over == 15
    assert county.windows["30"].season == ("09-01", "12-31")
    # domain skills resolve to service codes; secondary never repeats a primary
    w1 = county.windows["1"]
    assert "pension_enroll" in w1.primary and "medical_enroll" in w1.secondary
    assert all(s.materials or s.domain in ("帮办", "投诉", "市场监管") for s in county.services.values())


def _broken(tmp_path, text):
    src = TOWNSHIP.read_text(encoding="utf-8") + text
    path = tmp_path / "broken.toml"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hall(path)
    return [(k, m) for _, k, m in info.value.problems], str(path)


def test_unknown_key(tmp_path):
    problems, _ = _broken(tmp_path, '\n[[window]]\nid = "5"\nkind = "comprehensive"\nprimary = ["*"]\ncolour = "red"\n')
    assert ("window[4].colour", problems[0][1]) == problems[0] and problems[0][1].startswith("unknown key")


def test_window_serving_a_service_that_does_not_exist(tmp_path):
    problems, _ = _broken(tmp_path, '\n[[window]]\nid = "5"\nkind = "comprehensive"\nprimary = ["passports"]\n')
    assert problems == [("window[4].primary[0]", "no service or domain 'passports'")]


def test_overlapping_hours(tmp_path):
    text = TOWNSHIP.read_text(encoding="utf-8").replace('["13:30", "17:30"]', '["11:30", "17:30"]')
    path = tmp_path / "h.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hall(path)
    assert info.value.problems == [(str(path), "hall.hours[1]", "overlaps hall.hours[0] (09:00-12:00)")]


def test_duplicate_prefix_and_more_at_once(tmp_path):
    problems, _ = _broken(tmp_path, (
        '\n[[service]]\ncode = "tax"\nname = "税务"\nprefix = "A"\ndomain = "税务"\nhandling_minutes = "ten"\n'
        '\n[[window]]\nid = "1"\nkind = "tidal"\nprimary = ["tax"]\n'))
    assert ("service[5].prefix", "duplicate prefix 'A' (also service 'social_insurance')") in problems
    assert ("service[5].handling_minutes", "must be float, not str") in problems
    assert ("window[4].id", "duplicate window id '1'") in problems
    assert ("window[4].tidal", "a tidal window needs a [window.tidal] trigger") in problems


def test_cli_check_prints_a_summary_or_the_problems(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "hall.cli", "config", "check", str(TOWNSHIP)],
                        capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0 and "斑竹园镇便民服务中心" in ok.stdout and "4 windows" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[hall]\nid = "x"\nname = "x"\nhours = [["9:00", "8:00"]]\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "hall.cli", "config", "check", str(bad)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1
    assert f"{bad}: hall.hours[0]: starts at 9:00 but ends at 8:00" in out.stderr
    assert f"{bad}: service: is required" in out.stderr
