"""The simulation's picture: waits and the waiting line by hour (PNG, matplotlib's Agg backend).

Top: mean and 90th-percentile wait per hour of issue, the Erlang C mean wait for the same
load and windows, and the planning target if there is one. Bottom: the mean number waiting
and the windows open. Chinese labels use a CJK font when one is installed (WenQuanYi Micro
Hei or Noto Sans CJK); without one the labels fall back to English.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from hall.simulation.report import Summary  # noqa: E402

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
TEXT = {
    "zh": {"wait": "等候（分钟）", "mean": "平均等候", "p90": "P90等候", "erlang": "Erlang C（单一队列）",
           "target": "目标", "queue": "平均排队人数", "windows": "开放窗口", "hour": "时段",
           "title": "{hall}：{profile}（{days}天）"},
    "en": {"wait": "wait (minutes)", "mean": "mean wait", "p90": "p90 wait", "erlang": "Erlang C (pooled)",
           "target": "target", "queue": "mean number waiting", "windows": "windows open", "hour": "hour",
           "title": "{hall}: {profile} ({days} days)"},
}


def _cjk_font() -> str | None:
    for path in CJK_FONTS:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def draw(summary: Summary, path: str | Path, lang: str = "zh", target: float | None = None) -> Path:
    """Write the chart of ``summary`` to ``path`` (PNG) and return the path."""
    font = _cjk_font()  # hall and profile names are Chinese in either language
    if font is None:
        lang = "en"
    t = TEXT[lang]
    rows = [r for r in summary.hours if r.arrivals > 0 or r.queue > 0.05]
    hours = [r.hour for r in rows]
    labels = [f"{h:02d}" for h in hours]
    style = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context({**style, "axes.unicode_minus": False}):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, dpi=110,
                                          gridspec_kw={"height_ratios": [3, 2]})
        x = range(len(hours))
        top.bar(x, [r.mean_wait or 0 for r in rows], color="#4c78a8", width=0.6, label=t["mean"])
        top.plot(x, [r.p90_wait if r.p90_wait is not None else float("nan") for r in rows], "o-",
                 color="#e45756", label=t["p90"])
        erl = [r.erlang if r.erlang is not None else float("nan") for r in rows]
        top.plot(x, erl, "D", color="#54a24b", markersize=6, label=t["erlang"])
        if target is not None:
            top.axhline(target, color="#888888", linestyle="--", linewidth=1, label=f"{t['target']} {target:g}")
        top.set_ylabel(t["wait"])
        top.grid(axis="y", alpha=0.3)
        top.legend(loc="upper right", fontsize=8)
        top.set_title(t["title"].format(hall=summary.hall, profile=summary.profile, days=summary.days))

        bottom.bar(x, [r.queue for r in rows], color="#72b7b2", width=0.6, label=t["queue"])
        bottom.set_ylabel(t["queue"])
        bottom.grid(axis="y", alpha=0.3)
        twin = bottom.twinx()
        twin.step(list(x), [r.windows for r in rows], where="mid", color="#f58518", linewidth=2, label=t["windows"])
        twin.set_ylabel(t["windows"])
        twin.set_ylim(0, max([r.windows for r in rows] + [1]) * 1.2)
        handles = bottom.get_legend_handles_labels()
        extra = twin.get_legend_handles_labels()
        bottom.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper right", fontsize=8)
        bottom.set_xticks(list(x), labels)
        bottom.set_xlabel(t["hour"])
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, format="png")
        plt.close(fig)
    return path
