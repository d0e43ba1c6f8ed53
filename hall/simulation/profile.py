"""A simulation profile: who comes to the hall, when, for what, and how the staff work.

One TOML file in ``config/profiles/`` per kind of day; it is checked against the hall it
is run with, and every problem is reported at once (file, key, what is wrong), like a
hall file. Tables:

``[profile]``  name, hall (the hall id it was written for), start (first day, YYYY-MM-DD),
               scale (multiplies every hourly arrival count)
``[arrivals]`` expected citizens arriving in each hour, keyed by the hour ("08" = 12):
               a Poisson process with that constant rate inside the hour
``[mix]``      share of citizens by service code or domain (normalised; a domain's share is
               split over its services by their own ``mix`` or evenly)
``[handling]`` distribution ("lognormal" | "exponential"), cv (overrides every service),
               ``[handling.minutes]`` and ``[handling.cv]`` per service code
``[citizens]`` no_show, no_show_return, transfer, green, green_by_birth (shares 0..1),
               walk_seconds, recall_seconds, retry_refused (share of citizens refused outside
               hours who come back at the next opening)
``[staff]``    windows (regular windows staffed; default every non-tidal window in season),
               tidal_reaction_minutes, tidal_min_open_minutes, ``[[staff.break]]`` at / minutes /
               spread (each window takes its break at a random time in [at, at + spread))
``[staffing]`` optional plan: open windows by hour ("09" = 3); the planner writes one
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hall.config import ConfigError, HallConfig


class ProfileError(ConfigError):
    """Every problem found in one profile file: a list of (file, key, message)."""


@dataclass(frozen=True)
class Break:
    """A staff break (工间休息): the window is paused for ``minutes``."""

    at: int  # minute of the day
    minutes: float
    spread: float = 0.0


@dataclass(frozen=True)
class Profile:
    name: str
    arrivals: dict[int, float]  # hour of day -> expected arrivals in that hour
    mix: dict[str, float]  # service -> share, sums to 1
    handling: dict[str, tuple[float, float]]  # service -> (mean minutes, cv)
    distribution: str = "lognormal"
    start: dt.date = dt.date(2025, 3, 3)
    no_show: float = 0.0
    no_show_return: float = 0.0
    transfer: float = 0.0
    green: float = 0.0
    green_by_birth: float = 0.0
    walk_seconds: float = 0.0
    recall_seconds: float = 60.0
    retry_refused: float = 0.0
    windows: tuple[str, ...] = ()  # regular windows staffed
    breaks: tuple[Break, ...] = ()
    tidal_reaction_minutes: float = 5.0
    tidal_min_open_minutes: float = 30.0
    staffing: dict[int, int] = field(default_factory=dict)
    source: str = ""

    def expected_arrivals(self) -> float:
        return sum(self.arrivals.values())

    def mean_handling_minutes(self) -> float:
        """Mix-weighted mean handling time of one visit (before transfers)."""
        return sum(share * self.handling[code][0] for code, share in self.mix.items())


_KEYS = {
    "": {"profile", "arrivals", "mix", "handling", "citizens", "staff", "staffing"},
    "profile": {"name", "hall", "start", "scale"},
    "handling": {"distribution", "cv", "minutes"},
    "citizens": {"no_show", "no_show_return", "transfer", "green", "green_by_birth", "walk_seconds",
                 "recall_seconds", "retry_refused"},
    "staff": {"windows", "tidal_reaction_minutes", "tidal_min_open_minutes", "break"},
    "break": {"at", "minutes", "spread"},
}
_SHARES = ("no_show", "no_show_return", "transfer", "green", "green_by_birth", "retry_refused")


class _Check:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str, str]] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append((self.source, key, message))

    def keys(self, table, kind: str, where: str) -> dict:
        if not isinstance(table, dict):
            self.fail(where or "(top)", "must be a table")
            return {}
        for key in table:
            if key not in _KEYS[kind]:
                self.fail(f"{where}.{key}" if where else key,
                          f"unknown key (allowed: {', '.join(sorted(_KEYS[kind]))})")
        return table

    def number(self, value, where: str, low: float = 0.0, high: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"must be a number, not {type(value).__name__}")
            return None
        if value < low or (high is not None and value > high):
            self.fail(where, f"{value} must be between {low} and {high}" if high is not None
                      else f"{value} must be at least {low}")
            return None
        return float(value)

    def hour(self, key, where: str) -> int | None:
        try:
            h = int(str(key).split(":")[0])
            if not 0 <= h < 24:
                raise ValueError
            return h
        except ValueError:
            self.fail(where, f"{key!r} is not an hour 00-23")
            return None

    def minute(self, text, where: str) -> int | None:
        try:
            hh, mm = str(text).split(":")
            value = int(hh) * 60 + int(mm)
            if not (0 <= int(mm) < 60 and 0 <= value < 24 * 60):
                raise ValueError
            return value
        except ValueError:
            self.fail(where, f"{text!r} is not a time of day HH:MM")
            return None


def load_profile(path: str | Path, config: HallConfig) -> Profile:
    """Read a profile file and check it against ``config``; raise ProfileError naming every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError([(str(path), "", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([(str(path), "", f"not valid TOML: {exc}")]) from None
    return parse_profile(raw, config, str(path))


def parse_profile(raw: dict, config: HallConfig, source: str = "<profile>") -> Profile:
    c = _Check(source)
    top = c.keys(raw, "", "")
    head = c.keys(top.get("profile", {}), "profile", "profile")
    if "hall" in head and head["hall"] != config.id:
        c.fail("profile.hall", f"written for hall {head['hall']!r}, not {config.id!r}")
    start = dt.date(2025, 3, 3)
    if "start" in head:
        try:
            start = dt.date.fromisoformat(str(head["start"]))
        except ValueError:
            c.fail("profile.start", f"{head['start']!r} is not a date YYYY-MM-DD")
    scale = c.number(head.get("scale", 1.0), "profile.scale") or 0.0

    arrivals: dict[int, float] = {}
    raw_arrivals = top.get("arrivals")
    if not isinstance(raw_arrivals, dict) or not raw_arrivals:
        c.fail("arrivals", "is required: expected arrivals by hour, e.g. \"09\" = 30")
    else:
        for key, value in raw_arrivals.items():
            h, n = c.hour(key, f"arrivals.{key}"), c.number(value, f"arrivals.{key}")
            if h is not None and n is not None:
                arrivals[h] = n * scale

    mix = _mix(c, top.get("mix"), config)
    handling, distribution = _handling(c, top.get("handling", {}), config)

    people = c.keys(top.get("citizens", {}), "citizens", "citizens")
    values = {}
    for key in _SHARES:
        if key in people:
            values[key] = c.number(people[key], f"citizens.{key}", 0.0, 1.0)
    for key in ("walk_seconds", "recall_seconds"):
        if key in people:
            values[key] = c.number(people[key], f"citizens.{key}")

    staff = c.keys(top.get("staff", {}), "staff", "staff")
    windows = _windows(c, staff.get("windows"), config, start)
    breaks = []
    for i, b in enumerate(staff.get("break", [])):
        where = f"staff.break[{i}]"
        b = c.keys(b, "break", where)
        at = c.minute(b.get("at"), f"{where}.at") if "at" in b else c.fail(f"{where}.at", "is required")
        minutes = c.number(b.get("minutes", 15), f"{where}.minutes")
        spread = c.number(b.get("spread", 0), f"{where}.spread")
        if at is not None and minutes is not None and spread is not None:
            breaks.append(Break(at, minutes, spread))
    for key in ("tidal_reaction_minutes", "tidal_min_open_minutes"):
        if key in staff:
            values[key] = c.number(staff[key], f"staff.{key}")

    staffing = {}
    raw_staffing = top.get("staffing", {})
    for key, value in (raw_staffing.items() if isinstance(raw_staffing, dict) else ()):
        h = c.hour(key, f"staffing.{key}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            c.fail(f"staffing.{key}", "must be a whole number of windows ≥ 0")
        elif h is not None:
            staffing[h] = value
    if staffing and max(staffing.values()) > len(windows):
        c.fail("staffing", f"asks for {max(staffing.values())} windows; the hall has {len(windows)} regular ones")

    if c.problems:
        raise ProfileError(c.problems)
    return Profile(
        name=str(head.get("name", Path(source).stem)), arrivals=arrivals, mix=mix, handling=handling,
        distribution=distribution, start=start, windows=windows, breaks=tuple(breaks), staffing=staffing,
        source=source, **{k: v for k, v in values.items() if v is not None},
    )


def _mix(c: _Check, raw, config: HallConfig) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        c.fail("mix", "is required: share of citizens by service code or domain")
        return {}
    domains: dict[str, list[str]] = {}
    for code, svc in config.services.items():
        domains.setdefault(svc.domain, []).append(code)
    weights: dict[str, float] = {}
    for key, value in raw.items():
        w = c.number(value, f"mix.{key}")
        if w is None:
            continue
        if key in config.services:
            weights[key] = weights.get(key, 0.0) + w
        elif key in domains:
            for code in domains[key]:
                weights[code] = weights.get(code, 0.0) + w / len(domains[key])
        else:
            c.fail(f"mix.{key}", "no such service or domain in the hall")
    total = sum(weights.values())
    if raw and total <= 0:
        c.fail("mix", "shares must not all be zero")
        return {}
    return {code: w / total for code, w in weights.items() if w > 0}


def _handling(c: _Check, raw, config: HallConfig) -> tuple[dict[str, tuple[float, float]], str]:
    raw = c.keys(raw, "handling", "handling")
    distribution = raw.get("distribution", "lognormal")
    if distribution not in ("lognormal", "exponential"):
        c.fail("handling.distribution", f"{distribution!r} must be lognormal or exponential")
    minutes = raw.get("minutes", {})
    if not isinstance(minutes, dict):
        c.fail("handling.minutes", "must be a table of service = minutes")
        minutes = {}
    cv_all, cvs = None, {}
    if isinstance(raw.get("cv"), dict):  # [handling.cv]: per service
        cvs = raw["cv"]
    elif "cv" in raw:  # cv = 1.0: every service
        cv_all = c.number(raw["cv"], "handling.cv")
    out = {}
    for code, svc in config.services.items():
        mean, cv = svc.handling_minutes, svc.handling_cv
        if cv_all is not None:
            cv = cv_all
        if code in minutes:
            mean = c.number(minutes[code], f"handling.minutes.{code}", 0.1) or mean
        if code in cvs:
            cv = c.number(cvs[code], f"handling.cv.{code}") or cv
        out[code] = (mean, 1.0 if distribution == "exponential" else cv)
    for table, name in ((minutes, "minutes"), (cvs, "cv")):
        for code in table:
            if code not in config.services:
                c.fail(f"handling.{name}.{code}", "no such service in the hall")
    return out, distribution


def _windows(c: _Check, raw, config: HallConfig, start: dt.date) -> tuple[str, ...]:
    if raw is None:
        return tuple(
            wid for wid, w in config.windows.items()
            if w.kind != "tidal" and (w.season is None or w.in_season(start))
        )
    if not isinstance(raw, list):
        c.fail("staff.windows", "must be a list of window ids")
        return ()
    for i, wid in enumerate(raw):
        if str(wid) not in config.windows:
            c.fail(f"staff.windows[{i}]", f"no window {wid!r} in the hall")
        elif config.windows[str(wid)].kind == "tidal":
            c.fail(f"staff.windows[{i}]", f"window {wid} is tidal: the simulation opens it on the engine's alerts")
    return tuple(str(w) for w in raw)
