"""`yichuang report --config F --db F --day 2026-12-01 | --month 2026-12 [--lang en] [--out DIR]`:
a day's or a month's figures (``hall.web.figures``) as an XLSX workbook with native Excel
charts, and a PNG chart beside it. The dashboard's download gives the same workbook.

Sheets: the hall (and each day, for a month), per service, per window, per staff member.
Headings are Chinese, English with ``--lang en``. The database is only read.
"""
from __future__ import annotations

import argparse
import calendar as cal
import datetime as dt
import io
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hall.clock import HallCalendar
from hall.config import ConfigError, load_hall
from hall.web.figures import RATING_LEVELS, compute
from hall.web.snapshot import HallReader, NoDatabase


class ReportError(Exception):
    pass


COLUMNS = ("tickets", "served", "wait_mean_min", "wait_p90_min", "handling_mean_min", "no_shows", "no_show_rate",
           "transfers", "green_share", "rated", "satisfaction", *(f"rating_{k}" for k in RATING_LEVELS),
           "cases_opened", "cases_closed", "cases_on_time")
_WORDS = (  # key, 中文, English
    ("tickets", "取号数", "Tickets"), ("served", "办结数", "Served"),
    ("wait_mean_min", "平均等待（分钟）", "Mean wait (min)"), ("wait_p90_min", "90%等待（分钟）", "P90 wait (min)"),
    ("handling_mean_min", "平均办理（分钟）", "Mean handling (min)"), ("no_shows", "过号数", "No-shows"),
    ("no_show_rate", "过号率", "No-show rate"), ("transfers", "转办数", "Transfers"),
    ("green_share", "绿色通道占比", "Green channel share"), ("rated", "评价数", "Ratings"),
    ("satisfaction", "满意率", "Satisfaction"), ("rating_very_satisfied", "非常满意", "Very satisfied"),
    ("rating_satisfied", "满意", "Satisfied"), ("rating_basically_satisfied", "基本满意", "Basically satisfied"),
    ("rating_dissatisfied", "不满意", "Dissatisfied"), ("rating_very_dissatisfied", "非常不满意", "Very dissatisfied"),
    ("cases_opened", "差评立案", "Cases opened"), ("cases_closed", "差评办结", "Cases closed"),
    ("cases_on_time", "按期办结", "Closed on time"),
    ("hall", "全厅", "Whole hall"), ("day", "日期", "Day"), ("service", "业务", "Service"),
    ("window", "窗口", "Window"), ("staff", "工作人员", "Staff"),
    ("sheet_hall", "总览", "Hall"), ("sheet_service", "按业务", "Services"), ("sheet_window", "按窗口", "Windows"),
    ("sheet_staff", "按人员", "Staff"), ("title", "{hall} 办件统计 {period}", "{hall} service figures {period}"),
    ("chart_service", "各业务取号与办结", "Tickets and served by service"),
    ("chart_days", "每日取号与办结", "Tickets and served by day"),
    ("chart_wait", "各业务等待时间（分钟）", "Wait by service (min)"),
    ("notes", "口径：等待=取号至首次叫号；办理=开始（或叫号）至办结；过号率=过号次数/首次叫号数；"
              "窗口与人员的取号数=首次叫号数；90%等待为最近秩法；满意率=（非常满意+满意）/评价数。",
     "Wait = issue to first call; handling = start (or call) to finish; no-show rate = no-shows / first calls; "
     "a window's or staff member's tickets = their first calls; P90 by nearest rank; "
     "satisfaction = (very satisfied + satisfied) / ratings."),
)
HEAD = {"zh": {k: zh for k, zh, _ in _WORDS}, "en": {k: en for k, _, en in _WORDS}}
PERCENT = ("no_show_rate", "green_share", "satisfaction")


def period_of(day: str | None, month: str | None, today: str | None = None) -> tuple[str, str, str]:
    """(first day, last day, label) for ``--day`` or ``--month``; ReportError if neither is a date."""
    if day and month:
        raise ReportError("give --day or --month, not both")
    try:
        if month:
            first = dt.date.fromisoformat(month + "-01")
            last = first.replace(day=cal.monthrange(first.year, first.month)[1])
            return first.isoformat(), last.isoformat(), month
        d = dt.date.fromisoformat(day or today or "")
        return d.isoformat(), d.isoformat(), d.isoformat()
    except ValueError:
        raise ReportError(f"not a date: {day or month!r} (use YYYY-MM-DD or YYYY-MM)") from None


def _values(row: dict) -> list:
    out = []
    for c in COLUMNS:
        out.append(row["ratings"].get(c[7:], 0) if c.startswith("rating_") else row[c])
    return out


def figures(config, reader, period: tuple[str, str, str]):
    first, last, _ = period
    events = reader.events(first, last)
    return compute(events, lambda ts: HallCalendar(config).local(ts).hour), events


def _sheet(wb, title: str, key_head: str, rows: list[tuple[str, dict]], h: dict, first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.append([h[key_head], *(h[c] for c in COLUMNS)])
    for name, row in rows:
        ws.append([name, *_values(row)])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F2")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.column_dimensions["A"].width = 34
    for i, c in enumerate(COLUMNS, start=2):
        ws.column_dimensions[get_column_letter(i)].width = 13
        if c in PERCENT:
            for r in range(2, len(rows) + 2):
                ws.cell(r, i).number_format = "0.0%"
    ws.freeze_panes = "B2"
    return ws


def _bars(ws, n: int, title: str, cols: tuple[int, ...], anchor: str, y_title: str = "") -> None:
    if n == 0:
        return
    chart = BarChart()
    chart.title, chart.y_axis.title = title, y_title
    chart.height, chart.width = 9, 22
    for col in cols:
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=n + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    ws.add_chart(chart, anchor)


def workbook(config, f, period, lang: str = "zh", names: bool = True) -> Workbook:
    h = HEAD[lang]
    col = {c: i for i, c in enumerate(COLUMNS, start=2)}
    wb = Workbook()
    hall_name = (config.name_en or config.name) if lang == "en" else config.name
    days = sorted(f.days.items())
    ws = _sheet(wb, h["sheet_hall"], "day", [(h["hall"], f.hall.row())] + [(d, t.row()) for d, t in days], h,
                first=True)
    ws.insert_rows(1, 2)
    ws["A1"] = h["title"].format(hall=hall_name, period=period[2])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = h["notes"]
    if len(days) > 1:
        chart = LineChart()
        chart.title, chart.height, chart.width = h["chart_days"], 9, 22
        for c in ("tickets", "served"):
            chart.add_data(Reference(ws, min_col=col[c], min_row=3, max_row=len(days) + 4), titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=len(days) + 4))
        ws.add_chart(chart, f"A{len(days) + 7}")

    def svc_name(code):
        s = config.services.get(code)
        return ((s.name_en or s.name) if lang == "en" else s.name) if s else code

    def win_name(wid):
        w = config.windows.get(wid)
        return ((w.name_en or w.name) if lang == "en" else w.name) if w else wid

    def staff_name(number):
        s = config.staff.get(number)
        return f"{s.name} ({number})" if s and names else number

    order = list(config.services)
    services = sorted(f.services.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    ws = _sheet(wb, h["sheet_service"], "service", [(svc_name(k), t.row()) for k, t in services], h)
    _bars(ws, len(services), h["chart_service"], (col["tickets"], col["served"]), f"A{len(services) + 4}")
    _bars(ws, len(services), h["chart_wait"], (col["wait_mean_min"], col["wait_p90_min"]), f"M{len(services) + 4}")
    worder = list(config.windows)
    windows = sorted(f.windows.items(), key=lambda kv: worder.index(kv[0]) if kv[0] in worder else len(worder))
    ws = _sheet(wb, h["sheet_window"], "window", [(win_name(k), t.row()) for k, t in windows], h)
    _bars(ws, len(windows), h["sheet_window"], (col["tickets"], col["served"]), f"A{len(windows) + 4}")
    staff = sorted(f.staff.items())
    ws = _sheet(wb, h["sheet_staff"], "staff", [(staff_name(k), t.row()) for k, t in staff], h)
    _bars(ws, len(staff), h["sheet_staff"], (col["served"],), f"A{len(staff) + 4}")
    return wb


def build(config, reader, period, lang: str = "zh", names: bool = True) -> tuple[bytes, str]:
    """(the workbook's bytes, a file name) for ``period``."""
    try:
        f, _ = figures(config, reader, period)
    except NoDatabase as err:
        raise ReportError(str(err)) from None
    buf = io.BytesIO()
    workbook(config, f, period, lang, names).save(buf)
    return buf.getvalue(), f"yichuang-{config.id}-{period[2]}.xlsx"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="yichuang report", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="hall file")
    p.add_argument("--db", required=True, help="the hall database (read only)")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--day", help="a hall day, YYYY-MM-DD")
    when.add_argument("--month", help="a month, YYYY-MM")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--out", default=".", help="folder for the .xlsx and the .png (default: here)")
    args = p.parse_args(argv)
    try:
        config = load_hall(args.config)
        period = period_of(args.day, args.month)
        if not Path(args.db).exists():
            raise ReportError(f"{args.db}: no such database")
        reader = HallReader(args.db, config)
        f, _ = figures(config, reader, period)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except (ReportError, NoDatabase) as err:
        print(f"yichuang report: {err}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"yichuang-{config.id}-{period[2]}"
    workbook(config, f, period, args.lang).save(f"{stem}.xlsx")
    from hall.web.report_chart import draw
    draw(config, f, period, f"{stem}.png", args.lang)
    row = f.hall.row()
    print(f"{stem}.xlsx\n{stem}.png\n{period[2]}: {row['tickets']} tickets, {row['served']} served, "
          f"mean wait {row['wait_mean_min']} min, p90 {row['wait_p90_min']} min")
    return 0
