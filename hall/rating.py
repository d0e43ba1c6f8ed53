"""好差评: the pure rules of a rating and of a 差评's follow-up (国办发〔2019〕51号, GB/T 39734).

No I/O and no clock: levels, 差评 reasons, what a valid rating is, the case state machine
待核实 → 核实 (属实 / 不属实 / 误评或恶意差评) → 整改 → 反馈 → 办结, and deadlines in working
days of the hall's own calendar (its weekdays, holidays ``closed_days`` and make-up days
``extra_days``). ``hall.rating_engine`` applies these rules to the hall state.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hall.config import HallConfig, RatingReason
from hall.messages import refuse


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    name_en: str
    stars: int  # the platforms' 5★…1★; 0 = 未评价

    @property
    def bad(self) -> bool:
        """不满意 and 非常不满意 are 差评."""
        return 0 < self.stars <= 2


LEVELS: dict[str, Level] = {lv.code: lv for lv in (
    Level("very_satisfied", "非常满意", "Very satisfied", 5),
    Level("satisfied", "满意", "Satisfied", 4),
    Level("basically_satisfied", "基本满意", "Basically satisfied", 3),
    Level("dissatisfied", "不满意", "Dissatisfied", 2),
    Level("very_dissatisfied", "非常不满意", "Very dissatisfied", 1),
)}
UNRATED = Level("unrated", "未评价", "Not rated", 0)  # no answer in time: never counted as 满意
ALL_LEVELS = {**LEVELS, UNRATED.code: UNRATED}

CHANNELS = {"pad": "评价器", "kiosk": "自助终端", "qr": "二维码"}

# ---------------------------------------------------------------------- the case of a 差评

CASE_STATUS = {
    "open": "待核实", "verified": "已核实", "rectified": "已整改", "answered": "已反馈", "closed": "办结",
}
CASE_STATUS_EN = {
    "open": "to verify", "verified": "verified", "rectified": "rectified", "answered": "answered",
    "closed": "closed",
}
STEPS = {  # step: (中文, the status it leads to)
    "verify": ("核实", "verified"),
    "rectify": ("整改", "rectified"),
    "answer": ("反馈", "answered"),
    "close": ("办结", "closed"),
}
VERDICTS = {"true": "属实", "untrue": "不属实", "mistaken": "误评或恶意差评"}

PHONE_MASKED = re.compile(r"^1[3-9][0-9]\*{4}[0-9]{4}$")
_PHONE_CLEAR = re.compile(r"(?<![0-9])1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9])")
TEXT_MAX = 200


def level_of(code) -> Level:
    if not isinstance(code, str) or code not in LEVELS:
        raise refuse("unknown_level", level=code if isinstance(code, str) else "")
    return LEVELS[code]


def reasons_for(config: HallConfig) -> dict[str, RatingReason]:
    return {r.code: r for r in config.rating.reasons}


def check_rating(config: HallConfig, level: Level, reasons, text) -> tuple[tuple[str, ...], str | None]:
    """The reason codes and text of a valid rating, or a refusal: a 差评 needs at least one
    reason from the hall's list; a reason that asks for words (其他) needs the text; a good
    rating carries no reasons. No phone number in clear in the text."""
    reasons = [] if reasons is None else reasons
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise refuse("bad_request", detail="reasons 应为原因代码列表")
    if text is not None and not isinstance(text, str):
        raise refuse("bad_request", detail="text 应为文字")
    text = (text or "").strip()[:TEXT_MAX] or None
    if text and has_clear_phone(text):
        raise refuse("phone_in_text")
    known = reasons_for(config)
    for code in reasons:
        if code not in known:
            raise refuse("unknown_reason", reason=code)
    codes = tuple(dict.fromkeys(reasons))
    if not level.bad:
        if codes:
            raise refuse("reasons_for_bad_only")
        return (), text
    if not codes:
        raise refuse("reason_needed")
    wordy = [known[c] for c in codes if known[c].text]
    if wordy and not text:
        raise refuse("reason_text_needed", reason=wordy[0].name, reason_en=wordy[0].name_en or wordy[0].code)
    return codes, text


def has_clear_phone(value) -> bool:
    """A mainland mobile number in clear (1xx xxxx xxxx, with or without spaces or dashes)."""
    if isinstance(value, str):
        return bool(_PHONE_CLEAR.search(value))
    if isinstance(value, dict):
        return any(has_clear_phone(v) for v in value.values())
    if isinstance(value, list):
        return any(has_clear_phone(v) for v in value)
    return False


def check_phone(phone) -> tuple[str, str] | None:
    """(sealed, masked) from a rating's ``phone`` object, or a refusal. The number travels
    only sealed with the hall key and masked (138****5678), never in clear."""
    if phone is None:
        return None
    if not isinstance(phone, dict) or set(phone) != {"sealed", "masked"}:
        raise refuse("bad_request", detail="phone 应为 {sealed, masked}")
    sealed, masked = phone["sealed"], phone["masked"]
    if not (isinstance(masked, str) and PHONE_MASKED.match(masked)):
        raise refuse("phone_not_masked")
    if not (isinstance(sealed, str) and 16 <= len(sealed) <= 400 and re.fullmatch(r"[A-Za-z0-9_=-]+", sealed)):
        raise refuse("bad_request", detail="phone.sealed 应为加密后的号码")
    return sealed, masked


def allowed_steps(status: str, verdict: str | None, named: bool) -> tuple[str, ...]:
    """The steps a case in ``status`` (with the verdict it was verified with) may take next."""
    if status == "open":
        return ("verify",)
    if status == "verified":
        if verdict == "true":
            return ("rectify",)
        return ("answer",) if named else ("answer", "close")
    if status == "rectified":
        return ("answer",) if named else ("answer", "close")
    if status == "answered":
        return ("close",)
    return ()


def move(status: str, verdict: str | None, named: bool, step: str, new_verdict) -> tuple[str, str | None]:
    """(new status, verdict) after ``step``, or a refusal that says what may come next."""
    if step not in STEPS:
        raise refuse("unknown_step", step=str(step))
    if status == "closed":
        raise refuse("case_closed")
    allowed = allowed_steps(status, verdict, named)
    if step not in allowed:
        raise refuse("step_out_of_order", status=CASE_STATUS[status], status_en=CASE_STATUS_EN[status],
                     allowed="、".join(STEPS[s][0] for s in allowed), allowed_en=", ".join(allowed))
    if step == "verify":
        if new_verdict not in VERDICTS:
            raise refuse("verdict_needed")
        verdict = new_verdict
    elif new_verdict is not None:
        raise refuse("bad_request", detail="verdict 只在核实时填写")
    return STEPS[step][1], verdict


# ---------------------------------------------------------------------- working days

def working_day_after(config: HallConfig, start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (the day itself does not count): weekends
    and the hall's holidays (``closed_days``) are skipped, make-up days (``extra_days``) count."""
    day, left = start, days
    for _ in range(days * 7 + 400):  # a hall open at least one day a week, with holidays
        day += dt.timedelta(days=1)
        if config.is_open_day(day):
            left -= 1
            if left == 0:
                return day
    raise ValueError(f"no {days} working days after {start}: the hall is never open")
