"""What the hall offers right now, as the kiosk shows it: the header, the service tiles
grouped by domain (领域), and each service's guide (一次性告知).

Built from the hall file and the hub's retained state (``state/hall``,
``state/service/<code>``). The waiting count and the estimate on a tile are the hub's own
figures for a ticket taken now, so a tile and the ticket it gives agree. Before the hub has
said anything, a tile shows the service without figures rather than invented ones.
"""
from __future__ import annotations

import datetime as dt

from hall.config import HallConfig
from kiosk.i18n import EN, minutes, tr
from kiosk.view import Group, Header, Tile

WEEKDAYS_ZH = "一二三四五六日"


class Catalogue:
    def __init__(self, config: HallConfig, elderly_services: tuple[str, ...] = ()):
        self.config = config
        self.hall: dict = {}
        self.services: dict[str, dict] = {}  # code -> state/service/<code>
        self.elderly_services = tuple(c for c in elderly_services if c in config.services) or \
            tuple(config.services)[:4]

    # -- retained state in
    def on_hall(self, body: dict) -> None:
        if isinstance(body, dict):
            self.hall = body

    def on_service(self, body: dict) -> None:
        if isinstance(body, dict) and body.get("service") in self.config.services:
            self.services[body["service"]] = body

    # -- what the screen says
    def service_name(self, code: str, lang: str) -> str:
        svc = self.config.services.get(code)
        if svc is None:
            return code
        return (svc.name_en or svc.name) if lang == EN else svc.name

    def hours_text(self) -> str:
        hours = self.hall.get("hours") or self.config.hours.as_text()
        return "、".join(f"{a}-{b}" for a, b in hours)

    def header(self, now: dt.datetime, lang: str, online: bool, banner: str | None) -> Header:
        cfg = self.config
        name = (self.hall.get("name_en") or cfg.name_en or cfg.name) if lang == EN else \
            (self.hall.get("name") or cfg.name)
        if lang == EN:
            date_text = now.strftime("%a %d %b")
        else:
            date_text = f"{now.month}月{now.day}日 星期{WEEKDAYS_ZH[now.weekday()]}"
        open_today = self.hall.get("open_today", cfg.is_open_day(now.date()))
        open_now = self.hall.get("open_now")
        if open_now is None:
            open_now = open_today and cfg.hours.contains(now.hour * 60 + now.minute)
        open_text = tr("open_now" if open_now else ("closed_now" if open_today else "closed_today"), lang)
        return Header(name, date_text, now.strftime("%H:%M"), open_text, bool(open_now),
                      tr("hours", lang, hours=self.hours_text()), online, banner)

    def is_open(self, code: str) -> bool:
        svc = self.config.services[code]
        state = self.services.get(code)
        if state is not None:
            return bool(state.get("open", True))
        return not svc.closed

    def figures(self, code: str, lang: str) -> tuple[str, str]:
        state = self.services.get(code)
        if state is None:
            return "", ""
        waiting = int(state.get("waiting") or 0)
        m = minutes(state.get("estimated_wait_min"))
        return tr("waiting_count", lang, n=waiting), tr("wait_estimate", lang, m=m) if m else tr("wait_none", lang)

    def tile(self, code: str, lang: str) -> Tile:
        svc = self.config.services[code]
        waiting, wait = self.figures(code, lang)
        enabled = self.is_open(code)
        note = tr("service_closed", lang) if not enabled else (tr("needs_id", lang) if svc.id_card_required else "")
        return Tile(code, self.service_name(code, lang), waiting, wait, enabled, note)

    def groups(self, lang: str, elderly: bool) -> tuple[Group, ...]:
        codes = self.elderly_services if elderly else tuple(self.config.services)
        if elderly:  # fewer choices, no grouping: one column of the most used services
            return (Group("", tuple(self.tile(c, lang) for c in codes)),)
        by_domain: dict[str, list[Tile]] = {}
        for code in codes:
            by_domain.setdefault(self.config.services[code].domain, []).append(self.tile(code, lang))
        return tuple(Group(domain if lang != EN else "", tuple(tiles)) for domain, tiles in by_domain.items())

    def guide_lines(self, code: str, lang: str) -> tuple[str, ...]:
        """一次性告知: materials, time limit, hours, windows, the line now, whether an ID card is needed."""
        cfg = self.config
        svc = cfg.services[code]
        lines = [tr("materials", lang) if svc.materials else tr("no_materials", lang)]
        lines += [f"  {i}. {m}" for i, m in enumerate(svc.materials, 1)]
        if svc.time_limit:
            lines.append(tr("time_limit", lang, limit=svc.time_limit))
        hours = cfg.service_hours(code).as_text()
        lines.append(tr("hours", lang, hours="、".join(f"{a}-{b}" for a, b in hours)))
        windows = [w for w in cfg.windows.values() if w.skill(code) == "primary"] or \
            [w for w in cfg.windows.values() if w.skill(code)]
        names = "、".join((w.name_en or w.name) if lang == EN else w.name for w in windows)
        if names:
            lines.append(tr("windows", lang, windows=names))
        state = self.services.get(code)
        if state is not None:
            lines.append(tr("waiting_line", lang, n=int(state.get("waiting") or 0),
                            m=minutes(state.get("estimated_wait_min"))))
        lines.append(tr("id_required_line" if svc.id_card_required else "id_not_required_line", lang))
        return tuple(lines)
