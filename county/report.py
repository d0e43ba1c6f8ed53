"""The county report as XLSX (openpyxl): the halls live, the day's comparison, 好差评 per hall
and per service. Headers in Chinese with English, one sheet each."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from county.config import CountyConfig


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list], first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r)]) + 4
        ws.column_dimensions[get_column_letter(i)].width = min(60, width)
    ws.freeze_panes = "A2"
    return ws


def workbook(config: CountyConfig, live: dict, today: dict) -> bytes:
    wb = Workbook()
    _sheet(wb, "实时 Live", ["大厅 Hall", "状态 Status", "开放窗口 Open windows", "窗口总数 Windows", "等候人数 Waiting",
                             "平均等候(分) Mean wait (min)", "最长等候(分) Longest wait (min)", "提示 Flags", "最后上报 Last heard",
                             "今日评价 Ratings today"],
           [[r.name, "正常 Normal" if r.status == "ok" else "需关注 Attention", r.windows_open, r.windows_total, r.waiting,
             r.mean_wait, r.max_wait, "；".join(r.flags), r.seen, r.rated] for r in live["rows"]], first=True)
    _sheet(wb, f"对比 {today['day']}", ["大厅 Hall", "取号 Tickets", "办结 Served", "过号 No-shows",
                                      "平均等候(分) Mean wait (min)", "最长等候(分) Longest wait (min)"],
           [[r["name"], r["tickets"], r["served"], r["no_shows"], r["mean_wait"], r["max_wait"]] for r in today["table"]])
    for key, title in (("halls", "好差评 大厅 Ratings by hall"), ("services", "好差评 事项 Ratings by service")):
        header = ["大厅 Hall"] + (["事项 Service"] if key == "services" else []) + [
            "评价数 Ratings", "平均星级 Mean stars", "好评 Good", "差评 Bad", "好评率% Good share %"]
        rows = [[r["hall_name"]] + ([r["service"]] if key == "services" else []) +
                [r["count"], r["mean_stars"], r["good"], r["bad"], r["good_share"]] for r in today["ratings"][key]]
        _sheet(wb, title[:31], header, rows)
    wb.properties.title = f"{config.name} {today['day']}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
