"""The 好差评 part of the hall state: matters served today, pending asks, open 差评 cases.

Plain dataclasses, like ``hall.state``; the store writes them (``hall.rating_store``) and
rebuilds them exactly on reopen. A *matter* (办件) is one service of one ticket finished at
one window: the unit that is rated once ("一事一评"). A rating record, once written, never
changes; a case moves through its steps until 办结.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, fields


@dataclass
class Matter:
    """One service of a ticket finished at a window today. ``status``: served (no pad asked),
    asked (the pad is asking), rated, unrated (no answer in time: 未评价)."""

    key: str  # day:ticket:service:window
    number: str  # 办件编号, e.g. 20250304-1-A001-household
    day: str
    ticket: str
    service: str
    window: str
    staff: str | None
    served_at: float
    named: bool = False  # the ticket was taken with an ID card (实名)
    status: str = "served"
    asked_at: float | None = None
    expires_at: float | None = None

    def row(self) -> dict:
        return asdict(self)


@dataclass
class Rating:
    """The national record of one rating (or of its absence, 未评价)."""

    id: str  # the matter's 办件编号: one rating per matter
    day: str
    matter: str
    ticket: str
    service: str
    service_name: str
    window: str
    staff: str | None
    channel: str  # pad 评价器 | kiosk 自助终端 | qr 二维码
    level: str
    stars: int
    reasons: list[str]
    text: str | None
    at: float
    named: bool
    phone_masked: str | None = None
    phone_sealed: str | None = None  # AES-GCM with the hall key; never the number in clear
    case: int | None = None
    reported: bool = False  # uploaded to the provincial platform

    def row(self) -> dict:
        return asdict(self)


@dataclass
class Case:
    """The follow-up of a 差评: 待核实 → 核实 → 整改 → 反馈 → 办结."""

    id: int
    rating: str
    day: str
    ticket: str
    service: str
    window: str
    staff: str | None
    level: str
    reasons: list[str]
    named: bool
    phone_masked: str | None
    opened_at: float
    deadline: str  # the last working day (ISO date)
    status: str = "open"
    verdict: str | None = None
    overdue: bool = False
    closed_at: float | None = None
    steps: list[dict] = field(default_factory=list)  # {step, verdict, note, by, at}

    def row(self) -> dict:
        return asdict(self)


MATTER_FIELDS = tuple(f.name for f in fields(Matter))
RATING_FIELDS = tuple(f.name for f in fields(Rating))
CASE_FIELDS = tuple(f.name for f in fields(Case))


@dataclass
class RatingBook:
    matters: dict[str, Matter] = field(default_factory=dict)  # today's, by key
    asks: dict[str, str] = field(default_factory=dict)  # window -> key of the matter its pad asks about
    cases: dict[int, Case] = field(default_factory=dict)  # cases not yet 办结
    last_case: int = 0
    # what changed since the store last wrote
    dirty_matters: dict[str, Matter] = field(default_factory=dict, repr=False, compare=False)
    new_ratings: list[Rating] = field(default_factory=list, repr=False, compare=False)
    dirty_cases: dict[int, Case] = field(default_factory=dict, repr=False, compare=False)
    _earliest: str | None = field(default=None, repr=False, compare=False)  # cache; "" = none

    def earliest_deadline(self) -> str:
        """The earliest deadline of an open case not yet overdue ("" when there is none), so the
        engine checks for overdue cases in O(1) per command instead of walking them all."""
        if self._earliest is None:
            self._earliest = min((c.deadline for c in self.cases.values() if not c.overdue), default="")
        return self._earliest

    def touch(self, obj: Matter | Case) -> None:
        if isinstance(obj, Matter):
            self.dirty_matters[obj.key] = obj
        else:
            self.dirty_cases[obj.id] = obj
            if obj.overdue or obj.status == "closed":
                self._earliest = None  # it may have been the earliest: look again when asked
            elif self._earliest is not None:  # opened or moved: deadlines never change
                self._earliest = min(self._earliest or obj.deadline, obj.deadline)

    def clean(self) -> None:
        self.dirty_matters.clear()
        self.new_ratings.clear()
        self.dirty_cases.clear()

    def snapshot(self) -> dict:
        return copy.deepcopy({
            "matters": {k: m.row() for k, m in sorted(self.matters.items())},
            "asks": dict(sorted(self.asks.items())),
            "cases": {k: c.row() for k, c in sorted(self.cases.items())},
            "last_case": self.last_case,
        })
