"""`yichuang ratings export` and `yichuang cases` (list, show) on a real database, as processes."""
from __future__ import annotations

import json
import re
import subprocess
import sys

from hall.rating_phone import seal
from tests.rating.conftest import ROOT, RatingHall, township_with

DOC = (ROOT / "docs" / "ratings-export.md").read_text(encoding="utf-8")


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall.cli", *args], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, env=env)


def a_day(tmp_path, hall_key) -> RatingHall:
    """2026-11-26 (a Thursday): a 差评 with a phone, a good rating, a 未评价; the case verified."""
    h = RatingHall(tmp_path / "hall.db", township_with())
    h.at("10:00", day="2026-11-26")
    bad = h.serve("3")
    h.ok("rate", window="3", number=bad, level="dissatisfied", reasons=["long_wait"],
         phone=seal(hall_key, "13812345678"))
    h.ok("case_step", case=1, step="verify", verdict="true", note="属实", by="张主任")
    good = h.later(30).serve("1")
    h.ok("rate", window="1", number=good, level="very_satisfied")
    h.later(30).serve("2")
    h.later(120).ok("tick")
    h.store.close()
    return h


def test_export_writes_the_documented_lines(tmp_path, hall_key):
    h = a_day(tmp_path, hall_key)
    config = tmp_path / "hall.toml"
    config.write_text((ROOT / "config" / "halls" / "township.toml").read_text())
    out = run("ratings", "export", "--config", str(config), "--db", str(h.path), "--day", "2026-11-26")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["level"] for x in lines] == ["dissatisfied", "very_satisfied", "unrated"]
    assert "ratings export: 3 ratings of 2026-11-26" in out.stderr
    documented = set(re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \|", DOC, re.M))
    keys = {k for pair in documented for k in pair if k}
    example = json.loads(re.search(r"```json example=export\n(.*?)```", DOC, re.S).group(1))
    for line in lines:
        assert set(line) == set(example) and set(line) <= keys
    bad, good, unrated = lines
    assert set(bad["follow_up"]) == set(example["follow_up"]) <= keys
    assert bad["follow_up"]["status"] == "verified" and bad["follow_up"]["steps"][0]["by"] == "张主任"
    assert bad["phone_masked"] == "138****5678" and bad["named"] is True and "13812345678" not in out.stdout
    assert bad["staff_name"] == "王芳" and bad["channel_name"] == "评价器" and bad["stars"] == 2
    assert good["follow_up"] is None and good["stars"] == 5
    assert unrated["stars"] == 0 and unrated["level_name"] == "未评价"
    # to a file, marked reported; the next export says so
    target = tmp_path / "day.jsonl"
    out = run("ratings", "export", "--config", str(config), "--db", str(h.path), "--day", "2026-11-26",
              "--out", str(target), "--mark-reported")
    assert out.returncode == 0 and len(target.read_text().splitlines()) == 3
    again = run("ratings", "export", "--config", str(config), "--db", str(h.path), "--day", "2026-11-26")
    assert all(json.loads(x)["reported"] for x in again.stdout.splitlines())
    other = run("ratings", "export", "--config", str(config), "--db", str(h.path), "--day", "2026-11-27")
    assert other.returncode == 0 and other.stdout == ""
    bad_day = run("ratings", "export", "--config", str(config), "--db", str(h.path), "--day", "26/11")
    assert bad_day.returncode == 2 and "is not a date" in bad_day.stderr


def test_cases_list_and_show(tmp_path, hall_key):
    h = a_day(tmp_path, hall_key)
    config = tmp_path / "hall.toml"
    config.write_text((ROOT / "config" / "halls" / "township.toml").read_text())
    listed = run("cases", "--config", str(config), "--db", str(h.path))
    assert listed.returncode == 0, listed.stderr
    (line,) = [x for x in listed.stdout.splitlines() if x.strip().startswith("1 ")]
    assert "已核实" in line and "期限2026-12-17" in line and "等候时间长" in line and "138****5678" in line
    shown = run("cases", "--config", str(config), "--db", str(h.path), "show", "1")
    assert "核实（属实）  张主任：属实" in shown.stdout and "下一步：整改" in shown.stdout
    assert "13812345678" not in shown.stdout
    missing = run("cases", "--config", str(config), "--db", str(tmp_path / "nope.db"))
    assert missing.returncode == 2 and "no such database" in missing.stderr
    no_case = run("cases", "--config", str(config), "--db", str(h.path), "show", "9")
    assert no_case.returncode == 1 and "没有编号为9的差评案件" in no_case.stderr
    nobroker = run("cases", "--config", str(config), "--db", str(h.path), "move", "1", "--step", "rectify",
                   "--note", "x", "--by", "y", "--broker", "mqtt://127.0.0.1:9", "--timeout", "2")
    assert nobroker.returncode == 3 and "案件未处置" in nobroker.stderr
