"""What a screen shows, as plain values: the presenters build these, the Kivy widgets draw them.

A ``View`` holds finished sentences in the chosen language, never a decision: whether a
button exists, what it says and which action it sends back are all decided by the presenter
(``kiosk.flow.KioskFlow``). Every button carries the screen ``generation`` it was drawn for,
so a tap on a button that is already leaving the screen is recognised and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PRIMARY, SECONDARY, QUIET = "primary", "secondary", "quiet"


@dataclass(frozen=True)
class Button:
    action: str
    label: str
    arg: str | None = None
    kind: str = PRIMARY


@dataclass(frozen=True)
class Tile:
    """A service on the home screen: one tap takes a ticket; ``guide`` opens 一次性告知."""

    code: str
    name: str
    waiting: str
    wait: str
    enabled: bool
    note: str = ""


@dataclass(frozen=True)
class Group:
    domain: str
    tiles: tuple[Tile, ...]


@dataclass(frozen=True)
class Header:
    hall_name: str
    date_text: str
    time_text: str
    open_text: str
    open_now: bool
    hours_text: str
    online: bool
    banner: str | None  # "系统连接中断…" when the kiosk cannot serve


@dataclass(frozen=True)
class View:
    screen: str
    generation: int
    lang: str
    elderly: bool
    header: Header
    title: str = ""
    lines: tuple[str, ...] = ()
    notice: str | None = None  # a passing sentence: a card that could not be read, a bad code
    greeting: str | None = None
    green: bool = False
    groups: tuple[Group, ...] = ()
    prompt: str = ""
    number: str | None = None
    qr: str | None = None
    buttons: tuple[Button, ...] = ()
    busy: bool = False
    pin: str = ""
    extra: dict = field(default_factory=dict)

    def button(self, action: str, arg: str | None = None) -> Button | None:
        return next((b for b in self.buttons if b.action == action and (arg is None or b.arg == arg)), None)

    def tile(self, code: str) -> Tile | None:
        return next((t for g in self.groups for t in g.tiles if t.code == code), None)

    def texts(self) -> str:
        """Everything the screen says, as one string (for tests and privacy checks)."""
        h = self.header
        parts = [h.hall_name, h.date_text, h.time_text, h.open_text, h.hours_text, h.banner or "",
                 self.title, *self.lines, self.notice or "", self.greeting or "", self.prompt,
                 self.number or "", *(b.label for b in self.buttons)]
        for g in self.groups:
            parts.append(g.domain)
            parts += [f"{t.name} {t.waiting} {t.wait} {t.note}" for t in g.tiles]
        return "\n".join(p for p in parts if p)
