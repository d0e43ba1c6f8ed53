"""`yichuang simulate` end to end: the report, the files beside it, planning, bad input."""
from __future__ import annotations

import io
from pathlib import Path

from matplotlib import image

from hall import cli
from hall.simulation.main import main
from hall.simulation.progress import Progress

ROOT = Path(__file__).resolve().parents[2]
TOWNSHIP = str(ROOT / "config" / "halls" / "township.toml")


def test_report_text_and_chart_are_written(tmp_path, capsys):
    stem = tmp_path / "out" / "town"
    assert cli.main(["simulate", "--config", TOWNSHIP, "--days", "2", "--seed", "3", "--out", str(stem),
                     "--quiet"]) == 0
    printed = capsys.readouterr().out
    text = (tmp_path / "out" / "town.txt").read_text(encoding="utf-8")
    assert text in printed
    for heading in ("时段", "平均等候", "P90等候", "排队人数", "利用率", "过号", "全天合计", "均方根误差", "±5分钟内",
                    "常用公式", "Erlang C"):
        assert heading in text
    png = image.imread(tmp_path / "out" / "town.png")
    assert png.shape[0] > 500 and png.shape[1] > 800
    assert png[..., :3].std() > 0.05  # something was drawn


def test_same_seed_same_report_and_english_on_request(tmp_path, capsys):
    args = ["--config", TOWNSHIP, "--days", "2", "--seed", "9", "--no-chart", "--quiet", "--lang", "en"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    a, b = (tmp_path / "a.txt").read_text(encoding="utf-8"), (tmp_path / "b.txt").read_text(encoding="utf-8")
    assert a == b and "mean wait" in a and "RMSE" in a
    assert not (tmp_path / "a.png").exists()


def test_planning_proposes_windows_per_hour_and_shows_that_day(tmp_path, capsys):
    assert main(["--config", TOWNSHIP, "--days", "3", "--target-p90", "20", "--out", str(tmp_path / "p"),
                 "--quiet"]) == 0
    text = (tmp_path / "p.txt").read_text(encoding="utf-8")
    assert "开窗计划" in text and "[staffing]" in text and '"09" = ' in text
    assert text.index("[staffing]") < text.index("全天合计")  # the plan, then the day run that way


def test_bad_input_is_refused_clearly(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "none.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
    profile = tmp_path / "p.toml"
    profile.write_text('[arrivals]\n"09" = 5\n[mix]\nfishing = 1\n', encoding="utf-8")
    assert main(["--config", TOWNSHIP, "--profile", str(profile)]) == 2
    assert "mix.fishing" in capsys.readouterr().err
    assert main(["--config", TOWNSHIP, "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err
    assert main(["--config", TOWNSHIP, "--target-p90", "-3"]) == 2


def test_progress_bar_appears_only_after_a_moment():
    ticks = iter([0.0, 0.1, 2.0, 2.5, 3.0])
    out = io.StringIO()
    bar = Progress(3, "simulate", stream=out, after=1.0, width=10, clock=lambda: next(ticks))
    bar.step()
    assert out.getvalue() == ""  # 0.1 s: too soon to bother
    bar.step()
    bar.step()
    bar.done()
    assert out.getvalue() == ("\rsimulate [#######---] 2/3 2.0s\rsimulate [##########] 3/3 2.5s"
                              "\rsimulate [##########] 3/3 3.0s\n")
    quick = io.StringIO()
    bar = Progress(3, "simulate", stream=quick, after=1.0, clock=lambda: 0.0)
    bar.step()
    bar.done()
    assert quick.getvalue() == ""


def test_progress_bar_of_a_run_that_ends_sooner_than_foreseen_ends_full():
    ticks = iter([0.0, 1.0, 2.0])
    out = io.StringIO()
    bar = Progress(10, "plan", stream=out, after=0.0, width=10, clock=lambda: next(ticks))
    bar.step()
    bar.done()
    assert out.getvalue() == "\rplan [#---------] 1/10 1.0s\rplan [##########] 10/10 2.0s\n"
