"""What the simulated days add up to: per hour, the day's totals, the accuracy of the
engine's wait estimates against the real waits, and the Erlang C floor; and the text a hall
manager reads (Chinese by default, English with ``lang="en"``).

Waits are in minutes. A ticket's real wait is first_called_at − issued_at, as the engine
recorded it; the estimate is what the engine told the citizen at issue.
"""
from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from hall.config import HallConfig
from hall.simulation import erlang
from hall.simulation.model import DayResult, TicketRecord
from hall.simulation.profile import Profile

# An hour is steady (fit for Erlang C) when the hall is open all of it and all the hour before,
# the profile's arrival rate moved by at most this share since the hour before, and the
# measured load is below capacity in both.
STEADY_RATE_CHANGE = 0.25


@dataclass
class HourRow:
    hour: int
    arrivals: float  # tickets issued per day
    refused: float  # refused attempts per day
    windows: float  # windows open (staffed, not paused), time-averaged
    mean_wait: float | None
    p90_wait: float | None
    queue: float  # mean number waiting
    utilisation: float | None
    no_shows: float  # per day
    erlang: float | None  # Erlang C mean wait at this hour's load and windows
    rho: float | None
    split: float | None = None  # Erlang C with the hall split into its pools (by primary skill)
    steady: bool = False


@dataclass
class Accuracy:
    """Errors (estimate − real wait, minutes) of three estimates told on the same tickets."""

    n: int
    rmse: dict[str, float | None]  # by estimator: "engine", "common"
    within5: dict[str, float | None]  # share within ±5 minutes
    bias: dict[str, float | None]  # mean error

    def ratio(self, name: str) -> float | None:
        """RMSE of ``name`` ÷ RMSE of the common formula (below 1: better than the common formula)."""
        ours, theirs = self.rmse.get(name), self.rmse.get("common")
        return None if not theirs or ours is None else ours / theirs


ESTIMATORS = ("engine", "common")


@dataclass
class Floor:
    """Simulated mean wait against the Erlang C floor over the steady hours."""

    hours: tuple[int, ...]
    simulated: float | None
    ci: float | None  # half-width of the 95 % interval of the simulated mean (days as replications)
    erlang: float | None
    allen_cunneen: float | None  # Erlang C × (1 + cs²) / 2 for the handling times' spread
    split: float | None = None  # Erlang C over the hall's separate pools, all steady hours at once

    @property
    def ratio(self) -> float | None:
        return None if not self.erlang or self.simulated is None else self.simulated / self.erlang

    @property
    def split_ratio(self) -> float | None:
        return None if not self.split or self.simulated is None else self.simulated / self.split


@dataclass
class Summary:
    hall: str
    profile: str
    days: int
    seed: object
    hours: list[HourRow]
    totals: dict
    accuracy: Accuracy
    floor: Floor
    handling_minutes: float  # mean work per ticket
    day_means: list[float] = field(default_factory=list)
    pools: int = 1  # queues the hall splits into by primary skill


def pools(config: HallConfig, services, windows) -> list[tuple[set[str], set[str]]]:
    """The hall split into pools: of ``windows``, those that share a primary service are one pool, with
    the services they hold as primary; a service no window holds as primary goes to the
    pool of a window that holds it as secondary. (Secondary skills across pools are
    ignored: this is the hall as separate queues, not a bound.)"""
    windows = [w for w in config.windows if w in set(windows)]
    parent = {wid: wid for wid in windows}

    def root(w):
        while parent[w] != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    owner: dict[str, str] = {}
    for wid in windows:
        for code in config.windows[wid].primary:
            if code in owner:
                parent[root(wid)] = root(owner[code])
            else:
                owner[code] = wid
    for code in services:
        if code not in owner:
            holder = next((wid for wid in windows if code in config.windows[wid].secondary), None)
            if holder is not None:
                owner[code] = holder
    groups: dict[str, tuple[set[str], set[str]]] = {}
    for wid in windows:
        groups.setdefault(root(wid), (set(), set()))[0].add(wid)
    for code in services:
        if code in owner:
            groups[root(owner[code])][1].add(code)
    return [g for g in groups.values() if g[1]]


def _split_wait(hall_pools, tickets, stats, span: float, work: dict[str, float]) -> float | None:
    """Arrival-weighted Erlang C mean wait with each pool its own queue, over ``span``
    window-independent hours (the hour-days the tickets and ``stats`` cover)."""
    total, weighted = 0, 0.0
    for windows, services in hall_pools:
        mine = [t for t in tickets if t.service in services]
        if not mine:
            continue
        open_s = sum(s.open_by_window.get(w, 0.0) for s in stats if s for w in windows)
        s_mean = erlang.mean([work[t.service] for t in mine])
        wq = erlang.wait_mean(len(mine) / span / 60.0, s_mean, open_s / 3600.0 / span) if open_s else None
        if wq is None:
            return None
        total += len(mine)
        weighted += len(mine) * wq
    return weighted / total if total else None


def _minutes(values) -> list[float]:
    return [v / 60.0 for v in values]


def summarise(config: HallConfig, profile: Profile, results: list[DayResult], seed=None) -> Summary:
    n = max(1, len(results))
    tickets = [t for r in results for t in r.tickets]
    works = [t.work / 60.0 for t in tickets]
    s_mean = erlang.mean(works) or profile.mean_handling_minutes()
    s_cv = (math.sqrt(sum((w - s_mean) ** 2 for w in works) / len(works)) / s_mean) if len(works) > 1 else 1.0

    by_hour: dict[int, list[TicketRecord]] = {}
    for t in tickets:
        by_hour.setdefault(t.hour, []).append(t)
    hours_seen = set(by_hour)
    for r in results:
        hours_seen |= {h for h, s in r.hours.items() if s.open_time > 0 or s.queue_area > 0}
    open_hours = set(results[0].open_hours) if results else set()
    tidal = [w for w, win in config.windows.items() if win.kind == "tidal"]
    hall_pools = pools(config, profile.mix, [*profile.windows, *tidal])
    per_service: dict[str, list[float]] = {}
    for t in tickets:
        per_service.setdefault(t.service, []).append(t.work / 60.0)
    work = {code: sum(v) / len(v) for code, v in per_service.items()}

    rows = []
    for h in sorted(hours_seen):
        ts = by_hour.get(h, [])
        waits = _minutes(t.wait for t in ts if t.wait is not None)
        stats = [r.hours.get(h) for r in results]
        open_time = sum(s.open_time for s in stats if s)
        busy = sum(s.busy_time for s in stats if s)
        windows = open_time / 3600.0 / n
        rate = len(ts) / n / 60.0  # per minute
        wq = erlang.wait_mean(rate, s_mean, windows) if windows > 0 and rate > 0 else None
        rows.append(HourRow(
            hour=h, arrivals=len(ts) / n, refused=sum(r.refused_by_hour.get(h, 0) for r in results) / n,
            windows=windows, mean_wait=erlang.mean(waits), p90_wait=erlang.percentile(waits, 0.9),
            queue=sum(s.queue_area for s in stats if s) / 3600.0 / n,
            utilisation=busy / open_time if open_time else None,
            no_shows=sum(s.no_shows for s in stats if s) / n, erlang=wq,
            rho=rate * s_mean / windows if windows > 0 else None,
            split=_split_wait(hall_pools, ts, stats, n, work) if ts else None,
        ))
    expected = profile.arrivals
    prev = None
    for row in rows:
        was, now = expected.get(row.hour - 1, 0.0), expected.get(row.hour, 0.0)
        row.steady = bool(
            prev is not None and row.hour in open_hours and prev.hour == row.hour - 1 and prev.hour in open_hours
            and row.erlang is not None and row.rho < 0.95 and prev.rho is not None and prev.rho < 1.0
            and was > 0 and abs(now - was) <= STEADY_RATE_CHANGE * was
        )
        prev = row
    steady = tuple(r.hour for r in rows if r.steady)
    floor = _floor(results, rows, steady, s_cv)
    if steady:  # the pools over all steady hours at once: single-window pools are too noisy hour by hour
        floor.split = _split_wait(hall_pools, [t for t in tickets if t.hour in steady],
                                  [r.hours.get(h) for r in results for h in steady], n * len(steady), work)
    day_means = [m for r in results if (m := erlang.mean(_minutes(t.wait for t in r.tickets if t.wait is not None)))
                 is not None]
    return Summary(
        hall=config.name, profile=profile.name, days=len(results), seed=seed, hours=rows,
        totals=_totals(results), accuracy=accuracy(tickets), floor=floor, handling_minutes=s_mean,
        day_means=day_means, pools=len(hall_pools),
    )


def _floor(results, rows, steady, s_cv) -> Floor:
    if not steady:
        return Floor((), None, None, None, None)
    per_day = []
    for r in results:
        waits = [t.wait / 60.0 for t in r.tickets if t.hour in steady and t.wait is not None]
        if waits:
            per_day.append(sum(waits) / len(waits))
    waits = [t.wait / 60.0 for r in results for t in r.tickets if t.hour in steady and t.wait is not None]
    chosen = [row for row in rows if row.steady]
    weight = sum(row.arrivals for row in chosen)
    wq = sum(row.arrivals * row.erlang for row in chosen) / weight if weight else None
    ci = erlang.mean_ci(per_day)
    return Floor(steady, erlang.mean(waits), ci[1] if ci else None, wq, erlang.allen_cunneen(wq, 1.0, s_cv))


def accuracy(tickets: list[TicketRecord]) -> Accuracy:
    """The engine's recorded estimate (queueing.predict_wait) and the common formula, each
    against the real wait, on the tickets that were called and have both."""
    rows = [t for t in tickets if t.wait is not None and None not in (t.estimate, t.common)]
    errors = {
        "engine": [(t.estimate - t.wait) / 60.0 for t in rows],
        "common": [(t.common - t.wait) / 60.0 for t in rows],
    }

    def within(e):
        return sum(1 for x in e if abs(x) <= 5.0) / len(e) if e else None

    return Accuracy(len(rows), {k: erlang.rmse(e) for k, e in errors.items()},
                    {k: within(e) for k, e in errors.items()}, {k: erlang.mean(e) for k, e in errors.items()})


def _totals(results: list[DayResult]) -> dict:
    n = max(1, len(results))
    tickets = [t for r in results for t in r.tickets]
    waits = [t.wait / 60.0 for t in tickets if t.wait is not None]
    refusals = Counter()
    for r in results:
        refusals.update(r.refusals)
    ci = erlang.mean_ci([m for r in results if (m := erlang.mean([t.wait / 60.0 for t in r.tickets
                                                                  if t.wait is not None])) is not None])
    return {
        "tickets": len(tickets) / n,
        "served": len(waits) / n,
        "unserved": sum(1 for t in tickets if t.wait is None) / n,
        "refused_hours": refusals.get("outside_hours", 0) / n,
        "refused_quota": refusals.get("quota_reached", 0) / n,
        "refused_other": sum(v for k, v in refusals.items() if k not in ("outside_hours", "quota_reached")) / n,
        "no_shows": sum(s.no_shows for r in results for s in r.hours.values()) / n,
        "transfers": sum(r.transfers for r in results) / n,
        "green": sum(1 for t in tickets if t.priority == "green") / n,
        "mean_wait": erlang.mean(waits),
        "mean_wait_ci": ci[1] if ci else None,
        "p90_wait": erlang.percentile(waits, 0.9),
        "max_wait": max(waits) if waits else None,
        "within15": sum(1 for w in waits if w <= 15.0) / len(waits) if waits else None,
        "tidal_alerts": sum(s.tidal_alerts for r in results for s in r.hours.values()) / n,
        "tidal_opened": sum(r.tidal_opened for r in results) / n,
        "tidal_unstaffed": sum(r.tidal_unstaffed for r in results) / n,
        "commands": sum(r.commands for r in results) / n,
    }


# ---------------------------------------------------------------------- text

LABELS = {
    "zh": {
        "title": "{hall}　仿真：{profile}（{days}天，种子{seed}）",
        "cols": ("时段", "取号", "拒绝", "开窗", "平均等候", "P90等候", "排队人数", "利用率", "过号", "ErlangC"),
        "steady_note": "* 平稳时段（用于与Erlang C比较）；等候单位：分钟；每日平均",
        "totals": "全天合计（每日平均）",
        "tickets": "取号", "served": "已叫号", "unserved": "未叫到", "refused_hours": "非办理时间拒绝",
        "refused_quota": "号源已满拒绝", "refused_other": "其他拒绝", "no_shows": "过号", "transfers": "转办",
        "green": "绿色通道", "mean_wait": "平均等候", "p90_wait": "P90等候", "max_wait": "最长等候",
        "within15": "15分钟内叫号", "tidal": "潮汐窗口：告警{a}次，开启{o}次，无人可派{u}次",
        "accuracy": "预计等候的准确度（{n}张号）", "acc_cols": ("", "均方根误差", "±5分钟内", "平均偏差", "比常用公式"),
        "engine": "本系统（推演预测）", "common": "常用公式", "floor": "与排队论下限比较（平稳时段{hours}）",
        "floor_none": "与排队论下限比较：没有平稳时段",
        "sim": "仿真平均等候", "erlang": "Erlang C（单一队列）", "ac": "Allen–Cunneen（处理时间离散度）",
        "split": "Erlang C（按主办事项分成{n}个队列）",
        "ratio": "比值", "handling": "每张号平均办理 {s:.1f} 分钟",
    },
    "en": {
        "title": "{hall} simulation: {profile} ({days} days, seed {seed})",
        "cols": ("hour", "issued", "refused", "windows", "mean wait", "p90 wait", "queue", "util", "no-shows",
                 "Erlang C"),
        "steady_note": "* steady hour (compared with Erlang C); waits in minutes; per-day means",
        "totals": "Day totals (per-day means)",
        "tickets": "tickets", "served": "called", "unserved": "never called", "refused_hours": "refused outside hours",
        "refused_quota": "refused over quota", "refused_other": "other refusals", "no_shows": "no-shows",
        "transfers": "transfers", "green": "green channel", "mean_wait": "mean wait", "p90_wait": "p90 wait",
        "max_wait": "longest wait", "within15": "called within 15 min",
        "tidal": "tidal windows: {a} alerts, {o} opened, {u} times nobody to send",
        "accuracy": "Accuracy of the wait estimates ({n} tickets)",
        "acc_cols": ("", "RMSE", "within ±5 min", "mean bias", "vs common"),
        "engine": "engine (calling rule played forward)", "common": "common formula", "floor": "Against the queueing floor (steady hours {hours})",
        "floor_none": "Against the queueing floor: no steady hour", "sim": "simulated mean wait",
        "erlang": "Erlang C (one pooled queue)", "ac": "Allen–Cunneen (handling spread)", "ratio": "ratio",
        "split": "Erlang C (split into {n} pools by primary skill)",
        "handling": "mean handling {s:.1f} min per ticket",
    },
}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int, right: bool = True) -> str:
    gap = " " * max(0, n - width(text))
    return gap + text if right else text + gap


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(width(x) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(pad(x, w, i > 0) for i, (x, w) in enumerate(zip(line, widths))) for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(value, digits: int = 1, pct: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.0f}%" if pct else f"{value:.{digits}f}"


def render(s: Summary, lang: str = "zh") -> str:
    L = LABELS[lang]
    out = [L["title"].format(hall=s.hall, profile=s.profile, days=s.days, seed=s.seed), ""]
    rows = [(
        f"{r.hour:02d}:00{'*' if r.steady else ''}", fmt(r.arrivals), fmt(r.refused), fmt(r.windows),
        fmt(r.mean_wait), fmt(r.p90_wait), fmt(r.queue), fmt(r.utilisation, pct=True), fmt(r.no_shows),
        fmt(r.erlang),
    ) for r in s.hours]
    note = L["steady_note"] + ("；" if lang == "zh" else "; ") + L["handling"].format(s=s.handling_minutes)
    out += [table(L["cols"], rows), note, ""]

    t = s.totals
    out.append(L["totals"])
    mean = fmt(t["mean_wait"]) + (f" ± {t['mean_wait_ci']:.1f}" if t["mean_wait_ci"] is not None else "")
    items = [
        ("tickets", fmt(t["tickets"])), ("served", fmt(t["served"])), ("unserved", fmt(t["unserved"])),
        ("refused_hours", fmt(t["refused_hours"])), ("refused_quota", fmt(t["refused_quota"])),
        ("refused_other", fmt(t["refused_other"])), ("no_shows", fmt(t["no_shows"])),
        ("transfers", fmt(t["transfers"])), ("green", fmt(t["green"])), ("mean_wait", mean),
        ("p90_wait", fmt(t["p90_wait"])), ("max_wait", fmt(t["max_wait"])),
        ("within15", fmt(t["within15"], pct=True)),
    ]
    out += [f"  {pad(L[k], 22, False)}{v}" for k, v in items]
    out.append("  " + L["tidal"].format(a=fmt(t["tidal_alerts"]), o=fmt(t["tidal_opened"]), u=fmt(t["tidal_unstaffed"])))
    out.append("")

    a = s.accuracy
    out.append(L["accuracy"].format(n=a.n))
    out.append(table(L["acc_cols"], [
        (L[k], fmt(a.rmse[k]), fmt(a.within5[k], pct=True), fmt(a.bias[k]), fmt(a.ratio(k), 2)) for k in ESTIMATORS
    ]))
    out.append("")
    f = s.floor
    if not f.hours:
        out.append(L["floor_none"])
    else:
        out.append(L["floor"].format(hours=", ".join(f"{h:02d}" for h in f.hours)))
        sim = fmt(f.simulated) + (f" ± {f.ci:.1f}" if f.ci is not None else "")
        split = L["split"].format(n=s.pools)
        out += [f"  {pad(L['sim'], 48, False)}{sim}",
                f"  {pad(L['erlang'], 48, False)}{fmt(f.erlang)}  ({L['ratio']} {fmt(f.ratio, 2)})",
                f"  {pad(L['ac'], 48, False)}{fmt(f.allen_cunneen)}"]
        if s.pools > 1:
            out.append(f"  {pad(split, 48, False)}{fmt(f.split)}  ({L['ratio']} {fmt(f.split_ratio, 2)})")
    return "\n".join(out) + "\n"
