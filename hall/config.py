"""Hall configuration: one TOML file per hall, validated on load.

A mistake is reported as a ``ConfigError`` listing every problem found, each naming the
file, the key (``window[3].primary[1]``) and what is wrong, so an operator can fix the file
in one pass. ``yichuang config check FILE`` prints those, or a short summary.

The file's tables: ``[hall]``, ``[rules]``, ``[[staff]]``, ``[[service]]`` (the catalogue
of matters, 事项), ``[[window]]``, ``[[device]]``. docs/hall-config.md describes every key.
"""
from __future__ import annotations

import datetime as dt
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from hall.config_wiring import WIRING_KEYS, check_unique_wiring, rf_keys, window_wiring
from hall.pin import PinError, parse_hash

WINDOW_KINDS = {
    "comprehensive": "综合受理窗口",
    "high_frequency": "高频事项受理窗口",
    "specialized": "专业窗口",
    "help": "帮办代办窗口",
    "complaints": "“找茬”窗口",
    "tidal": "潮汐窗口",
    "seasonal": "候鸟窗口",
    "emergency": "应急窗口",
    "consultation": "咨询窗口",
    "output": "统一出件窗口",
}
DEFAULT_WEB_URL = "http://127.0.0.1:8080"
DEVICE_ROLES = ("kiosk", "caller", "keypad_bridge", "board", "window_screen", "rating_pad", "manager")
ACCOUNT_ROLES = ("manager", "viewer")  # the hall's web: a manager acts, a viewer only looks


class ConfigError(Exception):
    """Every problem found in one hall file: a list of (file, key, message)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}: {k}: {m}" for f, k, m in problems))


@dataclass(frozen=True)
class Hours:
    """Opening periods of one day, as minutes since midnight: ((540, 720), (810, 1050))."""

    periods: tuple[tuple[int, int], ...]

    def contains(self, minute: int) -> bool:
        return any(start <= minute < end for start, end in self.periods)

    def as_text(self) -> list[list[str]]:
        return [[_hhmm(a), _hhmm(b)] for a, b in self.periods]


@dataclass(frozen=True)
class Service:
    """A matter (事项) citizens take tickets for."""

    code: str
    name: str
    prefix: str
    domain: str
    handling_minutes: float
    name_en: str = ""
    daily_quota: int | None = None
    id_card_required: bool = False
    hours: Hours | None = None
    materials: tuple[str, ...] = ()
    time_limit: str = ""
    closed: bool = False
    handling_cv: float = 0.8


@dataclass(frozen=True)
class Tidal:
    """When a tidal window (潮汐窗口) should be opened: thresholds over its trigger services."""

    services: tuple[str, ...]
    waiting_over: int | None = None
    wait_minutes_over: float | None = None


@dataclass(frozen=True)
class Window:
    """A counter. ``primary``/``secondary`` are resolved to service codes."""

    id: str
    name: str
    kind: str
    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()
    name_en: str = ""
    tidal: Tidal | None = None
    season: tuple[str, str] | None = None  # ("11-01", "02-28"), MM-DD, may wrap the year
    keypad: int | None = None  # YC-485 bus address of the window's keypad (呼叫器)
    remote: int | None = None  # EV1527 transmitter id of the window's 433 MHz button
    ledbar: int | None = None  # YC-LED address of the bar above the window (窗口条屏)

    def skill(self, service: str) -> str | None:
        if service in self.primary:
            return "primary"
        if service in self.secondary:
            return "secondary"
        return None

    def in_season(self, day: dt.date) -> bool:
        if self.season is None:
            return True
        start, end = self.season
        md = day.strftime("%m-%d")
        return start <= md <= end if start <= end else (md >= start or md <= end)


@dataclass(frozen=True)
class Staff:
    """Counter staff. Their name, number and photo are shown on the window screen (持证上岗)."""

    number: str
    name: str
    photo: str = ""
    windows: tuple[str, ...] = ("*",)  # AB岗: "*" = any window
    pin: str = ""  # salted scrypt hash of the sign-in PIN (hall.pin); "" = no soft-caller sign-in

    def may_work_at(self, window: str) -> bool:
        return "*" in self.windows or window in self.windows


@dataclass(frozen=True)
class Device:
    """A terminal's identity on the bus: its role and, for callers and screens, its window."""

    id: str
    role: str
    window: str | None = None
    remote: str | None = None  # EV1527 transmitter id or keypad bus address
    options: dict = field(default_factory=dict)  # a terminal's own keys (a kiosk's device URLs…)
    bus: str | None = None  # keypad_bridge: URL of the YC-485 keypad bus
    receiver: str | None = None  # keypad_bridge: URL of the EV1527 433 MHz receiver board
    ledbars: str | None = None  # keypad_bridge or caller: URL of the LED bar line it drives
    rf_keys: tuple[tuple[int, str], ...] = ()  # keypad_bridge: EV1527 key bits -> verb


@dataclass(frozen=True)
class Account:
    """A sign-in for the hall's web (大厅管理台): an Argon2 hash, never the password itself."""

    name: str
    role: str  # manager | viewer
    password_hash: str
    display: str = ""


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: how the hall's web acts on the hub and guards its sign-in."""

    device: str | None = None  # the manager [[device]] it sends requests as
    session_minutes: int = 480
    lockout_after: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class Rules:
    recall_limit: int = 2
    priority_guard: int = 3
    green_channel_age: int = 70
    per_person_daily_cap: int = 5
    estimate_smoothing: float = 0.2
    tidal_clear_ratio: float = 0.5
    return_after: int = 2


@dataclass(frozen=True)
class VoiceSettings:
    """How the announcer (叫号语音) speaks: ``[voice]`` of the hall file."""

    repeats: int = 2  # each call said this many times
    max_age: float = 30.0  # seconds: a call older than this when it arrives is shown, not spoken
    english: bool = False  # say it in English after the Chinese
    quiet_outside_hours: bool = True  # no voice while the hall is closed
    recordings: str = ""  # folder of the hall's own clips (same names as the generated pack)


@dataclass(frozen=True)
class HallConfig:
    id: str
    name: str
    level: str
    timezone: ZoneInfo
    day_starts: int  # minutes after local midnight
    hours: Hours
    weekdays: tuple[int, ...]
    services: dict[str, Service]
    windows: dict[str, Window]
    staff: dict[str, Staff]
    rules: Rules = field(default_factory=Rules)
    devices: dict[str, Device] = field(default_factory=dict)
    name_en: str = ""
    extra_days: tuple[str, ...] = ()
    closed_days: tuple[str, ...] = ()
    notice: str = ""
    web_url: str = DEFAULT_WEB_URL  # the hall web's base URL on the LAN (ticket QR: <web_url>/t/<token>)
    source: str = ""
    key_file: str = ""  # [hall] key_file as written (hall.hallkey resolves it)
    accounts: dict[str, Account] = field(default_factory=dict)
    web: WebSettings = field(default_factory=WebSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)

    def is_open_day(self, day: dt.date) -> bool:
        iso = day.isoformat()
        if iso in self.closed_days:
            return False
        return iso in self.extra_days or day.isoweekday() in self.weekdays

    def service_hours(self, code: str) -> Hours:
        return self.services[code].hours or self.hours

    def summary(self) -> str:
        kinds: dict[str, int] = {}
        for w in self.windows.values():
            kinds[w.kind] = kinds.get(w.kind, 0) + 1
        kind_text = ", ".join(f"{WINDOW_KINDS[k]}×{n}" for k, n in kinds.items())
        hours = " ".join(f"{a}-{b}" for a, b in self.hours.as_text())
        return (
            f"{self.name} ({self.id}, {self.level}): {len(self.windows)} windows [{kind_text}], "
            f"{len(self.services)} services, {len(self.staff)} staff, hours {hours}"
        )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------- validation

_SCHEMA = {
    "": {"hall": dict, "rules": dict, "staff": list, "service": list, "window": list, "device": list,
         "account": list, "web": dict, "voice": dict},
    "hall": {
        "id": str, "name": str, "name_en": str, "level": str, "timezone": str, "day_starts": str,
        "hours": list, "weekdays": list, "extra_days": list, "closed_days": list, "notice": str,
        "web_url": str,
        "key_file": str,
    },
    "rules": {
        "recall_limit": int, "priority_guard": int, "green_channel_age": int, "per_person_daily_cap": int,
        "estimate_smoothing": float, "tidal_clear_ratio": float, "return_after": int,
    },
    "staff": {"number": str, "name": str, "photo": str, "windows": list, "pin": str},
    "service": {
        "code": str, "name": str, "name_en": str, "prefix": str, "domain": str, "handling_minutes": float,
        "handling_cv": float, "daily_quota": int, "id_card_required": bool, "hours": list, "materials": list,
        "time_limit": str, "closed": bool,
    },
    "window": {
        "id": str, "name": str, "name_en": str, "kind": str, "primary": list, "secondary": list,
        "tidal": dict, "season": list, "keypad": int, "remote": str, "ledbar": int,
    },
    "tidal": {"services": list, "waiting_over": int, "wait_minutes_over": float},
    "device": {"id": str, "role": str, "window": str, "remote": str,
               # a kiosk's devices (URLs) and knobs
               "idcard": str, "sscard": str, "scanner": str, "printer": str, "idle_seconds": int,
               "manager_pin": str, "elderly_services": list, "screen_inches": float,
               # a keypad bridge's (or a caller's) lines
               "bus": str, "receiver": str, "ledbars": str, "rf_keys": dict},
    "account": {"name": str, "role": str, "password_hash": str, "display": str},
    "web": {"device": str, "session_minutes": int, "lockout_after": int, "lockout_minutes": int},
    "voice": {"repeats": int, "max_age": float, "english": bool, "quiet_outside_hours": bool, "recordings": str},
}
_REQUIRED = {
    "": ("hall", "service", "window"),
    "hall": ("id", "name", "hours"),
    "staff": ("number", "name"),
    "service": ("code", "name", "prefix", "domain", "handling_minutes"),
    "window": ("id", "kind", "primary"),
    "device": ("id", "role"),
    "account": ("name", "role", "password_hash"),
}


class _Checker:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str, str]] = []
        self.broken_services: set[str] = set()

    def fail(self, key: str, message: str) -> None:
        self.problems.append((self.source, key, message))

    def table(self, data: dict, kind: str, path: str) -> dict:
        """Check keys and types of one table; return only the well-typed entries."""
        schema = _SCHEMA[kind]
        good = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else key
            if key not in schema:
                self.fail(where, f"unknown key (allowed: {', '.join(sorted(schema))})")
                continue
            want = schema[key]
            ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
            if want is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if not ok:
                self.fail(where, f"must be {want.__name__}, not {type(value).__name__}")
                continue
            good[key] = value
        for key in _REQUIRED.get(kind, ()):
            if key not in data:
                self.fail(f"{path}.{key}" if path else key, "is required")
        return good

    def clock(self, text, where: str) -> int | None:
        try:
            hh, mm = str(text).split(":")
            value = int(hh) * 60 + int(mm)
            if not (0 <= int(mm) < 60 and 0 <= value <= 24 * 60):
                raise ValueError
            return value
        except ValueError:
            self.fail(where, f"{text!r} is not a time of day HH:MM")
            return None

    def hours(self, value: list, where: str) -> Hours | None:
        periods = []
        for i, period in enumerate(value):
            if not (isinstance(period, list) and len(period) == 2):
                self.fail(f"{where}[{i}]", 'must be a pair ["HH:MM", "HH:MM"]')
                continue
            a, b = self.clock(period[0], f"{where}[{i}]"), self.clock(period[1], f"{where}[{i}]")
            if a is None or b is None:
                continue
            if a >= b:
                self.fail(f"{where}[{i}]", f"starts at {period[0]} but ends at {period[1]}")
                continue
            periods.append((a, b, i))
        periods.sort()
        for (a1, b1, i1), (a2, b2, i2) in zip(periods, periods[1:]):
            if a2 < b1:
                self.fail(f"{where}[{i2}]", f"overlaps {where}[{i1}] ({_hhmm(a1)}-{_hhmm(b1)})")
        if not periods and not value:
            self.fail(where, "must list at least one period")
        return Hours(tuple((a, b) for a, b, _ in periods))

    def date(self, text, where: str) -> str | None:
        try:
            return dt.date.fromisoformat(str(text)).isoformat()
        except ValueError:
            self.fail(where, f"{text!r} is not a date YYYY-MM-DD")
            return None


def load_hall(path: str | Path) -> HallConfig:
    """Read and validate a hall file; raise ConfigError naming every problem."""
    path = Path(path)
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([(source, "", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([(source, "", f"not valid TOML: {exc}")]) from None
    return parse_hall(raw, source)


def parse_hall(raw: dict, source: str = "<hall>") -> HallConfig:
    c = _Checker(source)
    top = c.table(raw, "", "")
    hall = c.table(top.get("hall", {}), "hall", "hall")
    rules_raw = c.table(top.get("rules", {}), "rules", "rules")

    tz_name = hall.get("timezone", "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except Exception:
        c.fail("hall.timezone", f"unknown time zone {tz_name!r}")
        tz = ZoneInfo("Asia/Shanghai")
    day_starts = c.clock(hall.get("day_starts", "03:00"), "hall.day_starts") or 0
    hours = c.hours(hall.get("hours", []), "hall.hours") if "hours" in hall else Hours(())
    weekdays = tuple(hall.get("weekdays", [1, 2, 3, 4, 5]))
    for i, d in enumerate(weekdays):
        if d not in range(1, 8):
            c.fail(f"hall.weekdays[{i}]", f"{d!r} is not an ISO weekday 1-7")
    extra = tuple(x for i, d in enumerate(hall.get("extra_days", [])) if (x := c.date(d, f"hall.extra_days[{i}]")))
    closed = tuple(x for i, d in enumerate(hall.get("closed_days", [])) if (x := c.date(d, f"hall.closed_days[{i}]")))
    web_url = _web_url(c, hall.get("web_url", DEFAULT_WEB_URL))
    level = hall.get("level", "township")
    if level not in ("county", "township", "village"):
        c.fail("hall.level", f"{level!r} must be county, township or village")

    rules = Rules(**rules_raw)
    for key in ("recall_limit", "priority_guard", "per_person_daily_cap", "return_after"):
        if getattr(rules, key) < 0:
            c.fail(f"rules.{key}", "must not be negative")
    if not 0 < rules.estimate_smoothing <= 1:
        c.fail("rules.estimate_smoothing", "must be in (0, 1]")

    services = _parse_services(c, top.get("service", []))
    domains = {s.domain for s in services.values()}
    staff = _parse_staff(c, top.get("staff", []))
    windows = _parse_windows(c, top.get("window", []), services, domains)
    for s in staff.values():
        for j, w in enumerate(s.windows):
            if w != "*" and w not in windows:
                c.fail(f"staff[{s.number}].windows[{j}]", f"no window {w!r}")
    devices = _parse_devices(c, top.get("device", []), windows)
    check_unique_wiring(c, windows)
    accounts = _parse_accounts(c, top.get("account", []))
    web = _parse_web(c, c.table(top.get("web", {}), "web", "web"), devices)
    voice = VoiceSettings(**c.table(top.get("voice", {}), "voice", "voice"))
    if not 1 <= voice.repeats <= 5:
        c.fail("voice.repeats", "must be 1-5")
    if voice.max_age <= 0:
        c.fail("voice.max_age", "must be positive (seconds)")

    if c.problems:
        raise ConfigError(c.problems)
    return HallConfig(
        id=hall["id"], name=hall["name"], name_en=hall.get("name_en", ""), level=level, timezone=tz,
        day_starts=day_starts, hours=hours, weekdays=weekdays, services=services, windows=windows,
        staff=staff, rules=rules, devices=devices, extra_days=extra, closed_days=closed,
        notice=hall.get("notice", ""), web_url=web_url, source=source, key_file=hall.get("key_file", ""),
        accounts=accounts, web=web,
        voice=voice,
    )


def _web_url(c: _Checker, text: str) -> str:
    """``http(s)://host[:port][/path]`` with no query or fragment; a trailing slash is dropped."""
    parts = urllib.parse.urlsplit(text)
    try:
        parts.port  # raises ValueError for a port that is not a number
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query \
            and not parts.fragment and not any(ch.isspace() for ch in text)
    except ValueError:
        ok = False
    if not ok:
        c.fail("hall.web_url", f"{text!r} must be http://HOST[:PORT][/PATH] (no query, no spaces)")
    return text.rstrip("/")


def _parse_services(c: _Checker, items: list) -> dict[str, Service]:
    services: dict[str, Service] = {}
    prefixes: dict[str, str] = {}
    for i, item in enumerate(items):
        where = f"service[{i}]"
        if not isinstance(item, dict):
            c.fail(where, "must be a table")
            continue
        s = c.table(item, "service", where)
        code, prefix = s.get("code"), s.get("prefix")
        if code in services:
            c.fail(f"{where}.code", f"duplicate service code {code!r}")
        if prefix is not None:
            if not (prefix.isascii() and prefix.isalpha() and prefix.isupper() and 1 <= len(prefix) <= 2):
                c.fail(f"{where}.prefix", f"{prefix!r} must be one or two capital letters")
            if prefix in prefixes:
                c.fail(f"{where}.prefix", f"duplicate prefix {prefix!r} (also service {prefixes[prefix]!r})")
            prefixes[prefix] = code
        if not all(k in s for k in _REQUIRED["service"]):
            if code is not None:
                c.broken_services.add(code)  # reported already; don't cascade into windows
            continue
        if s["handling_minutes"] <= 0:
            c.fail(f"{where}.handling_minutes", "must be positive")
        if s.get("daily_quota", 1) <= 0:
            c.fail(f"{where}.daily_quota", "must be positive")
        hours = c.hours(s["hours"], f"{where}.hours") if "hours" in s else None
        materials = s.get("materials", [])
        if not all(isinstance(m, str) for m in materials):
            c.fail(f"{where}.materials", "must be a list of strings")
        services[code] = Service(
            code=code, name=s["name"], name_en=s.get("name_en", ""), prefix=prefix, domain=s["domain"],
            handling_minutes=s["handling_minutes"], handling_cv=s.get("handling_cv", 0.8),
            daily_quota=s.get("daily_quota"), id_card_required=s.get("id_card_required", False),
            hours=hours, materials=tuple(str(m) for m in materials), time_limit=s.get("time_limit", ""),
            closed=s.get("closed", False),
        )
    return services


def _parse_staff(c: _Checker, items: list) -> dict[str, Staff]:
    staff: dict[str, Staff] = {}
    for i, item in enumerate(items):
        where = f"staff[{i}]"
        s = c.table(item, "staff", where) if isinstance(item, dict) else {}
        if "number" not in s or "name" not in s:
            continue
        if s["number"] in staff:
            c.fail(f"{where}.number", f"duplicate staff number {s['number']!r}")
        pin = s.get("pin", "")
        if pin:
            try:
                parse_hash(pin)
            except PinError as exc:
                c.fail(f"{where}.pin", str(exc))
        staff[s["number"]] = Staff(s["number"], s["name"], s.get("photo", ""), tuple(s.get("windows", ["*"])), pin)
    return staff


def _resolve_skills(c, entries, where, services, domains) -> tuple[str, ...]:
    codes: list[str] = []
    for j, entry in enumerate(entries):
        if entry == "*":
            codes.extend(services)
        elif entry in services:
            codes.append(entry)
        elif entry in domains:
            codes.extend(code for code, s in services.items() if s.domain == entry)
        elif entry in c.broken_services:
            continue
        else:
            c.fail(f"{where}[{j}]", f"no service or domain {entry!r}")
    return tuple(dict.fromkeys(codes))


def _parse_windows(c, items, services, domains) -> dict[str, Window]:
    windows: dict[str, Window] = {}
    for i, item in enumerate(items):
        where = f"window[{i}]"
        w = c.table(item, "window", where) if isinstance(item, dict) else {}
        if not all(k in w for k in _REQUIRED["window"]):
            continue
        wid, kind = w["id"], w["kind"]
        if wid in windows:
            c.fail(f"{where}.id", f"duplicate window id {wid!r}")
        if kind not in WINDOW_KINDS:
            c.fail(f"{where}.kind", f"{kind!r} is not one of {', '.join(WINDOW_KINDS)}")
        primary = _resolve_skills(c, w["primary"], f"{where}.primary", services, domains)
        secondary = tuple(
            s for s in _resolve_skills(c, w.get("secondary", []), f"{where}.secondary", services, domains)
            if s not in primary
        )
        tidal = None
        if "tidal" in w:
            t = c.table(w["tidal"], "tidal", f"{where}.tidal")
            trig = _resolve_skills(c, t.get("services", []), f"{where}.tidal.services", services, domains) or primary
            tidal = Tidal(trig, t.get("waiting_over"), t.get("wait_minutes_over"))
            if tidal.waiting_over is None and tidal.wait_minutes_over is None:
                c.fail(f"{where}.tidal", "needs waiting_over or wait_minutes_over")
        if kind == "tidal" and tidal is None:
            c.fail(f"{where}.tidal", "a tidal window needs a [window.tidal] trigger")
        season = None
        if "season" in w:
            sv = w["season"]
            ok = len(sv) == 2 and all(_is_month_day(x) for x in sv)
            if not ok:
                c.fail(f"{where}.season", 'must be ["MM-DD", "MM-DD"]')
            else:
                season = (sv[0], sv[1])
        if kind == "seasonal" and season is None:
            c.fail(f"{where}.season", "a seasonal window needs a season")
        windows[wid] = Window(
            id=wid, name=w.get("name", f"{wid}号窗口"), name_en=w.get("name_en", f"Window {wid}"), kind=kind,
            primary=primary, secondary=secondary, tidal=tidal, season=season,
            **window_wiring(c, w, where),
        )
    return windows


def _is_month_day(text) -> bool:
    try:
        dt.datetime.strptime(f"2024-{text}", "%Y-%m-%d")
        return isinstance(text, str) and len(text) == 5
    except ValueError:
        return False


def _parse_devices(c, items, windows) -> dict[str, Device]:
    devices: dict[str, Device] = {}
    for i, item in enumerate(items):
        where = f"device[{i}]"
        d = c.table(item, "device", where) if isinstance(item, dict) else {}
        if "id" not in d or "role" not in d:
            continue
        if d["role"] not in DEVICE_ROLES:
            c.fail(f"{where}.role", f"{d['role']!r} is not one of {', '.join(DEVICE_ROLES)}")
        if d.get("window") is not None and d["window"] not in windows:
            c.fail(f"{where}.window", f"no window {d['window']!r}")
        if d["role"] in ("caller", "window_screen", "rating_pad") and "window" not in d:
            c.fail(f"{where}.window", f"a {d['role']} belongs to a window")
        if d["id"] in devices:
            c.fail(f"{where}.id", f"duplicate device id {d['id']!r}")
        options = {k: v for k, v in d.items() if k not in ("id", "role", "window", "remote") + WIRING_KEYS}
        devices[d["id"]] = Device(d["id"], d["role"], d.get("window"), d.get("remote"), options, bus=d.get("bus"),
                                  receiver=d.get("receiver"), ledbars=d.get("ledbars"),
                                  rf_keys=rf_keys(c, d.get("rf_keys", {}), where))
    return devices


def _parse_accounts(c, items) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    for i, item in enumerate(items):
        where = f"account[{i}]"
        a = c.table(item, "account", where) if isinstance(item, dict) else {}
        if not all(k in a for k in _REQUIRED["account"]):
            continue
        if a["role"] not in ACCOUNT_ROLES:
            c.fail(f"{where}.role", f"{a['role']!r} must be one of {', '.join(ACCOUNT_ROLES)}")
        if not a["password_hash"].startswith("$argon2"):
            c.fail(f"{where}.password_hash", "must be an Argon2 hash (make one with `yichuang web-password`)")
        if a["name"] in accounts:
            c.fail(f"{where}.name", f"duplicate account {a['name']!r}")
        accounts[a["name"]] = Account(a["name"], a["role"], a["password_hash"], a.get("display", ""))
    return accounts


def _parse_web(c, w: dict, devices: dict[str, Device]) -> WebSettings:
    device = w.get("device")
    if device is not None and (device not in devices or devices[device].role != "manager"):
        c.fail("web.device", f"{device!r} is not a [[device]] with role manager")
    for key in ("session_minutes", "lockout_after", "lockout_minutes"):
        if key in w and w[key] <= 0:
            c.fail(f"web.{key}", "must be positive")
    if device is None:
        device = next((d.id for d in devices.values() if d.role == "manager"), None)
    return WebSettings(device, w.get("session_minutes", 480), w.get("lockout_after", 5), w.get("lockout_minutes", 15))


