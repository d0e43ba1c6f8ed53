"""The county file: the county, its halls (each with its account on the county broker), and the
thresholds that flag a hall. Every mistake is reported with the file and the key."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hall.config import Account, ConfigError, WebSettings

HALL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class CountyHall:
    id: str
    name: str
    account: str


@dataclass(frozen=True)
class CountyConfig:
    id: str
    name: str
    name_en: str
    timezone: str
    wait_alert_minutes: float
    pause_alert_minutes: float
    silent_alert_minutes: float
    halls: dict[str, CountyHall]
    source: str = ""
    accounts: dict[str, Account] = field(default_factory=dict)  # the web view's sign-ins (viewers)
    web: WebSettings = field(default_factory=WebSettings)


def load_county(path: str | Path) -> CountyConfig:
    source = str(path)
    problems: list[tuple[str, str, str]] = []
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError([(source, "", str(err))]) from None
    county = data.get("county")
    if not isinstance(county, dict):
        raise ConfigError([(source, "county", "the [county] table is required")])
    for key in ("id", "name"):
        if not isinstance(county.get(key), str) or not county.get(key):
            problems.append((source, f"county.{key}", "is required (text)"))
    numbers = {}
    for key, default in (("wait_alert_minutes", 30), ("pause_alert_minutes", 30), ("silent_alert_minutes", 10)):
        value = county.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append((source, f"county.{key}", "must be a positive number of minutes"))
        numbers[key] = value
    halls: dict[str, CountyHall] = {}
    accounts: set[str] = set()
    for i, entry in enumerate(data.get("hall", [])):
        where = f"hall[{i}]"
        hid, name, account = entry.get("id"), entry.get("name"), entry.get("account")
        if not isinstance(hid, str) or not HALL_ID.match(hid):
            problems.append((source, f"{where}.id", "must be a hall id (lower-case letters, digits, - and _)"))
            continue
        if hid in halls:
            problems.append((source, f"{where}.id", f"hall {hid} is listed twice"))
        if not isinstance(name, str) or not name:
            problems.append((source, f"{where}.name", "is required (text)"))
        if not isinstance(account, str) or not HALL_ID.match(account) or account in accounts:
            problems.append((source, f"{where}.account", "must be a unique account name"))
        accounts.add(account)
        halls[hid] = CountyHall(hid, name or hid, account or "")
    if not halls:
        problems.append((source, "hall", "the county lists no [[hall]]"))
    accounts: dict[str, Account] = {}
    for i, entry in enumerate(data.get("account", [])):
        where = f"account[{i}]"
        name, hashed, display = entry.get("name"), entry.get("password_hash"), entry.get("display", "")
        if not isinstance(name, str) or not name or name in accounts:
            problems.append((source, f"{where}.name", "is required and must be unique"))
            continue
        if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
            problems.append((source, f"{where}.password_hash", "must be an Argon2 hash (make one with `yichuang web-password`)"))
            continue
        accounts[name] = Account(name, "viewer", hashed, display if isinstance(display, str) else "")
    web = data.get("web", {})
    settings = {}
    for key, default in (("session_minutes", 480), ("lockout_after", 5), ("lockout_minutes", 15)):
        value = web.get(key, default) if isinstance(web, dict) else default
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append((source, f"web.{key}", "must be a positive whole number"))
        settings[key] = value
    if problems:
        raise ConfigError(problems)
    return CountyConfig(county["id"], county["name"], county.get("name_en", ""), county.get("timezone", "Asia/Shanghai"),
                        halls=halls, source=source, accounts=accounts, web=WebSettings(None, **settings), **numbers)
