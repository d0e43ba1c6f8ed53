"""The report's PNG: tickets and served per service, and their mean and p90 waits (matplotlib, Agg)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

from hall.simulation.chart import _cjk_font  # noqa: E402

TEXT = {
    "zh": {"title": "{hall} {period}", "tickets": "取号", "served": "办结", "count": "件数",
           "mean": "平均等待", "p90": "90%等待", "minutes": "分钟"},
    "en": {"title": "{hall} {period}", "tickets": "tickets", "served": "served", "count": "tickets",
           "mean": "mean wait", "p90": "p90 wait", "minutes": "minutes"},
}


def draw(config, f, period, path: str | Path, lang: str = "zh") -> Path:
    font = _cjk_font()
    if font is None:
        lang = "en"
    t = TEXT[lang]
    codes = [c for c in config.services if c in f.services] + [c for c in f.services if c not in config.services]
    rows = [f.services[c].row() for c in codes]
    def label(code: str) -> str:
        svc = config.services.get(code)
        if svc is None:
            return code
        name = (svc.name_en or svc.name) if lang == "en" else svc.name
        return f"{svc.prefix}\n{name[:6] if lang == 'zh' else name[:12]}"

    labels = [label(c) for c in codes]
    style = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context({**style, "axes.unicode_minus": False}):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), dpi=110, sharex=True)
        x = range(len(codes))
        top.bar([i - 0.2 for i in x], [r["tickets"] for r in rows], 0.4, color="#1f5fa8", label=t["tickets"])
        top.bar([i + 0.2 for i in x], [r["served"] for r in rows], 0.4, color="#2e7d32", label=t["served"])
        top.set_ylabel(t["count"])
        top.legend(loc="upper right")
        hall = (config.name_en or config.name) if lang == "en" else config.name
        top.set_title(t["title"].format(hall=hall, period=period[2]))
        bottom.bar([i - 0.2 for i in x], [r["wait_mean_min"] or 0 for r in rows], 0.4, color="#b45309", label=t["mean"])
        bottom.bar([i + 0.2 for i in x], [r["wait_p90_min"] or 0 for r in rows], 0.4, color="#9b1c1c", label=t["p90"])
        bottom.set_ylabel(t["minutes"])
        bottom.legend(loc="upper right")
        bottom.set_xticks(list(x), labels, fontsize=8 if len(codes) > 12 else 10)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return Path(path)
