"""The rating pad's logic, without a window: what to show, and what to send to the hub.

The pad draws everything from its retained ``state/pad/<window>`` (``hall.protocol_rating``):
idle with the staff on duty and 欢迎评价; when the hub asks, the five faces with their words
and none selected; on a 差评 the hall's reasons as toggles, an optional mobile number on a
numeric pad, and 提交; then a thank-you, and back to idle. After the thank-you, or when the
ask ends (answered, timed out, the next citizen), it forgets the citizen: no level, reason
or digit stays in memory or on screen.

The Kivy screens (``rating.screens``) only render ``view()`` and call the methods below; the
link (``rating.link``) feeds state, replies and the connection, and sends ``outbox``.
"""
from __future__ import annotations

import itertools
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from hall.rating_phone import normalise
from rating.words import say

THANKS_SECONDS = 6.0
SEND_GIVE_UP = 15.0  # seconds without a reply: tell the citizen and go back to idle
MESSAGE_SECONDS = 6.0
ANSWERED_KEPT = 8  # answered matters remembered: the hub's state shows only the latest, for a moment
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete")


@dataclass
class Pending:
    transaction: str
    fields: dict
    sent_at: float
    bad: bool
    masked: str | None
    matter: str


@dataclass
class PadPresenter:
    """One pad of one window. ``sealer(phone) -> {"sealed", "masked"}`` seals a number with the
    hall key; without one the pad does not offer the phone field."""

    window: str
    sealer: Callable[[str], dict] | None = None
    lang: str = "zh"
    screen: str = "idle"  # idle | asking | reasons | phone | thanks
    pad: dict | None = None  # the retained state/pad/<window>
    connected: bool = False
    hub_online: bool = True
    level: str | None = None
    reasons: list[str] = field(default_factory=list)
    digits: str = ""
    phone: dict | None = None  # sealed + masked, once the number is confirmed
    pending: Pending | None = None
    message: str | None = None  # a failure to show on the current screen
    message_until: float = 0.0
    thanks_until: float = 0.0
    thanks_bad: bool = False
    thanks_masked: str | None = None
    outbox: list[tuple[str, dict]] = field(default_factory=list)
    # the last matters this pad answered (the hub's state may still show one for a moment); not
    # every one since the pad started: a pad runs for years
    answered: deque[str] = field(default_factory=lambda: deque(maxlen=ANSWERED_KEPT))

    def __post_init__(self):
        self._ids = itertools.count(1)
        self._boot = os.urandom(3).hex()

    # ------------------------------------------------------------------ input from the hub

    @property
    def ask(self) -> dict | None:
        ask = (self.pad or {}).get("ask")
        return ask if ask and ask.get("matter") not in self.answered else None

    def on_pad_state(self, message: dict) -> None:
        before = self.ask
        self.pad = message
        now_ask = self.ask
        if self.screen == "thanks" or self.pending is not None:
            return
        if now_ask is None:
            self._forget()
            self.screen = "idle"
        elif before is None or before.get("matter") != now_ask.get("matter"):
            self._forget()
            self.screen = "asking"

    def on_connection(self, connected: bool) -> None:
        self.connected = connected

    def on_hub_status(self, online: bool) -> None:
        self.hub_online = online

    def on_bus(self, kind: str, value, now: float) -> None:
        """What the link (``rating.link``) brought, handed over on the presenter's thread: the pad
        state, a reply, the hub's status or the connection; a connection back sends the pending
        rating again."""
        if kind == "pad":
            self.on_pad_state(value)
        elif kind == "reply":
            self.on_reply(value, now)
        elif kind == "hub":
            self.on_hub_status(value)
        elif kind == "connected":
            self.on_connection(value)
            if value:
                self.resend()

    def on_reply(self, reply: dict, now: float) -> None:
        p = self.pending
        if p is None or reply.get("transaction") != p.transaction:
            return  # a late duplicate of an answered request
        self.pending = None
        if reply.get("status") == "ok":
            self.answered.append(p.matter)
            self._thank(p.bad, p.masked, now)
            return
        error = reply.get("error") or {}
        code = error.get("code")
        text = error.get("message_en" if self.lang == "en" else "message") or code or ""
        if code in ("already_rated", "rating_expired", "not_served_here"):
            self._forget()
            self.screen = "idle"
        self._show(say("failed", self.lang, message=text), now)

    # ------------------------------------------------------------------ the citizen's touches

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def choose(self, level: str, now: float) -> None:
        """A face: a good one is the whole rating; a bad one asks for reasons first."""
        if self.screen != "asking" or self.ask is None or self.pending is not None:
            return
        info = next((lv for lv in self.pad.get("levels", []) if lv["code"] == level), None)
        if info is None:
            return
        self.level = level
        if info["bad"]:
            self.reasons, self.screen = [], "reasons"
        else:
            self._send(now)

    def toggle_reason(self, code: str) -> None:
        if self.screen != "reasons" or code not in {r["code"] for r in self.offered_reasons()}:
            return
        if code in self.reasons:
            self.reasons.remove(code)
        else:
            self.reasons.append(code)
        self.message = None

    def back(self) -> None:
        if self.screen == "reasons":
            self.level, self.reasons, self.digits, self.phone = None, [], "", None
            self.screen = "asking"
        elif self.screen == "phone":
            self.digits = ""
            self.screen = "reasons"
        self.message = None

    def open_phone(self) -> None:
        if self.screen == "reasons" and self.sealer is not None:
            self.digits = ""
            self.screen = "phone"

    def key(self, key: str, now: float) -> None:
        if self.screen != "phone":
            return
        if key == "clear":
            self.digits = ""
        elif key == "delete":
            self.digits = self.digits[:-1]
        elif key.isdigit() and len(self.digits) < 11:
            self.digits += key
        self.message = None

    def confirm_phone(self, now: float) -> None:
        if self.screen != "phone":
            return
        if not self.digits:
            self.phone = None
        elif normalise(self.digits) is None:
            self._show(say("phone_bad", self.lang), now)
            return
        else:
            self.phone = self.sealer(self.digits)
        self.digits = ""  # the clear number lives only while it is typed
        self.screen = "reasons"

    def submit(self, now: float) -> None:
        if self.screen != "reasons" or self.pending is not None:
            return
        if not self.reasons:
            self._show(say("submit_needs_reason", self.lang), now)
            return
        self._send(now)

    # ------------------------------------------------------------------ time

    def tick(self, now: float) -> None:
        if self.message and now >= self.message_until:
            self.message = None
        if self.screen == "thanks" and now >= self.thanks_until:
            self._forget()
            self.screen = "asking" if self.ask is not None else "idle"
        if self.pending is not None and now - self.pending.sent_at >= SEND_GIVE_UP:
            self.pending = None
            self._forget()
            self.screen = "asking" if self.ask is not None else "idle"
            self._show(say("no_answer", self.lang), now)

    def resend(self) -> None:
        """Send the pending request again with the same transaction (the link does this when a
        reply is late or the connection came back): the hub answers a duplicate once."""
        if self.pending is not None:
            self.outbox.append((self.pending.transaction, self.pending.fields))

    # ------------------------------------------------------------------ what to draw

    def offered_reasons(self) -> list[dict]:
        """The hall's reasons the pad can offer: those that need written words (其他) cannot be
        typed on a pad and are left to the QR code and the front desk."""
        return [r for r in (self.pad or {}).get("reasons", []) if not r.get("text")]

    def view(self) -> dict:
        lang, pad = self.lang, self.pad or {}
        name = pad.get("name_en" if lang == "en" else "name") or pad.get("name") or f"{self.window}"
        v = {"screen": self.screen, "lang": lang, "lang_button": say("lang", lang), "window_name": name,
             "banner": self._banner(), "message": self.message, "busy": self.pending is not None}
        if self.screen == "idle":
            staff = pad.get("staff")
            v["title"] = say("welcome", lang)
            v["staff"] = None if staff is None else {
                "name": staff["name"], "line": say("window_staff", lang, window=name, number=staff["number"]),
                "photo": staff.get("photo") or "", "photo_label": say("photo", lang)}
            v["subtitle"] = None if staff else say("no_staff", lang)
        elif self.screen == "asking":
            ask = self.ask or {}
            service = (ask.get("service_name_en") if lang == "en" else None) or ask.get("service_name", "")
            v["title"] = say("ask_title", lang)
            v["matter"] = say("ask_matter", lang, ticket=ask.get("ticket", ""), service=service)
            v["hint"] = say("ask_hint", lang)
            v["faces"] = [{"code": lv["code"], "label": lv["name_en"] if lang == "en" else lv["name"],
                           "stars": lv["stars"], "bad": lv["bad"], "selected": False}
                          for lv in pad.get("levels", [])]
        elif self.screen == "reasons":
            v["title"] = say("reasons_title", lang)
            v["reasons"] = [{"code": r["code"], "label": (r.get("name_en") or r["name"]) if lang == "en" else r["name"],
                             "on": r["code"] in self.reasons} for r in self.offered_reasons()]
            v["more"] = say("reasons_more", lang)
            v["phone"] = None if self.sealer is None else (
                say("phone_left", lang, masked=self.phone["masked"]) if self.phone else say("phone_button", lang))
            v["submit"] = {"label": say("sending" if self.pending else "submit", lang),
                           "enabled": bool(self.reasons) and self.pending is None}
            v["back"] = say("back", lang)
        elif self.screen == "phone":
            v["title"] = say("phone_title", lang)
            v["digits"] = _grouped(self.digits)
            v["keys"] = [{"key": k, "label": say("phone_clear", lang) if k == "clear" else
                          say("phone_delete", lang) if k == "delete" else k} for k in KEYS]
            v["ok"] = say("phone_ok", lang)
            v["back"] = say("back", lang)
        elif self.screen == "thanks":
            v["title"] = say("thanks", lang)
            lines = []
            if self.thanks_bad:
                lines.append(say("thanks_bad", lang))
                if self.thanks_masked:
                    lines.append(say("thanks_phone", lang, masked=self.thanks_masked))
            v["lines"] = lines
        return v

    # ------------------------------------------------------------------ inside

    def _banner(self) -> str | None:
        if not self.connected:
            return say("lost", self.lang)
        if not self.hub_online:
            return say("hub_down", self.lang)
        return None

    def _send(self, now: float) -> None:
        ask = self.ask
        fields = {"number": ask["ticket"], "level": self.level}
        bad = self.screen == "reasons"
        if bad:
            fields["reasons"] = list(self.reasons)
            if self.phone:
                fields["phone"] = dict(self.phone)
        txn = f"{self.window}-{self._boot}-{next(self._ids)}"
        self.pending = Pending(txn, fields, now, bad, self.phone["masked"] if bad and self.phone else None,
                               ask["matter"])
        self.outbox.append((txn, fields))

    def _thank(self, bad: bool, masked: str | None, now: float) -> None:
        self._forget()
        self.thanks_bad, self.thanks_masked = bad, masked
        self.thanks_until = now + THANKS_SECONDS
        self.screen = "thanks"

    def _forget(self) -> None:
        """Nothing of the citizen stays: level, reasons, digits, phone, the thank-you's number."""
        self.level, self.reasons, self.digits, self.phone = None, [], "", None
        self.thanks_bad, self.thanks_masked = False, None

    def _show(self, text: str, now: float) -> None:
        self.message, self.message_until = text, now + MESSAGE_SECONDS


def _grouped(digits: str) -> str:
    """138 1234 5678 as it is typed."""
    return " ".join(x for x in (digits[:3], digits[3:7], digits[7:11]) if x)
