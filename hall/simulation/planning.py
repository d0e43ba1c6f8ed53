"""Planning (排班): how many windows to open each hour so that 90 % of citizens are called
within a target wait, found by running the simulated day with the real engine.

1. Windows are opened in a fixed order: first a set that covers every service citizens come
   for (greedy by uncovered work), then, one at a time, the window that adds most where the
   work per window is highest. "n windows open" means the first n of that order.
2. Start from Erlang C: per hour, the fewest pooled windows whose 90th-percentile wait is
   under the target at the hour's measured load, but never fewer than the covering set.
3. Run the days; every hour whose tickets' p90 wait is over the target gets one more window
   (or the hour before it, when it has them all); repeat. Then give back windows one hour at
   a time, latest first, wherever no hour that met the target fails without them.
Every run uses the same seed, so the citizens are the same and plans are compared fairly.
"""
from __future__ import annotations

from dataclasses import dataclass

from hall.config import HallConfig
from hall.simulation import erlang
from hall.simulation.model import DayResult, Simulation
from hall.simulation.profile import Profile
from hall.simulation.report import Summary, fmt, summarise, table

MAX_ROUNDS = 12  # rounds of adding windows; each round is one simulated run
SLACK = 0.6  # an hour whose p90 is under SLACK × target is tried with one window fewer


@dataclass
class PlannedHour:
    hour: int
    arrivals: float
    erlang: int  # Erlang C's pooled suggestion
    windows: int  # proposed
    p90: float | None  # with the proposed plan
    mean: float | None


@dataclass
class PlanResult:
    target: float
    hours: list[PlannedHour]
    order: list[str]
    cover: int  # windows needed to serve every service
    met: bool
    runs: int
    summary: Summary  # the day run with the proposed plan
    results: list[DayResult]
    baseline: Summary  # the same days with every regular window open

    def staffing(self) -> dict[int, int]:
        return {h.hour: h.windows for h in self.hours}


def open_hours(config: HallConfig) -> list[int]:
    """Hours of the day that overlap the hall's opening hours."""
    return [h for h in range(24) if any(a < (h + 1) * 60 and b > h * 60 for a, b in config.hours.periods)]


def window_order(config: HallConfig, profile: Profile) -> tuple[list[str], int]:
    """The order in which to open regular windows, and how many cover every service in demand."""
    work = {code: share * profile.handling[code][0] for code, share in profile.mix.items()}
    left = list(profile.windows)
    order: list[str] = []
    uncovered = set(work)

    def gain(wid: str) -> float:
        w = config.windows[wid]
        return sum(work[s] for s in uncovered if w.skill(s))

    while uncovered and left:
        best = max(left, key=lambda wid: (gain(wid), -left.index(wid)))
        if gain(best) <= 0:
            break
        order.append(best)
        left.remove(best)
        uncovered -= {s for s in work if config.windows[best].skill(s)}
    cover = len(order)
    while left:
        capacity = {s: 0.0 for s in work}
        for wid in order:
            for s in work:
                skill = config.windows[wid].skill(s)
                capacity[s] += 1.0 if skill == "primary" else 0.5 if skill else 0.0

        def relief(wid: str) -> float:
            w = config.windows[wid]
            return sum(work[s] / (1.0 + capacity[s]) * (1.0 if w.skill(s) == "primary" else 0.5)
                       for s in work if w.skill(s))

        best = max(left, key=lambda wid: (relief(wid), -left.index(wid)))
        order.append(best)
        left.remove(best)
    return order, cover


def most_runs(config: HallConfig) -> int:
    """An upper bound on the simulated runs ``plan_windows`` makes (for a progress bar)."""
    return 2 + MAX_ROUNDS + len(open_hours(config))


def plan_windows(config: HallConfig, profile: Profile, target: float, days: int, seed=1,
                 progress=None) -> PlanResult:
    order, cover = window_order(config, profile)
    most = sum(1 for w in order if any(s.may_work_at(w) for s in config.staff.values()))
    hours = open_hours(config)
    runs = 0

    def run(plan: dict[int, int] | None) -> tuple[list[DayResult], Summary]:
        nonlocal runs
        runs += 1
        results = Simulation(config, profile, seed=seed, plan=plan, order=order).run(days)
        if progress is not None:
            progress.step()
        return results, summarise(config, profile, results, seed)

    base_results, baseline = run(None)
    rows = {r.hour: r for r in baseline.hours}
    suggestion = {}
    for h in hours:
        row = rows.get(h)
        rate = row.arrivals / 60.0 if row else 0.0
        need = erlang.windows_for(rate, baseline.handling_minutes, target, 0.9, most) if rate > 0 else 0
        suggestion[h] = need
    plan = {h: min(most, max(cover, suggestion[h])) for h in hours}

    def violations(summary: Summary) -> list[int]:
        p90 = {r.hour: r.p90_wait for r in summary.hours}
        return [h for h in hours if (p90.get(h) or 0.0) > target]

    results, summary = run(plan)
    for _ in range(MAX_ROUNDS):
        over = violations(summary)
        if not over:
            break
        changed = False
        for h in over:
            for hh in (h, h - 1):
                if hh in plan and plan[hh] < most:
                    plan[hh] += 1
                    changed = True
                    break
        if not changed:
            break
        results, summary = run(plan)

    failing = set(violations(summary))  # hours over the target even with every window they can get
    p90 = {r.hour: r.p90_wait for r in summary.hours}
    slack = [h for h in reversed(hours) if plan[h] > cover and (p90.get(h) or 0.0) < SLACK * target]
    for h in slack:
        trial = {**plan, h: plan[h] - 1}
        r2, s2 = run(trial)
        if set(violations(s2)) <= failing:
            plan, results, summary = trial, r2, s2

    by_hour = {r.hour: r for r in summary.hours}
    planned = [PlannedHour(h, by_hour[h].arrivals if h in by_hour else 0.0, suggestion[h], plan[h],
                           by_hour[h].p90_wait if h in by_hour else None,
                           by_hour[h].mean_wait if h in by_hour else None) for h in hours]
    return PlanResult(target, planned, order, cover, not violations(summary), runs, summary, results, baseline)


LABELS = {
    "zh": {"title": "开窗计划：90%的群众在{t:g}分钟内被叫号（{days}天仿真，{runs}次运行）",
           "cols": ("时段", "取号", "Erlang C建议", "建议开窗", "P90等候", "平均等候"),
           "order": "开窗顺序（前{c}个窗口覆盖全部事项）：{order}",
           "met": "目标可以达到。", "not_met": "目标达不到：已开足全部窗口的时段仍超过目标。",
           "compare": "全部窗口开放：平均等候{a}分钟，P90 {b}分钟，窗口·小时{c}；按计划：平均等候{d}分钟，P90 {e}分钟，窗口·小时{f}",
           "toml": "可粘贴到仿真配置文件的[staffing]表："},
    "en": {"title": "Window plan: 90 % called within {t:g} minutes ({days} simulated days, {runs} runs)",
           "cols": ("hour", "issued", "Erlang C", "proposed", "p90 wait", "mean wait"),
           "order": "Opening order (the first {c} cover every service): {order}",
           "met": "The target is met.", "not_met": "The target is not met: some hours are over it with every window open.",
           "compare": "Every window open: mean {a} min, p90 {b} min, {c} window-hours; as planned: mean {d} min, p90 {e} min, {f} window-hours",
           "toml": "For the profile's [staffing] table:"},
}


def window_hours(summary: Summary) -> float:
    return sum(r.windows for r in summary.hours)


def render_plan(p: PlanResult, lang: str = "zh") -> str:
    L = LABELS[lang]
    rows = [(f"{h.hour:02d}:00", fmt(h.arrivals), str(h.erlang), str(h.windows), fmt(h.p90), fmt(h.mean))
            for h in p.hours]
    b, s = p.baseline.totals, p.summary.totals
    out = [L["title"].format(t=p.target, days=p.summary.days, runs=p.runs), "", table(L["cols"], rows), "",
           L["order"].format(c=p.cover, order=" ".join(p.order)), L["met"] if p.met else L["not_met"],
           L["compare"].format(a=fmt(b["mean_wait"]), b=fmt(b["p90_wait"]), c=fmt(window_hours(p.baseline)),
                               d=fmt(s["mean_wait"]), e=fmt(s["p90_wait"]), f=fmt(window_hours(p.summary))),
           "", L["toml"], "[staffing]"]
    out += [f'"{h.hour:02d}" = {h.windows}' for h in p.hours]
    return "\n".join(out) + "\n"
