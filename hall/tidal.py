"""Tidal windows (潮汐窗口): when the trigger lines or their longest wait pass a tidal window's trigger,
the engine raises an alert naming the window to open ("请开启28号潮汐窗口"); the alert
clears when the window is opened or when the line falls below ``rules.tidal_clear_ratio``
of the trigger. Opening the window (a staff login) adds its skills to the hall; closing
it removes them. Seasonal windows (候鸟窗口) are refused a login outside their dates.
"""
from __future__ import annotations

import datetime as dt
import time

from hall import queueing


def pressure(config, state, trigger, now: float | None = None, counts: dict[str, int] | None = None,
             forecast: queueing.Forecast | None = None) -> tuple[str, int, float]:
    """How hard a tidal window's trigger services press: (the service with the longest wait,
    people waiting in all the trigger lines together, that longest wait in minutes). The
    wait is the one a ticket taken now is told, and ``state/service/<code>`` shows
    (``queueing.wait_told``), counted only for lines where somebody waits. The lines are
    added up: a tidal window watching nine services would otherwise almost never open
    (bench_simulation measured 0.2 openings a day on the county hall)."""
    now = time.time() if now is None else now  # a reader beside the hub: the present
    counts = queueing.waiting_counts(state) if counts is None else counts
    worst, total, longest = "", 0, 0.0
    lines = [code for code in trigger.services if counts.get(code, 0)]
    if lines:
        told = (forecast or queueing.Forecast(config, state, now)).told(lines)
    for code in lines:
        waiting = counts[code]
        total += waiting
        minutes = queueing.wait_minutes(told[code])
        if (minutes, waiting) > (longest, counts.get(worst, 0)):
            worst, longest = code, minutes
    return worst, total, longest


def over(trigger, waiting: int, minutes: float, ratio: float = 1.0) -> bool:
    """Past the trigger (ratio 1), or still above the level where an alert clears (ratio < 1).
    Either threshold alone is enough: people waiting in all the trigger lines together at or
    over ``waiting_over``, or the longest wait at or over ``wait_minutes_over``."""
    if trigger.waiting_over is not None and waiting >= trigger.waiting_over * ratio:
        return True
    return trigger.wait_minutes_over is not None and minutes >= trigger.wait_minutes_over * ratio


def check(ctx) -> None:
    """Raise or clear alerts after a command. Only closed, in-season tidal windows alert."""
    day = dt.date.fromisoformat(ctx.state.day)
    ratio = ctx.config.rules.tidal_clear_ratio
    counts = forecast = None
    for window in ctx.config.windows.values():
        if window.tidal is None:
            continue
        ws = ctx.state.windows[window.id]
        active = window.id in ctx.state.alerts
        if ws.status != "closed" or not window.in_season(day):
            if active:
                clear(ctx, window.id, "opened" if ws.status != "closed" else "out_of_season")
            continue
        counts = queueing.waiting_counts(ctx.state) if counts is None else counts
        if _settled_by_count(window.tidal, active, sum(counts.get(c, 0) for c in window.tidal.services), ratio):
            continue
        forecast = forecast or queueing.Forecast(ctx.config, ctx.state, ctx.now)
        service, waiting, minutes = pressure(ctx.config, ctx.state, window.tidal, ctx.now, counts, forecast)
        if not active and service and over(window.tidal, waiting, minutes):
            alert = {"window": window.id, "window_name": window.name, "service": service,
                     "waiting": waiting, "estimated_wait_min": minutes, "since": ctx.now}
            ctx.state.alerts[window.id] = alert
            ctx.emit("tidal_alert", window=window.id, staff=None, service=service, waiting=waiting,
                     estimated_wait_min=minutes, window_name=window.name)
        elif active and not over(window.tidal, waiting, minutes, ratio):
            clear(ctx, window.id, "subsided")


def _settled_by_count(trigger, active: bool, waiting: int, ratio: float) -> bool:
    """True when the people waiting alone decide that nothing changes, so the wait need not
    be played forward: an active alert still over its clearing level by count, or no alert
    and either nobody waiting or too few with no wait threshold to pass."""
    if active:
        return trigger.waiting_over is not None and waiting >= trigger.waiting_over * ratio
    if waiting == 0:
        return True
    by_count = trigger.waiting_over is not None and waiting >= trigger.waiting_over
    return not by_count and trigger.wait_minutes_over is None


def clear(ctx, window_id: str, reason: str) -> None:
    ctx.state.alerts.pop(window_id, None)
    ctx.emit("tidal_alert_cleared", window=window_id, staff=None, reason=reason)
