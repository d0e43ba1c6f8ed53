"""What the presenter asks the world to do. The app carries these out (MQTT, printer, voice);
tests read them. None of them holds a clear ID number or a full name."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Send:
    """Publish a request to the hub (the same ``transaction`` again on a retry)."""

    verb: str
    transaction: str
    fields: dict


@dataclass(frozen=True)
class CheckPrinter:
    """Read the printer's status; answer with ``KioskFlow.printer_checked``."""


@dataclass(frozen=True)
class Print:
    """Print the ticket of this hub reply (``data`` of an issue/lookup reply); answer with
    ``KioskFlow.printed``. ``job`` tells the answer apart from an older one."""

    data: dict
    job: int
    reprint: bool = False


@dataclass(frozen=True)
class Speak:
    """Elderly mode's spoken prompt: fixed clips of the hall's voice pack, in order.
    ``text`` is the whole sentence, for a log or a text-to-speech fallback."""

    clips: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Quit:
    """A manager asked to leave the kiosk (gesture and PIN)."""
