"""The soft caller's logic (软呼叫器), without a window: tested directly, drawn by caller/app.py.

The presenter is fed what the bus brings (``connected``, ``receive(topic, body)``) and what
the clerk does (``press``, ``key``, ``sign_in``, ``choose``, ``enter_text``, ``cancel``), and
it hands requests to ``send(payload)``. ``view()`` is everything the window draws.

It holds no authority: the window's state, the pools and the clerk's day come from the hub's
retained topics, so a caller that restarts shows the present at once. A request carries a
transaction id made of a boot-random prefix and a counter; until its reply comes it stays
*pending*: it is sent again with the same id every ``retry_every`` seconds and when the
connection returns, and the same button pressed again re-sends it rather than acting anew,
so a press is acted on once however often it is sent. Without the broker or the hub a press
does nothing but say so. The hub's refusal is shown as the hub words it.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from caller.actions import ACTIONS, BY_ID, NOT_NOW, OUTCOMES, PAUSE_REASONS, REJECT_REASONS, for_key
from hall.config import HallConfig
from hall.messages import OUTCOMES as OUTCOME_ZH
from hall.messages import STATUS_ZH
from hall.pin import verify_pin
from hall.protocol import HUB_CLIENT, ONLINE, V, Topics, parse_status

PIN_TRIES, PIN_LOCK_SECONDS = 5, 60.0
PRIORITY_ZH = {"green": "绿色通道", "appointment": "预约"}
SITUATION_ZH = {"unknown": "读取中", "signed_out": "未登录", "idle": "空闲", "called": "已叫号",
                "serving": "办理中", "paused": "暂停服务"}


@dataclass
class Notice:
    text: str
    kind: str = "info"  # ok | error | info | wait


@dataclass
class Dialog:
    """A question before a request: choices (value, label) picked by digit key or tap, and/or a text."""

    kind: str
    title: str
    choices: tuple[tuple[str, str], ...] = ()
    text_prompt: str | None = None
    flag: bool | None = None  # 转办: "办完回到本窗口"
    context: dict = field(default_factory=dict)


@dataclass
class Pending:
    action: str
    payload: dict
    sent_at: float
    attempts: int = 1


@dataclass
class ButtonView:
    id: str
    label: str
    key: str
    enabled: bool


@dataclass
class TicketCard:
    number: str
    service_name: str
    status: str
    priority: str        # "绿色通道", "预约" or ""
    waited_min: int      # from taking the ticket to being called (or until now)
    serving_min: int | None
    origin: str          # where it was transferred from, "" if not


@dataclass
class CallerView:
    window_name: str
    staff: str
    situation: str
    situation_text: str
    online: bool
    connection_text: str
    ticket: TicketCard | None
    waiting: int
    held: list[str]
    missed: list[str]
    served: int | None
    handling_mean_min: float | None
    buttons: list[ButtonView]
    notice: Notice | None
    dialog: Dialog | None
    working: bool


class CallerPresenter:
    def __init__(self, config: HallConfig, device_id: str, send: Callable[[dict], bool], *,
                 clock: Callable[[], float] = time.time, retry_every: float = 2.0):
        device = config.devices.get(device_id)
        if device is None or device.role != "caller" or device.window is None:
            raise ValueError(f"{device_id!r} is not a caller of a window in the hall file")
        self.config, self.device = config, device
        self.window = config.windows[device.window]
        self.topics = Topics(config.id)
        self.send, self.clock, self.retry_every = send, clock, retry_every
        self.connected = False
        self.hub_online: bool | None = None
        self.window_state: dict | None = None
        self.services: dict[str, dict] = {}
        self.pending: Pending | None = None
        self.dialog: Dialog | None = None
        self.notice: Notice | None = None
        self.origins: dict[str, str] = {}  # ticket number -> where it was transferred from
        self._prefix = uuid.uuid4().hex[:8]
        self._counter = itertools.count(1)
        self._pin_failures, self._locked_until = 0, 0.0
        self._skills = set(self.window.primary) | set(self.window.secondary)

    # ------------------------------------------------------------------ what the bus brings

    def subscriptions(self) -> tuple[str, ...]:
        t = self.topics
        return (t.reply(self.device.id) + "/#", t.window(self.window.id), t.service(), t.status(HUB_CLIENT),
                t.event("ticket_transferred"), t.event("staff_logout"))

    def set_connected(self, up: bool) -> None:
        self.connected = up
        if up:
            self._resend()

    def receive(self, topic: str, body) -> None:
        t = self.topics
        if topic == t.status(HUB_CLIENT):
            if isinstance(body, dict):
                state = body.get("state")
            else:  # a tiny device's bare word
                state = parse_status(body if isinstance(body, bytes) else str(body).encode())
            was = self.hub_online
            self.hub_online = state == ONLINE
            if self.hub_online and not was:
                self._resend()
        elif not isinstance(body, dict):
            return
        elif t.is_reply_to(self.device.id, topic):
            self._reply(body)
        elif topic == t.window(self.window.id):
            self.window_state = body
        elif topic.startswith(t.service("")):
            self.services[topic[len(t.service("")):]] = body
        elif topic == t.event("ticket_transferred"):
            self._transferred(body)
        elif topic == t.event("staff_logout"):
            data = body.get("data") or {}
            if body.get("window") == self.window.id and data.get("reason") == "takeover":
                self.notice = Notice(f"工号{body.get('staff')}已被工号{data.get('by')}接替（AB岗）", "info")

    def tick(self) -> None:
        """Called about every half second: re-send a request whose reply is late."""
        if self.pending and self.clock() - self.pending.sent_at >= self.retry_every:
            self._resend()

    # ------------------------------------------------------------------ what the clerk does

    def key(self, name: str) -> None:
        """A key press: "F1"…"F12", "Shift+F7", "Enter", "Escape", "1"…"9"."""
        if self.dialog is not None:
            if name == "Escape":
                self.cancel()
            elif name == "Enter" and self.dialog.choices and self.dialog.text_prompt is None:
                self.choose(self.dialog.choices[0][0])
            elif name.isdigit() and self.dialog.text_prompt is None and 1 <= int(name) <= len(self.dialog.choices):
                self.choose(self.dialog.choices[int(name) - 1][0])
            elif name == "R" and self.dialog.flag is not None:
                self.dialog.flag = not self.dialog.flag
            return
        action = for_key(name, self.situation())
        if action is not None:
            self.press(action.id)

    def press(self, action_id: str) -> None:
        action = BY_ID[action_id]
        if self.pending is not None:
            if self.pending.action == action_id:
                self._resend(force=True)  # the same press again: the same transaction
            else:
                self.notice = Notice(f"上一个操作（{BY_ID[self.pending.action].label}）正在等待系统响应，请稍候", "wait")
            return
        blocked = self._cannot_act()
        if blocked:
            self.notice = Notice(blocked, "error")
            return
        situation = self.situation()
        if situation not in action.when:
            number = ((self.window_state or {}).get("ticket") or {}).get("number", "")
            self.notice = Notice(NOT_NOW.get(situation, "现在不能这样操作").format(number=number), "error")
            return
        if action.verb is not None:
            fields = {"outcome": "completed"} if action_id == "finish" else {}
            self._request(action_id, action.verb, fields)
            return
        self.dialog = self._dialog_for(action_id)
        if self.dialog is None:
            return

    def sign_in(self, staff: str, pin: str) -> None:
        """登录 with staff number and PIN (checked against the hall file's hash)."""
        blocked = self._cannot_act()
        if blocked:
            self.notice = Notice(blocked, "error")
            return
        now = self.clock()
        if now < self._locked_until:
            self.notice = Notice(f"密码错误次数过多，请{int(self._locked_until - now) + 1}秒后再试", "error")
            return
        person = self.config.staff.get(staff.strip())
        if person is not None and not person.pin:
            self.notice = Notice(f"工号{person.number}未设置登录密码，请联系大厅管理员", "error")
            return
        if person is None or not verify_pin(pin.strip(), person.pin):
            self._pin_failures += 1
            if self._pin_failures >= PIN_TRIES:
                self._pin_failures, self._locked_until = 0, now + PIN_LOCK_SECONDS
                self.notice = Notice(f"密码错误次数过多，请{int(PIN_LOCK_SECONDS)}秒后再试", "error")
            else:
                self.notice = Notice("工号或密码不正确，请重新输入", "error")
            return
        self._pin_failures = 0
        on_duty = ((self.window_state or {}).get("staff") or {})
        if on_duty.get("number") and on_duty["number"] != person.number:
            self.dialog = self._takeover_dialog(person.number, on_duty)
            return
        self.dialog = None
        self._request("sign_in", "staff_login", {"staff": person.number})

    def choose(self, value: str) -> None:
        """A choice in the open dialog."""
        d = self.dialog
        if d is None:
            return
        if d.kind == "takeover":
            self.dialog = None
            if value == "yes":
                self._request("sign_in", "staff_login", {"staff": d.context["staff"], "takeover": True})
            else:
                self.notice = Notice("已取消接替", "info")
        elif d.kind == "pause":
            self.dialog = None
            self._request("pause", "pause", {"reason": value})
        elif d.kind == "finish":
            if value == "rejected":
                self.dialog = Dialog("reject", "不予受理的原因", tuple((r, r) for r in REJECT_REASONS))
            else:
                self.dialog = None
                self._request("finish_other", "finish", {"outcome": value})
        elif d.kind == "reject":
            self.dialog = None
            self._request("finish_other", "finish", {"outcome": "rejected", "reason": value})
        elif d.kind == "transfer":
            self.dialog = None
            kind, _, target = value.partition(":")
            fields = {"to_service": target} if kind == "service" else {"to_window": target}
            if d.flag:
                fields["return_after"] = True
            self._request("transfer", "transfer", fields)
        elif d.kind in ("call_number", "call_held"):
            self.dialog = None
            self._request(d.kind, "call_number", {"number": value.strip().upper()})
        elif d.kind == "return_missed":
            self.dialog = None
            self._request("return_missed", "return_missed", {"number": value.strip().upper()})

    def enter_text(self, text: str) -> None:
        """The text of a dialog that asks for one (a ticket number), confirmed with Enter."""
        if self.dialog is None or self.dialog.text_prompt is None:
            return
        text = text.strip().upper()
        if not (text.isascii() and text.isalnum() and 2 <= len(text) <= 8):
            self.notice = Notice("请输入号码，例如A012", "error")
            return
        self.choose(text)

    def cancel(self) -> None:
        self.dialog = None

    # ------------------------------------------------------------------ what the window draws

    def situation(self) -> str:
        ws = self.window_state
        if ws is None:
            return "unknown"
        if ws.get("status") == "closed":
            return "signed_out"
        if ws.get("status") == "paused":
            return "paused"
        ticket = ws.get("ticket")
        if not ticket:
            return "idle"
        return "serving" if ticket.get("status") == "serving" else "called"

    def view(self) -> CallerView:
        ws = self.window_state or {}
        staff = ws.get("staff") or {}
        situation = self.situation()
        text = SITUATION_ZH[situation]
        if situation == "paused" and ws.get("pause_reason"):
            text = f"暂停服务：{ws['pause_reason']}"
        blocked = self._cannot_act()
        day = ws.get("staff_day") or {}
        shown = {"pause": situation != "paused", "resume": situation == "paused",
                 "sign_out": situation not in ("signed_out", "unknown")}
        signed_in = situation not in ("signed_out", "unknown")
        buttons = [ButtonView(a.id, "接替" if a.id == "sign_in" and signed_in else a.label, a.key,
                              not blocked and self.pending is None and situation in a.when)
                   for a in ACTIONS if shown.get(a.id, True)]
        held, missed, waiting = self.pools()
        return CallerView(
            window_name=self.window.name,
            staff=f"{staff['name']} {staff['number']}" if staff else "未登录",
            situation=situation, situation_text=text, online=not blocked,
            connection_text=blocked or "已连接", ticket=self._card(ws.get("ticket")), waiting=waiting,
            held=held, missed=missed, served=day.get("served"), handling_mean_min=day.get("handling_mean_min"),
            buttons=buttons, notice=self.notice, dialog=self.dialog, working=self.pending is not None,
        )

    def pools(self) -> tuple[list[str], list[str], int]:
        """(held, missed, waiting) over the services this window serves."""
        held, missed, waiting = [], [], 0
        for code in self.config.services:
            s = self.services.get(code)
            if code in self._skills and s:
                held += s.get("held", [])
                missed += s.get("missed", [])
                waiting += s.get("waiting", 0)
        return held, missed, waiting

    # ------------------------------------------------------------------ internals

    def _cannot_act(self) -> str | None:
        if not self.connected:
            return "与叫号系统的连接已中断，正在自动重连，暂时不能操作"
        if self.hub_online is not True:
            return "叫号系统主机未运行，暂时不能操作，请联系大厅管理员"
        if self.window_state is None:
            return "正在读取窗口状态，请稍候"
        return None

    def _request(self, action_id: str, verb: str, fields: dict) -> None:
        blocked = self._cannot_act()  # the connection may have gone while a dialog was open
        if blocked:
            self.notice = Notice(blocked, "error")
            return
        txn = f"{self._prefix}-{next(self._counter)}"
        payload = {"v": V, "verb": verb, "transaction": txn, **fields}
        self.pending = Pending(action_id, payload, self.clock())
        self.notice = Notice(f"{BY_ID[action_id].label}：正在处理…", "wait")
        if self.connected:
            self.send(payload)

    def _resend(self, force: bool = False) -> None:
        p = self.pending
        if p is None or not self.connected or (self.hub_online is False and not force):
            return
        p.attempts += 1
        p.sent_at = self.clock()
        self.send(p.payload)
        self.notice = Notice(f"{BY_ID[p.action].label}：正在等待系统响应（第{p.attempts}次发送）", "wait")

    def _reply(self, body: dict) -> None:
        p = self.pending
        if p is None or body.get("transaction") != p.payload["transaction"]:
            if body.get("transaction") is None and body.get("status") == "error":
                self.notice = Notice((body.get("error") or {}).get("message", "请求有误"), "error")
            return  # a duplicate answer to a request already settled
        self.pending = None
        if body.get("status") != "ok":
            error = body.get("error") or {}
            if error.get("code") == "window_occupied" and p.payload["verb"] == "staff_login" \
                    and not p.payload.get("takeover"):
                on_duty = (self.window_state or {}).get("staff") or {}
                self.dialog = self._takeover_dialog(p.payload["staff"], on_duty)
            self.notice = Notice(error.get("message") or "系统拒绝了这个操作", "error")
            return
        self.notice = Notice(self._done_text(p, body.get("data") or {}), "ok")

    def _done_text(self, p: Pending, data: dict) -> str:
        verb, number = p.payload["verb"], data.get("ticket", "")
        if verb == "staff_login":
            person = self.config.staff.get(p.payload["staff"])
            name = person.name if person else p.payload["staff"]
            return f"{name}（{p.payload['staff']}）已登录{self.window.name}" + ("（AB岗接替）" if p.payload.get("takeover") else "")
        if verb == "staff_logout":
            return "已退出登录，窗口已关闭"
        if verb == "pause":
            return f"已暂停服务：{p.payload['reason']}"
        if verb == "resume":
            return "已恢复服务"
        if verb == "call_number" or verb == "call_next":
            return f"正在呼叫{number}号"
        if verb == "recall":
            if data.get("status") == "missed":
                return f"{number}号重呼次数已满，已转入过号"
            return f"已重呼{number}号"
        if verb == "start":
            return f"{number}号开始办理"
        if verb == "no_show":
            return f"{number}号已过号"
        if verb == "hold":
            return f"{number}号已挂起"
        if verb == "transfer":
            target = p.payload.get("to_window") or p.payload.get("to_service")
            if p.payload.get("to_window") and p.payload["to_window"] in self.config.windows:
                target = self.config.windows[p.payload["to_window"]].name
            elif target in self.config.services:
                target = self.config.services[target].name
            back = "，办完回到本窗口" if p.payload.get("return_after") else ""
            return f"{number}号已转办至{target}{back}"
        if verb == "finish":
            if data.get("status") == "waiting" and data.get("pinned_window"):
                return f"{number}号已办完，转回{data['pinned_window']}号窗口"
            return f"{number}号已{OUTCOME_ZH.get(p.payload.get('outcome', 'completed'), '办结')}"
        if verb == "return_missed":
            return f"{number}号已回到队列"
        return "已完成"

    def _dialog_for(self, action_id: str) -> Dialog | None:
        held, missed, _ = self.pools()
        if action_id == "sign_in":
            return Dialog("sign_in", "登录：请输入工号和密码")
        if action_id == "pause":
            return Dialog("pause", "暂停服务的原因", tuple((r, r) for r in PAUSE_REASONS))
        if action_id == "finish_other":
            return Dialog("finish", "办结结果", OUTCOMES)
        if action_id == "transfer":
            in_hand = ((self.window_state or {}).get("ticket") or {}).get("service")
            choices = [(f"service:{c}", s.name) for c, s in self.config.services.items() if c != in_hand]
            choices += [(f"window:{w.id}", w.name) for w in self.config.windows.values() if w.id != self.window.id]
            return Dialog("transfer", "转办到", tuple(choices), flag=False)
        if action_id == "call_number":
            return Dialog("call_number", "特呼：输入号码", text_prompt="号码，例如A012")
        if action_id == "call_held":
            if not held:
                self.notice = Notice("挂起列表为空", "info")
                return None
            return Dialog("call_held", "叫挂起的号", tuple((n, n) for n in held))
        if action_id == "return_missed":
            if not missed:
                self.notice = Notice("过号列表为空", "info")
                return None
            return Dialog("return_missed", "回呼：选择过号的号码", tuple((n, n) for n in missed))
        raise KeyError(action_id)

    def _takeover_dialog(self, staff: str, on_duty: dict) -> Dialog:
        who = f"{on_duty.get('name', '')}（{on_duty.get('number', '')}）" if on_duty else "另一位工作人员"
        return Dialog("takeover", f"{self.window.name}当前由{who}登录。确认由工号{staff}接替（AB岗）？",
                      (("yes", "确认接替"), ("no", "取消")), context={"staff": staff})

    def _transferred(self, event: dict) -> None:
        data = event.get("data") or {}
        number = event.get("ticket")
        if not number:
            return
        origin = self.config.windows.get(event.get("window") or "")
        service = self.config.services.get(data.get("from_service") or "")
        parts = [p for p in (origin.name if origin else "", service.name if service else "") if p]
        self.origins[number] = "、".join(parts)
        if len(self.origins) > 500:
            self.origins.pop(next(iter(self.origins)))

    def _card(self, ticket: dict | None) -> TicketCard | None:
        if not ticket:
            return None
        now = self.clock()
        issued, called, started = (_epoch(ticket.get(k)) for k in ("issued_at", "called_at", "started_at"))
        waited = ((called or now) - issued) / 60.0 if issued else 0.0
        origin = self.origins.get(ticket.get("number", ""), "")
        if ticket.get("transfers") and not origin:
            origin = "其他窗口"
        if ticket.get("return_window"):
            origin = (origin + "，" if origin else "") + f"办完回{ticket['return_window']}号窗口"
        return TicketCard(
            number=ticket.get("number", ""), service_name=ticket.get("service_name", ""),
            status=STATUS_ZH.get(ticket.get("status", ""), ""), priority=PRIORITY_ZH.get(ticket.get("priority"), ""),
            waited_min=max(0, int(waited)),
            serving_min=max(0, int((now - started) / 60.0)) if started else None, origin=origin,
        )


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return dt.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None
