"""The kiosk's presenter (取号机): every decision of every screen, without a window.

Inputs are what happens at the kiosk — a touch (``touch``), a card (``card``, ``card_error``),
a scanned code (``scan``), a hub reply (``reply``), retained state (``on_state``), the
connection (``on_connection``, ``on_hub``), the printer's answers (``printer_checked``,
``printed``) and the passing of time (``tick``). Outputs are ``view()`` (what the screen shows)
and effects (``take_effects()``: requests to send, a printer to check, a ticket to print, a
prompt to speak). The Kivy app is a thin shell that carries them between the two.

Rules it keeps:
- One touch, one ticket: a button belongs to the screen ``generation`` it was drawn for; a
  tap on an older one, a second tap, or a tap while a request is on its way is ignored.
- A request not answered within ``retry_seconds`` is sent again with the same transaction
  (the hub answers a duplicate with its first answer), never as a new ticket.
- The printer is asked before a ticket is issued; a ticket whose print failed, or that was
  shown on screen only, stays on screen until the citizen confirms "我已记下号码", and is
  cancelled (``cancel``, reason ``print_failed``) if they walk away. A ticket issued after
  the citizen left (a late reply) is cancelled too: no ghost tickets.
- After ``idle_seconds`` without a touch the kiosk goes home and forgets the citizen.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from hall.config import HallConfig
from kiosk import voice
from kiosk.catalogue import Catalogue
from kiosk.effects import CheckPrinter, Print, Quit, Send
from kiosk.i18n import EN, ZH
from kiosk.person import Person
from kiosk.view import View

# reader conditions a citizen need not hear about: nobody there, the card just read still lying
QUIET_CARD_CODES = frozenset({"no_card", "card_not_lifted"})
BUSY_SCREENS = ("working", "printer_problem", "manager")
CANCEL_PRINT_FAILED, CANCEL_ABANDONED = "print_failed", "abandoned"


@dataclass(frozen=True)
class KioskSettings:
    """The kiosk's own knobs (``[[device]]`` keys of the hall file, docs/hall-config.md)."""

    device: str = "kiosk-1"
    idle_seconds: float = 60.0
    retry_seconds: float = 3.0
    slow_seconds: float = 8.0  # after this, the waiting screen says it is retrying
    done_seconds: float = 20.0  # a printed ticket, a refusal, a status stay this long
    notice_seconds: float = 6.0
    give_up_seconds: float = 600.0  # a cancel or an abandoned issue is retried this long
    manager_pin: str = ""
    elderly_services: tuple[str, ...] = ()
    has_printer: bool = True


@dataclass
class Pending:
    verb: str
    transaction: str
    fields: dict
    purpose: str
    first: float
    last: float


@dataclass
class Intent:
    """A ticket about to be asked for: which verb and fields, and whether to print it."""

    verb: str
    fields: dict
    service: str | None
    print: bool = True


class KioskFlow:
    def __init__(self, config: HallConfig, settings: KioskSettings = KioskSettings(), *,
                 clock: Callable[[], float] = time.time):
        self.config = config
        self.settings = settings
        self.clock = clock
        self.catalogue = Catalogue(config, settings.elderly_services)
        self._txn_prefix = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)
        self._jobs = itertools.count(1)
        self.effects: list = []
        self.connected = False
        self.hub_online = False
        self.generation = 0
        self.screen = "home"
        self.ctx: dict = {}
        self.lang = ZH
        self.elderly = False
        self.person: Person | None = None
        self.pending: Pending | None = None
        self.background: dict[str, Pending] = {}
        self.intent: Intent | None = None
        self.print_job: int | None = None
        self.notice: tuple[str, float] | None = None  # (sentence key or text, until)
        self.deadline: float | None = None
        self.last_touch = clock()
        self._corner: list[float] = []

    # ================================================================= outputs
    def take_effects(self) -> list:
        out, self.effects = self.effects, []
        return out

    @property
    def online(self) -> bool:
        return self.connected and self.hub_online

    def now_local(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), self.config.timezone)

    # ================================================================= inputs: the hall
    def on_state(self, topic_kind: str, body: dict) -> None:
        """``topic_kind`` is ``hall`` or ``service`` (the retained state the kiosk watches)."""
        if topic_kind == "hall":
            self.catalogue.on_hall(body)
        elif topic_kind == "service":
            self.catalogue.on_service(body)

    def on_connection(self, up: bool) -> None:
        self.connected = up
        if up:
            self._resend_all()

    def on_hub(self, online: bool) -> None:
        was = self.online
        self.hub_online = online
        if online and not was:
            self._resend_all()

    # ================================================================= inputs: the citizen
    def touch(self, action: str, arg: str | None = None, generation: int | None = None) -> bool:
        """A tap on a button of the screen drawn for ``generation``. False if ignored."""
        if generation is not None and generation != self.generation:
            return False  # the button was already leaving the screen
        now = self.clock()
        self.last_touch = now
        handler = getattr(self, f"_on_{action}", None)
        if handler is None:
            return False
        return handler(arg) is not False

    def _on_lang(self, _):
        self.lang = EN if self.lang == ZH else ZH

    def _on_elderly(self, _):
        self.elderly = not self.elderly
        self.ctx.pop("offer_elderly", None)
        if self.elderly:
            self._speak_screen()

    def _on_home(self, _):
        if self._needs_confirmation() or self.screen in ("working",):
            return False
        self._show("home")

    def _on_done(self, _):
        if self._needs_confirmation():
            return False
        self.reset()

    def _on_noted(self, _):
        if not self._needs_confirmation():
            return False
        self.ctx["mode"] = "noted"  # the citizen has the number: nothing to cancel
        self.reset()

    def _on_clear_person(self, _):
        if self.screen not in ("home", "guide"):
            return False
        self.person = None
        self._show("home")

    def _on_guide(self, code):
        if self.screen not in ("home",) or code not in self.config.services:
            return False
        self._show("guide", service=code)

    def _on_scan(self, _):
        if self.screen != "home":
            return False
        self._show("scan")

    def _on_take(self, code):
        if self.screen not in ("home", "guide") or code not in self.config.services:
            return False
        if self.screen == "guide" and code != self.ctx.get("service"):
            return False
        if not self.catalogue.is_open(code):
            return False
        fields: dict = {"service": code}
        if self.person is not None:
            fields.update(channel="id_card", person=self.person.request_fields())
        return self._begin(Intent("issue", fields, code))

    def _on_no_print(self, _):
        if self.screen != "printer_problem" or self.intent is None:
            return False
        self.intent.print = False
        self._send_intent()

    def _on_reprint(self, _):
        if self.screen != "holding" or not self.settings.has_printer or self.print_job is not None:
            return False
        self.print_job = next(self._jobs)
        self.ctx.update(note=None, printing=True, purpose="reprint")
        self.effects.append(Print(self.ctx["data"], self.print_job, reprint=True))

    def _on_return_missed(self, _):
        data = self.ctx.get("data") or {}
        if self.screen != "status" or data.get("status") != "missed" or self.pending:
            return False
        self._request("return_missed", {"number": data["ticket"]}, "return")
        self._show("working", what="working")

    # manager's way out: five taps in the top corner within four seconds, then the PIN
    def _on_corner(self, _):
        now = self.clock()
        self._corner = [t for t in self._corner if now - t < 4.0] + [now]
        if len(self._corner) >= 5 and self.settings.manager_pin and self.screen == "home":
            self._corner = []
            self._show("manager", pin="", wrong=False)
        return True

    def _on_pin(self, digit):
        if self.screen != "manager" or not digit or not digit.isdigit() or len(self.ctx["pin"]) >= 12:
            return False
        self.ctx.update(pin=self.ctx["pin"] + digit, wrong=False)

    def _on_pin_clear(self, _):
        if self.screen != "manager":
            return False
        self.ctx.update(pin="", wrong=False)

    def _on_pin_ok(self, _):
        if self.screen != "manager":
            return False
        if self.ctx["pin"] == self.settings.manager_pin:
            self.effects.append(Quit())
            self.reset()
        else:
            self.ctx.update(pin="", wrong=True)

    # ================================================================= inputs: devices
    def card(self, person: Person) -> bool:
        """A card was read. Greets, applies the green channel by age; a citizen who was
        refused for want of an ID card gets the ticket at once."""
        if self.screen in BUSY_SCREENS or self.pending is not None or self._needs_confirmation():
            return False
        self.last_touch = self.clock()
        if self.screen in ("ticket", "holding", "status", "unknown_code", "scan"):
            self.reset()  # a new citizen
        retry = self.screen == "refused" and self.ctx.get("code") == "id_card_required"
        service = self.ctx.get("service")
        self.person = person
        elder = person.is_elder(self.now_local().date(), self.config.rules.green_channel_age)
        if retry and service:
            fields = {"service": service, "channel": "id_card", "person": person.request_fields()}
            return self._begin(Intent("issue", fields, service))
        if self.screen not in ("home", "guide"):
            self._show("home")
        if elder and not self.elderly:
            self.ctx["offer_elderly"] = True
        if self.elderly and elder:
            self.effects.append(voice.prompt(self.lang, "kiosk-green"))
        return True

    def card_error(self, err) -> None:
        """A reader's condition changed: ``None`` (ready) or a DeviceError with a Chinese
        sentence. Shown as a passing notice; the reader recovers by itself."""
        if err is None or err.code in QUIET_CARD_CODES:
            return
        if err.code in ("disconnected", "no_reader", "pcsc_unavailable"):
            self._notice(("reader_unavailable",))
        else:
            self._notice(("device", err.message_zh, err.message_en))

    def scan(self, kind: str, text: str | None, fields: dict | None = None) -> bool:
        """A scanned code, classified (``devices.scanner.classify``): ticket, appointment,
        unknown or unreadable."""
        fields = fields or {}
        if self.screen in BUSY_SCREENS or self.pending is not None or self._needs_confirmation():
            return False
        self.last_touch = self.clock()
        if kind == "unreadable":
            self._notice(("unreadable_code",))
            return True
        if kind == "ticket" and (fields.get("number") or fields.get("token")):
            if fields.get("hall") not in (None, self.config.id):
                self._show("unknown_code")
                return True
            key = {"token": fields["token"]} if fields.get("token") else {"number": fields["number"]}
            self._request("lookup", key, "status")
            self._show("working", what="looking_up")
            return True
        if kind == "appointment" and fields.get("code"):
            extra = {"person": self.person.request_fields()} if self.person else {}
            return self._begin(Intent("checkin", {"appointment": fields["code"], **extra}, None))
        self._show("unknown_code")
        return True

    def printer_checked(self, can_print: bool, message_zh: str = "", message_en: str = "") -> None:
        if self.screen != "working" or self.ctx.get("what") != "checking" or self.intent is None:
            return
        if can_print:
            self._send_intent()
        else:
            self._show("printer_problem", why=(message_zh, message_en))

    def printed(self, job: int, ok: bool, message_zh: str = "", message_en: str = "") -> None:
        if job != self.print_job:
            return
        self.print_job = None
        if self.screen == "holding":  # a reprint
            self.ctx.update(printing=False, note=("reprinted",) if ok else ("print_failed", message_zh, message_en))
            return
        if self.screen != "working" or self.ctx.get("what") != "printing":
            return
        data = self.ctx["data"]
        if ok:
            self._show("ticket", data=data, mode="printed", title=self.ctx.get("title"))
        else:
            self._show("ticket", data=data, mode="print_failed", why=(message_zh, message_en),
                       title=self.ctx.get("title"))

    # ================================================================= inputs: the hub
    def reply(self, body: dict) -> None:
        if not isinstance(body, dict):
            return
        txn = body.get("transaction")
        ok = body.get("status") == "ok"
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        if txn in self.background:
            p = self.background.pop(txn)
            if p.purpose == "orphan" and ok and data.get("ticket"):
                self._cancel(data["ticket"], CANCEL_ABANDONED)
            return
        p = self.pending
        if p is None or txn != p.transaction:
            return  # an old answer: its question is gone
        self.pending = None
        if p.purpose == "issue":
            self._issued(ok, data, error)
        elif p.purpose == "holding":
            if ok:
                self._show("holding", data=data, note=None)
            else:
                self._refused(self.ctx.get("refusal") or error, self.ctx.get("service"))
        elif p.purpose in ("status", "return"):
            if ok:
                self._show("status", data=data, note=("returned",) if p.purpose == "return" else None)
            else:
                self._refused(error, None)

    def _issued(self, ok: bool, data: dict, error: dict) -> None:
        intent = self.intent
        title = "checkin_title" if intent and intent.verb == "checkin" else None
        if not ok:
            if error.get("code") == "already_holding" and self.person is not None and intent and intent.service:
                self._request("lookup", {"service": intent.service, "person": self.person.request_fields()},
                              "holding")
                self._show("working", what="looking_up", refusal=error, service=intent.service)
                return
            self._refused(error, intent.service if intent else None)
            return
        if intent and intent.print:
            self.print_job = next(self._jobs)
            self.effects.append(Print(data, self.print_job))
            self._show("working", what="printing", data=data, title=title)
        else:
            self._show("ticket", data=data, mode="screen_only", title=title)

    def _refused(self, error: dict, service: str | None) -> None:
        self._show("refused", code=error.get("code"), service=service,
                   message=(error.get("message") or "", error.get("message_en") or ""))

    # ================================================================= time
    def tick(self) -> None:
        """Call about once a second: retries, timeouts, the idle reset."""
        now = self.clock()
        p = self.pending
        if p is not None and now - p.last >= self.settings.retry_seconds:
            p.last = now
            self.effects.append(Send(p.verb, p.transaction, p.fields))
        for txn, b in list(self.background.items()):
            if now - b.first >= self.settings.give_up_seconds:
                del self.background[txn]
            elif now - b.last >= self.settings.retry_seconds:
                b.last = now
                self.effects.append(Send(b.verb, b.transaction, b.fields))
        if self.notice and now >= self.notice[1]:
            self.notice = None
        if self.deadline is not None and now >= self.deadline:
            self.reset()
        elif (self.screen != "home" or self.person is not None or self.elderly or self.lang != ZH) \
                and now - self.last_touch >= self.settings.idle_seconds:
            self.reset()

    def reset(self) -> None:
        """Back to the home screen, forgetting the citizen: nothing personal stays in memory.
        A ticket not yet known to its holder is cancelled; a request still on its way is
        cancelled when its answer comes."""
        if self._needs_confirmation():
            self._cancel(self.ctx["data"]["ticket"], CANCEL_PRINT_FAILED)
        elif self.screen == "working" and self.ctx.get("what") == "printing" and self.ctx.get("data"):
            self._cancel(self.ctx["data"]["ticket"], CANCEL_PRINT_FAILED)  # the printer never answered
        if self.pending is not None:
            if self.pending.purpose == "issue":
                self.pending.purpose = "orphan"
                self.background[self.pending.transaction] = self.pending
            self.pending = None
        self.person = None
        self.intent = None
        self.print_job = None
        self.notice = None
        self.elderly = False
        self.lang = ZH
        self._corner = []
        self._show("home")

    # ================================================================= helpers
    def _needs_confirmation(self) -> bool:
        return self.screen == "ticket" and self.ctx.get("mode") in ("print_failed", "screen_only")

    def _begin(self, intent: Intent) -> bool:
        if self.pending is not None or self.intent is not None and self.screen in BUSY_SCREENS:
            return False
        if not self.online:
            self._notice(("offline",))
            return False
        self.intent = intent
        if self.settings.has_printer:
            self._show("working", what="checking")
            self.effects.append(CheckPrinter())
        else:
            intent.print = False
            self._send_intent()
        return True

    def _send_intent(self) -> None:
        intent = self.intent
        self._request(intent.verb, intent.fields, "issue")
        self._show("working", what="checking_in" if intent.verb == "checkin" else "working")

    def _new_transaction(self) -> str:
        return f"{self.settings.device}-{self._txn_prefix}-{next(self._counter)}"

    def _request(self, verb: str, fields: dict, purpose: str) -> None:
        now = self.clock()
        self.pending = Pending(verb, self._new_transaction(), fields, purpose, now, now)
        self.effects.append(Send(verb, self.pending.transaction, fields))

    def _cancel(self, number: str, reason: str) -> None:
        now = self.clock()
        p = Pending("cancel", self._new_transaction(), {"number": number, "reason": reason}, "cancel", now, now)
        self.background[p.transaction] = p
        self.effects.append(Send(p.verb, p.transaction, p.fields))

    def _resend_all(self) -> None:
        now = self.clock()
        for p in ([self.pending] if self.pending else []) + list(self.background.values()):
            p.last = now
            self.effects.append(Send(p.verb, p.transaction, p.fields))

    def _notice(self, what: tuple) -> None:
        self.notice = (what, self.clock() + self.settings.notice_seconds)

    def _show(self, screen: str, **ctx) -> None:
        offer = self.ctx.get("offer_elderly") if screen in ("home", "guide") else None
        self.generation += 1
        self.screen = screen
        self.ctx = dict(ctx)
        if offer:
            self.ctx["offer_elderly"] = True
        now = self.clock()
        timed = screen in ("refused", "status", "unknown_code") or (screen == "ticket" and ctx.get("mode") == "printed")
        self.deadline = now + self.settings.done_seconds if timed else None
        if self.elderly:
            self._speak_screen()

    def _speak_screen(self) -> None:
        s, ctx = self.screen, self.ctx
        number = (ctx.get("data") or {}).get("ticket")
        if s == "home":
            self.effects.append(voice.prompt(self.lang, "kiosk-welcome"))
        elif s == "guide":
            self.effects.append(voice.prompt(self.lang, "kiosk-guide"))
        elif s == "ticket" and number:
            tail = "kiosk-take-slip" if ctx.get("mode") == "printed" else "kiosk-write-down"
            head = ("kiosk-checked-in",) if ctx.get("title") else ()
            self.effects.append(voice.prompt(self.lang, *head, "kiosk-your-number", "#" + number, tail))
        elif s == "printer_problem":
            self.effects.append(voice.prompt(self.lang, "kiosk-printer-problem"))
        elif s == "refused":
            self.effects.append(voice.prompt(self.lang, "kiosk-refused"))
        elif s == "holding" and number:
            self.effects.append(voice.prompt(self.lang, "kiosk-holding", "kiosk-your-number", "#" + number))
        elif s == "unknown_code":
            self.effects.append(voice.prompt(self.lang, "kiosk-unknown-code"))

    # ================================================================= the view
    def view(self) -> View:
        from kiosk.screens_view import build_view  # the sentences of each screen live there
        return build_view(self)

